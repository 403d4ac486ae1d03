//! The witness state machine (`cpansec_tlog::witness`): the torchwood litewitness
//! exchange replayed request by request, split views, every status of the
//! protocol, persistence across restarts, concurrent requests for one log, and Go's
//! `sumdb/note` verifying the cosigned checkpoints.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cpansec_tlog::cosignature::{self, CosignatureVerifier};
use cpansec_tlog::witness::{AddCheckpoint, Rejection, Witness, format_skey, origin_hash};
use cpansec_tlog::{
    Checkpoint, Ed25519Signer, Ed25519Verifier, Error, Hash, MemoryTree, VerifierList, leaf_hash,
    merkle, note,
};

use crate::support::{build_go, read, vectors};

const LOG_VKEY: &str = "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
const TIME: u64 = 1_767_139_200;

/// One request of the exchange: its body, the status litewitness gave and what
/// the exchange asserts about the response body.
#[derive(Debug)]
pub struct Exchange {
    pub body: Vec<u8>,
    pub status: u16,
    pub contains: Option<String>,
    pub equals: Option<String>,
}

/// The requests of `litewitness.txt`, in order.
pub fn exchanges() -> Vec<Exchange> {
    let text = String::from_utf8(read(&vectors("litewitness/litewitness.txt"))).expect("utf-8");
    let mut out = Vec::new();
    for block in text
        .split("POST http://localhost:7380/add-checkpoint\n```\n")
        .skip(1)
    {
        let (body, rest) = block.split_once("```\n").expect("closing fence");
        let status = rest
            .trim_start()
            .strip_prefix("HTTP ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let quoted = |prefix: &str| {
            rest.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .map(|q| q.trim_matches('"').replace("\\n", "\n"))
        };
        out.push(Exchange {
            body: body.as_bytes().to_vec(),
            status,
            contains: quoted("body contains "),
            equals: quoted("body == "),
        });
    }
    out
}

/// The Ed25519 seed of the exchange's witness key (`witness_key.pem`, OpenSSH
/// format: the private section holds "ssh-ed25519", the public key, then seed ||
/// public key).
pub fn litewitness_seed() -> [u8; 32] {
    let text = String::from_utf8(read(&vectors("litewitness/litewitness.txt"))).expect("utf-8");
    let pem = text
        .split("-- witness_key.pem --\n")
        .nth(1)
        .and_then(|t| t.split("-----END").next())
        .expect("witness_key.pem");
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let raw = B64.decode(b64).expect("pem base64");
    let name = b"\0\0\0\x0bssh-ed25519";
    let at = raw
        .windows(name.len())
        .enumerate()
        .filter(|(_, w)| *w == name)
        .map(|(i, _)| i + name.len())
        .nth(1)
        .expect("private section");
    // string(public key, 32) string(seed || public key, 64)
    let private = raw
        .get(at + 4 + 32 + 4..at + 4 + 32 + 4 + 32)
        .expect("seed");
    private.try_into().expect("32 bytes")
}

/// A witness directory with the given key and logs (origin, verifier keys).
pub fn witness_dir(dir: &Path, name: &str, seed: &[u8; 32], logs: &[(&str, &[String])]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(dir.join("witness.key"), format_skey(name, seed) + "\n").expect("key");
    let mut config = String::from("key = \"witness.key\"\n");
    for (origin, keys) in logs {
        let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
        config.push_str(&format!(
            "\n[[log]]\norigin = {origin:?}\nkeys = [{}]\n",
            keys.join(", ")
        ));
    }
    std::fs::write(dir.join("witness.toml"), config).expect("config");
}

fn litewitness_origin() -> String {
    LOG_VKEY.split('+').next().expect("name").to_owned()
}

fn open_cosigned(checkpoint: &str, lines: &str, verifier: CosignatureVerifier) -> note::Note {
    let list = VerifierList::new(vec![
        Box::new(Ed25519Verifier::from_vkey(LOG_VKEY).expect("log key")),
        Box::new(verifier),
    ]);
    note::open(format!("{checkpoint}{lines}").as_bytes(), &list).expect("cosigned note verifies")
}

/// The status the exchange expects, as the specification of `../shared/specs`
/// defines it: litewitness answered an unknown origin with 403, the current
/// tlog-witness requires 404 (with the same "unknown log" body).
fn spec_status(e: &Exchange) -> u16 {
    if e.status == 403 && e.contains.as_deref() == Some("unknown log") {
        404
    } else {
        e.status
    }
}

#[test]
fn litewitness_exchange() {
    let tmp = tempfile::tempdir().expect("tmp");
    let seed = litewitness_seed();
    witness_dir(
        tmp.path(),
        "example.com/witness",
        &seed,
        &[(&litewitness_origin(), &[LOG_VKEY.to_owned()])],
    );
    let w = Witness::open(tmp.path()).expect("open");
    let ex = exchanges();
    assert_eq!(ex.len(), 9);
    let mut statuses = Vec::new();
    for (i, e) in ex.iter().enumerate() {
        let (status, body) = match w.add_checkpoint_at(&e.body, TIME + i as u64) {
            Ok(c) => {
                let req = AddCheckpoint::parse(&e.body).expect("request");
                let cp = String::from_utf8(req.checkpoint).expect("utf-8");
                let text = &cp[..=cp.rfind("\n\n").expect("blank")];
                let n = open_cosigned(&cp, &c.signatures, w.verifier());
                assert_eq!(n.signatures().len(), 2, "log signature and cosignature");
                assert_eq!(
                    cosignature::timestamp(&n.signatures()[1]),
                    Some(TIME + i as u64)
                );
                let latest = w
                    .latest(&litewitness_origin())
                    .expect("state")
                    .expect("some");
                assert_eq!(
                    latest.note,
                    format!("{text}\n{}{}", n.signatures()[0], "\n") + &c.signatures
                );
                (200, c.signatures)
            }
            Err(r) => (r.status(), r.to_string()),
        };
        assert_eq!(status, spec_status(e), "request {i}: {body}");
        if let Some(want) = &e.contains {
            assert!(
                body.contains(want.as_str()),
                "request {i}: {body:?} lacks {want:?}"
            );
        }
        if let Some(want) = &e.equals {
            assert_eq!(&body, want, "request {i}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 403, 404, 422, 422, 200, 409, 200, 409]);
    // The witness's public key is the one litewitness was started with
    // (`-key=<hex SHA-256 of the Ed25519 public key>`, as sigsum names keys).
    use sha2::Digest as _;
    assert_eq!(
        cpansec_tlog::record::hex32(&sha2::Sha256::digest(w.verifier().public_key()).into()),
        "e933707e0e36c30f01d94b5d81e742da373679d88eb0f85f959ccd80b83b992a"
    );
    // And `witnessctl list-logs` reports size 5.
    let latest = w
        .latest(&litewitness_origin())
        .expect("state")
        .expect("some");
    assert_eq!(latest.size, 5);
}

/// A log of our own: its signer, tree and verifier key.
struct TestLog {
    signer: Ed25519Signer,
    tree: MemoryTree,
}

impl TestLog {
    fn new(origin: &str, seed: u8) -> TestLog {
        TestLog {
            signer: Ed25519Signer::from_seed(origin, &[seed; 32]).expect("signer"),
            tree: MemoryTree::new(),
        }
    }
    fn vkey(&self) -> String {
        self.signer.verifier().vkey()
    }
    fn grow(&mut self, n: u64, tag: &str) {
        while self.tree.size() < n {
            let s = self.tree.size();
            self.tree.push(leaf_hash(format!("{tag} {s}").as_bytes()));
        }
    }
    fn signed(&self, size: u64) -> String {
        let root = merkle::tree_hash(size, &self.tree).expect("root");
        Checkpoint::new(note::Signer::name(&self.signer), size, root)
            .expect("checkpoint")
            .sign(&[&self.signer])
            .expect("sign")
    }
    fn request(&self, old: u64, size: u64) -> Vec<u8> {
        let proof = if old == 0 {
            Vec::new()
        } else {
            merkle::consistency_proof(old, size, &self.tree).expect("proof")
        };
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: self.signed(size).into_bytes(),
        }
        .to_bytes()
    }
}

fn one_log_witness(dir: &Path, log: &TestLog) -> Witness {
    let origin = note::Signer::name(&log.signer).to_owned();
    witness_dir(
        dir,
        "witness.example/w1",
        &[9; 32],
        &[(&origin, &[log.vkey()])],
    );
    Witness::open(dir).expect("open")
}

fn status(r: Result<cpansec_tlog::witness::Cosigned, Rejection>) -> u16 {
    r.map_or_else(|e| e.status(), |_| 200)
}

#[test]
fn refuses_a_split_view() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut honest = TestLog::new("example.com/log", 1);
    honest.grow(10, "honest");
    let w = one_log_witness(tmp.path(), &honest);
    assert_eq!(
        status(w.add_checkpoint_at(&honest.request(0, 4), TIME)),
        200
    );

    // The same key signs another tree: same size, other root.
    let mut fork = TestLog::new("example.com/log", 1);
    fork.grow(10, "fork");
    match w.add_checkpoint_at(&fork.request(4, 4), TIME) {
        Err(Rejection::Inconsistent(m)) => assert!(m.contains("split view"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A larger fork with a proof that is valid for the fork's own size-4 tree.
    match w.add_checkpoint_at(&fork.request(4, 9), TIME) {
        Err(Rejection::Inconsistent(m)) => assert!(m.contains("consistency proof"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Nothing changed, and the refused checkpoints are kept as evidence.
    let latest = w.latest("example.com/log").expect("state").expect("some");
    assert_eq!(
        (latest.size, latest.root),
        (4, merkle::tree_hash(4, &honest.tree).expect("root"))
    );
    let evidence = std::fs::read_dir(tmp.path().join("evidence"))
        .expect("evidence")
        .count();
    assert_eq!(evidence, 2);
    // The honest log goes on.
    assert_eq!(
        status(w.add_checkpoint_at(&honest.request(4, 10), TIME)),
        200
    );
    assert_eq!(
        status(w.add_checkpoint_at(&honest.request(10, 10), TIME)),
        200
    );
    match w.add_checkpoint_at(&fork.request(0, 10), TIME) {
        Err(Rejection::Conflict { size }) => assert_eq!(size, 10),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_status_of_the_protocol() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut log = TestLog::new("example.com/log", 1);
    log.grow(8, "e");
    let w = one_log_witness(tmp.path(), &log);
    let with = |old: u64, proof: Vec<Hash>, checkpoint: String| {
        AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: checkpoint.into_bytes(),
        }
        .to_bytes()
    };
    // 422: size 0 with another root than the empty tree's.
    let zero_bad = Checkpoint::new("example.com/log", 0, leaf_hash(b"x"))
        .expect("cp")
        .sign(&[&log.signer])
        .expect("sign");
    assert_eq!(
        status(w.add_checkpoint_at(&with(0, vec![], zero_bad), TIME)),
        422
    );
    // 200: the empty tree.
    let zero = Checkpoint::new("example.com/log", 0, Hash::EMPTY_TREE)
        .expect("cp")
        .sign(&[&log.signer])
        .expect("sign");
    assert_eq!(
        status(w.add_checkpoint_at(&with(0, vec![], zero), TIME)),
        200
    );
    // 422: a proof from size 0.
    let proof = merkle::consistency_proof(2, 8, &log.tree).expect("proof");
    assert_eq!(
        status(w.add_checkpoint_at(&with(0, proof, log.signed(8)), TIME)),
        422
    );
    // 400: old size above the checkpoint size.
    assert_eq!(
        status(w.add_checkpoint_at(&with(9, vec![], log.signed(8)), TIME)),
        400
    );
    // 400: not a request; a checkpoint note without signatures; a bad checkpoint.
    assert_eq!(status(w.add_checkpoint_at(b"old 0\n", TIME)), 400);
    let unsigned = format!("{}\n", log.signed(8).split("\n\n").next().expect("text"));
    assert_eq!(
        status(w.add_checkpoint_at(&with(0, vec![], unsigned), TIME)),
        400
    );
    assert_eq!(
        status(w.add_checkpoint_at(
            b"old 0\n\nexample.com/log\n01\nx\n\n\xe2\x80\x94 a AAAAAAA=\n",
            TIME
        )),
        400
    );
    // 404: another origin, even signed by a known key name.
    let other = TestLog::new("example.com/other", 1);
    assert_eq!(
        status(w.add_checkpoint_at(&with(0, vec![], other.signed(0)), TIME)),
        404
    );
    // 403: signed by another key under the log's name; a known key's bad signature.
    let impostor = TestLog {
        signer: Ed25519Signer::from_seed("example.com/log", &[2; 32]).expect("signer"),
        tree: log.tree.clone(),
    };
    match w.add_checkpoint_at(&impostor.request(0, 8), TIME) {
        Err(Rejection::Forbidden(m)) => assert!(m.contains("no signature by a key"), "{m}"),
        other => panic!("{other:?}"),
    }
    let good = log.signed(8);
    let sig_at = good.rfind(' ').expect("sig") + 10;
    let mut bad = good.into_bytes();
    bad[sig_at] = if bad[sig_at] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bad).expect("utf-8");
    match w.add_checkpoint_at(&with(0, vec![], bad), TIME) {
        Err(Rejection::Forbidden(m)) => assert!(m.contains("invalid signature"), "{m}"),
        other => panic!("{other:?}"),
    }
    // 200, then 409 with the current size, then 422 on a bad proof, then 200
    // on the same checkpoint again (re-cosigned).
    assert_eq!(status(w.add_checkpoint_at(&log.request(0, 3), TIME)), 200);
    match w.add_checkpoint_at(&log.request(2, 8), TIME) {
        Err(Rejection::Conflict { size }) => assert_eq!(size, 3),
        other => panic!("{other:?}"),
    }
    let mut proof = merkle::consistency_proof(3, 8, &log.tree).expect("proof");
    proof[0].0[0] ^= 1;
    assert_eq!(
        status(w.add_checkpoint_at(&with(3, proof, log.signed(8)), TIME)),
        422
    );
    assert_eq!(status(w.add_checkpoint_at(&log.request(3, 8), TIME)), 200);
    assert_eq!(status(w.add_checkpoint_at(&log.request(8, 8), TIME)), 200);
    // 409 body and 500 are what the transport sends.
    assert_eq!(Rejection::Conflict { size: 8 }.to_string(), "8\n");
    // A zero clock is refused rather than making a cosignature without a time.
    assert_eq!(status(w.add_checkpoint_at(&log.request(8, 8), 0)), 500);
}

#[test]
fn state_survives_a_restart_and_is_checked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut log = TestLog::new("example.com/log", 1);
    log.grow(20, "e");
    {
        let w = one_log_witness(tmp.path(), &log);
        assert_eq!(status(w.add_checkpoint_at(&log.request(0, 7), TIME)), 200);
        assert_eq!(status(w.add_checkpoint_at(&log.request(7, 12), TIME)), 200);
    }
    let w = Witness::open(tmp.path()).expect("reopen");
    let latest = w.latest("example.com/log").expect("state").expect("some");
    assert_eq!(latest.size, 12);
    match w.add_checkpoint_at(&log.request(7, 20), TIME) {
        Err(Rejection::Conflict { size }) => assert_eq!(size, 12),
        other => panic!("{other:?}"),
    }
    assert_eq!(status(w.add_checkpoint_at(&log.request(12, 20), TIME)), 200);
    drop(w);

    // The state file carries the witness's cosignature: a changed file is refused.
    let state = tmp
        .path()
        .join("state")
        .join(origin_hash("example.com/log"));
    let text = std::fs::read_to_string(&state).expect("state");
    assert!(text.starts_with("example.com/log\n20\n"), "{text}");
    std::fs::write(&state, text.replacen("\n20\n", "\n19\n", 1)).expect("write");
    match Witness::open(tmp.path()) {
        Err(Error::WitnessConfig { path, reason }) => {
            assert_eq!(PathBuf::from(path), state);
            assert!(reason.contains("not cosigned by this witness"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // No temporary file was left behind.
    let names: Vec<String> = std::fs::read_dir(tmp.path().join("state"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [origin_hash("example.com/log")]);
}

#[test]
fn concurrent_requests_for_one_log_are_serialized() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut log = TestLog::new("example.com/log", 1);
    log.grow(64, "e");
    let w = Arc::new(one_log_witness(tmp.path(), &log));
    for round in 0..5u64 {
        let base = w
            .latest("example.com/log")
            .expect("state")
            .map_or(0, |l| l.size);
        // Eight requests from the same old size to different sizes: exactly one
        // wins, the others learn its size.
        let bodies: Vec<Vec<u8>> = (1..=8).map(|k| log.request(base, base + k)).collect();
        let results: Vec<Result<u64, Rejection>> = std::thread::scope(|s| {
            let handles: Vec<_> = bodies
                .iter()
                .map(|b| {
                    let w = Arc::clone(&w);
                    s.spawn(move || w.add_checkpoint_at(b, TIME + round).map(|c| c.size))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let won: Vec<u64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        assert_eq!(won.len(), 1, "{results:?}");
        for r in &results {
            if let Err(e) = r {
                assert_eq!(e, &Rejection::Conflict { size: won[0] });
            }
        }
        assert_eq!(
            w.latest("example.com/log")
                .expect("state")
                .expect("some")
                .size,
            won[0]
        );
    }
}

#[test]
fn configuration_errors_name_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let vkey = Witness::init(tmp.path(), "witness.example/w1").expect("init");
    assert!(CosignatureVerifier::from_vkey(&vkey).is_ok());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("witness.vkey")).expect("vkey"),
        format!("{vkey}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(tmp.path().join("witness.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let w = Witness::open(tmp.path()).expect("skeleton opens");
    assert_eq!(w.origins().count(), 0);
    assert_eq!(w.verifier().vkey(), vkey);
    assert!(matches!(
        Witness::init(tmp.path(), "witness.example/w1"),
        Err(Error::WitnessConfig { .. })
    ));

    let config = tmp.path().join("witness.toml");
    let log = TestLog::new("example.com/log", 1);
    for (text, want) in [
        (
            "[[log]]\norigin = \"a\"\nkeys = [\"nope\"]\n",
            "invalid verifier key",
        ),
        ("[[log]]\norigin = \"a\"\nkeys = []\n", "no verifier keys"),
        (
            "[[log]]\norigin = \"\"\nkeys = [\"k\"]\n",
            "origin is empty",
        ),
        ("lgo = 1\n", "unknown field"),
        ("[[log]]\norigin = \"a\"\n", "missing field"),
        (
            &format!(
                "[[log]]\norigin = \"a\"\nkeys = [{0:?}, {0:?}]\n",
                log.vkey()
            ),
            "listed twice",
        ),
        (
            &format!(
                "[[log]]\norigin = \"a\"\nkeys = [{0:?}]\n[[log]]\norigin = \"a\"\nkeys = [{0:?}]\n",
                log.vkey()
            ),
            "configured twice",
        ),
    ] {
        std::fs::write(&config, text).expect("write");
        match Witness::open(tmp.path()) {
            Err(Error::WitnessConfig { path, reason }) => {
                assert_eq!(PathBuf::from(path), config);
                assert!(reason.contains(want), "{text:?}: {reason}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

/// Go's `note.Open` checks the log signature and the witness's cosignature
/// (through a `note.Verifier` written in Go from the cosignature spec) on the
/// checkpoints the witness cosigned, and rejects a cosignature whose timestamp
/// was changed.
#[test]
fn go_verifies_the_cosigned_checkpoints() {
    let tmp = tempfile::tempdir().expect("tmp");
    witness_dir(
        tmp.path(),
        "example.com/witness",
        &litewitness_seed(),
        &[(&litewitness_origin(), &[LOG_VKEY.to_owned()])],
    );
    let w = Witness::open(tmp.path()).expect("open");
    let wpub = B64.encode(w.verifier().public_key());
    let mut lines = Vec::new();
    let mut want = Vec::new();
    for (i, e) in exchanges().iter().enumerate() {
        let Ok(c) = w.add_checkpoint_at(&e.body, TIME + i as u64) else {
            continue;
        };
        let req = AddCheckpoint::parse(&e.body).expect("request");
        let mut cosigned = req.checkpoint.clone();
        cosigned.extend_from_slice(c.signatures.as_bytes());
        lines.push(format!(
            "{LOG_VKEY} example.com/witness {wpub} {}",
            B64.encode(&cosigned)
        ));
        want.push(format!("ok {} {}", TIME + i as u64, c.size));
        // The same cosignature with the timestamp moved by one second.
        let sig = c.signatures.trim_end().rsplit(' ').next().expect("sig");
        let mut raw = B64.decode(sig).expect("b64");
        raw[11] ^= 1;
        let mut forged = req.checkpoint.clone();
        forged.extend_from_slice(
            format!("\u{2014} example.com/witness {}\n", B64.encode(raw)).as_bytes(),
        );
        lines.push(format!(
            "{LOG_VKEY} example.com/witness {wpub} {}",
            B64.encode(&forged)
        ));
        want.push("err".to_owned());
        // And the stored state, which the monitoring endpoint serves.
        let latest = w
            .latest(&litewitness_origin())
            .expect("state")
            .expect("some");
        lines.push(format!(
            "{LOG_VKEY} example.com/witness {wpub} {}",
            B64.encode(latest.note)
        ));
        want.push(format!("ok {} {}", TIME + i as u64, c.size));
    }
    assert_eq!(want.len(), 9, "three accepted checkpoints");
    let out = Command::new(build_go("cosig"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all((lines.join("\n") + "\n").as_bytes())?;
            drop(stdin);
            child.wait_with_output()
        })
        .expect("go program runs");
    assert!(out.status.success());
    let answers: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            if l.starts_with("err") {
                "err".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect();
    assert_eq!(answers, want);
}
