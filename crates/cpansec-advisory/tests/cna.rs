//! The CNA workflow over the team's real fixtures in ../shared/data/cna:
//! YAML -> CVE 5.1 record compared with the published records, schema
//! validation of every record (cvelib's bundled CVE 5.1 schema), lint and
//! announcement.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cpansec_advisory::cna::{self, BuildOptions, Level};
use serde_json::Value;

use crate::support;

fn fixtures() -> Vec<PathBuf> {
    let dir = support::shared().join("data/cna");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cna dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("CVE-") && n.ends_with(".yaml"))
        })
        .collect();
    v.sort();
    assert!(v.len() >= 4, "fixtures missing");
    v
}

fn published_of(yaml: &std::path::Path) -> Option<Value> {
    let stem = yaml.file_stem()?.to_str()?;
    let p = yaml.with_file_name(format!("{stem}.source.json"));
    let text = std::fs::read_to_string(p).ok()?;
    Some(serde_json::from_str(&text).expect("published record is JSON"))
}

fn build(yaml: &std::path::Path) -> Value {
    let text = cna::read_text(yaml).expect("readable");
    let doc = cna::parse(&text).expect("valid CNA YAML");
    cna::build_record(&doc, &BuildOptions::default())
}

fn cna_field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.pointer(&format!("/containers/cna/{key}"))
}

/// The fields the YAML determines and the published record states, compared
/// exactly after reconciliation; from the YAML alone, the same list
/// (minus what the module doc lists as not determined) must still agree.
const DETERMINED: &[&str] = &[
    "affected",
    "descriptions",
    "problemTypes",
    "title",
    "references",
    "solutions",
    "workarounds",
    "credits",
    "timeline",
    "impacts",
    "source",
    "metrics",
];

#[test]
fn reconciled_records_match_the_published_ones() {
    let mut compared = 0;
    for yaml in fixtures() {
        let Some(published) = published_of(&yaml) else {
            continue;
        };
        let mut record = build(&yaml);
        cna::reconcile(&mut record, &published).expect("same CVE");
        for key in DETERMINED {
            assert_eq!(
                cna_field(&record, key),
                cna_field(&published, key),
                "{}: {key}",
                yaml.display()
            );
        }
        assert_eq!(record["cveMetadata"], published["cveMetadata"]);
        compared += 1;
    }
    assert_eq!(compared, 3);
}

/// What the YAML alone gives, field by field, against the published record:
/// equal where the YAML determines the field; the exceptions are exactly
/// the hand edits the published records carry.
#[test]
fn yaml_alone_agrees_on_what_it_determines() {
    let mut results = Vec::new();
    for yaml in fixtures() {
        let Some(published) = published_of(&yaml) else {
            continue;
        };
        let record = build(&yaml);
        let name = yaml
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        for key in [
            "affected",
            "title",
            "references",
            "source",
            "problemTypes",
            "descriptions",
            "solutions",
            "impacts",
            "credits",
            "timeline",
            "metrics",
        ] {
            results.push((
                name.clone(),
                key,
                cna_field(&record, key) == cna_field(&published, key),
            ));
        }
        // The plain-text values agree everywhere (up to whitespace).
        let plain = |v: &Value, k: &str| -> Vec<String> {
            cna_field(v, k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("value").and_then(Value::as_str))
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        };
        for k in ["descriptions", "solutions"] {
            assert_eq!(plain(&record, k), plain(&published, k), "{name}: {k} text");
        }
        assert_eq!(
            record["cveMetadata"]["cveId"],
            published["cveMetadata"]["cveId"]
        );
    }
    let differing: Vec<String> = results
        .iter()
        .filter(|r| !r.2)
        .map(|(n, k, _)| format!("{n}:{k}"))
        .collect();
    // Hand edits after publication, none derivable from the YAML:
    // 40906: two CWEs added, each CWE its own problemType, <br> HTML with a
    //        trailing space, solutions' HTML without <div>;
    // 40916: the HTML description says "captcha text." where the text says "captcha.";
    // 40933: a CAPEC impact added.
    assert_eq!(
        differing,
        [
            "CVE-2025-40906:problemTypes",
            "CVE-2025-40906:descriptions",
            "CVE-2025-40906:solutions",
            "CVE-2025-40916:descriptions",
            "CVE-2025-40933:impacts",
        ]
    );
}

/// Validates every record in one python process against cvelib's bundled
/// CVE 5.1 schema; returns one line per record: `ok NAME` or `bad NAME msg`.
fn validate(records: &[(String, Value)]) -> Vec<String> {
    let script = r#"
import json, sys, os, glob
try:
    import cvelib, jsonschema
except ImportError as e:
    print("missing", e); sys.exit(2)
path = glob.glob(os.path.join(os.path.dirname(cvelib.__file__), "schemas", "CVE_JSON_bundled_5.1*.json"))[0]
schema = json.load(open(path))
v = jsonschema.Draft7Validator(schema)
for line in sys.stdin:
    name, doc = line.split("\t", 1)
    errs = sorted(v.iter_errors(json.loads(doc)), key=lambda e: list(e.path))
    print(("ok " + name) if not errs else ("bad " + name + " " + errs[0].message[:200]))
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut input = String::new();
    for (n, r) in records {
        input.push_str(&format!("{n}\t{r}\n"));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let w = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python finishes");
    w.join().expect("writer").expect("written");
    assert!(
        out.status.success(),
        "schema validation did not run (pip install cvelib jsonschema): {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_record_validates_against_the_cve_5_1_schema() {
    let mut records = Vec::new();
    for yaml in fixtures() {
        let name = yaml
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = cna::read_text(&yaml).expect("readable");
        // The template fixture is schema-valid YAML (only house style fails).
        let doc = cna::parse(&text).expect("schema-valid");
        let mut record = cna::build_record(&doc, &BuildOptions::default());
        records.push((format!("{name}:yaml"), record.clone()));
        if let Some(p) = published_of(&yaml) {
            cna::reconcile(&mut record, &p).expect("reconciles");
            records.push((format!("{name}:reconciled"), record));
        }
    }
    // Drafts for every advisory of the database without a CVE.
    let db = support::current_db();
    let mut drafts = 0;
    for a in db.advisories().filter(|a| a.cves().next().is_none()) {
        let (record, _) = cna::draft_record(a, db, &BuildOptions::default());
        records.push((format!("draft:{}", a.id), record));
        drafts += 1;
    }
    assert!(drafts > 100, "backlog has {drafts} advisories");
    let lines = validate(&records);
    assert_eq!(lines.len(), records.len());
    let bad: Vec<&String> = lines.iter().filter(|l| !l.starts_with("ok ")).collect();
    assert!(
        bad.is_empty(),
        "{} of {} invalid: {:?}",
        bad.len(),
        lines.len(),
        &bad[..bad.len().min(5)]
    );
}

#[test]
fn the_template_fixture_fails_house_style_with_places() {
    let yaml = support::shared().join("data/cna/CVE-1900-9998.yaml");
    let text = cna::read_text(&yaml).expect("readable");
    let problems = cna::check(&text);
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.level == Level::Error)
        .collect();
    let rules: Vec<(&str, &str, u64)> = errors
        .iter()
        .map(|p| (p.rule, p.path.as_str(), p.line))
        .collect();
    assert!(
        rules.contains(&("placeholder", "cpansec.affected[0]", 7)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("placeholder", "cpansec.title", 8)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("placeholder", "cpansec.references[0].link", 12)),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("placeholder", "cpansec.author", 5)),
        "{rules:?}"
    );
    assert!(problems.iter().any(|p| p.rule == "test-id" && p.line == 2));
}

#[test]
fn the_published_fixtures_have_no_errors() {
    for yaml in fixtures().into_iter().filter(|p| published_of(p).is_some()) {
        let text = cna::read_text(&yaml).expect("readable");
        let errors: Vec<_> = cna::check(&text)
            .into_iter()
            .filter(|p| p.level == Level::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", yaml.display());
    }
}

#[test]
fn schema_errors_name_path_line_and_column() {
    let text = "cpansec:\n  cve: CVE-25-1\n  distribution: A B\n  module: A::B\n  author: abc\n  affected: [\"1 2\", \"1.0\", \"1.0\"]\n  title: t\n  description: d\n  cwes: [CWE-x]\n  references:\n    - link: nota-uri\n      tags: [bogus]\n";
    let problems = cna::check(text);
    let find = |path: &str| {
        problems
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("{path}: {problems:?}"))
    };
    assert_eq!(
        (find("cpansec.cve").line, find("cpansec.cve").column),
        (2, 8)
    );
    assert_eq!(find("cpansec.distribution").rule, "distribution-name");
    assert_eq!(find("cpansec.author").rule, "author-id");
    assert_eq!(find("cpansec.affected[0]").rule, "affected-syntax");
    assert_eq!(find("cpansec.affected[2]").rule, "duplicate");
    assert_eq!(find("cpansec.cwes[0]").rule, "cwe");
    assert_eq!(find("cpansec.references[0].link").line, 11);
    assert_eq!(find("cpansec.references[0].tags[0]").rule, "reference-tag");
    assert!(
        matches!(cna::parse(text), Err(cna::CnaError::Invalid(v)) if v.iter().all(|p| p.level == Level::Error))
    );
}

#[test]
fn shape_errors_carry_line_and_column() {
    let unknown = "cpansec:\n  cve: CVE-2025-40906\n  bogus: 1\n";
    match cna::parse(unknown) {
        Err(cna::CnaError::Yaml { line, message, .. }) => {
            assert!(line >= 2, "{line}");
            assert!(message.contains("bogus"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        cna::parse("cpansec: ["),
        Err(cna::CnaError::Yaml { .. })
    ));
    assert!(matches!(cna::parse(""), Err(cna::CnaError::Yaml { .. })));
    let big = "x".repeat(cna::MAX_CNA_YAML_LEN + 1);
    assert!(matches!(
        cna::parse(&big),
        Err(cna::CnaError::TooLarge { .. })
    ));
}

#[test]
fn announcements_render_every_section() {
    let yaml = support::shared().join("data/cna/CVE-2025-40933.yaml");
    let text = cna::announcement(&build(&yaml));
    assert!(text.starts_with("Subject: CVE-2025-40933: Apache::AuthAny::Cookie v0.201 or earlier for Perl generates session ids insecurely\n"));
    assert!(
        text.contains(
            "\n  Distribution:  Apache-AuthAny\n      Versions:  from 0.19 through 0.201\n"
        )
    );
    assert!(text.contains("\n      MetaCPAN:  https://metacpan.org/dist/Apache-AuthAny\n"));
    assert!(text.contains("\nProblem types\n-------------\n- CWE-340 Generation of Predictable Numbers or Identifiers\n"));
    assert!(text.contains("\nReferences\n----------\nhttps://metacpan.org/release/KGOLDOV/"));
    assert!(
        text.lines()
            .all(|l| l.chars().count() <= 72 || !l.contains(' ') || l.starts_with("Subject:")),
        "{text}"
    );
    let bson = cna::announcement(&build(
        &support::shared().join("data/cna/CVE-2025-40906.yaml"),
    ));
    assert!(bson.contains("      Versions:  through 0.8.4\n"));
    assert!(bson.contains("      VCS Repo:  https://github.com/mongodb-labs/mongo-perl-bson-xs\n"));
    assert!(bson.contains("\nSolutions\n---------\nManually remove"));
}

#[test]
fn drafts_carry_the_advisory_ranges() {
    let db = support::current_db();
    let a = db
        .advisories()
        .find(|a| a.cves().next().is_none() && a.groups.iter().any(|g| !g.affected.is_empty()))
        .expect("an advisory without CVE");
    let (record, todo) = cna::draft_record(a, db, &BuildOptions::default());
    assert_eq!(record["cveMetadata"]["cveId"], cna::DRAFT_CVE_ID);
    assert_eq!(
        record["containers"]["cna"]["x_cpansecDraft"]["advisory"],
        a.id.as_str()
    );
    assert_eq!(
        record["containers"]["cna"]["affected"][0]["packageName"],
        a.distribution.as_str()
    );
    assert!(!todo.is_empty());
}

/// The hand edits of the published records, applied to what the YAML alone
/// gives, reproduce the published fields exactly: nothing else differs, and
/// each edit is one the README lists (none follows from the YAML).
#[test]
fn published_records_are_the_built_ones_plus_the_listed_hand_edits() {
    let dir = support::shared().join("data/cna");
    let load = |n: &str| -> (Value, Value) {
        let yaml = dir.join(format!("CVE-2025-{n}.yaml"));
        (build(&yaml), published_of(&yaml).expect("published record"))
    };
    let set = |v: &mut Value, ptr: &str, new: Value| {
        *v.pointer_mut(&format!("/containers/cna/{ptr}")).expect(ptr) = new;
    };
    let get = |v: &Value, ptr: &str| -> String {
        v.pointer(&format!("/containers/cna/{ptr}"))
            .and_then(Value::as_str)
            .expect(ptr)
            .to_string()
    };
    let cwe = |id: &str, name: &str| serde_json::json!({"cweId": id, "description": format!("{id} {name}"), "lang": "en", "type": "CWE"});

    // CVE-2025-40906: a space typed after "CVE-2025-0755." in the text and
    // its HTML; the HTML written as <br>-separated lines (Vulnogram's
    // editor) instead of one <div> per paragraph, also in the solutions;
    // each CWE its own problemType, and CWE-122 and CWE-190 (from the
    // bundled libbson's CVEs) added.
    let (mut built, published) = load("40906");
    let text = get(&built, "descriptions/0/value").replace("0755.\n", "0755. \n");
    let html = format!("{}<br>", text.replace("\n\n", "<br><br>"));
    set(&mut built, "descriptions/0/value", text.into());
    set(
        &mut built,
        "descriptions/0/supportingMedia/0/value",
        html.into(),
    );
    for i in 0..2 {
        let plain = get(&built, &format!("solutions/{i}/value"));
        set(
            &mut built,
            &format!("solutions/{i}/supportingMedia/0/value"),
            plain.into(),
        );
    }
    set(
        &mut built,
        "problemTypes",
        serde_json::json!([
            {"descriptions": [cwe("CWE-1395", "Dependency on Vulnerable Third-Party Component")]},
            {"descriptions": [cwe("CWE-1104", "Use of Unmaintained Third Party Components")]},
            {"descriptions": [cwe("CWE-122", "Heap-based Buffer Overflow")]},
            {"descriptions": [cwe("CWE-190", "Integer Overflow or Wraparound")]},
        ]),
    );
    for key in [
        "affected",
        "descriptions",
        "problemTypes",
        "title",
        "solutions",
    ] {
        assert_eq!(
            cna_field(&built, key),
            cna_field(&published, key),
            "40906 {key}"
        );
    }

    // CVE-2025-40916: the HTML description says "captcha text." where the
    // text (and the YAML) says "captcha.".
    let (mut built, published) = load("40916");
    let html = get(&built, "descriptions/0/supportingMedia/0/value")
        .replace("the captcha.</div>", "the captcha text.</div>");
    set(
        &mut built,
        "descriptions/0/supportingMedia/0/value",
        html.into(),
    );
    for key in [
        "affected",
        "descriptions",
        "problemTypes",
        "title",
        "solutions",
    ] {
        assert_eq!(
            cna_field(&built, key),
            cna_field(&published, key),
            "40916 {key}"
        );
    }

    // CVE-2025-40933: the compared fields are the YAML's; only a CAPEC-115
    // impact was added.
    let (built, published) = load("40933");
    for key in [
        "affected",
        "descriptions",
        "problemTypes",
        "title",
        "solutions",
    ] {
        assert_eq!(
            cna_field(&built, key),
            cna_field(&published, key),
            "40933 {key}"
        );
    }
    assert_eq!(
        published.pointer("/containers/cna/impacts/0/capecId"),
        Some(&Value::from("CAPEC-115"))
    );
}
