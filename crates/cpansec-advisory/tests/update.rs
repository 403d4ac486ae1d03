//! `update` against a loopback HTTP server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use cpansec_advisory::{CACHE_FILE, Database, Error, UpdateOutcome, update};

use crate::support;

/// One canned response: status line, extra headers, body.
type Response = (&'static str, Vec<(&'static str, &'static str)>, Vec<u8>);

/// Serves `responses` in order, one per connection, on 127.0.0.1; sends
/// each request's header lines back through the channel.
fn serve(responses: Vec<Response>) -> (String, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("test helper");
    let url = format!(
        "http://{}/db.json",
        listener.local_addr().expect("test helper")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (status, headers, body) in responses {
            let (stream, _) = listener.accept().expect("test helper");
            let mut reader = BufReader::new(stream.try_clone().expect("test helper"));
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("test helper");
                if line.trim().is_empty() {
                    break;
                }
                lines.push(line.trim().to_string());
            }
            tx.send(lines).expect("test helper");
            let mut out = stream;
            let mut head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            out.write_all(head.as_bytes()).expect("test helper");
            out.write_all(&body).expect("test helper");
        }
    });
    (url, rx)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cpansec-update-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("test helper");
    enc.finish().expect("test helper")
}

#[test]
fn downloads_then_asks_conditionally() {
    let old = std::fs::read(support::old_db_path()).unwrap();
    let (url, requests) = serve(vec![
        (
            "200 OK",
            vec![
                ("ETag", "\"v1\""),
                ("Last-Modified", "Sun, 17 Nov 2024 19:32:13 GMT"),
            ],
            gzip(&old),
        ),
        ("304 Not Modified", vec![], Vec::new()),
    ]);
    let dir = temp_dir("conditional");
    let first = update(&url, &dir).unwrap();
    assert!(matches!(first, UpdateOutcome::Updated { bytes, .. } if bytes == old.len() as u64));
    let first_request = requests.recv().unwrap();
    assert!(
        !first_request
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("if-none-match"))
    );
    let db = Database::load_json_file(&dir.join(CACHE_FILE)).unwrap();
    assert_eq!(db.entry_count(), 452);

    let second = update(&url, &dir).unwrap();
    assert!(matches!(second, UpdateOutcome::NotModified { .. }));
    let second_request = requests.recv().unwrap();
    let lower: Vec<String> = second_request
        .iter()
        .map(|l| l.to_ascii_lowercase())
        .collect();
    assert!(
        lower.contains(&"if-none-match: \"v1\"".to_string()),
        "{second_request:?}"
    );
    assert!(
        lower.contains(&"if-modified-since: sun, 17 nov 2024 19:32:13 gmt".to_string()),
        "{second_request:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_download_never_replaces_the_copy() {
    let old = std::fs::read(support::old_db_path()).unwrap();
    let (url, _requests) = serve(vec![
        ("200 OK", vec![], old.clone()),
        ("200 OK", vec![], old[..old.len() / 2].to_vec()),
        ("500 Internal Server Error", vec![], b"oops".to_vec()),
    ]);
    let dir = temp_dir("broken");
    update(&url, &dir).unwrap();
    let err = update(&url, &dir).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err}");
    let err = update(&url, &dir).unwrap_err();
    assert!(err.to_string().contains("HTTP status 500"), "{err}");
    assert_eq!(std::fs::read(dir.join(CACHE_FILE)).unwrap(), old);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "only the copy, its binary cache and its validators: {leftovers:?}"
    );
    let (db, status) = cpansec_advisory::Database::load_cached(
        &dir.join(CACHE_FILE),
        &cpansec_advisory::sibling_cache_path(&dir.join(CACHE_FILE)),
    )
    .unwrap();
    assert!(
        matches!(status, cpansec_advisory::CacheStatus::Hit),
        "update wrote the cache: {status:?}"
    );
    support::assert_same_db(&db, support::old_db());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_network_is_a_clear_error() {
    // A port that was just free: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/db.json");
    let err = update(&url, &temp_dir("offline")).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot download {url}: ")),
        "{err}"
    );
}
