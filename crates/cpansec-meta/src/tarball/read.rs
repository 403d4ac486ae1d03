//! One pass over an archive's entries, whatever its format, with every
//! per-entry rule and every limit enforced as the bytes go by.
//!
//! The walk hands each entry that survives the checks to a visitor along
//! with a reader of its data; the visitor decides what to keep. Both
//! [`Tarball::parse`](super::Tarball::parse) and
//! [`Tarball::unpack_to`](super::Tarball::unpack_to) walk through here, so
//! the two can never disagree on what an archive holds.

use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use super::limits::{Limit, TarballLimits};
use super::paths::{Name, normalize};
use super::{ArchiveEntryKind, ArchiveFormat};
use crate::ErrorKind;

/// An entry as the walk reports it: name checked and normalised, kind one
/// a distribution may hold.
#[derive(Debug)]
pub(super) struct RawEntry {
    pub path: String,
    pub kind: ArchiveEntryKind,
    pub mode: u32,
    /// Link target as stored (checked for UTF-8 and length only).
    pub link_target: Option<String>,
}

/// Recognises the container by its leading bytes, not by the file name.
pub(super) fn detect(raw: &[u8]) -> Result<ArchiveFormat, ErrorKind> {
    let format = |detail: &str| ErrorKind::ArchiveFormat {
        detail: detail.to_string(),
    };
    if raw.starts_with(&[0x1f, 0x8b]) {
        Ok(ArchiveFormat::TarGzip)
    } else if raw.starts_with(b"BZh") {
        Ok(ArchiveFormat::TarBzip2)
    } else if raw.starts_with(b"PK\x03\x04") || raw.starts_with(b"PK\x05\x06") {
        Ok(ArchiveFormat::Zip)
    } else if is_tar_block(raw) {
        Ok(ArchiveFormat::Tar)
    } else if raw.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Err(format("xz compression is not supported"))
    } else if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Err(format("zstd compression is not supported"))
    } else if raw.starts_with(&[0x1f, 0x9d]) {
        Err(format("compress (.Z) compression is not supported"))
    } else if raw.is_empty() {
        Err(format("the file is empty"))
    } else {
        let head: String = raw.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Err(ErrorKind::ArchiveFormat {
            detail: format!("unrecognised leading bytes {head}"),
        })
    }
}

/// Whether `block` starts with a tar header (its checksum holds) or with
/// the zero block that ends an empty tar.
fn is_tar_block(block: &[u8]) -> bool {
    let Some(block) = block.get(..512) else {
        return false;
    };
    if block.iter().all(|&b| b == 0) {
        return true;
    }
    let Some(field) = block.get(148..156) else {
        return false;
    };
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_digit(8))
        .collect();
    let Ok(stored) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

/// Which limit tripped inside a reader, so that the io error the tar or
/// zip crate wraps it in can be turned back into the typed error.
#[derive(Clone, Default)]
struct Tripped(Rc<Cell<Option<Limit>>>);

impl Tripped {
    fn trip(&self, limit: Limit) -> io::Error {
        if self.0.get().is_none() {
            self.0.set(Some(limit));
        }
        io::Error::other(format!("{limit} exceeded"))
    }
}

/// Counts bytes through a reader and fails once more than `max` have passed.
struct Capped<R> {
    inner: R,
    used: Rc<Cell<u64>>,
    max: u64,
    limit: Limit,
    tripped: Tripped,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used.get() > self.max {
            return Err(self.tripped.trip(self.limit));
        }
        // Never ask for more than one byte past the bound, so a bomb stops
        // within one buffer of it.
        let room = (self.max - self.used.get()).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.used.set(self.used.get().saturating_add(n as u64));
        if self.used.get() > self.max {
            return Err(self.tripped.trip(self.limit));
        }
        Ok(n)
    }
}

/// The visitor: called once per entry, with a reader of a file's data
/// (empty for other kinds). Its errors end the walk.
pub(super) type Visit<'v> = dyn FnMut(RawEntry, &mut dyn Read) -> Result<(), ErrorKind> + 'v;

/// Walks every entry of `raw` (already known to be `format`).
pub(super) fn walk(
    raw: &[u8],
    format: ArchiveFormat,
    limits: &TarballLimits,
    visit: &mut Visit<'_>,
) -> Result<(), ErrorKind> {
    let mut walker = Walker {
        limits,
        tripped: Tripped::default(),
        entries: 0,
        current: None,
    };
    let result = match format {
        ArchiveFormat::Tar => walker.tar(raw, visit),
        ArchiveFormat::TarGzip => {
            walker.tar(flate2::read::MultiGzDecoder::new(Cursor::new(raw)), visit)
        }
        ArchiveFormat::TarBzip2 => {
            walker.tar(bzip2::read::MultiBzDecoder::new(Cursor::new(raw)), visit)
        }
        ArchiveFormat::Zip => walker.zip(raw, visit),
    };
    // A limit tripped deep inside a decoder comes back as whatever error
    // the decoder wrapped it in; report the limit instead.
    match (result, walker.tripped.0.get()) {
        (Err(_), Some(limit)) => Err(ErrorKind::ArchiveLimit {
            entry: walker.current,
            limit,
            max: limit.value(limits),
        }),
        (result, _) => result,
    }
}

struct Walker<'l> {
    limits: &'l TarballLimits,
    tripped: Tripped,
    entries: u64,
    /// The entry being read, for error messages.
    current: Option<String>,
}

impl Walker<'_> {
    fn corrupt(&self, e: impl std::fmt::Display) -> ErrorKind {
        ErrorKind::ArchiveCorrupt {
            entry: self.current.clone(),
            detail: e.to_string(),
        }
    }

    fn limit(&self, limit: Limit) -> ErrorKind {
        ErrorKind::ArchiveLimit {
            entry: self.current.clone(),
            limit,
            max: limit.value(self.limits),
        }
    }

    fn capped<R: Read>(&self, inner: R, used: Rc<Cell<u64>>, limit: Limit) -> Capped<R> {
        Capped {
            inner,
            used,
            max: limit.value(self.limits),
            limit,
            tripped: self.tripped.clone(),
        }
    }

    /// Counts one more entry and checks its name; returns the name as UTF-8.
    fn name(&mut self, bytes: &[u8]) -> Result<String, ErrorKind> {
        self.entries += 1;
        let shown = String::from_utf8_lossy(bytes).into_owned();
        self.current = Some(shown.clone());
        if self.entries > self.limits.max_entries {
            return Err(self.limit(Limit::Entries));
        }
        if bytes.len() as u64 > self.limits.max_path_len {
            return Err(self.limit(Limit::PathLen));
        }
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ErrorKind::ArchiveNonUtf8Name { entry: shown })
    }

    fn link_target(&self, name: &str, bytes: &[u8]) -> Result<String, ErrorKind> {
        if bytes.len() as u64 > self.limits.max_path_len {
            return Err(self.limit(Limit::PathLen));
        }
        String::from_utf8(bytes.to_vec()).map_err(|_| ErrorKind::ArchiveNonUtf8Name {
            entry: format!("{name} -> {}", String::from_utf8_lossy(bytes)),
        })
    }

    fn special(&self, name: &str, kind: &str) -> ErrorKind {
        ErrorKind::ArchiveSpecialEntry {
            entry: name.to_string(),
            kind: kind.to_string(),
        }
    }

    fn tar<R: Read>(&mut self, stream: R, visit: &mut Visit<'_>) -> Result<(), ErrorKind> {
        let total = Rc::new(Cell::new(0));
        let mut stream = self.capped(stream, total, Limit::UnpackedTotal);
        // A compressed stream must hold a tar: look at its first block.
        let mut first = Vec::with_capacity(512);
        (&mut stream)
            .take(512)
            .read_to_end(&mut first)
            .map_err(|e| self.corrupt(e))?;
        if !first.is_empty() && !is_tar_block(&first) {
            return Err(ErrorKind::ArchiveFormat {
                detail: "the compressed stream does not hold a tar archive".into(),
            });
        }
        let mut archive = tar::Archive::new(Cursor::new(first).chain(stream));
        let entries = archive.entries().map_err(|e| self.corrupt(e))?;
        for item in entries {
            let mut entry = item.map_err(|e| self.corrupt(e))?;
            let name = self.name(&entry.path_bytes())?;
            let kind = entry.header().entry_type();
            let mode = entry.header().mode().map_err(|e| self.corrupt(e))? & 0o7777;
            let size = entry.size();
            let kind = match kind {
                tar::EntryType::Regular | tar::EntryType::Continuous
                    if name.ends_with('/') && size == 0 =>
                {
                    ArchiveEntryKind::Directory
                }
                tar::EntryType::Regular | tar::EntryType::Continuous => ArchiveEntryKind::File,
                tar::EntryType::Directory => ArchiveEntryKind::Directory,
                tar::EntryType::Symlink => ArchiveEntryKind::Symlink,
                tar::EntryType::Link => ArchiveEntryKind::Hardlink,
                // Archive-wide metadata (`git archive` stores the commit id
                // here); it names no file.
                tar::EntryType::XGlobalHeader => continue,
                tar::EntryType::Char => return Err(self.special(&name, "character device")),
                tar::EntryType::Block => return Err(self.special(&name, "block device")),
                tar::EntryType::Fifo => return Err(self.special(&name, "FIFO")),
                tar::EntryType::GNUSparse => return Err(self.special(&name, "sparse file")),
                other => {
                    return Err(self.special(
                        &name,
                        &format!("entry of type {:?}", other.as_byte() as char),
                    ));
                }
            };
            let link_target = match kind {
                ArchiveEntryKind::Symlink | ArchiveEntryKind::Hardlink => {
                    let bytes = entry.link_name_bytes().unwrap_or_default();
                    Some(self.link_target(&name, &bytes)?)
                }
                _ => None,
            };
            let Some(path) = self.path(&name, kind)? else {
                continue;
            };
            if kind == ArchiveEntryKind::File && size > self.limits.max_file_size {
                return Err(self.limit(Limit::FileSize));
            }
            let raw = RawEntry {
                path,
                kind,
                mode,
                link_target,
            };
            let file = Rc::new(Cell::new(0));
            let mut data = self.capped(&mut entry, file, Limit::FileSize);
            if kind == ArchiveEntryKind::File {
                visit(raw, &mut data)?;
            } else {
                visit(raw, &mut io::empty())?;
            }
        }
        Ok(())
    }

    /// The normalised path; `None` for the archive root directory (`./`),
    /// which names nothing to keep.
    fn path(&self, name: &str, kind: ArchiveEntryKind) -> Result<Option<String>, ErrorKind> {
        match normalize(name)? {
            Name::Path(p) => Ok(Some(p)),
            Name::Root if kind == ArchiveEntryKind::Directory => Ok(None),
            Name::Root => Err(ErrorKind::ArchiveBadName {
                entry: name.to_string(),
                reason: "it names no file",
            }),
        }
    }

    fn zip(&mut self, raw: &[u8], visit: &mut Visit<'_>) -> Result<(), ErrorKind> {
        let mut archive = zip::ZipArchive::new(Cursor::new(raw)).map_err(|e| self.corrupt(e))?;
        if archive.len() as u64 > self.limits.max_entries {
            return Err(self.limit(Limit::Entries));
        }
        let total = Rc::new(Cell::new(0));
        for index in 0..archive.len() {
            self.current = archive.name_for_index(index).map(str::to_string);
            let mut file = archive.by_index(index).map_err(|e| self.corrupt(e))?;
            // Zip names use `/`; some Windows tools wrote `\`, which is a
            // separator there and is treated as one here, so `..\` is caught.
            let bytes: Vec<u8> = file
                .name_raw()
                .iter()
                .map(|&b| if b == b'\\' { b'/' } else { b })
                .collect();
            let name = self.name(&bytes)?;
            let unix = file.unix_mode();
            let mode = unix.unwrap_or(0) & 0o7777;
            let kind = match unix.map(|m| m & 0o170000) {
                Some(0o040000) => ArchiveEntryKind::Directory,
                Some(0o120000) => ArchiveEntryKind::Symlink,
                Some(0o020000) => return Err(self.special(&name, "character device")),
                Some(0o060000) => return Err(self.special(&name, "block device")),
                Some(0o010000) => return Err(self.special(&name, "FIFO")),
                Some(0o140000) => return Err(self.special(&name, "socket")),
                _ if name.ends_with('/') => ArchiveEntryKind::Directory,
                _ => ArchiveEntryKind::File,
            };
            if kind == ArchiveEntryKind::File && file.size() > self.limits.max_file_size {
                return Err(self.limit(Limit::FileSize));
            }
            let link_target = if kind == ArchiveEntryKind::Symlink {
                let mut target = Vec::new();
                (&mut file)
                    .take(self.limits.max_path_len + 1)
                    .read_to_end(&mut target)
                    .map_err(|e| self.corrupt(e))?;
                Some(self.link_target(&name, &target)?)
            } else {
                None
            };
            let Some(path) = self.path(&name, kind)? else {
                continue;
            };
            let raw = RawEntry {
                path,
                kind,
                mode,
                link_target,
            };
            if kind == ArchiveEntryKind::File {
                // The sizes in a zip's directory are claims: count what
                // inflates, against both the entry and the archive bound.
                let counted = self.capped(&mut file, total.clone(), Limit::UnpackedTotal);
                let mut data = self.capped(counted, Rc::new(Cell::new(0)), Limit::FileSize);
                visit(raw, &mut data)?;
            } else {
                visit(raw, &mut io::empty())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detecting_formats() {
        assert_eq!(
            detect(b"\x1f\x8b\x08rest").ok(),
            Some(ArchiveFormat::TarGzip)
        );
        assert_eq!(detect(b"BZh91AY").ok(), Some(ArchiveFormat::TarBzip2));
        assert_eq!(detect(b"PK\x03\x04").ok(), Some(ArchiveFormat::Zip));
        assert_eq!(detect(&[0u8; 1024]).ok(), Some(ArchiveFormat::Tar));
        assert!(detect(b"hello world").is_err());
        assert!(detect(b"").is_err());
        assert!(detect(&[0xfd, b'7', b'z', b'X', b'Z', 0, 1]).is_err());
    }

    #[test]
    fn capped_reader_stops_one_byte_past_the_bound() {
        let tripped = Tripped::default();
        let mut r = Capped {
            inner: io::repeat(0),
            used: Rc::new(Cell::new(0)),
            max: 1000,
            limit: Limit::FileSize,
            tripped: tripped.clone(),
        };
        let mut sink = Vec::new();
        assert!(r.read_to_end(&mut sink).is_err());
        assert!(sink.len() <= 1001);
        assert_eq!(tripped.0.get(), Some(Limit::FileSize));
        // Exactly at the bound is fine.
        let mut r = Capped {
            inner: io::repeat(0).take(1000),
            used: Rc::new(Cell::new(0)),
            max: 1000,
            limit: Limit::FileSize,
            tripped: Tripped::default(),
        };
        let mut sink = Vec::new();
        assert_eq!(r.read_to_end(&mut sink).ok(), Some(1000));
    }
}
