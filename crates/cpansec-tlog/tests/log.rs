//! The file-backed log: appends, duplicates and conflicts, reopening, proofs
//! from the files, and crash safety under SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use cpansec_tlog::note::VerifierList;
use cpansec_tlog::record::hex32;
use cpansec_tlog::sequencer::read_checkpoint;
use cpansec_tlog::tile::TileHashReader;
use cpansec_tlog::{Checkpoint, FileLog, Outcome, UploadRecord, leaf_hash};
use sha2::{Digest, Sha256};

fn record(n: u64) -> UploadRecord {
    let path = format!("authors/id/C/CR/CRASH/Crash-Test-1.{n}.tar.gz");
    let sha: [u8; 32] = Sha256::digest(path.as_bytes()).into();
    UploadRecord::from_parts(&path, n, sha, "2026-12-02T00:00:00Z").expect("record")
}

fn open_cp(log: &FileLog, text: &str) -> Checkpoint {
    let v = VerifierList::new(vec![Box::new(log.verifier())]);
    Checkpoint::open(text.as_bytes(), log.origin(), &v)
        .expect("checkpoint verifies")
        .0
}

#[test]
fn append_dedupe_reopen_prove() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("log");
    let mut log = FileLog::init(&dir, "example.org/cpan-log").expect("init");
    assert!(FileLog::init(&dir, "example.org/cpan-log").is_err());
    let mut n = 0u64;
    let mut cps = vec![log.checkpoint().to_string()];
    for batch in [1u64, 255, 1, 300, 7, 512, 3] {
        let recs: Vec<UploadRecord> = (n..n + batch).map(record).collect();
        let out = log.append(&recs).expect("append");
        assert_eq!(out, (n..n + batch).map(Outcome::Added).collect::<Vec<_>>());
        n += batch;
        cps.push(log.checkpoint().to_string());
    }
    // Duplicates and a conflict write nothing.
    let before = log.checkpoint().to_string();
    let other = UploadRecord::from_parts(record(5).path(), 1, [7; 32], "2026-12-02").expect("r");
    let out = log.append(&[record(5), other]).expect("append");
    assert_eq!(out[0], Outcome::Duplicate(5));
    assert!(matches!(out[1], Outcome::Conflict { entry: 5, .. }));
    assert_eq!(log.checkpoint(), before);
    // Within a batch, too.
    let out = log.append(&[record(n), record(n)]).expect("append");
    assert_eq!(out, vec![Outcome::Added(n), Outcome::Duplicate(n)]);
    n += 1;
    cps.push(log.checkpoint().to_string());
    drop(log);

    let log = FileLog::open(&dir).expect("reopen");
    assert_eq!(log.size(), n);
    let cp = open_cp(&log, log.checkpoint());
    let reader = TileHashReader::new(n, log.tiles());
    assert_eq!(reader.tree_hash().expect("root"), *cp.root());
    for i in [0, 1, 255, 256, 700, n - 1] {
        let r = record(i);
        assert_eq!(log.lookup(r.path()).map(|x| x.entry), Some(i));
        assert_eq!(log.entry(i).expect("entry"), r.to_bytes());
        let (leaf, _) = reader.inclusion_proof(i, cp.root()).expect("proof");
        assert_eq!(leaf, leaf_hash(&r.to_bytes()));
    }
    check_consistent(&log, &cps);

    // The index is rebuilt from the bundles when it is lost.
    std::fs::write(dir.join("index"), b"").expect("truncate index");
    let log = FileLog::open(&dir).expect("reopen");
    assert_eq!(log.lookup(record(700).path()).map(|x| x.entry), Some(700));
    let idx = std::fs::read_to_string(dir.join("index")).expect("index");
    assert!(idx.starts_with(&format!(
        "0 {} {}\n",
        hex32(record(0).sha256()),
        record(0).path()
    )));
    // Tampered tiles are detected on open.
    let t0 = dir.join("tile/0/000");
    let mut data = std::fs::read(&t0).expect("tile");
    data[0] ^= 1;
    std::fs::write(&t0, data).expect("write");
    assert!(FileLog::open(&dir).is_err());
}

/// Every checkpoint is consistent with the next one, proved from the tiles.
fn check_consistent(log: &FileLog, cps: &[String]) {
    let opened: Vec<Checkpoint> = cps.iter().map(|c| open_cp(log, c)).collect();
    for pair in opened.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.size() <= b.size(), "checkpoint went backwards");
        if a.size() > 0 {
            TileHashReader::new(b.size(), log.tiles())
                .consistency_proof(a.size(), a.root(), b.root())
                .unwrap_or_else(|e| panic!("{} -> {}: {e}", a.size(), b.size()));
        }
    }
}

const CHILD_ENV: &str = "CPANSEC_TLOG_CRASH_DIR";

/// The writer killed by [`crash_safety`]: appends batches forever, printing
/// each acknowledged size and checkpoint. Does nothing unless run by it.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut log = FileLog::open(Path::new(&dir)).expect("child open");
    let mut seed = log.size().wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    loop {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = log.size();
        let batch = 1 + seed % 64;
        let recs: Vec<UploadRecord> = (n..n + batch).map(record).collect();
        log.append(&recs).expect("child append");
        let cp = base64::engine::general_purpose::STANDARD.encode(log.checkpoint());
        println!("ack {} {cp}", log.size());
    }
}

#[test]
fn crash_safety() {
    let rounds: u64 = std::env::var("CPANSEC_TLOG_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(25);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("log");
    FileLog::init(&dir, "example.org/crash").expect("init");
    let exe = std::env::current_exe().expect("test binary");
    let mut cps: Vec<String> = vec![read_checkpoint(&dir).expect("cp")];
    let mut acked = 0u64;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut kills_mid_batch = 0;
    for round in 0..rounds {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "log::crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        std::thread::sleep(Duration::from_millis(30 + rng % 300));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "round {round}: child exited by itself");
        let lines = reader.join().expect("reader");
        let before = acked;
        for line in lines {
            // libtest prints "test log::crash_child ... " before the first line.
            let Some(rest) = line.find("ack ").and_then(|i| line.get(i + 4..)) else {
                continue;
            };
            let (size, cp) = rest.split_once(' ').expect("ack line");
            let size: u64 = size.parse().expect("size");
            let cp = base64::engine::general_purpose::STANDARD
                .decode(cp)
                .expect("base64");
            assert!(size >= acked);
            acked = size;
            cps.push(String::from_utf8(cp).expect("utf8"));
        }
        // Restart: every acknowledged entry is there.
        let log = FileLog::open(&dir).unwrap_or_else(|e| panic!("round {round}: reopen: {e}"));
        assert!(
            log.size() >= acked,
            "round {round}: lost entries: {} < {acked}",
            log.size()
        );
        if log.size() > acked {
            kills_mid_batch += 1;
        }
        for n in before.saturating_sub(1)..acked {
            assert_eq!(log.lookup(record(n).path()).map(|x| x.entry), Some(n));
        }
        cps.push(log.checkpoint().to_string());
    }
    let log = FileLog::open(&dir).expect("final open");
    for n in 0..acked {
        assert_eq!(
            log.entry(n).expect("entry"),
            record(n).to_bytes(),
            "entry {n}"
        );
    }
    check_consistent(&log, &cps);
    eprintln!(
        "crash safety: {rounds} rounds, {acked} acknowledged entries, final size {}, {} checkpoints checked, {kills_mid_batch} kills between a publish and its acknowledgement",
        log.size(),
        cps.len()
    );
}
