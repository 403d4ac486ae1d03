//! Any string: requirement and advisory range parsing never panic, each
//! parsed range's version set agrees with its own matcher on its boundary
//! versions, and matching the text in place answers as parsing then
//! matching does (`None` exactly where parsing fails).
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
    match AdvisoryRange::parse(data) {
        Ok(range) => {
            let set = range.to_set();
            for clause in range.clauses() {
                assert_eq!(
                    set.contains(&clause.version),
                    range.matches(&clause.version)
                );
                assert_eq!(
                    AdvisoryRange::text_matches(data, &clause.version),
                    Some(range.matches(&clause.version))
                );
            }
        }
        Err(_) => assert_eq!(
            AdvisoryRange::text_matches(data, &cpansec_version::Version::zero()),
            None
        ),
    }
});
