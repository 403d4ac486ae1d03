//! Any bytes as a signed note: opening never panics; with the fuzzer's own key
//! known, a note that opens re-encodes to an equivalent note, and any note that
//! opens without a known key carries its signatures as unverified.
#![no_main]

use cpansec_tlog::Error;
use cpansec_tlog::note::{self, Ed25519Signer, Verifier, VerifierList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let signer = Ed25519Signer::from_seed("fuzz.example/key", &[9; 32]).expect("signer");
    let known = VerifierList::new(vec![Box::new(signer.verifier()) as Box<dyn Verifier>]);
    match note::open(data, &known) {
        Ok(n) => {
            // Re-encoding keeps the text and the signatures; opening it again agrees.
            let again = note::sign(&n, &[]).expect("re-encode");
            let n2 = note::open(again.as_bytes(), &known).expect("re-encoded note opens");
            assert_eq!(n2.text(), n.text());
            assert_eq!(n2.signatures(), n.signatures());
        }
        Err(Error::UnverifiedNote { note }) => {
            assert!(note.signatures().is_empty());
            assert!(!note.unverified().is_empty());
        }
        Err(_) => {}
    }
    // Signing any text we accept gives a note that opens to the same text.
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(msg) = note::sign(&note::Note::new(text), &[&signer]) {
            let n = note::open(msg.as_bytes(), &known).expect("signed note opens");
            assert_eq!(n.text(), text);
        }
    }
});
