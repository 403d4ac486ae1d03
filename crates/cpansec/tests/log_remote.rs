//! `cpansec log verify` and `log monitor` against a log server on loopback
//! (cpansec-server's router over a log built from the corpus's CHECKSUMS),
//! and `log monitor` on a directory.

use std::path::{Path, PathBuf};

use cpansec_tlog::{Ed25519Signer, note};
use predicates::prelude::*;

use crate::support::{copy_log, cpansec, shared, upload_record};

/// Serves the log in `dir` on 127.0.0.1 (a free port) from a background
/// thread; returns its URL.
fn serve(dir: &Path) -> String {
    let app = cpansec_server::tlog::router(dir).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || rt.block_on(async { axum::serve(listener, app).await }));
    format!("http://{addr}")
}

/// A log of the corpus's ANDK and BUSTER CHECKSUMS (imported as from a
/// mirror) plus 600 records appended with `log add`; returns its verifier key.
fn build_log(tmp: &Path, log: &Path) -> String {
    let mirror = tmp.join("mirror");
    for id in ["ANDK", "BUSTER"] {
        let src = shared().join(format!("corpus/index/andk__cpanpm__{id}__CHECKSUMS"));
        let dir = mirror.join(format!("authors/id/{}/{}/{id}", &id[..1], &id[..2]));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&src, dir.join("CHECKSUMS")).unwrap();
    }
    let out = cpansec()
        .args(["log", "init"])
        .arg(log)
        .args(["--origin", "example.org/cpan"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    cpansec()
        .args(["log", "import-checksums"])
        .arg(log)
        .arg(&mirror)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("47 added"));
    let mut more = String::new();
    for i in 0..600 {
        if i > 0 {
            more.push('\n');
        }
        let path = format!("authors/id/T/TE/TESTER/Filler-{i}-1.0.tar.gz");
        more.push_str(&upload_record(&path, path.as_bytes()));
    }
    cpansec()
        .args(["log", "add"])
        .arg(log)
        .write_stdin(more)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("600 added"));
    String::from_utf8(out).unwrap().trim().to_string()
}

/// A copy of a log directory.
/// POSTs a record signed by `signer` to the server; returns the status.
fn submit(url: &str, signer: &Ed25519Signer, record: &str) -> u16 {
    let body = note::sign(&note::Note::new(record), &[signer as &dyn note::Signer]).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .post(&format!("{url}/add"))
        .send(body.as_bytes())
        .unwrap()
        .status()
        .as_u16()
}

fn with_submitter(log: &Path) -> Ed25519Signer {
    let s = Ed25519Signer::generate("pause.example.org").unwrap();
    std::fs::write(log.join("submitters"), s.verifier().vkey() + "\n").unwrap();
    s
}

#[test]
fn verify_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let log = tmp.path().join("log");
    let vkey = build_log(tmp.path(), &log);
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
    let fork = tmp.path().join("fork");
    copy_log(&log, &fork);
    let signer = with_submitter(&log);
    let fork_signer = with_submitter(&fork);
    let url = serve(&log);
    let fork_url = serve(&fork);
    let verify = |url: &str, f: &Path| {
        let mut c = cpansec();
        c.env("XDG_CACHE_HOME", &cache)
            .args(["log", "verify"])
            .arg(f)
            .args(["--log", url, "--key", &vkey]);
        c
    };
    verify(&url, &file)
        .assert()
        .code(0)
        .stdout(
            predicates::str::contains("OK").and(predicates::str::contains(
                "entry 647 of 648 in example.org/cpan",
            )),
        );
    let cached = cache.join("cpansec/tlog/example.org_cpan.checkpoint");
    assert!(
        std::fs::read_to_string(&cached)
            .unwrap()
            .contains("\n648\n")
    );
    // A server's key is never taken from the server.
    cpansec()
        .env("XDG_CACHE_HOME", &cache)
        .args(["log", "verify"])
        .arg(&file)
        .args(["--log", &url])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--key"));
    // Another key: the checkpoint does not verify.
    let other = Ed25519Signer::generate("example.org/cpan").unwrap();
    cpansec()
        .env("XDG_CACHE_HOME", &cache)
        .args(["log", "verify"])
        .arg(&file)
        .args(["--log", &url, "--key", &other.verifier().vkey()])
        .assert()
        .code(3);
    // A corpus file by its path, a tampered file, a file not logged.
    let real = tmp.path().join("x.tar.gz");
    std::fs::write(&real, b"not CPAN-2.28").unwrap();
    verify(&url, &real)
        .arg("--path")
        .arg("authors/id/A/AN/ANDK/CPAN-2.28.tar.gz")
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "the log has authors/id/A/AN/ANDK/CPAN-2.28.tar.gz with size",
        ));
    let bad = tmp.path().join("bad/Foo-Bar-1.0.tar.gz");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, b"a tampered tarball").unwrap();
    verify(&url, &bad)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("the log has"));
    let none = tmp.path().join("Nobody-1.0.tar.gz");
    std::fs::write(&none, b"x").unwrap();
    verify(&url, &none)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("no record"));

    // The log grows through the server: still consistent, OK.
    let v11 = upload_record("authors/id/F/FO/FOO/Foo-Bar-1.1.tar.gz", b"1.1");
    assert_eq!(submit(&url, &signer, &v11), 200);
    verify(&url, &file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("entry 647 of 649"));
    // The fork appended something else at 648: it does not extend what we saw.
    let v12 = upload_record("authors/id/F/FO/FOO/Foo-Bar-1.2.tar.gz", b"1.2");
    assert_eq!(submit(&fork_url, &fork_signer, &v12), 200);
    assert_eq!(
        submit(&fork_url, &fork_signer, &v11.replace("1.1", "1.3")),
        200
    );
    verify(&fork_url, &file)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("does not extend"));
    // With a policy naming the log's key (no witnesses required).
    let policy = tmp.path().join("policy");
    std::fs::write(&policy, format!("log {vkey} {url}\nquorum none\n")).unwrap();
    cpansec()
        .env("XDG_CACHE_HOME", &cache)
        .args(["log", "verify"])
        .arg(&file)
        .args(["--log", &url])
        .arg("--policy")
        .arg(&policy)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("OK"));
}

fn monitor(cache: &Path, log: &str, vkey: &str) -> assert_cmd::Command {
    let mut c = cpansec();
    c.env("XDG_CACHE_HOME", cache).args([
        "log",
        "monitor",
        "--log",
        log,
        "--key",
        vkey,
        "--author",
        "BUSTER",
        "--dist",
        "CPAN",
        "Devel-Symdump",
    ]);
    c
}

#[test]
fn monitor_reports_and_alarms() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log");
    let vkey = build_log(tmp.path(), &log);
    let fork = tmp.path().join("fork");
    copy_log(&log, &fork);
    let signer = with_submitter(&log);
    let fork_signer = with_submitter(&fork);
    let url = serve(&log);
    let fork_url = serve(&fork);
    let cache = tmp.path().join("cache");

    // First run: a baseline over all 647 entries, nothing reported.
    monitor(&cache, &url, &vkey)
        .assert()
        .code(0)
        .stdout(predicates::str::is_empty())
        .stderr(predicates::str::contains(
            "baseline at size 647 (647 entries read)",
        ));
    let state =
        std::fs::read_to_string(cache.join("cpansec/tlog/example.org_cpan.monitor")).unwrap();
    assert!(state.contains("\ndist CPAN ANDK\n"), "{state}");
    // Nothing new.
    monitor(&cache, &url, &vkey)
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "size 647 -> 647, 0 entries read, 0 watched uploads, 0 alarms",
        ));
    // ANDK releases CPAN again; an unwatched upload; BUSTER uploads.
    for (path, data) in [
        ("authors/id/A/AN/ANDK/CPAN-2.29.tar.gz", &b"2.29"[..]),
        ("authors/id/O/OT/OTHER/Other-1.0.tar.gz", b"other"),
        ("authors/id/B/BU/BUSTER/New-Thing-0.01.tar.gz", b"new"),
    ] {
        assert_eq!(submit(&url, &signer, &upload_record(path, data)), 200);
    }
    monitor(&cache, &url, &vkey)
        .assert()
        .code(0)
        .stdout(
            predicates::str::contains("NEW entry 647: CPAN 2.29 by ANDK")
                .and(predicates::str::contains(
                    "NEW entry 649: New-Thing 0.01 by BUSTER",
                ))
                .and(predicates::str::contains("Other").not())
                .and(predicates::str::contains("ALARM").not()),
        )
        .stderr(predicates::str::contains(
            "size 647 -> 650, 3 entries read, 2 watched uploads, 0 alarms",
        ));
    // Someone else uploads CPAN: an alarm, reported once.
    assert_eq!(
        submit(
            &url,
            &signer,
            &upload_record("authors/id/E/EV/EVIL/CPAN-2.30.tar.gz", b"evil")
        ),
        200
    );
    monitor(&cache, &url, &vkey).assert().code(1).stdout(predicates::str::contains(
        "ALARM entry 650: CPAN 2.30 uploaded by EVIL, who never released CPAN before (released by ANDK)",
    ));
    monitor(&cache, &url, &vkey)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("0 alarms"));

    // The same log read from its directory agrees (its own cache).
    let dir_cache = tmp.path().join("dircache");
    monitor(&dir_cache, log.to_str().unwrap(), &vkey)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("baseline at size 651"));

    // A fork (a different entry 647 and more): an alarm, the state is kept.
    for i in 0..5 {
        let path = format!("authors/id/A/AN/ANDK/CPAN-3.{i}.tar.gz");
        assert_eq!(
            submit(&fork_url, &fork_signer, &upload_record(&path, b"f")),
            200
        );
    }
    let before = std::fs::read(cache.join("cpansec/tlog/example.org_cpan.monitor")).unwrap();
    monitor(&cache, &fork_url, &vkey).assert().code(1).stdout(
        predicates::str::contains("ALARM example.org/cpan").and(predicates::str::contains("fork")),
    );
    let after = std::fs::read(cache.join("cpansec/tlog/example.org_cpan.monitor")).unwrap();
    assert_eq!(before, after);
    // Watching a new distribution rereads the log from the start.
    let mut c = cpansec();
    c.env("XDG_CACHE_HOME", &cache)
        .args(["log", "monitor", "--log", &url, "--key", &vkey])
        .args(["--dist", "CPAN", "Convert-UU"])
        .assert()
        .code(0)
        .stderr(predicates::str::contains("651 entries read"));
    // Usage: nothing to watch.
    cpansec()
        .env("XDG_CACHE_HOME", &cache)
        .args(["log", "monitor", "--log", &url, "--key", &vkey])
        .assert()
        .code(2);
    // A damaged state file is an error naming it.
    let state_file: PathBuf = cache.join("cpansec/tlog/example.org_cpan.monitor");
    std::fs::write(&state_file, "cpansec-monitor/v1\nsize 3\n\nx").unwrap();
    monitor(&cache, &url, &vkey)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("example.org_cpan.monitor"));
}
