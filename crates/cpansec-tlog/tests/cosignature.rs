//! cosignature/v1: the Sunlight witness vector.

use cpansec_tlog::Error;
use cpansec_tlog::cosignature::{self, CosignatureSigner, CosignatureVerifier};
use cpansec_tlog::note::{self, Note, Verifier, VerifierList};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{read, vectors};

const VKEY: &str = "witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN";
const TEXT: &str = "rome2026h1.example.org\n300\nlCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=\n";
const LINE: &str = "— witness.example.org uKLPIAAAAABpVGeAhm2bOvKc3LaB9PFN1ruG19Y5yqslmcAAbhftnn1Zznmo0LXFZq4LGvqKqLX8jWlwLKasxEGTLIqAVusneCBmBw==";
const TIME: u64 = 1_767_139_200;

fn seed() -> [u8; 32] {
    Sha256::digest(b"skylight test witness key").into()
}

#[test]
fn sunlight_vector_reproduced() {
    let signer = CosignatureSigner::from_seed("witness.example.org", &seed())
        .expect("signer")
        .at(TIME)
        .expect("time");
    assert_eq!(signer.verifier().vkey(), VKEY);
    let meta: Value =
        serde_json::from_slice(&read(&vectors("sunlight-witness/witness.v0.json"))).expect("json");
    assert_eq!(meta["verifier_keys"][0].as_str(), Some(VKEY));
    assert_eq!(meta["name"].as_str(), Some("witness.example.org"));
    // Cosigning is deterministic: the same line, byte for byte.
    let signed = note::sign(&Note::new(TEXT), &[&signer]).expect("cosign");
    assert_eq!(signed, format!("{TEXT}\n{LINE}\n"));
}

#[test]
fn sunlight_vector_verifies() {
    let v = CosignatureVerifier::from_vkey(VKEY).expect("vkey");
    let msg = format!("{TEXT}\n{LINE}\n");
    let n = note::open(
        msg.as_bytes(),
        &VerifierList::new(vec![Box::new(v.clone())]),
    )
    .expect("opens");
    assert_eq!(cosignature::timestamp(&n.signatures()[0]), Some(TIME));
    // Another time or another checkpoint does not verify.
    let other = msg.replace("\n300\n", "\n301\n");
    assert!(matches!(
        note::open(
            other.as_bytes(),
            &VerifierList::new(vec![Box::new(v.clone())])
        ),
        Err(Error::InvalidSignature { .. })
    ));
    let sig = n.signatures()[0].signature();
    let mut later = sig.clone();
    later[7] ^= 1;
    assert!(v.verify(TEXT.as_bytes(), &sig));
    assert!(!v.verify(TEXT.as_bytes(), &later));
    assert!(!v.verify(TEXT.as_bytes(), &sig[..71]));
    // The message layout of the spec.
    assert_eq!(
        cosignature::signed_message("o\n1\nh\n", 5),
        b"cosignature/v1\ntime 5\no\n1\nh\n"
    );
    // The decoy file is not a checkpoint anyone signed.
    let decoy = read(&vectors("sunlight-witness/checkpoint"));
    assert!(note::open(&decoy, &VerifierList::new(vec![Box::new(v)])).is_err());
}

#[test]
fn timestamps_bounded() {
    let s = CosignatureSigner::from_seed("w", &seed()).expect("signer");
    assert!(matches!(
        s.cosign(TEXT, 1 << 63),
        Err(Error::CosignatureTime { .. })
    ));
    let s = CosignatureSigner::from_seed("w", &seed()).expect("signer");
    assert!(s.at(u64::MAX).is_err());
    // A signature with the top bit of the time set is refused even if the key signed it.
    let s = CosignatureSigner::from_seed("w", &seed()).expect("signer");
    let v = s.verifier();
    let good = s.cosign(TEXT, cosignature::MAX_TIMESTAMP).expect("max");
    assert!(v.verify(TEXT.as_bytes(), &good));
}
