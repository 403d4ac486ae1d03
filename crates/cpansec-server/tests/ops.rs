//! Operations: reload without failed requests, limits, headers, static
//! routes, request logs.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cpansec_server::serve::Limits;

use crate::html::{hostile_db, hostile_server};
use crate::support::{get, post, raw, real};

fn replace_atomically(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn a_changed_database_is_swapped_in_while_requests_keep_succeeding() {
    let (s, dir) = hostile_server(Limits::default(), Some(Duration::from_millis(100)));
    let path = dir.path().join("db.json");
    let addr = s.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, done) = (Arc::clone(&stop), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let r = post(
                        addr,
                        "/v1/query",
                        br#"{"package":{"name":"Evil-Dist","ecosystem":"CPAN"},"version":"1.01"}"#,
                    );
                    if r.status != 200 || !r.text().contains("CPANSA-Evil-Dist-2026-0001") {
                        failures.push(r.status);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                failures
            })
        })
        .collect();
    let added = "/advisories/CPANSA-Evil-Dist-2026-0002";
    assert_eq!(get(addr, added).status, 404);
    // Alternate the two databases a few times under load.
    for round in 0..4 {
        let with_second = round % 2 == 0;
        replace_atomically(&path, &hostile_db(with_second));
        let want = if with_second { 200 } else { 404 };
        let t0 = Instant::now();
        while get(addr, added).status != want {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "reload {round} not seen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // A database that does not load leaves the current one serving.
    std::fs::write(&path, "{ not json").unwrap();
    let t0 = Instant::now();
    let failed = loop {
        if let Some(line) = s.next_log(Duration::from_millis(100)) {
            if line.contains("reload-failed") {
                break line;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no reload-failed event"
        );
    };
    assert!(failed.contains("db.json"), "{failed}");
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        assert_eq!(
            c.join().unwrap(),
            Vec::<u16>::new(),
            "failed requests during reloads"
        );
    }
    assert!(done.load(Ordering::Relaxed) > 20);
    assert_eq!(
        get(addr, "/advisories/CPANSA-Evil-Dist-2026-0001").status,
        200
    );
    // The home page lists what changed between loads.
    let home = get(addr, "/").text();
    assert!(
        home.contains("Recently changed") && home.contains("added"),
        "{home}"
    );
}

#[test]
fn reload_on_demand_keeps_the_change_list() {
    let (s, dir) = hostile_server(Limits::default(), None);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    replace_atomically(&dir.path().join("db.json"), &hostile_db(true));
    assert!(rt.block_on(s.reloader.reload("test")));
    let snap = s.shared.get();
    assert_eq!(snap.changes.len(), 1);
    assert_eq!(snap.changes[0].id.as_str(), "CPANSA-Evil-Dist-2026-0002");
    assert_eq!(snap.changes[0].what, "added");
}

#[test]
fn overload_is_shed_with_503_and_slow_bodies_time_out() {
    let limits = Limits {
        max_in_flight: 1,
        request_timeout: Duration::from_secs(1),
    };
    let (s, _dir) = hostile_server(limits, None);
    // Hold the only slot with a body that never finishes.
    let mut slow = TcpStream::connect(s.addr).unwrap();
    slow.write_all(b"POST /v1/audit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100\r\n\r\nrequires").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let shed = get(s.addr, "/healthz");
    assert_eq!(shed.status, 503);
    assert_eq!(shed.header("retry-after"), Some("1"));
    let mut buf = Vec::new();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    std::io::Read::read_to_end(&mut slow, &mut buf).unwrap();
    assert_eq!(crate::support::parse(&buf).status, 408);
    // The slot is free again.
    assert_eq!(get(s.addr, "/healthz").status, 200);
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let s = real();
    let big = vec![b' '; cpansec_server::index::MAX_QUERY_BODY + 1];
    assert_eq!(post(s.addr, "/v1/query", &big).status, 413);
    let huge = vec![b'#'; cpansec_server::index::MAX_AUDIT_BODY + 1];
    assert_eq!(post(s.addr, "/v1/audit", &huge).status, 413);
}

#[test]
fn static_routes_serve_only_their_table() {
    let s = real();
    let css = get(s.addr, "/static/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    for path in [
        "/static/../Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/static/..%5c..%5cCargo.toml",
        "/static/style.css/../../../../etc/passwd",
        "/static/",
        "/static//etc/passwd",
        "/patches/Net-IP-LPM/1.10/..%2f..%2f..%2fCargo.toml",
        "/patches/..%2f..%2f/x/y.patch",
    ] {
        let r = get(s.addr, path);
        assert_eq!(r.status, 404, "{path}");
        let t = String::from_utf8_lossy(&r.body);
        assert!(!t.contains("[package]") && !t.contains("root:"), "{path}");
    }
    // Raw dot segments on the wire are not resolved against anything either.
    let r = raw(
        s.addr,
        b"GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(r.status == 404 || r.status == 400, "{}", r.status);
}

#[test]
fn every_response_carries_security_headers_and_one_log_line() {
    let (s, _dir) = hostile_server(Limits::default(), None);
    for path in ["/", "/v1/vulns/CVE-2026-0001", "/nope", "/static/style.css"] {
        let r = get(s.addr, path);
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            r.header("content-security-policy"),
            Some(cpansec_server::serve::CSP)
        );
        let line = s.next_log(Duration::from_secs(5)).unwrap();
        let j: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(j["path"], path);
        assert_eq!(j["method"], "GET");
        assert_eq!(j["status"].as_u64().unwrap() as u16, r.status);
        assert!(j["us"].as_u64().is_some() && j["ts"].as_str().unwrap().ends_with('Z'));
        assert_eq!(j["bytes"].as_u64().unwrap() as usize, r.body.len());
    }
}
