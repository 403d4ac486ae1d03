//! Any string as a tile path: parsing never panics, what parses formats back to the
//! input, and the tile's leaf range is consistent with its width.
#![no_main]

use cpansec_tlog::Tile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    if let Ok(t) = data.parse::<Tile>() {
        assert_eq!(t.path(), data);
        assert!((1..=256).contains(&t.width()));
        let (start, end) = t.leaf_range();
        assert!(start <= end);
    }
});
