//! Any string: reading a cpanfile.snapshot never panics, `parse_releases`
//! accepts and rejects what `parse` does (same error, same releases), and
//! whatever reads renders to text that reads back to the same distributions
//! (in name order) and renders identically again.
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
    let parsed = Snapshot::parse(data);
    let releases = Snapshot::parse_releases(data);
    match (&parsed, &releases) {
        (Ok(full), Ok(quick)) => {
            let strip = |s: &Snapshot<'_>| -> Vec<(String, String, u32)> {
                s.distributions
                    .iter()
                    .map(|d| (d.name.to_string(), d.pathname.to_string(), d.line))
                    .collect()
            };
            assert_eq!(strip(full), strip(quick));
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("parse and parse_releases disagree on {data:?}"),
    }
    let Ok(snapshot) = parsed else {
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
