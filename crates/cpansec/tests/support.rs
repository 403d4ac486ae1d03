//! Helpers shared by the CLI tests: where the shared test data lives, and
//! the binary with a clean environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub use cpansec_test_support::shared;

/// The current shared advisory database.
pub fn current_db() -> PathBuf {
    shared().join("data/cpansa/cpan-security-advisory.json")
}

/// The 2024-11-17 shared advisory database.
pub fn old_db() -> PathBuf {
    shared().join("data/cpansa/cpan-security-advisory-2024-11-17.json")
}

/// The built `cpansec` binary, with the environment variables that change
/// its behaviour cleared (database and registry resolution, colours).
pub fn cpansec() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cpansec").expect("cpansec is built");
    cmd.env_remove("CPANSEC_DB")
        .env_remove("CPANSEC_PATCHES")
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", "/nonexistent-home")
        .env("NO_COLOR", "1");
    cmd
}

/// A `cpan-upload/v1` record for `path` (a CPAN author path) whose file
/// holds `data`.
pub fn upload_record(path: &str, data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let sha: [u8; 32] = Sha256::digest(data).into();
    let dist = cpansec_meta::DistPath::parse(path);
    format!(
        "cpan-upload/v1\npath {path}\ndist {}\nversion {}\nauthor {}\nsize {}\nsha256 {}\ntime 2026-12-02T08:00:00Z\n",
        dist.dist().expect("a dist"),
        dist.version().expect("a version"),
        dist.cpanid().expect("an author"),
        data.len(),
        sha.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Copies a log directory (`cp -a`), e.g. to fork it.
pub fn copy_log(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    let ok = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .expect("cp runs")
        .success();
    assert!(ok, "cp -a {} {}", from.display(), to.display());
}
