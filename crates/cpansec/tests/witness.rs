//! `cpansec witness init` and `cpansec witness serve`: the litewitness exchange
//! against the running binary, SIGTERM shutdown, state across a restart and
//! across a SIGKILL.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{cpansec, shared};

const LOG_VKEY: &str = "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
const ORIGIN: &str =
    "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562";

fn bodies() -> Vec<String> {
    let text = std::fs::read_to_string(shared().join("vectors/tlog/litewitness/litewitness.txt"))
        .expect("vector");
    text.split("POST http://localhost:7380/add-checkpoint\n```\n")
        .skip(1)
        .map(|b| b.split_once("```\n").expect("fence").0.to_owned())
        .collect()
}

fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("response");
    (head[9..12].parse().expect("status"), body.to_owned())
}

/// A running `cpansec witness serve`, its address and its stderr lines.
struct Serve {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

fn serve(dir: &Path) -> Serve {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cpansec"))
        .args(["witness", "serve"])
        .arg(dir)
        .args(["--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let (tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("serve prints its address");
        if let Some(a) = line.strip_prefix("listening on http://") {
            break a.parse().expect("address");
        }
    };
    Serve { child, addr, lines }
}

impl Serve {
    /// SIGTERM, then the exit status and the rest of stderr.
    fn terminate(mut self) -> (bool, String) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = self.child.wait().expect("wait");
        let rest: Vec<String> = self.lines.iter().collect();
        (status.success(), rest.join("\n"))
    }
}

#[test]
fn init_serve_restart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("w");
    let out = cpansec()
        .args(["witness", "init"])
        .arg(&dir)
        .args(["--name", "example.com/witness"])
        .assert()
        .success();
    let vkey = String::from_utf8(out.get_output().stdout.clone()).expect("utf-8");
    assert!(vkey.starts_with("example.com/witness+"), "{vkey}");
    assert_eq!(
        std::fs::read_to_string(dir.join("witness.vkey")).expect("vkey"),
        vkey
    );
    // A second init does not overwrite the key.
    cpansec()
        .args(["witness", "init"])
        .arg(&dir)
        .args(["--name", "example.com/witness"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("already exists"));

    let mut config = std::fs::read_to_string(dir.join("witness.toml")).expect("config");
    config.push_str(&format!(
        "\n[[log]]\norigin = {ORIGIN:?}\nkeys = [{LOG_VKEY:?}]\n"
    ));
    std::fs::write(dir.join("witness.toml"), &config).expect("config");

    let bodies = bodies();
    let server = serve(&dir);
    let statuses: Vec<u16> = bodies[..6].iter().map(|b| post(server.addr, b).0).collect();
    assert_eq!(statuses, [200, 403, 404, 422, 422, 200]);
    let (ok, stderr) = server.terminate();
    assert!(ok, "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");

    // After the restart the witness is at size 3.
    let server = serve(&dir);
    assert_eq!(post(server.addr, &bodies[6]), (409, "3\n".to_owned()));
    let (status, body) = post(server.addr, &bodies[7]);
    assert_eq!(status, 200);
    assert!(body.starts_with("\u{2014} example.com/witness "), "{body}");
    // Killed without warning right after answering: the size it acknowledged
    // was on disk before the answer.
    let mut server = server;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("wait");
    let server = serve(&dir);
    assert_eq!(post(server.addr, &bodies[8]), (409, "5\n".to_owned()));
    let (ok, stderr) = server.terminate();
    assert!(ok, "{stderr}");

    // A broken configuration: exit 3 naming the file.
    std::fs::write(dir.join("witness.toml"), config.replace("keys", "kyes")).expect("config");
    cpansec()
        .args(["witness", "serve"])
        .arg(&dir)
        .args(["--addr", "127.0.0.1:0"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("witness.toml"));
}
