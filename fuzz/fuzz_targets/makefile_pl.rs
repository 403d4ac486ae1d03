//! Arbitrary text as Makefile.PL: the static reader never panics or hangs,
//! and reading is deterministic.
#![no_main]

use cpansec_meta::MakefilePl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let first = MakefilePl::parse_bytes(data);
    let _ = first.prereqs();
    let _ = first.author();
    assert_eq!(first, MakefilePl::parse_bytes(data));
});
