//! Helpers shared by the CLI tests: where the shared test data lives, and
//! the binary with a clean environment.
#![allow(dead_code)]

use std::path::PathBuf;

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
