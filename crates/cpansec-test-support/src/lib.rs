//! What every crate's tests share: where the real test data lives
//! (`../shared`, next to the checkout), running perl as an oracle, and on-CPU
//! time for benchmarks.
//!
//! Both fail loudly: a test about real data must not pass because the data
//! is missing, and an oracle that did not answer is a failed test, not a
//! skipped one.
#![allow(clippy::expect_used)] // a helper of tests: a failure is a test failure

pub mod cpu_time;
pub mod osv;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// `../shared` next to the checkout. Panics when it is missing.
pub fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.join("README.md").is_file(),
        "test data not found at {}: ../shared must sit next to the checkout",
        dir.display()
    );
    dir
}

/// Runs `perl -e SCRIPT ARGS...` with `input` on stdin and returns stdout.
/// Panics with perl's stderr when perl fails.
pub fn perl(script: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new("perl")
        .arg("-e")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perl runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("perl finishes");
    assert!(
        out.status.success(),
        "perl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().expect("writer").expect("perl read its input");
    String::from_utf8(out.stdout).expect("perl prints UTF-8")
}
