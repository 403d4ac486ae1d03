//! Any text as a patch file: parsing never panics, and every hunk of an
//! accepted patch has exactly the old and new line counts its header
//! announces (the invariant the applier relies on).
#![no_main]

use std::path::Path;

use cpansec_patch::Patch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let Ok(patch) = Patch::parse(data, Path::new("fuzz.patch")) else {
        return;
    };
    assert!(!patch.files.is_empty());
    for file in &patch.files {
        assert!(file.old_path.is_some() || file.new_path.is_some());
        for hunk in &file.hunks {
            assert_eq!(hunk.old_lines().count(), hunk.old_len);
            assert_eq!(hunk.new_lines().count(), hunk.new_len);
        }
    }
});
