//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

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

/// The built `cpansec` binary, with the environment variables that change
/// its behaviour cleared.
pub fn cpansec() -> Command {
    let mut cmd = Command::cargo_bin("cpansec").expect("the binary is built");
    cmd.env_remove("CPANSEC_PATCHES")
        .env_remove("CPANSEC_DB")
        .env("NO_COLOR", "1");
    cmd
}
