//! Interop with Go's `golang.org/x/mod/sumdb/{note,tlog}`: Go verifies the notes,
//! checkpoints and proofs we make, and we verify what Go signs and proves. One Go
//! process answers every request (`tests/go/oracle/main.go`).

use std::io::Write;
use std::process::{Command, Stdio};

use cpansec_tlog::note::{self, Ed25519Signer, Ed25519Verifier, Note, Verifier, VerifierList};
use cpansec_tlog::tile::{Tile, TileKind};
use cpansec_tlog::{Checkpoint, Hash, MemoryTree, leaf_hash, merkle};

use crate::support::build_go;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// Sends all requests to one Go process; one answer line per request.
fn ask(requests: &[String]) -> Vec<String> {
    let mut child = Command::new(build_go("oracle"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("oracle runs");
    let input = requests.join("\n") + "\n";
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("oracle finishes");
    writer
        .join()
        .expect("writer")
        .expect("oracle read its input");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    answers
}

/// What to check in the answer to one request.
type Check = Box<dyn Fn(&str)>;

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

fn proof_words(p: &[Hash]) -> String {
    p.iter().map(Hash::to_base64).collect::<Vec<_>>().join(" ")
}

fn parse_proof(answer: &str) -> Vec<Hash> {
    let rest = answer
        .strip_prefix("proof")
        .unwrap_or_else(|| panic!("not a proof: {answer}"));
    rest.split_whitespace()
        .map(|w| Hash::from_base64(w).expect("hash"))
        .collect()
}

#[test]
fn merkle_proofs_and_tiles_agree_with_go() {
    const N: u64 = 700;
    let mut tree = MemoryTree::new();
    for i in 0..N {
        tree.push(leaf_hash(&entry(i)));
    }
    let sizes: Vec<u64> = (1..=70)
        .chain([127, 128, 129, 255, 256, 257, 300, 511, 512, 513, 699, 700])
        .collect();
    let mut requests = Vec::new();
    let mut expect: Vec<Check> = Vec::new();
    for &t in &sizes {
        let root = merkle::tree_hash(t, &tree).expect("root");
        requests.push(format!("root {t}"));
        expect.push(Box::new(move |a| {
            assert_eq!(a, root.to_base64(), "root {t}")
        }));
        let step = if t > 70 { 13 } else { 1 };
        for n in (0..t).step_by(step) {
            let ours = merkle::inclusion_proof(n, t, &tree).expect("proof");
            let leaf = leaf_hash(&entry(n));
            // Go proves; we compare and verify.
            requests.push(format!("prove-record {t} {n}"));
            let o = ours.clone();
            expect.push(Box::new(move |a| {
                let theirs = parse_proof(a);
                assert_eq!(theirs, o, "inclusion {n} in {t}");
                merkle::verify_inclusion(&theirs, t, &root, n, &leaf)
                    .expect("we verify Go's proof");
            }));
            // We prove; Go verifies, and rejects a corrupted copy.
            requests.push(format!(
                "check-record {t} {root} {n} {leaf} {}",
                proof_words(&ours)
            ));
            expect.push(Box::new(move |a| {
                assert_eq!(a, "ok", "Go verifies inclusion {n} in {t}")
            }));
            if let Some(first) = ours.first() {
                let mut bad = ours.clone();
                bad[0] = leaf_hash(first.as_bytes());
                requests.push(format!(
                    "check-record {t} {root} {n} {leaf} {}",
                    proof_words(&bad)
                ));
                expect.push(Box::new(move |a| {
                    assert!(a.starts_with("err"), "Go accepted a bad proof {n} in {t}")
                }));
            }
        }
        for n in (1..=t).step_by(step) {
            let ours = merkle::consistency_proof(n, t, &tree).expect("proof");
            let old = merkle::tree_hash(n, &tree).expect("root");
            requests.push(format!("prove-tree {t} {n}"));
            let o = ours.clone();
            expect.push(Box::new(move |a| {
                let theirs = parse_proof(a);
                assert_eq!(theirs, o, "consistency {n} to {t}");
                merkle::verify_consistency(&theirs, n, &old, t, &root)
                    .expect("we verify Go's proof");
            }));
            requests.push(format!(
                "check-tree {t} {root} {n} {old} {}",
                proof_words(&ours)
            ));
            expect.push(Box::new(move |a| {
                assert_eq!(a, "ok", "Go verifies consistency {n} to {t}")
            }));
        }
        // Every tile of this size: same bytes, same path (Go writes the height).
        for level in 0..2u8 {
            let count = t >> (8 * u32::from(level));
            for idx in 0..count.div_ceil(256) {
                let tile = Tile::at_size(TileKind::Hashes(level), idx, t).expect("tile");
                let data = tile.read_data(&tree).expect("data");
                requests.push(format!("tile {t} {level} {idx} {}", tile.width()));
                expect.push(Box::new(move |a| {
                    let (path, b64) = a.split_once(' ').expect("path and data");
                    assert_eq!(path.replacen("tile/8/", "tile/", 1), tile.path());
                    assert_eq!(B64.decode(b64).expect("b64"), data, "{tile}");
                }));
            }
        }
    }
    for path in [
        "tile/0/x001/x234/067",
        "tile/3/000.p/7",
        "tile/entries/x002/005.p/255",
    ] {
        let tile: Tile = path.parse().expect("ours");
        requests.push(format!(
            "parse-tile {}",
            path.replacen("tile/", "tile/8/", 1)
                .replace("entries", "data")
        ));
        expect.push(Box::new(move |a| {
            let level = match tile.kind() {
                TileKind::Hashes(l) => i64::from(l),
                TileKind::Entries => -1,
            };
            assert_eq!(
                a,
                format!("8 {level} {} {}", tile.index(), tile.width()),
                "{path}"
            );
        }));
    }
    let answers = ask(&requests);
    for (check, a) in expect.iter().zip(&answers) {
        check(a);
    }
    eprintln!("Go agreed on {} Merkle and tile requests", answers.len());
}

#[test]
fn notes_and_checkpoints_agree_with_go() {
    let ours = Ed25519Signer::generate("cpansec.example/log").expect("key");
    let second = Ed25519Signer::generate("witness.example/w1").expect("key");
    let vkeys = format!("{},{}", ours.verifier().vkey(), second.verifier().vkey());
    let mut requests = Vec::new();
    let mut expect: Vec<Check> = Vec::new();

    // Our checkpoints, signed by two keys: Go opens them and sees both signatures.
    let mut tree = MemoryTree::new();
    for i in 0..50 {
        tree.push(leaf_hash(&entry(i)));
        let cp = Checkpoint::new("cpansec.example/log", tree.size(), tree.root()).expect("cp");
        let cp = if i % 7 == 0 {
            cp.with_extensions(&["ext line"]).expect("ext")
        } else {
            cp
        };
        let msg = cp.sign(&[&ours, &second]).expect("sign");
        requests.push(format!("open {vkeys} {}", B64.encode(&msg)));
        let text = cp.to_string();
        expect.push(Box::new(move |a| {
            assert_eq!(
                a,
                format!(
                    "ok {} cpansec.example/log,witness.example/w1",
                    B64.encode(&text)
                )
            );
        }));
        // A byte changed in the text: Go refuses it.
        let tampered = msg.replacen(
            &format!("\n{}\n", tree.size()),
            &format!("\n{}\n", tree.size() + 1),
            1,
        );
        requests.push(format!("open {vkeys} {}", B64.encode(&tampered)));
        expect.push(Box::new(|a| {
            assert!(a.starts_with("err invalid signature"), "{a}")
        }));
    }
    // Go signs with our signer key: byte-identical (Ed25519 is deterministic).
    for text in ["hello\n", "a\n\nb\n", "é ✓ unicode\n"] {
        let ours_msg = note::sign(&Note::new(text), &[&ours, &second]).expect("sign");
        requests.push(format!(
            "sign {},{} {}",
            ours.skey(),
            second.skey(),
            B64.encode(text)
        ));
        expect.push(Box::new(move |a| {
            assert_eq!(B64.decode(a).expect("b64"), ours_msg.as_bytes())
        }));
    }
    // Keys Go generates work here, and notes Go signs open here.
    for name in ["go.example/a", "PeterNeumann"] {
        requests.push(format!("genkey {name}"));
        expect.push(Box::new(move |a| {
            let (skey, vkey) = a.split_once(' ').expect("two keys");
            let s = Ed25519Signer::from_skey(skey).expect("Go's signer key parses");
            assert_eq!(s.verifier().vkey(), vkey);
            assert_eq!(Ed25519Verifier::from_vkey(vkey).expect("vkey").name(), name);
        }));
    }
    let go_signer = Ed25519Signer::from_seed("go.example/log", &[7; 32]).expect("key");
    let mut go_texts = Vec::new();
    for i in 0..10u64 {
        let text = format!(
            "go.example/log\n{i}\n{}\n",
            merkle::tree_hash(i, &tree).expect("root")
        );
        requests.push(format!("sign {} {}", go_signer.skey(), B64.encode(&text)));
        go_texts.push(text);
    }
    let answers = ask(&requests);
    let (ours_part, go_part) = answers.split_at(expect.len());
    for (check, a) in expect.iter().zip(ours_part) {
        check(a);
    }
    let list = VerifierList::new(vec![Box::new(go_signer.verifier()) as Box<dyn Verifier>]);
    for (a, text) in go_part.iter().zip(&go_texts) {
        let msg = B64.decode(a).expect("b64");
        let (cp, n) =
            Checkpoint::open(&msg, "go.example/log", &list).expect("we open Go's checkpoint");
        assert_eq!(n.text(), text);
        assert_eq!(cp.to_string(), *text);
    }
    eprintln!("Go agreed on {} note requests", answers.len());
}
