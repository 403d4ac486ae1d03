//! `cpansec log`: init, add, import-checksums on a mini mirror laid out from the
//! CHECKSUMS files of `../shared/corpus/index/`.

use std::path::Path;

use crate::support::{cpansec, shared};

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
