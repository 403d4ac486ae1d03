//! The torchwood litewitness exchange: every add-checkpoint request parsed, its log
//! signature checked, and its status code derived from the signatures and
//! consistency proofs the way a tlog-witness must (the witness server itself
//! lives elsewhere; this checks the formats and proofs it will rely on).

use cpansec_tlog::{Checkpoint, Ed25519Verifier, Error, Hash, VerifierList, merkle, note};

use crate::support::{read, vectors};

const LOG_VKEY: &str = "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";
const ORIGIN: &str =
    "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562";

struct Request {
    old: u64,
    proof: Vec<Hash>,
    checkpoint: String,
    status: u16,
}

fn requests() -> Vec<Request> {
    let text = String::from_utf8(read(&vectors("litewitness/litewitness.txt"))).expect("utf-8");
    let mut out = Vec::new();
    for block in text
        .split("POST http://localhost:7380/add-checkpoint\n```\n")
        .skip(1)
    {
        let (body, rest) = block.split_once("```\n").expect("closing fence");
        let status: u16 = rest
            .trim_start()
            .strip_prefix("HTTP ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .expect("status");
        let (head, checkpoint) = body.split_once("\n\n").expect("blank line");
        let mut lines = head.lines();
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .and_then(|n| n.parse().ok())
            .expect("old line");
        let proof = lines
            .map(|l| Hash::from_base64(l).expect("proof hash"))
            .collect();
        out.push(Request {
            old,
            proof,
            checkpoint: checkpoint.to_owned(),
            status,
        });
    }
    out
}

#[test]
fn statuses_follow_from_signatures_and_proofs() {
    let verifiers = VerifierList::new(vec![Box::new(
        Ed25519Verifier::from_vkey(LOG_VKEY).expect("log key"),
    )]);
    let reqs = requests();
    assert_eq!(reqs.len(), 9);
    // The witness's view of the log: size and root.
    let mut state: Option<(u64, Hash)> = None;
    let mut statuses = Vec::new();
    for r in &reqs {
        let status = match Checkpoint::open(r.checkpoint.as_bytes(), ORIGIN, &verifiers) {
            Err(Error::InvalidSignature { .. }) => 403,
            Err(Error::UnverifiedNote { note }) => {
                // Signed only by a key we do not know: an unknown log.
                assert!(note.text().starts_with("sigsum.org/v1/tree/"));
                403
            }
            Err(e) => panic!("unexpected {e}"),
            Ok((cp, n)) => {
                assert_eq!(n.signatures().len(), 1);
                let (size, root) = state.unwrap_or((0, Hash::EMPTY_TREE));
                if r.old != size {
                    409
                } else if merkle::verify_consistency(&r.proof, size, &root, cp.size(), cp.root())
                    .is_err()
                {
                    422
                } else {
                    state = Some((cp.size(), *cp.root()));
                    200
                }
            }
        };
        statuses.push(status);
        assert_eq!(
            status, r.status,
            "old {} checkpoint {:?}",
            r.old, r.checkpoint
        );
    }
    assert_eq!(statuses, [200, 403, 403, 422, 422, 200, 409, 200, 409]);
    assert_eq!(state.map(|s| s.0), Some(5));
}

/// The 403 "invalid signature" request differs from a valid one only in its last
/// base64 character: non-canonical trailing bits, decoded as Go decodes them, which
/// makes a different signature.
#[test]
fn invalid_signature_is_a_signature_failure_not_a_syntax_error() {
    let verifiers = VerifierList::new(vec![Box::new(
        Ed25519Verifier::from_vkey(LOG_VKEY).expect("log key"),
    )]);
    let r = &requests()[1];
    assert!(matches!(
        note::open(r.checkpoint.as_bytes(), &verifiers),
        Err(Error::InvalidSignature { .. })
    ));
}

/// The witness key of the exchange (an OpenSSH Ed25519 key) cosigns the
/// checkpoints the witness accepted, and our verifier accepts those cosignatures.
/// The exchange does not record the witness's responses (they carry the time), so
/// this checks our cosignatures with the witness's real key, not its bytes.
#[test]
fn witness_key_cosigns_accepted_checkpoints() {
    use base64::Engine as _;
    use cpansec_tlog::{CosignatureSigner, cosignature};
    let text = String::from_utf8(read(&vectors("litewitness/litewitness.txt"))).expect("utf-8");
    let pem = text
        .split("-- witness_key.pem --\n")
        .nth(1)
        .and_then(|t| t.split("-----END").next())
        .expect("pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    assert!(raw.starts_with(b"openssh-key-v1\0"));
    // The private section holds string(32-byte public key) then string(seed || public key).
    let (seed, public) = raw
        .windows(4 + 32 + 4 + 64)
        .find_map(|w| {
            let (pub_len, rest) = w.split_at(4);
            let (public, rest) = rest.split_at(32);
            let (priv_len, private) = rest.split_at(4);
            (pub_len == [0, 0, 0, 32] && priv_len == [0, 0, 0, 64] && private[32..] == *public)
                .then(|| {
                    (
                        <[u8; 32]>::try_from(&private[..32]).expect("seed"),
                        public.to_vec(),
                    )
                })
        })
        .expect("ed25519 private key");
    let signer = CosignatureSigner::from_seed("example.com/witness", &seed)
        .expect("signer")
        .at(1_700_000_000)
        .expect("time");
    assert_eq!(signer.verifier().public_key().to_vec(), public);
    let list = VerifierList::new(vec![
        Box::new(Ed25519Verifier::from_vkey(LOG_VKEY).expect("log key")),
        Box::new(signer.verifier()),
    ]);
    for r in requests().iter().filter(|r| r.status == 200) {
        let n = note::open(r.checkpoint.as_bytes(), &list).expect("log signature");
        let cosigned = note::sign(&n, &[&signer]).expect("cosign");
        let n = note::open(cosigned.as_bytes(), &list).expect("both verify");
        assert_eq!(n.signatures().len(), 2);
        assert_eq!(
            cosignature::timestamp(&n.signatures()[1]),
            Some(1_700_000_000)
        );
        assert!(cosigned.contains("\n— example.com/witness "), "{cosigned}");
    }
}
