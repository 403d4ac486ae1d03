//! `cpansec audit`: exit codes, formats, policy and patch advice, end to end.

use std::path::Path;

use crate::support::{cpansec, current_db, shared};

fn project(stem: &str, cpanfile: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let snap = shared().join(format!("corpus/snapshot/{stem}.cpanfile.snapshot"));
    std::fs::copy(snap, dir.path().join("cpanfile.snapshot")).unwrap();
    if let Some(c) = cpanfile {
        std::fs::write(dir.path().join("cpanfile"), c).unwrap();
    }
    dir
}

fn audit(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cpansec()
        .arg("audit")
        .arg(dir)
        .arg("--db")
        .arg(current_db())
        .args(extra)
        .assert()
}

#[test]
fn findings_exit_1_and_exit_zero_overrides() {
    let p = project("Act-TNG__Act", Some("requires 'DBI';\n"));
    let out = audit(p.path(), &[]).code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("DBI 1.632"), "{text}");
    assert!(text.contains("Plan: upgrade "), "{text}");
    assert!(!text.contains('\x1b'));
    audit(p.path(), &["--exit-zero"]).code(0);
}

#[test]
fn threshold_counts_only_findings_at_or_above() {
    // GlobalNOC__simp's findings include unrated advisories, which always count.
    let p = project("GlobalNOC__simp", None);
    audit(p.path(), &["--severity-threshold", "critical"]).code(1);
}

#[test]
fn clean_project_exits_0_and_nothing_to_scan_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cpanfile"),
        "requires 'strict';\nrequires 'perl', '5.010';\n",
    )
    .unwrap();
    audit(dir.path(), &[]).code(0);
    let empty = tempfile::tempdir().unwrap();
    let err = audit(empty.path(), &[]).code(2).get_output().stderr.clone();
    assert!(String::from_utf8(err).unwrap().contains("nothing to scan"));
    audit(Path::new("/nonexistent/dir"), &[]).code(3);
}

#[test]
fn json_and_sarif_are_byte_identical_between_runs() {
    let p = project("isucon__isucon9-qualify", None);
    for format in ["json", "sarif", "markdown"] {
        let a = audit(p.path(), &["--format", format])
            .code(1)
            .get_output()
            .stdout
            .clone();
        let b = audit(p.path(), &["--format", format])
            .code(1)
            .get_output()
            .stdout
            .clone();
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn policy_errors_exit_2_and_ignores_apply() {
    let p = project("GlobalNOC__simp", None);
    std::fs::write(
        p.path().join(".cpansec.toml"),
        "[[ignore]]\nid = 'X'\nreasn = 'typo'\n",
    )
    .unwrap();
    audit(p.path(), &[]).code(2);
    let json = audit(p.path(), &["--config", "/dev/null", "--format", "json"])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let ids: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let policy: String = ids
        .iter()
        .map(|id| format!("[[ignore]]\nid = '{id}'\nreason = 'accepted'\n"))
        .collect();
    std::fs::write(p.path().join(".cpansec.toml"), policy).unwrap();
    audit(p.path(), &[]).code(0);
}

#[test]
fn one_off_queries_of_a_dist_or_module() {
    let db = current_db();
    cpansec()
        .args(["audit", "dist", "DBI", "1.643", "--db"])
        .arg(&db)
        .assert()
        .code(1);
    cpansec()
        .args(["audit", "dist", "DBI", "1.652", "--db"])
        .arg(&db)
        .assert()
        .code(0);
    let out = cpansec()
        .args([
            "audit", "module", "DBI", ">= 1.650", "--format", "json", "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["findings"][0]["match_kind"], "range");
    assert_eq!(v["remediations"][0]["fix"]["to"], "1.652");
    cpansec()
        .args(["audit", "module", "strict", "--db"])
        .arg(&db)
        .assert()
        .code(2);
}
