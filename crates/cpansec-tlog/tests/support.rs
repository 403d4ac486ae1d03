//! Helpers shared by the integration tests: where the shared test data lives, and
//! the Go oracle. Not every test module uses every helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared` next to the checkout. Fails loudly when it is missing: the tests
/// are about real data and must not pass vacuously.
pub fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("README.md").is_file(),
        "test data not found at {}: ../shared must sit next to the checkout",
        dir.display()
    );
    dir
}

/// `../shared/vectors/tlog/<rel>`.
pub fn vectors(rel: &str) -> PathBuf {
    shared().join("vectors/tlog").join(rel)
}

/// Reads a file, failing with its path.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// All `*.json` files under `dir`, sorted, recursively.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
