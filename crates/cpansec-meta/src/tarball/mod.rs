//! Reading CPAN distribution archives (`.tar.gz`, `.tgz`, `.tar`,
//! `.tar.bz2`/`.tbz`, `.zip`) in memory, without unpacking them, and
//! refusing anything a distribution has no business holding.
//!
//! [`Tarball::open`] reads the archive once. On the way it enforces the
//! [`TarballLimits`] (counting decompressed bytes, never trusting sizes in
//! headers) and refuses, each with its own [`ErrorKind`](crate::ErrorKind)
//! variant naming the entry:
//!
//! - absolute names (`/etc/x`, `C:/x`) and names with a `..` component;
//! - names and link targets that are not UTF-8, or contain NUL;
//! - devices, FIFOs, sockets and sparse files;
//! - symlinks that lead outside the distribution when followed (through
//!   other symlinks too), hard links to anything but an earlier regular file
//!   inside it;
//! - an entry below a symlink, hard link or file (`lib` a link, then
//!   `lib/Foo.pm`), which would write through the link when unpacked;
//! - the same path twice with different contents or kinds (an identical
//!   repeat is harmless and kept once).
//!
//! What it keeps: the list of every entry (path, kind, size, mode, SHA-256
//! of files) and the bytes of the few files cpansec reads (see
//! [`Tarball::file`]). Links are recorded, never followed to read.
//!
//! Paths: an archive whose entries all lie in one directory (`Dist-1.23/`,
//! the CPAN convention) has that as [`Tarball::top_dir`], and the paths
//! given to [`Tarball::file`] are relative to it; an archive without one
//! (some test and hand-made dists) is read from its root.
//!
//! The format comes from the leading bytes, not the file name: a `.tar.gz`
//! that is really a plain tar reads as one. xz, zstd and `.Z` compression
//! are recognised and refused.

mod limits;
mod makefile_pl;
mod paths;
mod read;
mod unpack;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use limits::{Limit, TarballLimits};
pub use makefile_pl::{MakefilePl, PerlHash, PerlValue, Static};

use crate::{Error, ErrorKind};

/// The container, as recognised from the archive's leading bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArchiveFormat {
    Tar,
    TarGzip,
    TarBzip2,
    Zip,
}

impl fmt::Display for ArchiveFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::TarGzip => "tar.gz",
            ArchiveFormat::TarBzip2 => "tar.bz2",
            ArchiveFormat::Zip => "zip",
        })
    }
}

/// What an entry is. Anything else (devices, FIFOs...) is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArchiveEntryKind {
    File,
    Directory,
    Symlink,
    Hardlink,
}

/// One entry of the archive, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The name in the archive, normalised (no `./`, no trailing `/`),
    /// including the top directory if there is one.
    pub path: String,
    pub kind: ArchiveEntryKind,
    /// Bytes of data actually read (files only; 0 for the other kinds).
    pub size: u64,
    /// Permission bits as stored (`& 0o7777`); 0 when a zip records none.
    pub mode: u32,
    /// Where a link points, as stored.
    pub link_target: Option<String>,
    /// SHA-256 of a file's data.
    pub sha256: Option<[u8; 32]>,
}

/// A distribution archive, read and checked, with the files cpansec reads
/// kept in memory.
///
/// Memory: the archive's own bytes (kept so that [`Tarball::unpack_to`]
/// extracts exactly what was checked, at most
/// [`TarballLimits::max_compressed`]) plus the kept files.
pub struct Tarball {
    format: ArchiveFormat,
    top_dir: Option<String>,
    entries: Vec<ArchiveEntry>,
    /// Kept files by path relative to the top directory.
    files: BTreeMap<String, Vec<u8>>,
    raw: Vec<u8>,
    limits: TarballLimits,
    /// The file it was read from, when it was ([`Tarball::open`]).
    source: Option<PathBuf>,
}

impl fmt::Debug for Tarball {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tarball")
            .field("format", &self.format)
            .field("top_dir", &self.top_dir)
            .field("entries", &self.entries.len())
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The files kept in memory, by path under the top directory: metadata and
/// build files, and the modules whose `$VERSION` and `package` lines matter.
const KEPT_TOP_LEVEL: &[&str] = &[
    "META.json",
    "META.yml",
    "MYMETA.json",
    "MYMETA.yml",
    "Makefile.PL",
    "Build.PL",
    "dist.ini",
    "cpanfile",
    "LICENSE",
    "LICENCE",
    "COPYING",
    "Changes",
    "CHANGES",
    "ChangeLog",
];

/// Whether the file at `rel` (relative to the top directory) is kept:
/// one of [`KEPT_TOP_LEVEL`], a top-level `*.pm`, or a `lib/**/*.pm`.
fn is_kept(rel: &str) -> bool {
    KEPT_TOP_LEVEL.contains(&rel)
        || (rel.ends_with(".pm") && (!rel.contains('/') || rel.starts_with("lib/")))
}

// `Error` is the crate's one error type; its size comes from the shared
// `ErrorKind::Requirement` variant, not from this module.
#[allow(clippy::result_large_err)]
impl Tarball {
    /// Reads and checks the archive at `path`, refusing a file larger than
    /// `limits.max_compressed` before reading it whole. Errors name `path`.
    pub fn open(path: impl AsRef<Path>, limits: &TarballLimits) -> Result<Tarball, Error> {
        let path = path.as_ref();
        let in_file = |kind: ErrorKind| Error::new(kind).in_file(path);
        let file = std::fs::File::open(path).map_err(|e| in_file(e.into()))?;
        let mut raw = Vec::new();
        file.take(limits.max_compressed.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(|e| in_file(e.into()))?;
        let mut tarball = Tarball::parse(raw, limits).map_err(|e| e.in_file(path))?;
        tarball.source = Some(path.to_path_buf());
        Ok(tarball)
    }

    /// Reads and checks an archive held in memory.
    pub fn parse(raw: Vec<u8>, limits: &TarballLimits) -> Result<Tarball, Error> {
        Tarball::parse_kind(raw, limits).map_err(Error::new)
    }

    fn parse_kind(raw: Vec<u8>, limits: &TarballLimits) -> Result<Tarball, ErrorKind> {
        if raw.len() as u64 > limits.max_compressed {
            return Err(ErrorKind::ArchiveLimit {
                entry: None,
                limit: Limit::Compressed,
                max: limits.max_compressed,
            });
        }
        let format = read::detect(&raw)?;
        let mut entries: Vec<ArchiveEntry> = Vec::new();
        let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
        // Files that may be kept, by archive path: the top directory is not
        // known until every entry is seen.
        let mut candidates: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        read::walk(&raw, format, limits, &mut |raw_entry, data| {
            let path = raw_entry.path;
            let candidate =
                is_kept(&path) || path.split_once('/').is_some_and(|(_, rest)| is_kept(rest));
            let (size, sha256, kept) = if raw_entry.kind == ArchiveEntryKind::File {
                let (size, sha, bytes) = digest(data, candidate).map_err(|e| corrupt(&path, e))?;
                (size, Some(sha), bytes)
            } else {
                (0, None, None)
            };
            let entry = ArchiveEntry {
                path: path.clone(),
                kind: raw_entry.kind,
                size,
                mode: raw_entry.mode,
                link_target: raw_entry.link_target,
                sha256,
            };
            if let Some(&earlier) = by_path.get(&path) {
                let same = entries.get(earlier).is_some_and(|e| {
                    e.kind == entry.kind
                        && e.sha256 == entry.sha256
                        && e.link_target == entry.link_target
                });
                return if same {
                    Ok(())
                } else {
                    Err(ErrorKind::ArchiveDuplicate { entry: path })
                };
            }
            if let Some(bytes) = kept {
                candidates.insert(path.clone(), bytes);
            }
            by_path.insert(path, entries.len());
            entries.push(entry);
            Ok(())
        })?;

        let top_dir = paths::top_dir(
            entries
                .iter()
                .map(|e| (e.path.as_str(), e.kind == ArchiveEntryKind::Directory)),
        );
        let tarball = Tarball {
            format,
            top_dir,
            files: BTreeMap::new(),
            entries,
            raw,
            limits: *limits,
            source: None,
        };
        tarball.check_links(&by_path)?;
        let mut tarball = tarball;
        for (path, bytes) in candidates {
            if let Some(rel) = tarball.rel_path(&path).filter(|r| is_kept(r)) {
                let rel = rel.to_string();
                tarball.files.insert(rel, bytes);
            }
        }
        Ok(tarball)
    }

    /// The checks that need every entry: where links lead, and that no
    /// entry lies below something that is not a directory.
    fn check_links(&self, by_path: &BTreeMap<String, usize>) -> Result<(), ErrorKind> {
        let mut symlinks = BTreeMap::new();
        let mut not_dirs = BTreeMap::new();
        for entry in &self.entries {
            let outside = || ErrorKind::ArchiveLinkOutside {
                entry: entry.path.clone(),
                target: entry.link_target.clone().unwrap_or_default(),
                hard: entry.kind == ArchiveEntryKind::Hardlink,
            };
            let rel = self.rel_path(&entry.path).ok_or_else(outside)?;
            if entry.kind != ArchiveEntryKind::Directory {
                not_dirs.insert(rel.to_string(), entry.path.clone());
            }
            if entry.kind == ArchiveEntryKind::Symlink {
                symlinks.insert(
                    rel.to_string(),
                    entry.link_target.clone().unwrap_or_default(),
                );
            }
        }
        for (index, entry) in self.entries.iter().enumerate() {
            let Some(rel) = self.rel_path(&entry.path) else {
                continue;
            };
            let target = entry.link_target.clone().unwrap_or_default();
            let outside = || ErrorKind::ArchiveLinkOutside {
                entry: entry.path.clone(),
                target: target.clone(),
                hard: entry.kind == ArchiveEntryKind::Hardlink,
            };
            match entry.kind {
                ArchiveEntryKind::Symlink => {
                    paths::resolve_symlink(&symlinks, rel, &target).ok_or_else(outside)?;
                }
                ArchiveEntryKind::Hardlink => {
                    // A hard link names another entry by its archive path.
                    let to = match paths::normalize(&target) {
                        Ok(paths::Name::Path(p)) => p,
                        _ => return Err(outside()),
                    };
                    if self.rel_path(&to).is_none_or(str::is_empty) {
                        return Err(outside());
                    }
                    let earlier_file = by_path.get(&to).is_some_and(|&i| {
                        i < index
                            && self
                                .entries
                                .get(i)
                                .is_some_and(|e| e.kind == ArchiveEntryKind::File)
                    });
                    if !earlier_file {
                        return Err(ErrorKind::ArchiveHardlinkTarget {
                            entry: entry.path.clone(),
                            target,
                        });
                    }
                }
                ArchiveEntryKind::File | ArchiveEntryKind::Directory => {}
            }
            let mut prefix_end = 0;
            while let Some(slash) = rel.get(prefix_end..).and_then(|r| r.find('/')) {
                let prefix = rel.get(..prefix_end + slash).unwrap_or_default();
                if let Some(other) = not_dirs.get(prefix) {
                    return Err(ErrorKind::ArchivePathConflict {
                        entry: entry.path.clone(),
                        prefix: other.clone(),
                    });
                }
                prefix_end += slash + 1;
            }
        }
        Ok(())
    }

    /// The container format, from the leading bytes.
    pub fn format(&self) -> ArchiveFormat {
        self.format
    }

    /// The one directory every entry lies in (`Dist-1.23`), if there is one.
    pub fn top_dir(&self) -> Option<&str> {
        self.top_dir.as_deref()
    }

    /// Every entry, in archive order (a repeated identical entry once).
    pub fn entries(&self) -> &[ArchiveEntry] {
        &self.entries
    }

    /// The path of an archive entry relative to the top directory (`""` for
    /// the top directory itself); `None` for a path outside it.
    pub fn rel_path<'a>(&self, archive_path: &'a str) -> Option<&'a str> {
        match &self.top_dir {
            None => Some(archive_path),
            Some(top) if archive_path == top => Some(""),
            Some(top) => archive_path
                .strip_prefix(top.as_str())
                .and_then(|r| r.strip_prefix('/')),
        }
    }

    /// The bytes of a kept file, by path relative to the top directory
    /// (`"META.json"`, `"lib/Foo/Bar.pm"`). Kept are: `META.json`,
    /// `META.yml`, `MYMETA.json`, `MYMETA.yml`, `Makefile.PL`, `Build.PL`,
    /// `dist.ini`, `cpanfile`, `LICENSE`/`LICENCE`/`COPYING`,
    /// `Changes`/`CHANGES`/`ChangeLog`, every top-level `*.pm` and every
    /// `lib/**/*.pm`. Links are never followed: a kept name that is a link
    /// has no bytes here.
    pub fn file(&self, rel_path: &str) -> Option<&[u8]> {
        self.files.get(rel_path).map(Vec::as_slice)
    }

    /// Every kept file, sorted by relative path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    /// The distribution's META file: `META.json` when there is one, else
    /// `META.yml`, with its name.
    pub fn meta_bytes(&self) -> Option<(&'static str, &[u8])> {
        ["META.json", "META.yml"]
            .into_iter()
            .find_map(|name| self.file(name).map(|b| (name, b)))
    }

    /// The modules under `lib/`: (path relative to `lib/`, bytes), sorted.
    pub fn modules(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().filter_map(|(p, b)| {
            p.strip_prefix("lib/")
                .filter(|m| m.ends_with(".pm"))
                .map(|m| (m, b.as_slice()))
        })
    }

    /// A static reading of `Makefile.PL`'s `WriteMakefile(...)` arguments,
    /// if the distribution has a `Makefile.PL`. Nothing is evaluated.
    pub fn makefile_pl(&self) -> Option<MakefilePl> {
        self.file("Makefile.PL").map(MakefilePl::parse_bytes)
    }

    /// Extracts the distribution into `dir`, which must not exist: the
    /// contents of the top directory (or of the archive root when there is
    /// none) become `dir`'s contents. Errors name the archive when it was
    /// read from a file, else `dir`.
    ///
    /// Guarantees: nothing is written outside `dir`; the bytes extracted are
    /// the ones checked (held in memory, walked again with the same checks);
    /// extraction goes into a fresh directory beside `dir`, renamed to
    /// `dir` only at the end, and removed on any error, so `dir` appears
    /// complete or not at all; files are created with `O_CREAT|O_EXCL`,
    /// parents are checked to be real directories, symlinks are created
    /// last; hard links become independent copies; modes are sanitised
    /// (directories 0755, files 0644 or 0755 if any execute bit was set).
    pub fn unpack_to(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let dir = dir.as_ref();
        let named = self.source.as_deref().unwrap_or(dir);
        unpack::unpack(self, dir).map_err(|e| Error::new(e).in_file(named))
    }

    /// The file this archive was read from, if it was.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// [`Tarball::open`] then [`Tarball::unpack_to`]: a hostile archive is
    /// refused before anything is written.
    pub fn unpack(
        archive: impl AsRef<Path>,
        dir: impl AsRef<Path>,
        limits: &TarballLimits,
    ) -> Result<Tarball, Error> {
        let tarball = Tarball::open(archive, limits)?;
        tarball.unpack_to(dir)?;
        Ok(tarball)
    }
}

/// A failure to read an entry's data: the archive is truncated or corrupt.
fn corrupt(path: &str, e: io::Error) -> ErrorKind {
    ErrorKind::ArchiveCorrupt {
        entry: Some(path.to_string()),
        detail: e.to_string(),
    }
}

/// Reads a file's data to its end, hashing it; keeps the bytes if asked.
fn digest(data: &mut dyn Read, keep: bool) -> io::Result<(u64, [u8; 32], Option<Vec<u8>>)> {
    let mut hasher = Sha256::new();
    let mut kept = keep.then(Vec::new);
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match data.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        if let Some(kept) = kept.as_mut() {
            kept.extend_from_slice(chunk);
        }
        size += n as u64;
    }
    Ok((size, hasher.finalize().into(), kept))
}
