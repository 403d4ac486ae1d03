//! SHA-256 and SHA-512 of the distribution archives found on this machine.
//!
//! A release is looked up by its pathname (`M/MI/MIYAGAWA/Plack-1.0048.tar.gz`)
//! below `authors/id/` of each place that may hold it, in order: the
//! project's Carton cache (`local/cache/authors/id/...`, what `carton
//! install` keeps and `carton bundle` ships) and each CPAN mirror directory
//! given. The first file found is hashed; nothing is downloaded.
//!
//! Pathnames come from the snapshot, which is input: one with an absolute
//! path, a `..`, `.` or empty segment, or a backslash is never joined to a
//! directory (it could name a file outside it).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256, Sha512};

use crate::{Error, Hashes};

/// The largest archive hashed. CPAN's largest uploads are a few hundred MB.
pub const MAX_ARCHIVE_SIZE: u64 = 1 << 30;

/// Where archives are looked for, in order.
#[derive(Clone, Debug, Default)]
pub struct ArchiveDirs {
    /// Directories laid out as a CPAN mirror: `<dir>/authors/id/A/AU/AUTHOR/...`.
    pub roots: Vec<PathBuf>,
}

impl ArchiveDirs {
    /// The Carton cache of `project` (when it exists) followed by `mirrors`.
    pub fn for_project(project: Option<&Path>, mirrors: &[PathBuf]) -> ArchiveDirs {
        let mut roots = Vec::new();
        if let Some(p) = project {
            let cache = p.join("local").join("cache");
            if cache.is_dir() {
                roots.push(cache);
            }
        }
        roots.extend(mirrors.iter().cloned());
        ArchiveDirs { roots }
    }

    /// The first existing file for `pathname`, if any (`None` too for a
    /// pathname that is not a plain relative path).
    pub fn find(&self, pathname: &str) -> Option<PathBuf> {
        if !is_plain_relative(pathname) {
            return None;
        }
        self.roots
            .iter()
            .map(|r| r.join("authors").join("id").join(pathname))
            .find(|p| p.is_file())
    }
}

fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains('\0')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Hashes the file at `path` in one pass, refusing files over
/// [`MAX_ARCHIVE_SIZE`].
pub fn hash_file(path: &Path) -> Result<Hashes, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut reader = file.take(MAX_ARCHIVE_SIZE + 1);
    let (mut s256, mut s512) = (Sha256::new(), Sha512::new());
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_ARCHIVE_SIZE {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_ARCHIVE_SIZE,
            });
        }
        let chunk = buf.get(..n).unwrap_or_default();
        s256.update(chunk);
        s512.update(chunk);
    }
    Ok(Hashes {
        sha256: hex(&s256.finalize()),
        sha512: hex(&s512.finalize()),
    })
}

/// Hashes bytes already in memory.
pub fn hash_bytes(bytes: &[u8]) -> Hashes {
    Hashes {
        sha256: hex(&Sha256::digest(bytes)),
        sha512: hex(&Sha512::digest(bytes)),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let h = hash_bytes(b"abc");
        assert_eq!(
            h.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(h.sha512.starts_with("ddaf35a193617aba"));
    }

    #[test]
    fn hostile_pathnames_are_not_joined() {
        for p in ["", "/etc/passwd", "A/../../x", "./x", "A//B", "a\\b", "x/."] {
            assert!(!is_plain_relative(p), "{p:?}");
        }
        assert!(is_plain_relative("M/MI/MIYAGAWA/Plack-1.0048.tar.gz"));
    }
}
