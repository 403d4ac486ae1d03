//! Any string: reading a dist path never panics; the reading keeps its
//! invariants, is idempotent on its own pathname, and its purl (when it has
//! one) prints and parses back to itself.
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
        Some(_) => assert!(d.pathname().ends_with(d.filename())),
        None => assert_eq!(d.filename(), d.pathname()),
    }
    if let Some(Ok(purl)) = Purl::from_dist_path(&d) {
        assert_eq!(purl.name(), d.dist().unwrap());
        assert_eq!(Purl::parse(&purl.to_string()).unwrap(), purl);
    }
});
