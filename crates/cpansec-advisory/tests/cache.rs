//! The binary cache: loading from it gives exactly what loading the JSON
//! gives; stale, touched, corrupt and foreign caches are detected and
//! rebuilt; the embedded snapshot is the cache of the checked-in JSON.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use cpansec_advisory::{
    CacheStatus, Database, Error, Location, Source, keyed_cache_path, sibling_cache_path,
};
use cpansec_version::Version;

use crate::support;

fn round_trip(db: &Database, json_path: &Path) -> Database {
    let json = std::fs::read(json_path).expect("database readable");
    let bytes = db.to_cache_bytes(&json);
    Database::from_cache_slice(&bytes, db.source().clone()).expect("cache decodes")
}

#[test]
fn cache_gives_the_same_database_as_the_json() {
    support::assert_same_db(
        support::current_db(),
        &round_trip(support::current_db(), &support::current_db_path()),
    );
    support::assert_same_db(
        support::old_db(),
        &round_trip(support::old_db(), &support::old_db_path()),
    );
}

#[test]
fn encoding_is_deterministic() {
    let json = std::fs::read(support::current_db_path()).unwrap();
    let a = support::current_db().to_cache_bytes(&json);
    let decoded = Database::from_cache_slice(&a, Source::Embedded("t")).unwrap();
    assert_eq!(decoded.to_cache_bytes(&json), a);
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

#[test]
fn embedded_snapshot_is_the_checked_in_json() {
    let gz = std::fs::read(data_dir().join("cpansa-snapshot.json.gz")).unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut json)
        .unwrap();
    let from_json = Database::from_json_slice(&json, Source::Embedded("t")).unwrap();
    let embedded = Database::embedded().unwrap();
    support::assert_same_db(&from_json, &embedded);
    assert_eq!(
        embedded.to_cache_bytes(&json),
        from_json.to_cache_bytes(&json),
        "the build script's encoding is the library's"
    );
    // Only the compressed JSON is kept in the repository.
    assert!(!data_dir().join("cpansa-snapshot.bin").exists());
}

/// Every query answered by a freshly opened binary database, before and
/// while its parts are decoded, equals the JSON-loaded database's answer.
fn assert_same_answers(json: &Database, packed: &Database) {
    let ids = |v: Vec<&cpansec_advisory::Advisory>| -> Vec<String> {
        v.iter().map(|a| a.id.to_string()).collect()
    };
    // Aliases first, so advisories are decoded through the alias table.
    for a in json.advisories() {
        for alias in &a.aliases {
            assert_eq!(
                ids(json.lookup(alias)),
                ids(packed.lookup(alias)),
                "{alias}"
            );
        }
        assert_eq!(json.lookup(&a.id), packed.lookup(&a.id), "{}", a.id);
        assert_eq!(json.advisory(&a.id), packed.advisory(&a.id), "{}", a.id);
    }
    for (module, dist) in json.modules() {
        assert_eq!(
            packed.distribution_of_module(module),
            Some(dist),
            "{module}"
        );
    }
    for missing in ["", "No::Such::Module", "zzzz"] {
        assert_eq!(packed.distribution_of_module(missing), None);
        assert!(packed.distribution(missing).is_none());
        assert!(packed.advisories_for(missing).is_empty());
    }
    for d in json.distributions() {
        let name = d.name.as_str();
        assert_eq!(packed.distribution(name), Some(d), "{name}");
        assert_eq!(
            ids(json.advisories_for(name)),
            ids(packed.advisories_for(name))
        );
        let releases: Vec<_> = d.known_releases().map(|(_, v)| v).collect();
        for v in &releases {
            let (f, g) = (json.findings(name, v), packed.findings(name, v));
            assert_eq!(ids(f.affected), ids(g.affected), "{name} {v}");
            assert_eq!(ids(f.unknown), ids(g.unknown), "{name} {v}");
        }
        // The first safe release after each of about ten releases spread
        // over the list (every release would be quadratic in long lists).
        for v in releases.iter().step_by(releases.len() / 10 + 1) {
            assert_eq!(
                json.first_safe_after(name, v),
                packed.first_safe_after(name, v),
                "{name} {v}"
            );
        }
        // The safe releases after a version: the known ones newer than it
        // with no findings, in order, whether found by the packed binary
        // search and the marks written with the file or by filtering.
        let zero = Version::parse("0").expect("0 parses");
        let mut samples: Vec<&Version> = releases
            .iter()
            .step_by(releases.len() / 10 + 1)
            .copied()
            .collect();
        samples.push(&zero);
        samples.extend(releases.iter().max().copied());
        for v in samples {
            let expected: Vec<&Version> = releases
                .iter()
                .filter(|r| **r > v && json.findings(name, r).is_safe())
                .copied()
                .collect();
            for db in [json, packed] {
                let got: Vec<Version> = db.safe_releases_after(name, v).collect();
                assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{name} {v}");
            }
        }
        let affected = |db: &Database| -> Vec<String> {
            db.affected_releases(name)
                .iter()
                .map(|(r, f)| format!("{} {:?}", r.version, ids(f.affected.clone())))
                .collect()
        };
        assert_eq!(affected(json), affected(packed), "{name}");
    }
    support::assert_same_db(json, packed);
}

#[test]
fn binary_database_answers_every_query_as_the_json_does() {
    for (db, path) in [
        (support::current_db(), support::current_db_path()),
        (support::old_db(), support::old_db_path()),
    ] {
        assert_same_answers(db, &round_trip(db, &path));
    }
}

fn set_mtime(path: &Path, ago_secs: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("file opens");
    file.set_modified(SystemTime::now() - Duration::from_secs(ago_secs))
        .expect("mtime settable");
}

fn hit(status: &CacheStatus) -> bool {
    matches!(status, CacheStatus::Hit)
}

#[test]
fn cache_is_built_then_used_then_rebuilt_when_the_source_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.json");
    let cache = sibling_cache_path(&db_path);
    std::fs::copy(support::old_db_path(), &db_path).unwrap();
    set_mtime(&db_path, 3600);

    let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
    assert!(cache.is_file());
    assert_eq!(db.source(), &Source::File(db_path.clone()));
    support::assert_same_db(&db, support::old_db());

    // Fast path: same length and time stamp, the JSON is not read (it is
    // garbage of the same length and time here, to prove it).
    let len = std::fs::metadata(&db_path).unwrap().len();
    let mtime = std::fs::metadata(&db_path).unwrap().modified().unwrap();
    let original = std::fs::read(&db_path).unwrap();
    std::fs::write(&db_path, vec![b'x'; len as usize]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&db_path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(hit(&status), "{status:?}");
    support::assert_same_db(&db, support::old_db());
    std::fs::write(&db_path, original).unwrap();
    set_mtime(&db_path, 3600);

    // Touched, same content: reused, and the stamp is refreshed.
    set_mtime(&db_path, 60);
    let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(hit(&status), "{status:?}");
    support::assert_same_db(&db, support::old_db());

    // New content: rebuilt from the JSON.
    std::fs::copy(support::current_db_path(), &db_path).unwrap();
    set_mtime(&db_path, 30);
    let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
    support::assert_same_db(&db, support::current_db());
}

#[test]
fn a_same_size_change_in_the_same_second_is_not_missed() {
    // A source written just before its cache is not trusted by time stamp:
    // the content hash decides, so an edit that keeps length and mtime is seen.
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.json");
    let cache = dir.path().join("db.bin");
    let json = std::fs::read_to_string(support::old_db_path()).unwrap();
    std::fs::write(&db_path, &json).unwrap();
    let mtime = std::fs::metadata(&db_path).unwrap().modified().unwrap();
    let (_, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
    let edited = json.replacen("\"CVE-", "\"CVF-", 1);
    assert_eq!(edited.len(), json.len());
    std::fs::write(&db_path, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&db_path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
    assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
    assert!(
        db.advisories()
            .any(|a| a.unrecognised_aliases.iter().any(|u| u.starts_with("CVF-")))
    );
}

#[test]
fn corrupt_or_foreign_caches_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db.json");
    let cache = dir.path().join("db.bin");
    std::fs::copy(support::old_db_path(), &db_path).unwrap();
    set_mtime(&db_path, 3600);
    Database::load_cached(&db_path, &cache).unwrap();
    let good = std::fs::read(&cache).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let mut other_version = good.clone();
    other_version[8] = other_version[8].wrapping_add(1);
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    for (what, bytes) in [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped bit", flipped),
        ("other format version", other_version),
        ("bad magic", bad_magic),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&cache, &bytes).unwrap();
        let (db, status) = Database::load_cached(&db_path, &cache).unwrap();
        assert!(matches!(status, CacheStatus::Rebuilt), "{what}: {status:?}");
        support::assert_same_db(&db, support::old_db());
        assert_eq!(std::fs::read(&cache).unwrap(), good, "{what}: rewritten");
    }
}

#[test]
fn decoding_damaged_bytes_is_an_error_never_a_panic() {
    let json = std::fs::read(support::old_db_path()).unwrap();
    let good = support::old_db().to_cache_bytes(&json);
    for cut in (0..good.len()).step_by(997) {
        let err = Database::from_cache_slice(&good[..cut], Source::Embedded("t")).unwrap_err();
        assert!(matches!(err, Error::Cache { .. }), "cut at {cut}: {err}");
    }
    for cut in [good.len() - 1, good.len() - 8, 81, 80, 8, 1] {
        assert!(Database::from_cache_slice(&good[..cut], Source::Embedded("t")).is_err());
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(Database::from_cache_slice(&longer, Source::Embedded("t")).is_err());
    // Flipping any single byte of the header or payload is caught by the
    // header checks or the checksum.
    for at in (0..good.len()).step_by(4099).chain([good.len() - 1]) {
        let mut bad = good.clone();
        bad[at] ^= 0x20;
        assert!(
            Database::from_cache_slice(&bad, Source::Embedded("t")).is_err(),
            "flip at {at}"
        );
    }
}

#[test]
fn explicit_files_are_cached_under_the_cache_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    let location = Location::Explicit(support::old_db_path());
    let (_, status) = location.load_cached(Some(&cache_dir)).unwrap();
    assert!(
        matches!(status, CacheStatus::Rebuilt | CacheStatus::Hit),
        "{status:?}"
    );
    let cache = keyed_cache_path(&support::old_db_path(), &cache_dir);
    assert!(
        cache.starts_with(cache_dir.join("db-cache")),
        "{}",
        cache.display()
    );
    assert!(cache.is_file());
    let (db, status) = location.load_cached(Some(&cache_dir)).unwrap();
    assert!(hit(&status), "{status:?}");
    support::assert_same_db(&db, support::old_db());
    // Without a cache directory, the JSON is read.
    let (_, status) = location.load_cached(None).unwrap();
    assert!(matches!(status, CacheStatus::Disabled), "{status:?}");
}

#[test]
fn an_unwritable_cache_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let cache = blocker.join("sub").join("db.bin");
    let (db, status) = Database::load_cached(&support::old_db_path(), &cache).unwrap();
    assert!(matches!(status, CacheStatus::Unwritable(_)), "{status:?}");
    support::assert_same_db(&db, support::old_db());
}

/// Header length and section directory of format 3 (see `binary.rs`): the
/// stamp (65 bytes), the payload length, then per section its offset in the
/// payload, length and checksum.
const HEADER_LEN: usize = 201;

fn section(bytes: &[u8], k: usize) -> std::ops::Range<usize> {
    let at = 73 + 24 * k;
    let word =
        |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes")) as usize;
    let start = HEADER_LEN + word(at);
    start..start + word(at + 8)
}

/// A cache up to date for a copy of the old database, in `dir`.
fn fresh_cache(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    let db_path = dir.join("db.json");
    let cache = dir.join("db.bin");
    std::fs::copy(support::old_db_path(), &db_path).expect("copy of the database");
    set_mtime(&db_path, 3600);
    Database::load_cached(&db_path, &cache).expect("database loads");
    let good = std::fs::read(&cache).expect("cache written");
    (db_path, cache, good)
}

#[test]
fn a_lazily_read_cache_answers_every_query_as_the_json_does() {
    let dir = tempfile::tempdir().unwrap();
    let (db_path, cache, _) = fresh_cache(dir.path());
    let (db, status) = Database::load_cached_lazy(&db_path, &cache).unwrap();
    assert!(hit(&status), "{status:?}");
    assert_eq!(db.source(), &Source::File(db_path.clone()));
    assert_same_answers(support::old_db(), &db);
    assert!(db.damage().is_none());
}

#[test]
fn a_lazy_load_detects_stale_and_damaged_headers_and_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let (db_path, cache, good) = fresh_cache(dir.path());
    let mut header_flip = good.clone();
    header_flip[HEADER_LEN - 20] ^= 1;
    let mut core_flip = good.clone();
    let core = section(&good, 0);
    core_flip[core.start + core.len() / 2] ^= 1;
    for (what, bytes) in [
        ("truncated", good[..good.len() - 1].to_vec()),
        ("header flipped", header_flip),
        ("core flipped", core_flip),
        ("shorter than a header", good[..100].to_vec()),
    ] {
        std::fs::write(&cache, &bytes).unwrap();
        let (db, status) = Database::load_cached_lazy(&db_path, &cache).unwrap();
        assert!(matches!(status, CacheStatus::Rebuilt), "{what}: {status:?}");
        support::assert_same_db(&db, support::old_db());
        assert_eq!(std::fs::read(&cache).unwrap(), good, "{what}: rewritten");
    }
    // A changed source is seen without reading the cache's payload.
    std::fs::copy(support::current_db_path(), &db_path).unwrap();
    set_mtime(&db_path, 30);
    let (db, status) = Database::load_cached_lazy(&db_path, &cache).unwrap();
    assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
    support::assert_same_db(&db, support::current_db());
}

#[test]
fn damage_past_the_header_is_reported_when_read_and_a_rebuild_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db_path, cache, good) = fresh_cache(dir.path());
    // One flipped byte in the middle of each lazily read section: the
    // distribution records, the advisory records, the aliases, the modules.
    for k in 1..5 {
        let mut bad = good.clone();
        let s = section(&good, k);
        bad[s.start + s.len() / 2] ^= 0x10;
        std::fs::write(&cache, &bad).unwrap();
        let (db, status) = Database::load_cached_lazy(&db_path, &cache).unwrap();
        // Not seen at open: only the header and the core section are read.
        assert!(hit(&status), "section {k}: {status:?}");
        assert!(db.damage().is_none(), "section {k}");
        let mut answered = 0;
        for d in support::old_db().distributions() {
            answered += usize::from(db.distribution(&d.name).is_some());
            answered += db.advisories_for(&d.name).len();
        }
        for a in support::old_db().advisories() {
            answered += db.lookup(&a.id).len();
            for alias in &a.aliases {
                answered += db.lookup(alias).len();
            }
        }
        for (m, _) in support::old_db().modules() {
            answered += usize::from(db.distribution_of_module(m).is_some());
        }
        assert!(answered > 0);
        let damage = db.damage().expect("damage reported once the part is read");
        assert!(
            matches!(&damage, Error::Cache { message, .. } if message.contains("checksum")),
            "section {k}: {damage}"
        );
        let (db, status) = Database::rebuild_cache(&db_path, &cache).unwrap();
        assert!(matches!(status, CacheStatus::Rebuilt), "{status:?}");
        support::assert_same_db(&db, support::old_db());
        assert_eq!(
            std::fs::read(&cache).unwrap(),
            good,
            "section {k}: rewritten"
        );
    }
}

#[test]
fn a_cache_truncated_after_the_open_is_damage_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (db_path, cache, good) = fresh_cache(dir.path());
    let (db, status) = Database::load_cached_lazy(&db_path, &cache).unwrap();
    assert!(hit(&status), "{status:?}");
    // Truncated in place under the open database (not replaced by rename,
    // which the reader would not see).
    std::fs::File::options()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_len((section(&good, 0).end + 10) as u64)
        .unwrap();
    let n = support::old_db()
        .advisories()
        .filter(|a| db.advisory(&a.id).is_some())
        .count();
    assert!(n < support::old_db().advisories().len());
    assert!(db.damage().is_some());
}
