//! Any string as a checkpoint body: parsing never panics, and what parses formats
//! back to exactly the input (one spelling per checkpoint).
#![no_main]

use cpansec_tlog::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(cp) = data.parse::<Checkpoint>() {
        assert_eq!(cp.to_string(), data);
        let again: Checkpoint = cp.to_string().parse().expect("reparses");
        assert_eq!(again, cp);
    }
});
