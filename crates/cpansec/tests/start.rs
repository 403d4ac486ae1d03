//! What the process start-up guarantees every command: a reader that goes
//! away early is not an error (SIGPIPE is ignored), and exit codes pass
//! through.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let bin = assert_cmd::cargo::cargo_bin("cpansec");
    let mut child = Command::new(bin)
        .args(["version", "sort"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: String = (0..200_000).map(|i| format!("1.{i}\n")).collect();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "1.0\n");
    // The pipe is closed now; the rest of the output has nowhere to go.
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.signal(),
        None,
        "killed by a signal: {:?}",
        out.status
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn exit_codes_pass_through() {
    let bin = assert_cmd::cargo::cargo_bin("cpansec");
    let code = |args: &[&str]| {
        Command::new(&bin)
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&["version", "cmp", "1", "2"]), Some(0));
    assert_eq!(code(&["version", "cmp", "1", "x"]), Some(3));
    assert_eq!(code(&["no-such-command"]), Some(2));
}
