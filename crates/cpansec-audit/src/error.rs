//! Errors of the audit crate: which input, where, and what is wrong.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A project file could not be read or parsed (the meta reader's error
    /// names the line and column).
    #[error("{}: {source}", path.display())]
    Input {
        path: PathBuf,
        #[source]
        source: Box<cpansec_meta::Error>,
    },
    /// A directory holds none of the files audit reads.
    #[error(
        "nothing to scan in {}: no cpanfile.snapshot, cpanfile, META.json, META.yml, MYMETA.json or MYMETA.yml",
        .0.display()
    )]
    NothingToScan(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `.cpansec.toml` is malformed or has unknown keys.
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    /// A perl could not be run or did not answer as expected.
    #[error("{}: {message}", perl.display())]
    Perl { perl: PathBuf, message: String },
    /// `--perl-version` is not a version.
    #[error("perl version '{given}' is not a version: {message}")]
    PerlVersion { given: String, message: String },
    /// Library directories with no module in them.
    #[error(
        "nothing to scan: no Perl module found in {}",
        .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NothingInstalled(Vec<PathBuf>),
    /// A distribution archive with no META, MYMETA or cpanfile.
    #[error(
        "nothing to scan in {}: the archive has no META.json, META.yml, MYMETA.json, MYMETA.yml or cpanfile",
        .0.display()
    )]
    NothingInArchive(PathBuf),
    /// An SBOM that could not be read (file, JSON pointer, what is wrong).
    #[error(transparent)]
    Sbom(Box<cpansec_sbom::Error>),
}
