//! Any bytes as a database file: loading never panics; a database that
//! loads can be linted, diffed with itself (no differences) and queried for
//! every release of every distribution.
#![no_main]

use cpansec_advisory::{Database, Source, diff, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(db) = Database::from_json_slice(data, Source::File("fuzz.json".into())) else {
        return;
    };
    let _ = lint(&db);
    assert!(diff(&db, &db).is_empty());
    for dist in db.distributions() {
        for (_, v) in dist.known_releases() {
            let _ = db.findings(&dist.name, v);
        }
        let _ = db.affected_releases(&dist.name);
    }
    for a in db.advisories() {
        for alias in &a.aliases {
            assert!(db.lookup(alias).iter().any(|b| b.id == a.id));
        }
    }
});
