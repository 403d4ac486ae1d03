//! Exit codes, the same for every command (documented in the README):
//! 0 ok, 1 findings at or above the threshold, 2 usage or configuration error,
//! 3 input or runtime error.

use std::io;

pub const OK: u8 = 0;
pub const FINDINGS: u8 = 1;
pub const USAGE: u8 = 2;
pub const INPUT: u8 = 3;

/// An error in how cpansec was called or configured (exit 2), as opposed to
/// bad input or a runtime failure (exit 3).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Prints `err` with its causes and returns the exit code it stands for. A
/// closed stdout (`cpansec ... | head`) is not an error.
pub fn report(err: &anyhow::Error) -> u8 {
    if let Some(io_err) = err.downcast_ref::<io::Error>() {
        if io_err.kind() == io::ErrorKind::BrokenPipe {
            return OK;
        }
    }
    let mut message = format!("error: {err}");
    for cause in err.chain().skip(1) {
        // Errors that name their file wrap a cause whose text they already show.
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(&format!("\n  caused by: {cause}"));
        }
    }
    eprintln!("{message}");
    if err.downcast_ref::<UsageError>().is_some() {
        USAGE
    } else {
        INPUT
    }
}

pub fn findings(found: bool) -> u8 {
    if found { FINDINGS } else { OK }
}
