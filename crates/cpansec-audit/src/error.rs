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
    /// An SBOM that could not be read (file, JSON pointer, what is wrong).
    #[error(transparent)]
    Sbom(Box<cpansec_sbom::Error>),
}
