//! Any bytes as a tlog-proof: parsing never panics and round-trips; the inclusion
//! and consistency verifiers never panic on the hashes and indexes it carries.
#![no_main]

use cpansec_tlog::{Hash, TlogProof, merkle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = TlogProof::parse(data) {
        let text = p.to_string();
        assert_eq!(TlogProof::parse(text.as_bytes()).expect("reparses"), p);
        let leaf = Hash::default();
        let root = p.proof.first().copied().unwrap_or_default();
        for size in [p.index, p.index.saturating_add(1), u64::MAX, 1 << 63] {
            let _ = merkle::verify_inclusion(&p.proof, size, &root, p.index, &leaf);
            let _ = merkle::verify_consistency(&p.proof, p.index, &root, size, &leaf);
        }
    }
});
