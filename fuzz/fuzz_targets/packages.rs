//! Any bytes (plain or gzip): reading an 02packages index never panics and
//! stays within its expansion limit; every row it reads is found by lookup.
#![no_main]

use cpansec_meta::Packages;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Packages::parse_bytes(data, 1 << 20) else {
        return;
    };
    assert_eq!(p.iter().count(), p.len());
    for row in p.iter() {
        assert_eq!(p.lookup(row.module), Some(row));
        assert!(!row.module.is_empty() && !row.path.is_empty());
    }
    let _ = p.check_line_count();
});
