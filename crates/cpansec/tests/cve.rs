//! `cpansec cve`: build, check, announce and draft on the CNA fixtures in
//! ../shared/data/cna and the shared advisory database.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{cpansec, current_db, shared};

fn fixture(name: &str) -> String {
    shared().join("data/cna").join(name).display().to_string()
}

fn record(args: &[&str]) -> Value {
    let out = cpansec()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("a JSON record")
}

#[test]
fn updating_a_published_record_keeps_its_wording_where_the_yaml_agrees() {
    for id in ["CVE-2025-40906", "CVE-2025-40916", "CVE-2025-40933"] {
        let published_path = fixture(&format!("{id}.source.json"));
        let built = record(&[
            "cve",
            "build",
            "--published",
            &published_path,
            &fixture(&format!("{id}.yaml")),
        ]);
        let text = std::fs::read_to_string(fixture(&format!("{id}.source.json"))).unwrap();
        let published: Value = serde_json::from_str(&text).unwrap();
        for key in [
            "affected",
            "descriptions",
            "problemTypes",
            "title",
            "references",
        ] {
            assert_eq!(
                built["containers"]["cna"][key], published["containers"]["cna"][key],
                "{id} {key}"
            );
        }
    }
}

#[test]
fn a_published_record_next_to_the_yaml_is_updated_by_default() {
    let id = "CVE-2025-40906";
    let yaml = fixture(&format!("{id}.yaml"));
    let explicit = record(&[
        "cve",
        "build",
        "--published",
        &fixture(&format!("{id}.source.json")),
        &yaml,
    ]);
    let found = cpansec()
        .args(["cve", "build", &yaml])
        .assert()
        .success()
        .stderr(predicate::str::contains("found next to the YAML"))
        .get_output()
        .stdout
        .clone();
    let found: Value = serde_json::from_slice(&found).unwrap();
    assert_eq!(found, explicit);
    let alone = record(&["cve", "build", "--no-published", &yaml]);
    assert_ne!(
        alone["containers"]["cna"]["problemTypes"], found["containers"]["cna"]["problemTypes"],
        "the published record adds CWEs the YAML does not name"
    );

    // The same YAML on its own, and next to a record of another CVE.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("{id}.yaml"));
    std::fs::copy(&yaml, &copy).unwrap();
    let out = cpansec()
        .arg("cve")
        .arg("build")
        .arg(&copy)
        .assert()
        .success();
    let lone: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(lone, alone);
    std::fs::copy(
        fixture("CVE-2025-40916.source.json"),
        dir.path().join(format!("{id}.json")),
    )
    .unwrap();
    cpansec()
        .arg("cve")
        .arg("build")
        .arg(&copy)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not the YAML's"));
}

#[test]
fn build_without_the_published_record_and_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    cpansec()
        .args(["cve", "build", "--no-published", "-o"])
        .arg(&out)
        .arg(fixture("CVE-2025-40933.yaml"))
        .assert()
        .success()
        .stdout("");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(r["cveMetadata"]["cveId"], "CVE-2025-40933");
    assert_eq!(
        r["containers"]["cna"]["x_generator"]["engine"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("cpansec")
    );
}

#[test]
fn check_reports_the_template_fixture_with_lines_and_exits_1() {
    cpansec()
        .args(["cve", "check", &fixture("CVE-1900-9998.yaml")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "CVE-1900-9998.yaml:7:7: error[placeholder] cpansec.affected[0]",
        ))
        .stdout(predicate::str::contains("5 error(s)"));
    let out = cpansec()
        .args([
            "cve",
            "check",
            "--format",
            "json",
            &fixture("CVE-1900-9998.yaml"),
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["errors"], 5);
    cpansec()
        .args(["cve", "check", &fixture("CVE-2025-40916.yaml")])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 error(s)"));
}

#[test]
fn build_refuses_an_invalid_document_with_its_places() {
    cpansec()
        .args(["cve", "build", &fixture("CVE-2025-40906.source.json")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown field").or(predicate::str::contains("cpansec")));
}

#[test]
fn announce_renders_the_mail() {
    cpansec()
        .args(["cve", "announce", &fixture("CVE-2025-40906.yaml")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Subject: CVE-2025-40906: BSON::XS versions 0.8.4 and earlier for Perl includes a bundled libbson 1.1.7, which has several vulnerabilities\n",
        ))
        .stdout(predicate::str::contains("      Versions:  through 0.8.4\n"))
        .stdout(predicate::str::contains(
            "- CWE-1395 Dependency on Vulnerable Third-Party Component\n",
        ));
}

#[test]
fn draft_for_an_advisory_without_a_cve() {
    let r = record(&[
        "cve",
        "draft",
        "--db",
        &current_db().display().to_string(),
        "CPANSA-Log-Any-2023-001",
    ]);
    let cna = &r["containers"]["cna"];
    assert_eq!(cna["affected"][0]["packageName"], "Log-Any");
    assert_eq!(
        cna["affected"][0]["versions"][0],
        serde_json::json!({"status": "affected", "versionType": "custom", "version": "1.712", "lessThanOrEqual": "1.715"})
    );
    assert_eq!(cna["x_cpansecDraft"]["advisory"], "CPANSA-Log-Any-2023-001");
    cpansec()
        .args([
            "cve",
            "draft",
            "--db",
            &current_db().display().to_string(),
            "CPANSA-No-Such-2020-01",
        ])
        .assert()
        .code(3);
}
