//! The one error type of this crate: what went wrong, in which file, where.

use std::fmt;
use std::path::PathBuf;

/// A position in a text file, both 1-based; `column` counts characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A reader's failure: the file (when known), the position (when known) and
/// what is wrong.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    pub path: Option<PathBuf>,
    pub location: Option<Location>,
    #[source]
    pub kind: ErrorKind,
}

impl Error {
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            path: None,
            location: None,
            kind,
        }
    }

    pub fn at(kind: ErrorKind, location: Location) -> Error {
        Error {
            path: None,
            location: Some(location),
            kind,
        }
    }

    /// Names the file the error is in (readers that work on bytes do not know it).
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Error {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, &self.location) {
            (Some(p), Some(l)) => write!(f, "{}:{l}: {}", p.display(), self.kind),
            (Some(p), None) => write!(f, "{}: {}", p.display(), self.kind),
            (None, Some(l)) => write!(f, "line {}, column {}: {}", l.line, l.column, self.kind),
            (None, None) => write!(f, "{}", self.kind),
        }
    }
}

/// What is wrong. Each reader adds its own variants; each variant carries the
/// offending data so the message can show it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("invalid requirement {requirement:?} for {module}: {source}")]
    Requirement {
        module: String,
        requirement: String,
        #[source]
        source: cpansec_version::RequirementError,
    },
    // snapshot, packages, checksums (shared)
    #[error("{what} is not valid UTF-8")]
    NotUtf8 { what: &'static str },
    // snapshot
    #[error(
        "not a Carton snapshot: the first line is {found:?}, expected \"# carton snapshot format: version 1.0\""
    )]
    SnapshotHeader { found: String },
    #[error("unsupported Carton snapshot format version {found:?} (only 1.0 is known)")]
    SnapshotFormatVersion { found: String },
    #[error("unknown section {found:?} (a Carton snapshot has only DISTRIBUTIONS)")]
    SnapshotSection { found: String },
    #[error("{expected}, found {found:?}")]
    SnapshotLine {
        expected: &'static str,
        found: String,
    },
    #[error("distribution {dist} has no pathname")]
    SnapshotMissingPathname { dist: String },
    #[error("distribution {dist} names {what} twice")]
    SnapshotDuplicate { dist: String, what: String },
    #[error("unexpected text {text:?} after the version of {module}")]
    SnapshotTrailingText { module: String, text: String },
    // packages
    #[error("not a `Name: value` header line: {line:?}")]
    PackagesHeaderLine { line: String },
    #[error("header field {name} given twice")]
    PackagesDuplicateHeader { name: String },
    #[error("a row needs three fields (module, version, path), found {fields}: {line:?}")]
    PackagesRow { fields: usize, line: String },
    #[error("blank line among the rows")]
    PackagesBlankLine,
    #[error("module {module} is listed twice")]
    PackagesDuplicate { module: String },
    #[error("Line-Count says {declared}, the index has {rows} rows")]
    PackagesLineCount { declared: String, rows: u64 },
    // checksums (and the Perl literal reader it uses)
    #[error("expected {expected}, found {found:?}")]
    PerlData {
        expected: &'static str,
        found: String,
    },
    #[error("key {key:?} appears twice in one hash")]
    PerlDataDuplicateKey { key: String },
    #[error("malformed signature armour: expected {expected}")]
    ChecksumsArmor { expected: &'static str },
    #[error("the entry for {file:?} is not a hash")]
    ChecksumsEntry { file: String },
}
