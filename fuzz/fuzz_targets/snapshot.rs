//! Any string: reading a cpanfile.snapshot never panics, and whatever reads
//! renders to text that reads back to the same distributions (in name
//! order) and renders identically again.
#![no_main]

use cpansec_meta::{Snapshot, SnapshotDist};
use libfuzzer_sys::fuzz_target;

fn comparable<'a>(s: &Snapshot<'a>) -> Vec<SnapshotDist<'a>> {
    let mut d: Vec<SnapshotDist<'a>> = s
        .distributions
        .iter()
        .cloned()
        .map(|mut d| {
            d.line = 0;
            d
        })
        .collect();
    d.sort_by(|a, b| a.name.cmp(&b.name));
    d
}

fuzz_target!(|data: &str| {
    let Ok(snapshot) = Snapshot::parse(data) else {
        return;
    };
    let text = snapshot.to_snapshot_string();
    let again = match Snapshot::parse(&text) {
        Ok(s) => s,
        Err(e) => panic!("rendered snapshot does not read back: {e}\n{text}"),
    };
    assert_eq!(comparable(&again), comparable(&snapshot));
    assert_eq!(again.to_snapshot_string(), text);
});
