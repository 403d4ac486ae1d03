//! Where the shared test data lives.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` next to the checkout. Fails loudly when it is missing: the
/// tests are about real data and must not pass vacuously.
pub fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("README.md").is_file(),
        "test data not found at {}: ../shared must sit next to the checkout",
        dir.display()
    );
    dir
}

/// The current shared advisory database.
pub fn current_db() -> PathBuf {
    shared().join("data/cpansa/cpan-security-advisory.json")
}
