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
    // metafile
    /// META JSON that is not JSON.
    #[error("invalid JSON: {message}")]
    MetaJson { message: String },
    /// META YAML outside the CPAN::Meta::YAML subset.
    #[error("{message}")]
    MetaYaml { message: String },
    /// A META structure of a shape CPAN::Meta dies on (or the model cannot hold).
    #[error("{message}")]
    MetaStructure { message: String },
    /// A META structure that fails CPAN::Meta::Validator after conversion.
    #[error("{step}. Errors: {}", errors.join("; "))]
    MetaInvalid { step: String, errors: Vec<String> },
    // cpanfile
    /// Perl the static cpanfile reader does not evaluate (conditionals,
    /// variables, other calls...); Module::CPANfile would run it.
    #[error(
        "{construct} is outside the cpanfile language ({why}); reading this file needs Perl (Module::CPANfile evaluates it as code)"
    )]
    CpanfileUnsupported { construct: String, why: String },
    /// Text that is not valid cpanfile syntax.
    #[error("cpanfile syntax error: expected {expected}, found {found}")]
    CpanfileSyntax { expected: String, found: String },
    /// A cpanfile keyword called with arguments Module::CPANfile refuses.
    #[error("`{keyword}` {message}")]
    CpanfileUsage { keyword: String, message: String },
    /// perl with Module::CPANfile failed to read the file, or could not run.
    #[error("Module::CPANfile: {message}")]
    CpanfilePerl { message: String },
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
    // corelist
    #[error("{text:?}: expected {expected}")]
    CoreListLine {
        text: String,
        expected: &'static str,
    },
    #[error(
        "perl {release} is stored against {base}, which is not an earlier release of the table"
    )]
    CoreListBase { release: String, base: String },
    // installed
    #[error("{perl} failed: {stderr}")]
    PerlFailed { perl: String, stderr: String },
    // tarball
    #[error("not a readable distribution archive: {detail}")]
    ArchiveFormat { detail: String },
    #[error("{}: more than the {limit} limit of {max}", .entry.as_deref().unwrap_or("archive"))]
    ArchiveLimit {
        entry: Option<String>,
        limit: crate::tarball::Limit,
        max: u64,
    },
    #[error("corrupt archive{}: {detail}", .entry.as_ref().map(|e| format!(" at entry {e:?}")).unwrap_or_default())]
    ArchiveCorrupt {
        entry: Option<String>,
        detail: String,
    },
    #[error("entry {entry:?} has an absolute path")]
    ArchiveAbsolutePath { entry: String },
    #[error("entry {entry:?} has a `..` component")]
    ArchiveParentDir { entry: String },
    #[error("entry {entry:?} has an unusable name: {reason}")]
    ArchiveBadName { entry: String, reason: &'static str },
    #[error("entry name {entry:?} is not UTF-8")]
    ArchiveNonUtf8Name { entry: String },
    #[error("entry {entry:?} is a {kind}, which a distribution archive may not hold")]
    ArchiveSpecialEntry { entry: String, kind: String },
    #[error("{} {entry:?} -> {target:?} points outside the distribution", if *.hard { "hard link" } else { "symlink" })]
    ArchiveLinkOutside {
        entry: String,
        target: String,
        hard: bool,
    },
    #[error("hard link {entry:?} -> {target:?} does not name an earlier regular file")]
    ArchiveHardlinkTarget { entry: String, target: String },
    #[error("entry {entry:?} appears more than once, with different contents or kinds")]
    ArchiveDuplicate { entry: String },
    #[error("entry {entry:?} lies under {prefix:?}, which is not a directory")]
    ArchivePathConflict { entry: String, prefix: String },
    #[error("cannot unpack into {}: it already exists", .target.display())]
    UnpackTargetExists { target: PathBuf },
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
