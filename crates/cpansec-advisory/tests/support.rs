//! Helpers shared by the integration tests: where the shared test data lives,
//! and running perl as an oracle. Not every test binary uses every helper.
#![allow(dead_code)]

use std::path::PathBuf;

pub use cpansec_test_support::shared;

/// The current shared database file.
pub fn current_db_path() -> PathBuf {
    shared().join("data/cpansa/cpan-security-advisory.json")
}

/// The 2024-11-17 shared database file.
pub fn old_db_path() -> PathBuf {
    shared().join("data/cpansa/cpan-security-advisory-2024-11-17.json")
}

/// The current shared database, loaded once per test binary.
pub fn current_db() -> &'static cpansec_advisory::Database {
    static DB: std::sync::OnceLock<cpansec_advisory::Database> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        cpansec_advisory::Database::load_json_file(&current_db_path()).expect("current db loads")
    })
}

/// The 2024-11-17 shared database, loaded once per test binary.
pub fn old_db() -> &'static cpansec_advisory::Database {
    static DB: std::sync::OnceLock<cpansec_advisory::Database> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        cpansec_advisory::Database::load_json_file(&old_db_path()).expect("old db loads")
    })
}

/// Parses a version, panicking on failure (tests only).
pub fn v(s: &str) -> cpansec_version::Version {
    cpansec_version::Version::parse(s).expect("test version parses")
}

/// The current database reduced to one distribution, with its first
/// advisory entry changed by `edit`: a real entry with one field altered,
/// for behaviour the shared data does not show.
pub fn edited_current(
    dist: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> cpansec_advisory::Database {
    let text = std::fs::read_to_string(current_db_path()).expect("db readable");
    let full: serde_json::Value = serde_json::from_str(&text).expect("db is JSON");
    let mut entry = full["dists"][dist].clone();
    edit(&mut entry["advisories"][0]);
    let doc = serde_json::json!({
        "meta": full["meta"],
        "module2dist": {},
        "dists": {dist: entry},
    });
    cpansec_advisory::Database::from_json_slice(
        doc.to_string().as_bytes(),
        cpansec_advisory::Source::File(format!("edited {dist}").into()),
    )
    .expect("edited db loads")
}

/// Asserts that two databases hold the same model: metadata, entry count,
/// every advisory (all fields, ranges with their parse results), every
/// distribution and release (including each version's text), the module map,
/// the misfiled entries, and alias resolution of every alias. Names the
/// first difference.
pub fn assert_same_db(a: &cpansec_advisory::Database, b: &cpansec_advisory::Database) {
    assert_eq!(a.metadata(), b.metadata(), "metadata");
    assert_eq!(a.entry_count(), b.entry_count(), "entry count");
    assert_eq!(a.advisories().len(), b.advisories().len(), "advisory count");
    for (x, y) in a.advisories().zip(b.advisories()) {
        assert_eq!(x, y, "advisory {}", x.id);
        for alias in &x.aliases {
            let ids = |db: &cpansec_advisory::Database| -> Vec<String> {
                db.lookup(alias).iter().map(|a| a.id.to_string()).collect()
            };
            assert_eq!(ids(a), ids(b), "lookup of {alias}");
        }
    }
    assert_eq!(
        a.distributions().len(),
        b.distributions().len(),
        "dist count"
    );
    for (x, y) in a.distributions().zip(b.distributions()) {
        assert_eq!(x, y, "distribution {}", x.name);
        for (r, s) in x.releases.iter().flatten().zip(y.releases.iter().flatten()) {
            assert_eq!(r.version.to_string(), s.version.to_string(), "{}", x.name);
            if let (Some(v), Some(w)) = (r.version.known(), s.version.known()) {
                assert_eq!(v.as_str(), w.as_str(), "{} release text", x.name);
                assert_eq!(v.is_alpha(), w.is_alpha(), "{} {v} alpha", x.name);
                assert_eq!(v.is_qv(), w.is_qv(), "{} {v} qv", x.name);
            }
        }
    }
    assert!(a.modules().eq(b.modules()), "module map");
    assert_eq!(a.misfiled(), b.misfiled(), "misfiled entries");
    assert_eq!(a.summary(), b.summary(), "summary");
}
