//! What can stop an SBOM from being built.

use std::path::PathBuf;

/// Why an SBOM could not be built. Reading errors of the input files keep
/// the reader's own error, which names the file, line and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A META, cpanfile, snapshot or archive that could not be read.
    #[error(transparent)]
    Meta(Box<cpansec_meta::Error>),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file over the size the SBOM builder reads.
    #[error("{}: larger than the limit of {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    /// A directory with none of the files a Perl project is described by.
    #[error(
        "{}: no cpanfile.snapshot, cpanfile, META.json or META.yml: nothing to describe",
        path.display()
    )]
    NothingToDescribe { path: PathBuf },
    /// A distribution or release name that no purl can hold.
    #[error("{what}: {source}")]
    Purl {
        what: String,
        #[source]
        source: cpansec_meta::PurlError,
    },
    /// A perl version that version.pm does not read.
    #[error("perl version {given:?} is not a version: {source}")]
    PerlVersion {
        given: String,
        #[source]
        source: cpansec_version::VersionError,
    },
    /// An SBOM being read that is not JSON, of no known format, or with a
    /// member of the wrong type: the file and the JSON pointer.
    #[error("{}: {}{message}", path.display(), if pointer.is_empty() { String::new() } else { format!("{pointer}: ") })]
    Sbom {
        path: PathBuf,
        pointer: String,
        message: String,
    },
}

impl From<cpansec_meta::Error> for Error {
    fn from(e: cpansec_meta::Error) -> Error {
        Error::Meta(Box::new(e))
    }
}
