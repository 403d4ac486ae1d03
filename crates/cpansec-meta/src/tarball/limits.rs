//! How much an archive may make us read, decompress and keep.
//!
//! Every bound is checked against what is actually read, never against what
//! a header claims: a gzip member may inflate far beyond its size field, a
//! tar header may lie about nothing but its own entry, a zip central
//! directory may lie about everything. Exceeding any bound stops the read at
//! once with [`ErrorKind::ArchiveLimit`](crate::ErrorKind::ArchiveLimit),
//! naming the archive, the entry and the limit.

use std::fmt;

/// Bounds for reading one distribution archive.
///
/// The defaults fit every CPAN distribution we know of with a wide margin
/// (the largest uploads are a few tens of MiB compressed) while keeping a
/// hostile archive from using more than about `max_compressed +
/// max_unpacked_total` bytes of memory in the very worst case (a single
/// GNU long-name record as large as the whole stream); an ordinary archive
/// uses its compressed size plus the small files kept in the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TarballLimits {
    /// Largest archive file accepted, in bytes as stored. Default 64 MiB.
    pub max_compressed: u64,
    /// Largest total of decompressed bytes: for tar the whole decompressed
    /// stream (headers and padding included), for zip the sum of the
    /// inflated entries. Default 512 MiB.
    pub max_unpacked_total: u64,
    /// Largest single entry after decompression. Default 64 MiB.
    pub max_file_size: u64,
    /// Most entries (files, directories, links). Default 50,000.
    pub max_entries: u64,
    /// Longest entry name or link target, in bytes. Default 1,024.
    pub max_path_len: u64,
}

impl TarballLimits {
    pub const DEFAULT: TarballLimits = TarballLimits {
        max_compressed: 64 * 1024 * 1024,
        max_unpacked_total: 512 * 1024 * 1024,
        max_file_size: 64 * 1024 * 1024,
        max_entries: 50_000,
        max_path_len: 1024,
    };
}

impl Default for TarballLimits {
    fn default() -> Self {
        TarballLimits::DEFAULT
    }
}

/// Which of the [`TarballLimits`] was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    Compressed,
    UnpackedTotal,
    FileSize,
    Entries,
    PathLen,
}

impl Limit {
    /// The field name in [`TarballLimits`].
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Compressed => "max_compressed",
            Limit::UnpackedTotal => "max_unpacked_total",
            Limit::FileSize => "max_file_size",
            Limit::Entries => "max_entries",
            Limit::PathLen => "max_path_len",
        }
    }

    /// The bound this limit has in `limits`.
    pub fn value(self, limits: &TarballLimits) -> u64 {
        match self {
            Limit::Compressed => limits.max_compressed,
            Limit::UnpackedTotal => limits.max_unpacked_total,
            Limit::FileSize => limits.max_file_size,
            Limit::Entries => limits.max_entries,
            Limit::PathLen => limits.max_path_len,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
