//! Any string as an advisory id: parsing never panics, the written form
//! parses back to the same id, and the detected kind is the id's kind.
#![no_main]

use cpansec_advisory::{Id, IdKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(id) = data.parse::<Id>() {
        let again: Id = id.as_str().parse().expect("written id parses");
        assert_eq!(again, id);
        assert_eq!(IdKind::detect(id.as_str()), Some(id.kind()));
        if let Some(parts) = id.cpansa_parts() {
            assert!(id.as_str().contains(parts.dist));
        }
    }
});
