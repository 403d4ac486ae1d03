//! tlog-policy quorum evaluation and tlog-proof verification, end to end: a log
//! signs, witnesses cosign, a proof is written, a policy accepts or refuses it.

use std::collections::BTreeSet;

use cpansec_tlog::note::{self, Note};
use cpansec_tlog::{
    Checkpoint, CosignatureSigner, Ed25519Signer, Error, MemoryTree, Policy, TlogProof, leaf_hash,
    merkle,
};

fn witness(name: &str, seed: u8) -> CosignatureSigner {
    CosignatureSigner::from_seed(name, &[seed; 32])
        .expect("witness")
        .at(1_700_000_000 + u64::from(seed))
        .expect("time")
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn policy_text(log: &Ed25519Signer, ws: &[CosignatureSigner], tail: &str) -> String {
    let mut p = format!(
        "# example policy\nlog {} https://log.example/\n\n",
        log.verifier().vkey()
    );
    for (i, w) in ws.iter().enumerate() {
        p.push_str(&format!("witness\tW{} {}\n", i + 1, w.verifier().vkey()));
    }
    p.push_str(tail);
    p
}

#[test]
fn spec_example_quorum() {
    let log = Ed25519Signer::from_seed("example.com/log", &[1; 32]).expect("log");
    let ws: Vec<CosignatureSigner> = (0..6)
        .map(|i| witness(&format!("w{i}.example"), 10 + i))
        .collect();
    let tail = "group X-witnesses 2 W1 W2 W3\ngroup Y-witnesses any W4 W5 W6\ngroup X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n";
    let p = Policy::parse(policy_text(&log, &ws, tail).as_bytes()).expect("policy");
    assert_eq!(p.quorum(), Some("X-and-Y"));
    assert_eq!(p.logs()[0].url.as_deref(), Some("https://log.example/"));
    assert!(p.quorum_met(&names(&["W1", "W2", "W4"])));
    assert!(p.quorum_met(&names(&["W1", "W3", "W6", "W5"])));
    assert!(!p.quorum_met(&names(&["W1", "W4", "W5", "W6"])));
    assert!(!p.quorum_met(&names(&["W1", "W2", "W3"])));
    assert!(!p.quorum_met(&names(&[])));
    let none = Policy::parse(policy_text(&log, &ws, "quorum none\n").as_bytes()).expect("policy");
    assert!(none.quorum_met(&names(&[])));
    let single = Policy::parse(policy_text(&log, &ws, "quorum W2\n").as_bytes()).expect("policy");
    assert!(single.quorum_met(&names(&["W2"])) && !single.quorum_met(&names(&["W1"])));
}

#[test]
fn policy_errors_name_the_line() {
    let log = Ed25519Signer::from_seed("example.com/log", &[1; 32]).expect("log");
    let ws: Vec<CosignatureSigner> = (0..3).map(|i| witness(&format!("w{i}"), 10 + i)).collect();
    let base_lines = 3 + ws.len();
    for (tail, reason) in [
        ("", "no quorum line"),
        (
            "quorum W9\n",
            "quorum names nothing defined on an earlier line",
        ),
        ("quorum W1\nquorum W2\n", "second quorum line"),
        ("group G 0 W1\nquorum G\n", "threshold not in 1..=members"),
        (
            "group G 3 W1 W2\nquorum G\n",
            "threshold not in 1..=members",
        ),
        (
            "group G 01 W1\nquorum G\n",
            "threshold is not all, any or a decimal",
        ),
        ("group G any W1 W1\nquorum G\n", "member listed twice"),
        (
            "group G any W1 H\ngroup H any W2\nquorum G\n",
            "member not defined on an earlier line",
        ),
        ("group G any\nquorum G\n", "group has no members"),
        (
            "group W1 any W2\nquorum W1\n",
            "name already defined or reserved",
        ),
        (
            "group none any W2\nquorum none\n",
            "name already defined or reserved",
        ),
        ("frobnicate\nquorum none\n", "unknown keyword"),
        ("quorum none\r\n", "control character"),
    ] {
        let text = policy_text(&log, &ws, tail);
        match Policy::parse(text.as_bytes()) {
            Err(Error::Policy {
                line, reason: r, ..
            }) => {
                assert_eq!(r, reason, "{tail:?}");
                assert!(line > base_lines, "{tail:?}: line {line}");
            }
            other => panic!("{tail:?}: {other:?}"),
        }
    }
    // Duplicate keys, even under another name.
    let dup = format!(
        "witness A {}\nwitness B {}\nquorum A\n",
        witness("a", 5).verifier().vkey(),
        witness("b", 5).verifier().vkey()
    );
    assert!(matches!(
        Policy::parse(dup.as_bytes()),
        Err(Error::Policy {
            line: 2,
            reason: "duplicate witness key",
            ..
        })
    ));
    // A log key is not a witness key.
    let wrong = format!("witness A {}\nquorum A\n", log.verifier().vkey());
    assert!(matches!(
        Policy::parse(wrong.as_bytes()),
        Err(Error::Policy { line: 1, .. })
    ));
    assert!(matches!(
        Policy::parse(b"quorum none\n\xff\n"),
        Err(Error::Policy {
            line: 2,
            reason: "not UTF-8",
            ..
        })
    ));
}

#[test]
fn offline_proof_verified_against_policy() {
    let log = Ed25519Signer::from_seed("example.com/log", &[1; 32]).expect("log");
    let ws: Vec<CosignatureSigner> = (0..3)
        .map(|i| witness(&format!("w{i}.example"), 20 + i))
        .collect();
    let policy = Policy::parse(policy_text(&log, &ws, "group G 2 W1 W2 W3\nquorum G\n").as_bytes())
        .expect("policy");
    let mut tree = MemoryTree::new();
    for i in 0..1000u32 {
        tree.push(leaf_hash(format!("entry {i}").as_bytes()));
    }
    let cp = Checkpoint::new("example.com/log", tree.size(), tree.root()).expect("cp");
    let signed = cp.sign(&[&log]).expect("sign");
    // Witnesses add cosignatures to the signed note, one after the other.
    let mut cosigned = signed.clone();
    for w in &ws[..2] {
        let n = match note::open(
            cosigned.as_bytes(),
            &note::VerifierList::new(vec![Box::new(log.verifier())]),
        ) {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        };
        cosigned = note::sign(&n, &[w]).expect("cosign");
    }
    let proof = TlogProof {
        extra: Some(b"context".to_vec()),
        index: 737,
        proof: merkle::inclusion_proof(737, 1000, &tree).expect("proof"),
        checkpoint: cosigned.clone(),
    };
    let text = proof.to_string();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra Y29udGV4dA==\nindex 737\n"));
    let parsed = TlogProof::parse(text.as_bytes()).expect("parse");
    assert_eq!(parsed, proof);
    let ok = parsed
        .verify(&leaf_hash(b"entry 737"), &policy)
        .expect("verifies");
    assert_eq!(ok.witnesses, names(&["W1", "W2"]));
    assert!(matches!(
        parsed.verify(&leaf_hash(b"entry 736"), &policy),
        Err(Error::InclusionProof { .. })
    ));
    // One cosignature is not a quorum of two.
    let weak = TlogProof {
        checkpoint: note::sign(
            &note::open(
                signed.as_bytes(),
                &note::VerifierList::new(vec![Box::new(log.verifier())]),
            )
            .expect("open"),
            &[&ws[2]],
        )
        .expect("cosign"),
        ..proof.clone()
    };
    assert!(matches!(
        weak.verify(&leaf_hash(b"entry 737"), &policy),
        Err(Error::QuorumNotMet { cosigned: 1, .. })
    ));
    // Without the log's signature nothing is accepted.
    let only_witnesses = note::sign(&Note::new(cp.to_string()), &[&ws[0], &ws[1]]).expect("cosign");
    assert_eq!(
        policy.verify_checkpoint(only_witnesses.as_bytes()).err(),
        Some(Error::NoLogSignature)
    );
    // A log whose origin is not its key name is refused.
    let other = Checkpoint::new("example.com/other", 1, tree.root())
        .expect("cp")
        .sign(&[&log, &ws[0], &ws[1]])
        .expect("sign");
    assert!(matches!(
        policy.verify_checkpoint(other.as_bytes()),
        Err(Error::WrongOrigin { .. })
    ));
    // Malformed proofs name the line.
    for (bad, line) in [
        ("c2sp.org/tlog-proof@v2\nindex 1\n\nx", 1),
        ("c2sp.org/tlog-proof@v1\nindex 01\n\nx", 2),
        ("c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\nx", 2),
        ("c2sp.org/tlog-proof@v1\nindex 1\nnot-a-hash\n\nx", 3),
        (
            "c2sp.org/tlog-proof@v1\nextra AA==\nindex 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n\nx",
            4,
        ),
    ] {
        match TlogProof::parse(bad.as_bytes()) {
            Err(Error::MalformedProof { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}
