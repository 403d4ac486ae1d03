//! Signed notes: the C2SP example, and the cases of Go's
//! `golang.org/x/mod/sumdb/note` tests restated against our API.

use cpansec_tlog::note::{
    self, Ed25519Signer, Ed25519Verifier, Note, Signature, Signer, Verifier, VerifierList,
    Verifiers,
};
use cpansec_tlog::{Error, cosignature::CosignatureVerifier};

const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> Ed25519Verifier {
    Ed25519Verifier::from_vkey(PETER_VKEY).expect("peter")
}
fn enoch() -> Ed25519Verifier {
    Ed25519Verifier::from_vkey(ENOCH_VKEY).expect("enoch")
}
fn list(vs: Vec<Ed25519Verifier>) -> VerifierList {
    VerifierList::new(
        vs.into_iter()
            .map(|v| Box::new(v) as Box<dyn Verifier>)
            .collect(),
    )
}
fn sig(line: &str) -> Signature {
    let rest = line.trim_end().strip_prefix("— ").expect("prefix");
    let (name, b64) = rest.split_once(' ').expect("space");
    let id = if name == "PeterNeumann" {
        0xc74f20a3
    } else {
        0xaf0cfe78
    };
    Signature {
        name: name.into(),
        key_id: id,
        base64: b64.into(),
    }
}

#[test]
fn c2sp_example() {
    let v = Ed25519Verifier::from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .expect("vkey");
    let msg = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let n = note::open(msg.as_bytes(), &list(vec![v])).expect("opens");
    assert_eq!(n.text(), "This is an example message.\n");
}

#[test]
fn verifier_key_manglings_rejected() {
    assert_eq!(peter().vkey(), PETER_VKEY);
    let b = PETER_VKEY.as_bytes();
    // Every proper substring, and every single-byte change.
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            if let Ok(s) = std::str::from_utf8(&b[i..j]) {
                assert!(Ed25519Verifier::from_vkey(s).is_err(), "{s:?} accepted");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(Ed25519Verifier::from_vkey(s).is_err(), "{s:?} accepted");
        }
    }
    // Wrong key length and unknown algorithm, each with a consistent key id.
    assert!(
        Ed25519Verifier::from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err()
    );
    assert!(
        Ed25519Verifier::from_vkey(
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err()
    );
    // A cosignature key is not a note key, and the other way round.
    assert!(CosignatureVerifier::from_vkey(PETER_VKEY).is_err());
}

#[test]
fn signer_key_manglings_rejected() {
    let s = Ed25519Signer::from_skey(PETER_SKEY).expect("signer");
    assert_eq!(s.skey(), PETER_SKEY);
    assert_eq!(s.verifier().vkey(), PETER_VKEY);
    assert_eq!((s.name(), Signer::key_id(&s)), ("PeterNeumann", 0xc74f20a3));
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            if let Ok(t) = std::str::from_utf8(&b[i..j]) {
                assert!(
                    Ed25519Signer::from_skey(t).is_err(),
                    "substring {i}..{j} accepted"
                );
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(t) = std::str::from_utf8(&m) {
            assert!(
                Ed25519Signer::from_skey(t).is_err(),
                "byte {i} changed accepted"
            );
        }
    }
    // Errors never quote the key.
    let e = Ed25519Signer::from_skey("PRIVATE+KEY+x+00000000+AAAA").expect_err("bad");
    assert!(!e.to_string().contains("AAAA"), "{e}");
    // The signature verifies with the verifier.
    let msg = b"hello world";
    assert!(peter().verify(msg, &s.sign(msg).expect("sign")));
    assert!(!peter().verify(b"hello worle", &s.sign(msg).expect("sign")));
}

#[test]
fn generated_keys_work() {
    let s = Ed25519Signer::generate("EnochRoot").expect("generate");
    let s2 = Ed25519Signer::from_skey(&s.skey()).expect("round trip");
    let v = Ed25519Verifier::from_vkey(&s.verifier().vkey()).expect("vkey");
    assert_eq!(s2.verifier(), v);
    let msg = note::sign(&Note::new("hi\n"), &[&s]).expect("sign");
    note::open(msg.as_bytes(), &list(vec![v])).expect("opens");
    assert_ne!(
        Ed25519Signer::generate("EnochRoot")
            .expect("again")
            .public_key(),
        s.public_key()
    );
    assert!(Ed25519Signer::generate("bad name").is_err());
    assert!(Ed25519Signer::generate("a+b").is_err());
    assert!(Ed25519Signer::generate("").is_err());
}

#[test]
fn sign() {
    let s = Ed25519Signer::from_skey(PETER_SKEY).expect("signer");
    let want = format!("{TEXT}\n{PETER_SIG}");
    assert_eq!(note::sign(&Note::new(TEXT), &[&s]).expect("sign"), want);
    // An existing signature by the same key is replaced.
    let n = note::open(want.as_bytes(), &list(vec![peter()])).expect("open");
    assert_eq!(note::sign(&n, &[&s]).expect("re-sign"), want);
    // Existing signatures by other keys come first.
    let two = format!("{TEXT}\n{ENOCH_SIG}");
    let n2 = match note::open(two.as_bytes(), &list(vec![])) {
        Err(Error::UnverifiedNote { note }) => *note,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        note::sign(&n2, &[&s]).expect("add"),
        format!("{TEXT}\n{ENOCH_SIG}{PETER_SIG}")
    );
    // Bad inputs.
    assert!(matches!(
        note::sign(&Note::new("abc"), &[&s]),
        Err(Error::MalformedNote { .. })
    ));
    assert!(matches!(
        note::sign(&Note::new("a\u{1}\n"), &[&s]),
        Err(Error::MalformedNote { .. })
    ));
    struct BadName(Ed25519Signer);
    impl std::fmt::Debug for BadName {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("BadName")
        }
    }
    impl Signer for BadName {
        fn name(&self) -> &str {
            "bad name"
        }
        fn key_id(&self) -> u32 {
            Signer::key_id(&self.0)
        }
        fn sign(&self, t: &[u8]) -> Result<Vec<u8>, Error> {
            self.0.sign(t)
        }
    }
    assert!(matches!(
        note::sign(
            &Note::new(TEXT),
            &[&BadName(Ed25519Signer::from_skey(PETER_SKEY).expect("s"))]
        ),
        Err(Error::InvalidSigner { .. })
    ));
    #[derive(Debug)]
    struct Failing;
    impl Signer for Failing {
        fn name(&self) -> &str {
            "x"
        }
        fn key_id(&self) -> u32 {
            1
        }
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, Error> {
            Err(Error::InvalidSignerKey { reason: "surprise" })
        }
    }
    assert_eq!(
        note::sign(&Note::new(TEXT), &[&Failing]),
        Err(Error::InvalidSignerKey { reason: "surprise" })
    );
}

#[test]
fn verifier_list() {
    let l = list(vec![peter(), enoch(), enoch()]);
    assert_eq!(
        l.verifier("PeterNeumann", 0xc74f20a3).map(|v| v.key_id()),
        Ok(0xc74f20a3)
    );
    assert_eq!(
        l.verifier("PeterNeumann", 0xc74f20a4)
            .err()
            .map(|e| e.to_string()),
        Some("unknown key PeterNeumann+c74f20a4".into())
    );
    assert_eq!(
        l.verifier("PeterNeuman", 0xc74f20a3)
            .err()
            .map(|e| e.to_string()),
        Some("unknown key PeterNeuman+c74f20a3".into())
    );
    assert_eq!(
        l.verifier("EnochRoot", 0xaf0cfe78)
            .err()
            .map(|e| e.to_string()),
        Some("ambiguous key EnochRoot+af0cfe78".into())
    );
}

#[test]
fn open() {
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    // One verified, one unknown.
    let n = note::open(both.as_bytes(), &list(vec![peter()])).expect("open");
    assert_eq!(n.text(), TEXT);
    assert_eq!(n.signatures(), [sig(PETER_SIG)]);
    assert_eq!(n.unverified(), [sig(ENOCH_SIG)]);
    // Both verified.
    let n = note::open(both.as_bytes(), &list(vec![peter(), enoch()])).expect("open");
    assert_eq!(n.signatures(), [sig(PETER_SIG), sig(ENOCH_SIG)]);
    assert!(n.unverified().is_empty());
    // Neither: the error carries the note.
    match note::open(both.as_bytes(), &list(vec![])) {
        Err(e @ Error::UnverifiedNote { .. }) => {
            assert_eq!(e.to_string(), "note has no verifiable signatures");
            let Error::UnverifiedNote { note } = e else {
                unreachable!()
            };
            assert!(note.signatures().is_empty());
            assert_eq!(note.unverified(), [sig(PETER_SIG), sig(ENOCH_SIG)]);
        }
        other => panic!("{other:?}"),
    }
    // An ambiguous key fails only when a signature uses it.
    let e = note::open(
        format!("{TEXT}\n{ENOCH_SIG}").as_bytes(),
        &list(vec![enoch(), peter(), enoch()]),
    );
    assert_eq!(
        e.err().map(|e| e.to_string()),
        Some("ambiguous key EnochRoot+af0cfe78".into())
    );
    note::open(
        format!("{TEXT}\n{PETER_SIG}").as_bytes(),
        &list(vec![enoch(), peter(), enoch()]),
    )
    .expect("unused ambiguity");
    // Too many signatures, whether known or not.
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    assert!(matches!(
        note::open(many.as_bytes(), &list(vec![peter()])),
        Err(Error::MalformedNote {
            reason: "too many signatures",
            ..
        })
    ));
    assert!(matches!(
        note::open(many.as_bytes(), &list(vec![])),
        Err(Error::MalformedNote {
            reason: "too many signatures",
            ..
        })
    ));
    // An invalid signature by a known key rejects the note.
    let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert_eq!(
        note::open(bad.as_bytes(), &list(vec![peter()]))
            .err()
            .map(|e| e.to_string()),
        Some("invalid signature for key PeterNeumann+c74f20a3".into())
    );
    // Repeats: a known key counts once, identical unknown lines are kept once.
    let enoch_abcd = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let msg = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_abcd}");
    let n = note::open(msg.as_bytes(), &list(vec![peter()])).expect("open");
    assert_eq!(n.signatures(), [sig(PETER_SIG)]);
    assert_eq!(n.unverified(), [sig(ENOCH_SIG), sig(&enoch_abcd)]);
    // Malformed notes.
    for m in [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\u{1}{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n— PeterNeumann \n"),
        format!("{TEXT}\n— PeterNeumann AAAA\n"),
        format!("{TEXT}\n— PeterNeumann !!!!\n"),
    ] {
        assert!(
            matches!(
                note::open(m.as_bytes(), &list(vec![peter()])),
                Err(Error::MalformedNote { .. })
            ),
            "{m:?}"
        );
    }
    let mut invalid_utf8 = b"\xff".to_vec();
    invalid_utf8.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
    assert!(matches!(
        note::open(&invalid_utf8, &list(vec![peter()])),
        Err(Error::MalformedNote {
            reason: "not UTF-8",
            ..
        })
    ));
    // A lookup that answers with the wrong verifier is refused.
    #[derive(Debug)]
    struct Fixed(Ed25519Verifier);
    impl Verifiers for Fixed {
        fn verifier(&self, _: &str, _: u32) -> Result<&dyn Verifier, Error> {
            Ok(&self.0)
        }
    }
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    assert!(matches!(
        note::open(format!("{TEXT}\n{misnamed}").as_bytes(), &Fixed(peter())),
        Err(Error::MismatchedVerifier { .. })
    ));
    let wrong_id = PETER_SIG.replace("x08g", "xxxx");
    assert!(matches!(
        note::open(format!("{TEXT}\n{wrong_id}").as_bytes(), &Fixed(peter())),
        Err(Error::MismatchedVerifier { .. })
    ));
    // The size limit.
    let huge = format!("{}\n{PETER_SIG}", "a\n".repeat(note::MAX_NOTE_SIZE));
    assert!(matches!(
        note::open(huge.as_bytes(), &list(vec![peter()])),
        Err(Error::NoteTooLarge { .. })
    ));
}

/// The text may contain blank lines: the last one separates the signatures.
#[test]
fn blank_lines_in_text() {
    let s = Ed25519Signer::from_skey(PETER_SKEY).expect("signer");
    for text in ["a\n\nb\n", "a\n\n", "\n", "a\n\n\n"] {
        let msg = note::sign(&Note::new(text), &[&s]).expect("sign");
        let n = note::open(msg.as_bytes(), &list(vec![peter()])).expect("open");
        assert_eq!(n.text(), text);
    }
}
