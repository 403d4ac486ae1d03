//! The YAML sources against the published JSON, distribution by
//! distribution.

use std::collections::BTreeSet;

use cpansec_advisory::{Advisory, Database, Id};

use crate::support;

fn yaml_db() -> Database {
    Database::load_yaml_dir(&support::shared().join("data/cpansa/yaml")).expect("YAML loads")
}

/// Reverses one round of UTF-8 bytes read as Latin-1 and encoded again
/// (`Â\u{a0}` for a no-break space); `None` when the text is not that.
fn undo_double_encoding(text: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Each way one advisory can differ between the sources, as text.
fn differences(y: &Advisory, j: &Advisory) -> Vec<String> {
    let mut out = Vec::new();
    let cves = |a: &Advisory| -> Vec<String> { a.cves().map(Id::to_string).collect() };
    if cves(y) != cves(j) {
        out.push(format!("cves {:?} vs {:?}", cves(y), cves(j)));
    }
    let ranges = |a: &Advisory| -> Vec<(Vec<String>, Vec<String>)> {
        a.groups
            .iter()
            .map(|g| {
                (
                    g.affected.iter().map(|r| r.as_str().to_string()).collect(),
                    g.fixed.iter().map(|r| r.as_str().to_string()).collect(),
                )
            })
            .collect()
    };
    if ranges(y) != ranges(j) {
        out.push(format!("ranges {:?} vs {:?}", ranges(y), ranges(j)));
    }
    if y.affected_set(&y.distribution) != j.affected_set(&j.distribution) {
        out.push("affected versions differ".into());
    }
    if y.description != j.description {
        if undo_double_encoding(&j.description).as_deref() == Some(y.description.as_str()) {
            out.push("description: JSON double-encodes UTF-8".into());
        } else {
            out.push("description".into());
        }
    }
    if y.severity != j.severity {
        out.push(format!("severity {:?} vs {:?}", y.severity, j.severity));
    }
    if y.references != j.references {
        out.push("references".into());
    }
    if y.reported != j.reported {
        out.push(format!("reported {:?} vs {:?}", y.reported, j.reported));
    }
    if y.embedded != j.embedded {
        out.push("embedded_vulnerability".into());
    }
    out
}

/// Every disagreement between the YAML sources and the JSON, for the
/// distributions the YAML curates.
fn disagreements(yaml: &Database, json: &Database) -> Vec<String> {
    let mut out = Vec::new();
    for dist in yaml.distributions() {
        let y_ids: BTreeSet<&Id> = dist.advisories.iter().collect();
        let j_ids: BTreeSet<&Id> = json
            .distribution(&dist.name)
            .map(|d| d.advisories.iter().collect())
            .unwrap_or_default();
        for id in y_ids.difference(&j_ids) {
            out.push(format!("{}: {id} only in YAML", dist.name));
        }
        for id in j_ids.difference(&y_ids) {
            out.push(format!("{}: {id} only in JSON", dist.name));
        }
        for id in y_ids.intersection(&j_ids) {
            if let (Some(y), Some(j)) = (yaml.advisory(id), json.advisory(id)) {
                for d in differences(y, j) {
                    out.push(format!("{}: {id}: {d}", dist.name));
                }
            }
        }
    }
    out
}

#[test]
fn yaml_sources_load() {
    let db = yaml_db();
    // 382 files; some distributions are split over several files.
    assert_eq!(db.distributions().len(), 368);
    assert_eq!(db.entry_count(), 722);
    let ghsa = db
        .lookup(&"GHSA-8v7w-j6g2-p6j2".parse().unwrap())
        .first()
        .map(|a| a.id.to_string());
    assert_eq!(ghsa.as_deref(), Some("CPANSA-HTTP-Body-2013-4407"));
}

/// The YAML and the JSON agree on every advisory both have: ids, CVEs,
/// range strings, affected versions, severity, references, reported date,
/// embedded library. The disagreements are of two known kinds only:
/// advisories for libraries bundled in a distribution (ids with a library
/// suffix, like `CPANSA-Tk-2016-10087-libpng`), which the JSON adds from
/// sources outside these YAML files, and descriptions the JSON carries with
/// its UTF-8 encoded twice (`Â\u{a0}` for a no-break space).
#[test]
fn yaml_agrees_with_json_for_every_curated_distribution() {
    let found = disagreements(&yaml_db(), support::current_db());
    let json_only_libraries = found
        .iter()
        .filter(|d| {
            d.ends_with(" only in JSON")
                && d.split(' ')
                    .nth(1)
                    .and_then(|id| id.parse::<Id>().ok())
                    .and_then(|id| id.cpansa_parts().and_then(|p| p.suffix.map(str::to_string)))
                    .is_some()
        })
        .count();
    let double_encoded = found
        .iter()
        .filter(|d| d.ends_with("description: JSON double-encodes UTF-8"))
        .count();
    let other: Vec<&String> = found
        .iter()
        .filter(|d| {
            !d.ends_with("description: JSON double-encodes UTF-8") && !d.ends_with(" only in JSON")
        })
        .collect();
    assert!(other.is_empty(), "unexpected disagreements: {other:#?}");
    assert_eq!(
        json_only_libraries + double_encoded,
        found.len(),
        "{found:#?}"
    );
    assert_eq!((json_only_libraries, double_encoded), (58, 15));
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("cpansec-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("CPANSA-Foo.yml");
    std::fs::write(
        &file,
        "---\nadvisories: []\ncpansa_version: 2\ndistribution: Foo\nlast_checked: 1\nlatest_version: '1'\nmetacpan: x\nsurprise: 1\n",
    )
    .unwrap();
    let err = Database::load_yaml_dir(&dir).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("CPANSA-Foo.yml:8:"), "{text}");
    assert!(text.contains("surprise"), "{text}");
    std::fs::write(
        &file,
        "---\nadvisories: []\ncpansa_version: 3\ndistribution: Foo\n",
    )
    .unwrap();
    let text = Database::load_yaml_dir(&dir).unwrap_err().to_string();
    assert!(text.contains("cpansa_version 3 is not 2"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
