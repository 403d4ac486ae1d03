//! `cpansec db ...` over the shared databases.

use predicates::prelude::*;

use crate::support::{self, cpansec};

#[test]
fn info_counts_the_current_database() {
    cpansec()
        .args(["db", "info", "--db"])
        .arg(support::current_db())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "advisories     1001 (2061 entries)",
        ))
        .stdout(predicate::str::contains(
            "generated      2026-08-16 14:31:00 UTC",
        ))
        .stderr("");
}

#[test]
fn info_json_has_counts_and_date() {
    let out = cpansec()
        .args(["db", "info", "--format", "json"])
        .env("CPANSEC_DB", support::current_db())
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["counts"]["advisories"], 1001);
    assert_eq!(doc["counts"]["releases"], 21743);
    assert_eq!(doc["source_kind"], "CPANSEC_DB");
    assert_eq!(doc["generated"], "2026-08-16 14:31:00 UTC");
}

#[test]
fn without_a_download_the_embedded_snapshot_is_used_with_a_warning() {
    cpansec()
        .args(["db", "info"])
        .assert()
        .success()
        .stdout(predicate::str::contains("embedded snapshot"))
        .stderr(predicate::str::contains(
            "snapshot built into cpansec, generated 2026-08-16",
        ));
}

#[test]
fn the_cached_download_is_preferred_to_the_snapshot() {
    let home = std::env::temp_dir().join(format!("cpansec-db-cache-{}", std::process::id()));
    let dir = home.join("cpansec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(support::old_db(), dir.join("cpan-security-advisory.json")).unwrap();
    cpansec()
        .args(["db", "info"])
        .env("XDG_CACHE_HOME", &home)
        .assert()
        .success()
        .stdout(predicate::str::contains("(downloaded copy)"))
        .stdout(predicate::str::contains("advisories     446"))
        .stderr(predicate::str::contains(
            "days old; run `cpansec db update`",
        ));
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn show_resolves_any_id_form() {
    for id in [
        "CVE-2013-4407",
        "cve-2013-4407",
        "CPANSA-HTTP-Body-2013-4407",
    ] {
        cpansec()
            .args(["db", "show", id, "--db"])
            .arg(support::current_db())
            .assert()
            .success()
            .stdout(predicate::str::starts_with("CVE-2013-4407\nid            CPANSA-HTTP-Body-2013-4407\n"))
            .stdout(predicate::str::contains(
                "releases      1.08 1.09 1.10 1.11 1.12 1.14 1.15 1.16 1.17 1.18 1.19 1.20 1.21 1.22\n",
            ));
    }
}

#[test]
fn show_json_lists_the_advisory_and_its_releases() {
    let out = cpansec()
        .args(["db", "show", "CVE-2013-4407", "--format", "json", "--db"])
        .arg(support::current_db())
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc[0]["advisory"]["id"], "CPANSA-HTTP-Body-2013-4407");
    assert_eq!(
        doc[0]["advisory"]["groups"][0]["affected"][0],
        ">=1.08,<1.23"
    );
    assert_eq!(doc[0]["affected_releases"].as_array().unwrap().len(), 14);
}

#[test]
fn show_unknown_and_malformed_ids() {
    cpansec()
        .args(["db", "show", "CVE-1999-99999", "--db"])
        .arg(support::current_db())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no advisory CVE-1999-99999"));
    cpansec()
        .args(["db", "show", "not-an-id", "--db"])
        .arg(support::current_db())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid advisory id"));
}

#[test]
fn a_malformed_database_is_an_error_naming_file_and_line() {
    let path = std::env::temp_dir().join(format!("cpansec-bad-db-{}.json", std::process::id()));
    std::fs::write(
        &path,
        "{\"meta\": {},\n \"module2dist\": [],\n \"dists\": {}}",
    )
    .unwrap();
    cpansec()
        .args(["db", "info", "--db"])
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("{}:2:", path.display())))
        .stderr(predicate::str::contains("at module2dist"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn lint_reports_problems_with_codes_and_exits_1() {
    cpansec()
        .args(["db", "lint", "--db"])
        .arg(support::current_db())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[invalid-alias] CPANSA-Yancy-X-CVE-2018-vue-001-vue cves: \"X-CVE-2018-vue-001\" is not a CVE id",
        ))
        .stdout(predicate::str::contains("   104  no-cve"));
    let out = cpansec()
        .args(["db", "lint", "--format", "json", "--db"])
        .arg(support::current_db())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["counts"]["no-cve"], 104);
    let first = &doc["problems"][0];
    for key in ["rule", "level", "id", "distribution", "field", "reason"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
}

#[test]
fn diff_of_the_shared_snapshots_shows_range_corrections_and_flips() {
    cpansec()
        .args(["db", "diff"])
        .arg(support::old_db())
        .arg(support::current_db())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "changed  CPANSA-CPAN-Checksums-2020-16155 (CPAN-Checksums)\n    affected_versions: [\">=2.12\"] -> [\"<=2.12\"]\n",
        ))
        .stdout(predicate::str::contains("    no longer affected: 2.13 2.14\n"))
        .stdout(predicate::str::ends_with("591 added, 36 removed, 71 changed\n"));
}

#[test]
fn diff_shows_the_http_body_correction() {
    let text = std::fs::read_to_string(support::current_db()).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = &mut doc["dists"]["HTTP-Body"]["advisories"][0];
    entry["affected_versions"] = serde_json::json!([">=1.08,<1.19"]);
    entry["fixed_versions"] = serde_json::json!([">=1.19"]);
    let before = std::env::temp_dir().join(format!("cpansec-before-{}.json", std::process::id()));
    std::fs::write(&before, doc.to_string()).unwrap();
    cpansec()
        .args(["db", "diff"])
        .arg(&before)
        .arg(support::current_db())
        .assert()
        .success()
        .stdout(
            "changed  CPANSA-HTTP-Body-2013-4407 (HTTP-Body)\n    \
             affected_versions: [\">=1.08,<1.19\"] -> [\">=1.08,<1.23\"]\n    \
             fixed_versions: [\">=1.19\"] -> [\">=1.23\"]\n    \
             newly affected: 1.19 1.20 1.21 1.22\n\
             0 added, 0 removed, 1 changed\n",
        );
    std::fs::remove_file(&before).unwrap();
}

#[test]
fn update_offline_reports_the_cached_copy_or_its_absence() {
    let home = std::env::temp_dir().join(format!("cpansec-db-offline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    cpansec()
        .args(["db", "update", "--offline"])
        .env("XDG_CACHE_HOME", &home)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "--offline: no downloaded database",
        ));
    std::fs::create_dir_all(home.join("cpansec")).unwrap();
    std::fs::copy(
        support::old_db(),
        home.join("cpansec/cpan-security-advisory.json"),
    )
    .unwrap();
    cpansec()
        .args(["db", "update", "--offline"])
        .env("XDG_CACHE_HOME", &home)
        .assert()
        .success()
        .stdout(predicate::str::contains("(downloaded copy)"))
        .stderr(predicate::str::contains("days ago"));
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn update_without_network_is_a_clear_error() {
    let home = std::env::temp_dir().join(format!("cpansec-db-nonet-{}", std::process::id()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cpansec()
        .args([
            "db",
            "update",
            "--url",
            &format!("http://127.0.0.1:{port}/x.json"),
        ])
        .env("XDG_CACHE_HOME", &home)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "cannot download http://127.0.0.1:",
        ));
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn export_osv_writes_one_record_per_advisory() {
    let dir = std::env::temp_dir().join(format!("cpansec-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    cpansec()
        .args(["db", "export", "--format", "osv", "--out"])
        .arg(&dir)
        .arg("--db")
        .arg(support::current_db())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("wrote 1001 records to "));
    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("CPANSA-HTTP-Body-2013-4407.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(record["affected"][0]["package"]["ecosystem"], "CPAN");
    assert!(dir.join("modified_id.csv").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_cpansa_feed_is_the_source_file_with_sorted_keys() {
    let dir = std::env::temp_dir().join(format!("cpansec-feed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for _ in 0..2 {
        cpansec()
            .args(["db", "export", "--format", "cpansa-feed", "--out"])
            .arg(&dir)
            .arg("--db")
            .arg(support::current_db())
            .assert()
            .success()
            .stdout(predicate::str::starts_with(
                "wrote 2061 advisory entries to ",
            ));
    }
    let path = dir.join("cpan-security-advisory.json");
    let ours: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(support::current_db()).unwrap()).unwrap();
    assert_eq!(ours, original);
    // and it is a database cpansec reads like the original
    cpansec()
        .args(["db", "info", "--db"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "advisories     1001 (2061 entries)",
        ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn info_reads_the_installed_cpan_audit_through_perl() {
    cpansec()
        .args(["db", "info", "--db", "perl:CPAN::Audit"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "source         perl:CPAN::Audit::DB 20230309.004 (installed perl module)\n",
        ))
        .stdout(predicate::str::contains(
            "generated      2023-03-09 06:57:35 UTC",
        ))
        .stdout(predicate::str::contains("(431 entries)"));
    cpansec()
        .args(["db", "info", "--db", "perl:No::Such::Module"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("perl:No::Such::Module"))
        .stderr(predicate::str::contains("Can't locate No/Such/Module.pm"));
}
