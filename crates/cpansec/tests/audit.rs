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

/// The byte range of section `k` of a format 3 database cache (header of
/// 201 bytes; its section directory starts at byte 73, 24 bytes a section).
fn cache_section(bytes: &[u8], k: usize) -> std::ops::Range<usize> {
    let word =
        |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes")) as usize;
    let start = 201 + word(73 + 24 * k);
    start..start + word(73 + 24 * k + 8)
}

#[test]
fn a_cache_damaged_past_its_header_is_rebuilt_and_the_audit_done_again() {
    let p = project("metacpan__metacpan-api", None);
    let home = tempfile::tempdir().unwrap();
    let run = || {
        cpansec()
            .env("XDG_CACHE_HOME", home.path())
            .arg("audit")
            .arg(p.path())
            .arg("--db")
            .arg(current_db())
            .args(["--format", "json", "--exit-zero"])
            .assert()
            .code(0)
            .get_output()
            .clone()
    };
    let first = run();
    let caches: Vec<_> = std::fs::read_dir(home.path().join("cpansec/db-cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(caches.len(), 1, "{caches:?}");
    let good = std::fs::read(&caches[0]).unwrap();
    // Section 2 holds the advisory records; the audit reads some of them.
    // Flip a byte in every 64th advisory-record byte so that one it reads
    // is damaged.
    let mut bad = good.clone();
    for at in cache_section(&good, 2).step_by(64) {
        bad[at] ^= 0x01;
    }
    std::fs::write(&caches[0], &bad).unwrap();
    let second = run();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("checksum mismatch") && err.contains("rebuilding the database cache"),
        "{err}"
    );
    assert_eq!(
        first.stdout, second.stdout,
        "same findings after the rebuild"
    );
    assert_eq!(std::fs::read(&caches[0]).unwrap(), good, "cache rewritten");
    let third = run();
    assert!(
        third.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert_eq!(first.stdout, third.stdout);
}
