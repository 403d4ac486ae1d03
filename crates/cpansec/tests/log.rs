//! `cpansec log`: init, add, import-checksums on a mini mirror laid out from the
//! CHECKSUMS files of `../shared/corpus/index/`.

use std::path::Path;

use predicates::prelude::*;

use crate::support::{copy_log, cpansec, shared, upload_record};

/// `authors/id/<A>/<AB>/<ID>/CHECKSUMS` for every corpus CHECKSUMS file named
/// after a PAUSE id directory.
fn mini_mirror(root: &Path) -> usize {
    let mut n = 0;
    for id in ["ANDK", "BUSTER"] {
        let src = shared().join(format!("corpus/index/andk__cpanpm__{id}__CHECKSUMS"));
        let dir = root.join(format!("authors/id/{}/{}/{id}", &id[..1], &id[..2]));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&src, dir.join("CHECKSUMS")).unwrap();
        n += 1;
    }
    n
}

#[test]
fn init_import_dedupe_alarm() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    assert_eq!(mini_mirror(&mirror), 2);
    let log = tmp.path().join("log");
    let out = cpansec()
        .args(["log", "init"])
        .arg(&log)
        .args(["--origin", "example.org/cpan"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let vkey = String::from_utf8(out).unwrap();
    assert!(vkey.starts_with("example.org/cpan+"), "{vkey}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(log.join("log.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    cpansec()
        .args(["log", "import-checksums"])
        .arg(&log)
        .arg(&mirror)
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "47 added, 0 already logged, 0 alarms",
        ));
    // A second run: everything is a duplicate.
    cpansec()
        .args(["log", "import-checksums"])
        .arg(&log)
        .arg(&mirror)
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "0 added, 47 already logged, 0 alarms",
        ));
    // A record for a logged path with another hash is an alarm (exit 1).
    let index = std::fs::read_to_string(log.join("index")).unwrap();
    let first = index.lines().next().unwrap();
    let path = first.split(' ').nth(2).unwrap();
    let record = format!(
        "cpan-upload/v1\npath {path}\ndist Acme-Study-Perl\nversion 0.0.2\nauthor ANDK\nsize 1\nsha256 {}\ntime 2026-12-02\n",
        "0".repeat(64)
    );
    cpansec()
        .args(["log", "add"])
        .arg(&log)
        .write_stdin(record)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "ALARM: authors/id/A/AN/ANDK/Acme-Study-Perl-0.0.2.tar.gz is entry 0",
        ));
    // A new record is appended.
    let record = format!(
        "cpan-upload/v1\npath authors/id/A/AN/ANDK/New-Dist-1.0.tar.gz\ndist New-Dist\nversion 1.0\nauthor ANDK\nsize 10\nsha256 {}\ntime 2026-12-02T07:00:00Z\n",
        "a".repeat(64)
    );
    cpansec()
        .args(["log", "add"])
        .arg(&log)
        .arg("-")
        .write_stdin(record)
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "1 added, 0 already logged, 0 alarms; log size 48",
        ));
    // Invalid records are refused with their line (exit 3).
    cpansec()
        .args(["log", "add"])
        .arg(&log)
        .write_stdin("cpan-upload/v1\npath x\n")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("upload record line"));
}

#[test]
fn verify_verdicts_and_fork_detection() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let log = tmp.path().join("log");
    cpansec()
        .args(["log", "init"])
        .arg(&log)
        .args(["--origin", "example.org/cpan"])
        .assert()
        .code(0);
    let file = tmp.path().join("Foo-Bar-1.0.tar.gz");
    std::fs::write(&file, b"the real tarball").unwrap();
    cpansec()
        .args(["log", "add"])
        .arg(&log)
        .write_stdin(upload_record(
            "authors/id/F/FO/FOO/Foo-Bar-1.0.tar.gz",
            b"the real tarball",
        ))
        .assert()
        .code(0);
    // A fork: a copy of the log that appends something else.
    let fork = tmp.path().join("fork");
    copy_log(&log, &fork);
    let verify = |dir: &Path, f: &Path| {
        let mut c = cpansec();
        c.env("XDG_CACHE_HOME", &cache)
            .args(["log", "verify"])
            .arg(f)
            .arg("--log")
            .arg(dir);
        c
    };
    verify(&log, &file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("OK").and(predicates::str::contains("entry 0 of 1")));
    let other = tmp.path().join("Other-1.0.tar.gz");
    std::fs::write(&other, b"x").unwrap();
    verify(&log, &other)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("no record"));
    let bad = tmp.path().join("bad/Foo-Bar-1.0.tar.gz");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, b"a tampered tarball").unwrap();
    verify(&log, &bad)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "the log has authors/id/F/FO/FOO/Foo-Bar-1.0.tar.gz",
        ));
    cpansec()
        .args(["log", "add"])
        .arg(&log)
        .write_stdin(upload_record(
            "authors/id/F/FO/FOO/Foo-Bar-1.1.tar.gz",
            b"1.1",
        ))
        .assert()
        .code(0);
    cpansec()
        .args(["log", "add"])
        .arg(&fork)
        .write_stdin(upload_record(
            "authors/id/F/FO/FOO/Foo-Bar-1.2.tar.gz",
            b"1.2",
        ))
        .assert()
        .code(0);
    // The log grew consistently: still OK, and the cache moves to size 2.
    verify(&log, &file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("entry 0 of 2"));
    // The fork has the same size and another root: a split view.
    verify(&fork, &file)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("does not extend"));
}

/// The batch size changes how often a checkpoint is published, not the log:
/// the same records in batches of 3 and in one batch give the same tree.
#[test]
fn batch_size_does_not_change_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let records: String = (0..10)
        .map(|i| {
            upload_record(
                &format!("authors/id/F/FO/FOO/Foo-Bar-1.{i}.tar.gz"),
                format!("release {i}").as_bytes(),
            ) + "\n"
        })
        .collect();
    let mut trees = Vec::new();
    for batch in ["3", "16384"] {
        let log = tmp.path().join(format!("log{batch}"));
        cpansec()
            .args(["log", "init"])
            .arg(&log)
            .args(["--origin", "example.org/cpan"])
            .assert()
            .code(0);
        cpansec()
            .args(["log", "add", "--batch", batch])
            .arg(&log)
            .write_stdin(records.clone())
            .assert()
            .code(0)
            .stderr(predicates::str::contains("10 added"));
        let checkpoint = std::fs::read_to_string(log.join("checkpoint")).unwrap();
        let tree: Vec<String> = checkpoint.lines().take(3).map(String::from).collect();
        trees.push(tree);
    }
    assert_eq!(trees[0][1], "10");
    assert_eq!(trees[0], trees[1]);
    cpansec()
        .args(["log", "add", "--batch", "0"])
        .arg(tmp.path().join("log3"))
        .write_stdin(records)
        .assert()
        .code(2);
}
