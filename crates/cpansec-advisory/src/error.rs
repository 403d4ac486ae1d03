//! Why a database could not be loaded. Every variant names the source (file
//! path or embedded snapshot) and, where the input is at fault, the place in it.

/// An error loading, locating or updating an advisory database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{source_name}: {err}")]
    Io {
        source_name: String,
        #[source]
        err: std::io::Error,
    },
    /// The file is larger than the loader accepts.
    #[error("{source_name}: {size} bytes is more than the limit of {limit} bytes")]
    TooLarge {
        source_name: String,
        size: u64,
        limit: u64,
    },
    /// The file is not a database in the expected format: syntax error,
    /// wrong type, unknown field, over-long string. `json_path` is the
    /// place in the document (`dists.HTTP-Body.advisories[0].cves`).
    #[error("{source_name}:{line}:{column}: at {json_path}: {message}")]
    Format {
        source_name: String,
        json_path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A value that parsed but cannot be used as a key (an advisory id that
    /// is not one).
    #[error("{source_name}: at {json_path}: {message}")]
    Invalid {
        source_name: String,
        json_path: String,
        message: String,
    },
    /// The download failed: no network, refused, timed out, or an HTTP
    /// status other than 200 and 304.
    #[error("cannot download {url}: {message}")]
    Network { url: String, message: String },
    // cache
    /// A binary database cache (or the embedded snapshot) that is not one
    /// this program wrote: bad magic, other format version, truncated,
    /// corrupt. `offset` is the byte where reading stopped.
    #[error("{source_name}: at byte {offset}: {message}")]
    Cache {
        source_name: String,
        offset: u64,
        message: String,
    },
    /// Reading the database of an installed perl module failed: perl
    /// missing, the module not installed, a timeout, too much output.
    #[error("perl:{module}: {message}")]
    Perl { module: String, message: String },
}
