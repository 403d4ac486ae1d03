//! Any bytes as a binary database (cache file or embedded snapshot): opening
//! never panics, and a database that opens decodes every advisory and
//! distribution without error, answers queries, and re-encodes to a file
//! that opens to the same database. Inputs whose first byte
//! is odd get their length and checksum fields rewritten first, so that the
//! checks behind the checksum are fuzzed too, not only the checksum.
#![no_main]

use cpansec_advisory::{Database, Source, reseal_cache};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if data.first().is_some_and(|b| b & 1 == 1) {
        reseal_cache(&mut bytes);
    }
    let Ok(db) = Database::from_cache_slice(&bytes, Source::File("fuzz.bin".into())) else {
        return;
    };
    assert!(db.decode_all().is_ok(), "opened but does not decode");
    let summary = db.summary();
    assert_eq!(db.modules().len(), db.modules().count());
    for (module, dist) in db.modules() {
        assert_eq!(db.distribution_of_module(module), Some(dist));
    }
    for a in db.advisories() {
        assert!(db.lookup(&a.id).iter().any(|b| b.id == a.id));
        for alias in &a.aliases {
            let _ = db.lookup(alias);
        }
    }
    for dist in db.distributions() {
        assert_eq!(db.distribution(&dist.name), Some(dist));
        for (_, v) in dist.known_releases() {
            let _ = db.findings(&dist.name, v);
            let _ = db.safe_releases_after(&dist.name, v).count();
        }
        let _ = db.affected_releases(&dist.name);
    }
    // What opened re-encodes to a file that opens to the same database.
    let again = Database::from_cache_slice(&db.to_cache_bytes(data), Source::File("again".into()))
        .expect("a re-encoded database opens");
    assert!(db.advisories().eq(again.advisories()));
    assert!(db.distributions().eq(again.distributions()));
    assert!(db.modules().eq(again.modules()));
    assert_eq!(summary, again.summary());
});
