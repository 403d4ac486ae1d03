//! Any bytes as a `log monitor` state file: parsing never panics, accepts only
//! a frontier with one hash per bit of its size, and round-trips; the
//! frontier's root and further pushes never panic.
#![no_main]

use cpansec_tlog::leaf_hash;
use cpansec_tlog::monitor::MonitorState;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(st) = MonitorState::parse(data) {
        let text = st.to_string();
        assert_eq!(MonitorState::parse(text.as_bytes()).expect("reparses"), st);
        let mut f = st.frontier.clone();
        let _ = f.root();
        if f.size() < u64::MAX - 2 {
            f.push(leaf_hash(data));
            f.push(leaf_hash(b""));
            let _ = f.root();
        }
    }
});
