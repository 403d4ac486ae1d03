//! Helpers shared by the integration tests: where the shared test data lives, and
//! building the Go oracles. Not every test module uses every helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use cpansec_test_support::shared;

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

/// Builds the Go program in `tests/go/<name>/main.go` (against the Debian
/// packages of `golang.org/x/mod`) into the test's temporary directory. Fails,
/// never skips, when Go or x/mod is missing.
pub fn build_go(name: &str) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/go")
        .join(name)
        .join("main.go");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tlog-go-{name}"));
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(&src)
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .output()
        .unwrap_or_else(|e| {
            panic!("the Go oracle needs `go` ({e}): apt-get install -y golang-go golang-golang-x-mod-dev (scripts/setup does)")
        });
    assert!(
        built.status.success(),
        "building tests/go/{name} failed (is golang-golang-x-mod-dev installed? scripts/setup installs it):\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    out
}
