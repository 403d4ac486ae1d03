//! Scanning behaviour: ranges, core modules, remediation, renderers.

use std::io::Write;

use cpansec_advisory::Database;
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::{DependencySet, Fix, Format, scan};

use crate::support;

fn db() -> Database {
    Database::load_json_file(&support::current_db()).expect("database")
}

fn cpanfile(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("cpanfile");
    std::fs::File::create(&p)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("write");
    (dir, p)
}

#[test]
fn perl_and_core_pragmas_never_produce_findings() {
    let db = db();
    let (_d, p) = cpanfile("requires 'perl', '5.008';\nrequires 'strict';\nrequires 'warnings';\n");
    let set = DependencySet::from_cpanfile(&p, &db, &LoadOptions::default()).expect("cpanfile");
    assert!(set.dependencies.is_empty(), "{:?}", set.dependencies);
    assert!(scan(&db, &set).findings.is_empty());
}

#[test]
fn a_range_names_the_affected_releases_it_admits_and_its_line() {
    let db = db();
    let (_d, p) = cpanfile(
        "requires 'strict';\n\non test => sub {\n  requires 'DBI', '>= 1.600, < 1.643';\n};\n",
    );
    let set = DependencySet::from_cpanfile(&p, &db, &LoadOptions::default()).expect("cpanfile");
    let report = scan(&db, &set);
    let f = report
        .findings
        .iter()
        .find(|f| f.id.as_str() == "CPANSA-DBI-2020-01")
        .expect("DBI finding");
    assert_eq!(f.match_kind, "range");
    assert_eq!(f.origin.line, 4);
    assert_eq!(f.reached[0].phase.as_deref(), Some("test"));
    assert!(
        f.admitted_releases.iter().any(|r| r == "1.642"),
        "{:?}",
        f.admitted_releases
    );
    assert!(f.admitted_releases.iter().all(|r| r.as_str() < "1.643"));
    // No release inside the requirement is safe: the fix leaves it.
    let r = &report.remediations[0];
    assert!(
        matches!(
            &r.fix,
            Fix::Upgrade {
                within_requirement: false,
                ..
            }
        ),
        "{:?}",
        r.fix
    );
}

#[test]
fn features_are_scanned_and_can_be_selected() {
    let db = db();
    let (_d, p) =
        cpanfile("feature 'sqlite', 'SQLite' => sub {\n  requires 'DBD::SQLite', '== 1.44';\n};\n");
    let all = DependencySet::from_cpanfile(&p, &db, &LoadOptions::default()).expect("cpanfile");
    let report = scan(&db, &all);
    assert!(!report.findings.is_empty());
    assert_eq!(
        report.findings[0].reached[0].feature.as_deref(),
        Some("sqlite")
    );
    let none = LoadOptions {
        features: Some(vec!["other".into()]),
        ..Default::default()
    };
    let set = DependencySet::from_cpanfile(&p, &db, &none).expect("cpanfile");
    assert!(set.dependencies.is_empty());
}

#[test]
fn snapshot_with_cpanfile_marks_direct_dependencies_and_advises_non_dev_upgrades() {
    let db = db();
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = support::shared().join("corpus/snapshot/Act-TNG__Act.cpanfile.snapshot");
    std::fs::copy(&snap, dir.path().join("cpanfile.snapshot")).expect("copy");
    std::fs::write(
        dir.path().join("cpanfile"),
        "requires 'DBI';\nrequires 'strict';\n",
    )
    .expect("write");
    let set = DependencySet::from_dir(dir.path(), &db, &LoadOptions::default()).expect("dir");
    let report = scan(&db, &set);
    let dbi = report
        .findings
        .iter()
        .find(|f| f.dist == "DBI")
        .expect("DBI");
    assert!(dbi.reached[0].direct);
    assert_eq!(dbi.reached[0].origin.as_ref().map(|o| o.line), Some(1));
    for r in &report.remediations {
        if let Fix::Upgrade { to, .. } = &r.fix {
            assert!(!to.contains('_'), "{} -> {to}", r.dist);
        }
    }
    let plan = report.plan();
    assert_eq!(
        plan.upgrade.len() + plan.unfixed.len(),
        report.remediations.len()
    );
}

#[test]
fn renderers_are_deterministic_and_sarif_points_at_the_manifest() {
    let db = db();
    let snap = support::shared().join("corpus/snapshot/Act-TNG__Act.cpanfile.snapshot");
    let set =
        DependencySet::from_snapshot(&snap, None, &db, &LoadOptions::default()).expect("snapshot");
    let report = scan(&db, &set);
    let render = |f: Format| {
        let mut out = Vec::new();
        f.renderer().render(&report, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    };
    for f in [
        Format::Table { color: false },
        Format::Json,
        Format::Sarif,
        Format::Markdown,
    ] {
        assert_eq!(render(f), render(f));
    }
    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), report.findings.len());
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(".snapshot"))
    );
    assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l > 1));
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).expect("json");
    assert_eq!(json["schema"], "cpansec-audit/1");
    assert!(!render(Format::Table { color: false }).contains('\x1b'));
}

#[test]
fn bad_inputs_give_precise_errors_and_good_lines_still_count() {
    let db = db();
    let (_d, p) = cpanfile("requires 'DBI', '== 1.632';\nrequires 'Foo' '1';\n");
    let err =
        DependencySet::from_cpanfile(&p, &db, &LoadOptions::default()).expect_err("syntax error");
    assert!(err.to_string().contains("cpanfile"), "{err}");
    assert!(err.to_string().contains(":2:"), "names the line: {err}");
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("cpanfile.snapshot");
    std::fs::write(
        &snap,
        "# carton snapshot format: version 1.0\nDISTRIBUTIONS\n  Foo-1.2x\n    pathname: A/AU/AUTHOR/Foo-1.2x.tar.gz\n    provides:\n      Foo 1\n  DBI-1.632\n    pathname: T/TI/TIMB/DBI-1.632.tar.gz\n    provides:\n      DBI 1.632\n",
    )
    .expect("write");
    let set =
        DependencySet::from_snapshot(&snap, None, &db, &LoadOptions::default()).expect("snapshot");
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    assert!(
        set.problems[0].contains(":3:") && set.problems[0].contains("1.2x"),
        "{}",
        set.problems[0]
    );
    assert!(
        scan(&db, &set).findings.iter().any(|f| f.dist == "DBI"),
        "the good entry still yields findings"
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let e =
        DependencySet::from_dir(empty.path(), &db, &LoadOptions::default()).expect_err("nothing");
    assert!(e.to_string().contains("nothing to scan"));
}

#[test]
fn meta_prereqs_are_ranges_and_the_own_modules_are_not_dependencies() {
    let db = db();
    let dir = support::shared().join("corpus/meta-json");
    let mut scanned = 0;
    for entry in std::fs::read_dir(&dir).expect("meta dir") {
        let p = entry.expect("entry").path();
        let Ok(set) = DependencySet::from_meta(&p, &db, &LoadOptions::default()) else {
            continue;
        };
        scanned += 1;
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for d in &set.dependencies {
            assert_ne!(d.dist, "perl", "{name}");
            assert!(d.reached.iter().all(|r| r.direct), "{name}");
        }
        let report = scan(&db, &set);
        for f in &report.findings {
            assert_eq!(f.match_kind, "range");
            assert!(
                f.uncertain || !f.admitted_releases.is_empty(),
                "{name}: {f:?}"
            );
        }
    }
    assert!(scanned > 40, "{scanned} META.json files read");
}

#[test]
fn a_02packages_index_maps_modules_the_database_does_not_know() {
    let db = db();
    let (_d, p) = cpanfile("requires 'DBI::Not::In::The::Map', '== 1.632';\n");
    let without = DependencySet::from_cpanfile(&p, &db, &LoadOptions::default()).expect("cpanfile");
    assert!(without.dependencies.is_empty());
    let index = "File: 02packages.details.txt\nLine-Count: 1\n\nDBI::Not::In::The::Map 1.632 T/TI/TIMB/DBI-1.632.tar.gz\n";
    let packages = cpansec_meta::Packages::parse(index).expect("index");
    let opts = LoadOptions {
        packages: Some(std::sync::Arc::new(packages)),
        ..Default::default()
    };
    let with = DependencySet::from_cpanfile(&p, &db, &opts).expect("cpanfile");
    assert_eq!(with.dependencies.len(), 1);
    assert_eq!(with.dependencies[0].dist, "DBI");
    assert!(!scan(&db, &with).findings.is_empty());
}
