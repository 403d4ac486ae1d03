//! Any string: requirement and advisory range parsing never panic, and each
//! parsed range's version set agrees with its own matcher on its boundary
//! versions.
#![no_main]

use cpansec_version::{AdvisoryRange, Requirement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(req) = Requirement::parse(data) {
        let set = req.to_set();
        for (_, v) in req.clauses() {
            assert_eq!(set.contains(&v), req.accepts(&v));
        }
        if let Ok(again) = Requirement::parse(&req.to_string()) {
            assert_eq!(again.to_set(), set);
        }
    }
    if let Ok(range) = AdvisoryRange::parse(data) {
        let set = range.to_set();
        for clause in range.clauses() {
            assert_eq!(
                set.contains(&clause.version),
                range.matches(&clause.version)
            );
        }
    }
});
