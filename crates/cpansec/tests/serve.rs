//! `cpansec serve`: starts on a free port, answers, reloads the database on
//! SIGHUP (listing what changed), stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{cpansec, current_db, old_db};

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let status = buf.split(' ').nth(1).unwrap().parse().unwrap();
    let body = buf.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

fn wait_for(lines: &mpsc::Receiver<String>, what: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no {what} event"));
        if line.contains(what) {
            return line;
        }
    }
}

/// The served process, killed if the test fails before it stops it.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_answers_reloads_on_sighup_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    std::fs::copy(old_db(), &db).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("cpansec");
    let child = Command::new(bin)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--watch-interval",
            "0",
            "--db",
        ])
        .arg(&db)
        .env("HOME", "/nonexistent-home")
        .env_remove("CPANSEC_DB")
        .env_remove("XDG_CACHE_HOME")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let (tx, rx) = mpsc::channel();
    let stderr = server.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    let listening: serde_json::Value = serde_json::from_str(&wait_for(&rx, "listening")).unwrap();
    let addr = listening["addr"].as_str().unwrap().to_string();
    let (status, body) = get(&addr, "/healthz");
    assert_eq!(status, 200);
    let before: serde_json::Value = serde_json::from_str(&body).unwrap();
    let request_log = wait_for(&rx, "/healthz");
    assert!(request_log.contains("\"status\":200"), "{request_log}");

    // Replace the file, then ask for a reload.
    let tmp = dir.path().join("db.json.new");
    std::fs::copy(current_db(), &tmp).unwrap();
    std::fs::rename(&tmp, &db).unwrap();
    let kill = |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &server.0.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
    };
    kill("-HUP");
    let reloaded = wait_for(&rx, "reloaded");
    assert!(reloaded.contains("SIGHUP"), "{reloaded}");
    let (_, body) = get(&addr, "/healthz");
    let after: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        after["database"]["advisories"].as_u64() > before["database"]["advisories"].as_u64(),
        "{before} -> {after}"
    );
    // The home page lists what changed between the two databases, first
    // what was added.
    let old = cpansec_advisory::Database::load_json_file(&old_db()).unwrap();
    let new = cpansec_advisory::Database::load_json_file(&current_db()).unwrap();
    let diff = cpansec_advisory::diff(&old, &new);
    let first = (diff.added.iter().map(|a| &a.id))
        .chain(diff.removed.iter().map(|a| &a.id))
        .chain(diff.changed.iter().map(|c| &c.id))
        .next()
        .expect("the two shared databases differ");
    let (_, home) = get(&addr, "/");
    assert!(home.contains("Recently changed"));
    assert!(home.contains(first.as_str()), "{first} not in {home}");

    kill("-TERM");
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn serve_refuses_a_database_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    std::fs::write(&db, "{\"meta\": ").unwrap();
    let out = cpansec()
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("db.json"), "{err}");
}
