//! The one error type of this crate. Every variant names the file it is about
//! and, where the input is at fault, the line.

use std::path::PathBuf;

/// What went wrong reading a registry, parsing a patch or applying one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: larger than the limit of {limit} bytes")]
    TooLarge { path: PathBuf, limit: u64 },
    /// The patch text is not a well-formed unified diff.
    #[error("{path}:{line}: malformed patch: {reason}")]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// The patch asks for something this tool refuses to do (binary data,
    /// symbolic links, renames, a path outside the tree).
    #[error("{path}:{line}: refused: {reason}")]
    Refused {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// A file in the registry is not where, or not named as, the layout says.
    #[error("{path}: {reason}")]
    Registry { path: PathBuf, reason: String },
    /// A path in the tree is unsafe to touch (a link, not a regular file, or
    /// leaving the tree).
    #[error("{path}: {reason}")]
    UnsafePath { path: PathBuf, reason: String },
    /// A patch of the registry that did not parse, asked to be applied.
    #[error("{}", .0)]
    Unusable(std::sync::Arc<PatchError>),
    /// A hunk's lines are not in the file, neither as they were before the
    /// patch nor as they are after it. Nothing was written.
    #[error(
        "{patch}: hunk #{hunk} of {file} (patch line {line}) does not apply: {reason}; nothing was changed"
    )]
    HunkFailed {
        patch: String,
        file: String,
        hunk: usize,
        line: usize,
        reason: String,
    },
}

impl PatchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> PatchError {
        PatchError::Io {
            path: path.into(),
            source,
        }
    }
}
