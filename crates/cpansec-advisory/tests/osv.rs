//! OSV export of the real database, validated against the OSV 1.7 schema
//! (python jsonschema, one process for all records), with only the
//! ecosystem and id-prefix rules widened for CPAN, which OSV does not list.

use std::process::Command;

use cpansec_advisory::{OsvRecord, export_osv};

use crate::support;

#[test]
fn every_exported_record_validates() {
    let dir = std::env::temp_dir().join(format!("cpansec-osv-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let n = export_osv(support::current_db(), &dir).unwrap();
    assert_eq!(n, 1001);
    let csv = std::fs::read_to_string(dir.join("modified_id.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1001);
    let (checked, invalid) = cpansec_test_support::osv::validate_osv_dir(&dir);
    assert_eq!(checked, 1001);
    assert!(invalid.is_empty(), "{invalid:#?}");
    // all.zip: one entry per record, each the same bytes as the file.
    let zip_file = std::fs::File::open(dir.join("all.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(zip_file).unwrap();
    assert_eq!(zip.len(), 1001);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        assert!(
            name.starts_with("CPANSA-") && name.ends_with(".json"),
            "{name}"
        );
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert_eq!(bytes, std::fs::read(dir.join(&name)).unwrap(), "{name}");
    }
    // modified_id.csv: `<RFC 3339 time>,<id>`, newest first.
    let rows: Vec<(&str, &str)> = csv.lines().map(|l| l.split_once(',').unwrap()).collect();
    assert!(rows.windows(2).all(|w| w[0].0 >= w[1].0));
    assert!(
        rows.iter()
            .all(|(m, id)| m.ends_with('Z') && id.starts_with("CPANSA-"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn http_body_record_has_ranges_versions_and_aliases() {
    let db = support::current_db();
    let a = db
        .advisory(&"CPANSA-HTTP-Body-2013-4407".parse().unwrap())
        .unwrap();
    let doc = serde_json::to_value(OsvRecord::from_advisory(db, a)).unwrap();
    assert_eq!(doc["aliases"], serde_json::json!(["CVE-2013-4407"]));
    assert_eq!(doc["modified"], "2026-08-16T14:31:00Z");
    assert_eq!(doc["published"], "2013-09-02T00:00:00Z");
    let affected = &doc["affected"][0];
    assert_eq!(affected["package"]["purl"], "pkg:cpan/HTTP-Body");
    assert_eq!(
        affected["ranges"][0]["events"],
        serde_json::json!([{"introduced": "1.08"}, {"fixed": "1.23"}])
    );
    assert_eq!(affected["versions"].as_array().unwrap().len(), 14);
    assert_eq!(doc["database_specific"]["severity"], "moderate");
}

/// An exact-version entry (`==`) becomes `introduced` + `last_affected`.
#[test]
fn exact_versions_use_last_affected() {
    let db = support::current_db();
    let a = db
        .advisory(&"CPANSA-DBD-SQLite-2018-3906-sqlite".parse().unwrap())
        .unwrap();
    let doc = serde_json::to_value(OsvRecord::from_advisory(db, a)).unwrap();
    let events = &doc["affected"][0]["ranges"][0]["events"];
    assert_eq!(
        events,
        &serde_json::json!([{"introduced": "1.67_01"}, {"last_affected": "1.67_01"}])
    );
}

#[test]
fn atom_feed_is_well_formed_and_newest_first() {
    let mut out = Vec::new();
    cpansec_advisory::export_atom(support::current_db(), &mut out).unwrap();
    let script = r#"
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
root = ET.parse(sys.stdin.buffer).getroot()
entries = root.findall("a:entry", ns)
dates = [e.find("a:updated", ns).text for e in entries]
assert dates == sorted(dates, reverse=True), "not newest first"
assert all(e.find("a:id", ns).text.startswith("urn:cpansa:CPANSA-") for e in entries)
print(len(entries))
"#;
    let text = String::from_utf8(out).unwrap();
    let printed = support_python(script, &text);
    assert_eq!(printed.trim(), "1001");
}

fn support_python(script: &str, input: &str) -> String {
    use std::io::Write as _;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("python3 reads");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The validator the export tests rely on does reject: a record with an id
/// that is not a string and no `modified` is reported.
#[test]
fn the_osv_validator_reports_an_invalid_record() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), r#"{"id": 5}"#).unwrap();
    let (checked, invalid) = cpansec_test_support::osv::validate_osv_dir(dir.path());
    assert_eq!(checked, 1);
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(invalid[0].starts_with("invalid bad.json"), "{invalid:?}");
}
