//! Arbitrary bytes as the archive `cpansec audit Foo-1.0.tar.gz` audits:
//! reading its META/MYMETA/cpanfile requirements and scanning them never
//! panics, and every dependency is named by a file inside the archive.
#![no_main]

use std::sync::OnceLock;

use cpansec_advisory::Database;
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::{DependencySet, scan};
use cpansec_meta::{Tarball, TarballLimits};
use libfuzzer_sys::fuzz_target;

const LIMITS: TarballLimits = TarballLimits {
    max_compressed: 1024 * 1024,
    max_unpacked_total: 8 * 1024 * 1024,
    max_file_size: 2 * 1024 * 1024,
    max_entries: 2_000,
    max_path_len: 512,
};

fn db() -> &'static Database {
    static DB: OnceLock<Database> = OnceLock::new();
    DB.get_or_init(|| {
        let path = cpansec_test_support::shared().join("data/cpansa/cpan-security-advisory.json");
        Database::load_json_file(&path).expect("the shared database loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(tarball) = Tarball::parse(data.to_vec(), &LIMITS) else {
        return;
    };
    let Ok(set) =
        DependencySet::from_tarball_parsed(&tarball, "fuzz.tar.gz", db(), &LoadOptions::default())
    else {
        return;
    };
    for d in &set.dependencies {
        assert!(d.origin.file.starts_with("fuzz.tar.gz!/"));
        assert_ne!(d.dist, "perl");
    }
    let report = scan(db(), &set);
    assert!(
        report
            .findings
            .iter()
            .all(|f| set.dependencies.iter().any(|d| d.dist == f.dist))
    );
});
