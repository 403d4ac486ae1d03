//! Any bytes as a database file: loading never panics; a database that
//! loads can be linted, diffed with itself (no differences) and queried for
//! every release of every distribution, and its binary form answers those
//! queries as it does (findings judged on range text in place, upgrades
//! chosen by the safe marks written with the file).
#![no_main]

use cpansec_advisory::{Database, Source, diff, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(db) = Database::from_json_slice(data, Source::File("fuzz.json".into())) else {
        return;
    };
    let _ = lint(&db);
    assert!(diff(&db, &db).is_empty());
    let packed = Database::from_cache_slice(&db.to_cache_bytes(data), Source::File("bin".into()))
        .expect("an encoded database opens");
    let ids = |f: &[&cpansec_advisory::Advisory]| -> Vec<String> {
        f.iter().map(|a| a.id.to_string()).collect()
    };
    for dist in db.distributions() {
        for (_, v) in dist.known_releases() {
            let (f, g) = (db.findings(&dist.name, v), packed.findings(&dist.name, v));
            assert_eq!(ids(&f.affected), ids(&g.affected));
            assert_eq!(ids(&f.unknown), ids(&g.unknown));
            assert!(
                db.safe_releases_after(&dist.name, v)
                    .eq(packed.safe_releases_after(&dist.name, v))
            );
        }
        let _ = db.affected_releases(&dist.name);
    }
    for a in db.advisories() {
        for alias in &a.aliases {
            assert!(db.lookup(alias).iter().any(|b| b.id == a.id));
        }
    }
});
