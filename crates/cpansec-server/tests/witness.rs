//! The witness over HTTP on loopback: the torchwood litewitness exchange request
//! by request, content types and body limits, the monitoring endpoint,
//! concurrent submissions, restart, and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure is a test failure

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpansec_tlog::witness::{AddCheckpoint, MAX_REQUEST_SIZE, Witness, origin_hash};
use cpansec_tlog::{
    Checkpoint, CosignatureVerifier, Ed25519Signer, Ed25519Verifier, MemoryTree, VerifierList,
    leaf_hash, merkle, note,
};

const LOG_VKEY: &str = "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
const ORIGIN: &str =
    "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562";

fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("README.md").is_file(),
        "test data not found at {}",
        dir.display()
    );
    dir
}

/// (body, litewitness status, asserted body substring or exact body).
fn exchanges() -> Vec<(Vec<u8>, u16, String)> {
    let path = shared().join("vectors/tlog/litewitness/litewitness.txt");
    let text = std::fs::read_to_string(&path).expect("vector");
    text.split("POST http://localhost:7380/add-checkpoint\n```\n")
        .skip(1)
        .map(|block| {
            let (body, rest) = block.split_once("```\n").expect("fence");
            let status = rest.trim_start()[5..8].parse().expect("status");
            let want = rest
                .lines()
                .find_map(|l| {
                    l.strip_prefix("body contains ")
                        .or_else(|| l.strip_prefix("body == "))
                })
                .expect("assertion")
                .trim_matches('"')
                .replace("\\n", "\n");
            (body.as_bytes().to_vec(), status, want)
        })
        .collect()
}

/// A witness directory made by `Witness::init`, witnessing the given logs.
fn witness_dir(dir: &Path, logs: &[(&str, String)]) -> String {
    let vkey = Witness::init(dir, "example.com/witness").expect("init");
    let mut config = String::from("key = \"witness.key\"\n");
    for (origin, key) in logs {
        config.push_str(&format!(
            "\n[[log]]\norigin = {origin:?}\nkeys = [{key:?}]\n"
        ));
    }
    std::fs::write(dir.join("witness.toml"), config).expect("config");
    vkey
}

/// A server on a free loopback port, on its own runtime thread; dropping it
/// shuts the server down gracefully and checks that `serve` returned `Ok`.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let witness = Arc::new(Witness::open(dir).expect("open"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                tx.send(listener.local_addr()?).expect("send addr");
                cpansec_server::witness::serve(listener, witness, async {
                    let _ = stopped.await;
                })
                .await
            })
        });
        let addr = rx.recv().expect("server address");
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread").expect("serve returns Ok");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shutdown();
        }
    }
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

/// One HTTP/1.1 request on a new connection.
fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write head");
    // A server may answer (413) before reading a large body and close.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let raw = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let status = head[9..12].parse().expect("status");
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Reply {
        status,
        content_type,
        body: body.to_owned(),
    }
}

fn post(addr: SocketAddr, body: &[u8]) -> Reply {
    request(addr, "POST", "/add-checkpoint", body)
}

fn checkpoint_text(body: &[u8]) -> String {
    let req = AddCheckpoint::parse(body).expect("request");
    String::from_utf8(req.checkpoint).expect("utf-8")
}

#[test]
fn litewitness_exchange_over_http() {
    let tmp = tempfile::tempdir().expect("tmp");
    let vkey = witness_dir(tmp.path(), &[(ORIGIN, LOG_VKEY.to_owned())]);
    let server = Server::start(tmp.path());
    let list = VerifierList::new(vec![
        Box::new(Ed25519Verifier::from_vkey(LOG_VKEY).expect("log key")),
        Box::new(CosignatureVerifier::from_vkey(&vkey).expect("witness key")),
    ]);
    let mut statuses = Vec::new();
    for (i, (body, status, want)) in exchanges().iter().enumerate() {
        let r = post(server.addr, body);
        // The specification answers an unknown origin with 404, where this
        // litewitness exchange recorded 403 (same "unknown log" body).
        let expected = if want == "unknown log" { 404 } else { *status };
        assert_eq!(r.status, expected, "request {i}: {}", r.body);
        assert!(r.body.contains(want.as_str()), "request {i}: {:?}", r.body);
        match r.status {
            200 => {
                assert_eq!(r.content_type, "text/plain; charset=utf-8");
                let cosigned = checkpoint_text(body) + &r.body;
                let n = note::open(cosigned.as_bytes(), &list).expect("cosignature verifies");
                assert_eq!(n.signatures().len(), 2);
            }
            409 => {
                assert_eq!(r.content_type, "text/x.tlog.size");
                assert_eq!(&r.body, want, "exact body");
            }
            _ => assert_eq!(r.content_type, "text/plain; charset=utf-8"),
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses, [200, 403, 404, 422, 422, 200, 409, 200, 409]);

    // The monitoring endpoint serves the cosigned checkpoint of size 5.
    let r = request(
        server.addr,
        "GET",
        &format!("/{}/checkpoint", origin_hash(ORIGIN)),
        b"",
    );
    assert_eq!(r.status, 200);
    let n = note::open(r.body.as_bytes(), &list).expect("log and witness signatures");
    assert_eq!(n.signatures().len(), 2);
    let cp: Checkpoint = n.text().parse().expect("checkpoint");
    assert_eq!((cp.origin(), cp.size()), (ORIGIN, 5));
    let unknown = request(
        server.addr,
        "GET",
        &format!("/{}/checkpoint", origin_hash("x")),
        b"",
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(
        request(server.addr, "GET", "/ABC/checkpoint", b"").status,
        404
    );
    // Only POST; bounded bodies.
    assert_eq!(
        request(server.addr, "GET", "/add-checkpoint", b"").status,
        405
    );
    let big = vec![b'x'; MAX_REQUEST_SIZE + 1];
    assert_eq!(post(server.addr, &big).status, 413);
    assert_eq!(post(server.addr, b"old 0\n").status, 400);
    server.stop();

    // Restarted, the witness still knows size 5.
    let server = Server::start(tmp.path());
    let (body, _, _) = &exchanges()[6];
    let r = post(server.addr, body);
    assert_eq!((r.status, r.body.as_str()), (409, "5\n"));
}

#[test]
fn concurrent_submissions_cosign_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let signer = Ed25519Signer::from_seed("example.com/log", &[5; 32]).expect("signer");
    witness_dir(tmp.path(), &[("example.com/log", signer.verifier().vkey())]);
    let server = Server::start(tmp.path());
    let mut tree = MemoryTree::new();
    for i in 0..40 {
        tree.push(leaf_hash(format!("entry {i}").as_bytes()));
    }
    let body = |old: u64, size: u64| {
        let root = merkle::tree_hash(size, &tree).expect("root");
        let proof = if old == 0 {
            Vec::new()
        } else {
            merkle::consistency_proof(old, size, &tree).expect("proof")
        };
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: Checkpoint::new("example.com/log", size, root)
                .expect("cp")
                .sign(&[&signer])
                .expect("sign")
                .into_bytes(),
        }
        .to_bytes()
    };
    let mut size = 0;
    for _ in 0..4 {
        let bodies: Vec<Vec<u8>> = (1..=8).map(|k| body(size, size + k)).collect();
        let replies: Vec<Reply> = std::thread::scope(|s| {
            let hs: Vec<_> = bodies
                .iter()
                .map(|b| s.spawn(|| post(server.addr, b)))
                .collect();
            hs.into_iter().map(|h| h.join().expect("client")).collect()
        });
        let ok: Vec<usize> = (0..8).filter(|&i| replies[i].status == 200).collect();
        assert_eq!(ok.len(), 1, "exactly one cosigned");
        let won = size + 1 + ok[0] as u64;
        for r in replies.iter().filter(|r| r.status != 200) {
            assert_eq!((r.status, r.body.clone()), (409, format!("{won}\n")));
        }
        size = won;
    }
    server.stop();
}
