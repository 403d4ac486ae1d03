//! Any string: reading a CHECKSUMS file never panics; whatever reads has
//! entries that convert to JSON and a signed text that reads the same.
#![no_main]

use cpansec_meta::Checksums;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let Ok(c) = Checksums::parse(data) else {
        return;
    };
    let _ = c.entries_json();
    if let Some(sig) = &c.signature {
        // The signed text alone is an unsigned CHECKSUMS file with the same
        // entries (unless it itself looks like armour).
        if !sig
            .signed_text
            .contains("-----BEGIN PGP SIGNED MESSAGE-----")
        {
            let unsigned = Checksums::parse(&sig.signed_text).expect("signed text reads alone");
            assert_eq!(unsigned.entries, c.entries);
        }
    }
});
