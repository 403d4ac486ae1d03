//! Any string: reading a dist path never panics; the reading keeps its
//! invariants, is idempotent on its own pathname, its PAUSE id is upper
//! case, its purl (when it has one) prints and parses back to itself, and
//! the purl string written directly is the purl's string.
#![no_main]

use cpansec_meta::{DistPath, Purl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let d = DistPath::parse(data);
    assert!(!d.pathname().contains("//"));
    assert_eq!(DistPath::parse(d.pathname()), d);
    assert_ne!(d.version(), Some(""));
    let truthy = d.distvname().is_some_and(|n| !n.is_empty() && n != "0");
    assert_eq!(d.dist().is_some(), truthy);
    match d.cpanid() {
        Some(id) => {
            assert!(d.pathname().ends_with(d.filename()));
            assert!(!id.is_empty() && !id.bytes().any(|b| b.is_ascii_lowercase()));
        }
        None => assert_eq!(d.filename(), d.pathname()),
    }
    let via_purl = Purl::from_dist_path(&d).map(|r| r.map(|p| p.to_string()));
    assert_eq!(Purl::dist_path_string(&d), via_purl);
    if let Some(Ok(purl)) = Purl::from_dist_path(&d) {
        assert_eq!(purl.name(), d.dist().unwrap());
        assert_eq!(Purl::parse(&purl.to_string()).unwrap(), purl);
    }
});
