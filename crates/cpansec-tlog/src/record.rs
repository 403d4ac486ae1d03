//! The CPAN upload record: one log entry per file uploaded to PAUSE, keyed by
//! its `authors/id/...` path.
//!
//! This is the only CPAN-specific part of the crate: the log stores these
//! records as its entries, and `leaf_hash(record.to_bytes())` is what the
//! Merkle tree commits to.
//!
//! # Format (`cpan-upload/v1`)
//!
//! UTF-8 text, lines ending in `\n` (the last one too), no `\r`, no tabs, no
//! other control characters. The first line is the format name; then exactly
//! seven `key value` lines, in this order, each key once, separated from its
//! value by one space:
//!
//! ```text
//! cpan-upload/v1
//! path authors/id/G/GB/GBARR/libnet-1.22.tar.gz
//! dist libnet
//! version 1.22
//! author GBARR
//! size 61234
//! sha256 5dd0f3ee0a6a6f0d7d2ca8bb4d4bd0d3c8b4a1fd0ab2a5a5e8f3d5e2b1a0c9d8
//! time 2007-11-26
//! ```
//!
//! * `path`: the path below the CPAN root, `authors/id/<A>/<AB>/<ABCD>/...`
//!   (first letter, first two letters, then the PAUSE id); printable ASCII, no
//!   space, no empty, `.` or `..` component.
//! * `dist`, `version`, `author`: what CPAN::DistnameInfo reads from `path`
//!   (cpansec-meta's [`DistPath`]); redundant with `path` (a parser checks they
//!   agree) but spelled out so that a monitor or a human can read a record
//!   without reimplementing that parser. A path that yields no distribution or
//!   version is not an upload record.
//! * `size`: bytes, decimal, no leading zeros.
//! * `sha256`: the file's SHA-256, 64 lowercase hex digits.
//! * `time`: when PAUSE received it, UTC, either `YYYY-MM-DDTHH:MM:SSZ` or, when
//!   only the day is known (imports from CHECKSUMS files, which record
//!   `mtime` as a date), `YYYY-MM-DD`.
//!
//! There is exactly one encoding of each record: [`UploadRecord::parse`] accepts
//! only bytes equal to what [`UploadRecord::to_bytes`] writes for the result.
//! A record is at most [`MAX_RECORD_SIZE`] bytes (an entry bundle's limit).

use std::fmt;

use cpansec_meta::DistPath;

use crate::Error;
use crate::bundle::MAX_ENTRY_SIZE;

/// The first line of every record.
pub const RECORD_FORMAT: &str = "cpan-upload/v1";

/// Largest record (an entry bundle holds entries of at most 65,535 bytes).
pub const MAX_RECORD_SIZE: usize = MAX_ENTRY_SIZE;

const KEYS: [&str; 7] = [
    "path", "dist", "version", "author", "size", "sha256", "time",
];

/// One upload. Invariants: every field is valid as described in the module
/// docs, and `dist`, `version`, `author` are what [`DistPath`] reads from `path`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadRecord {
    path: String,
    dist: String,
    version: String,
    author: String,
    size: u64,
    sha256: [u8; 32],
    time: String,
}

fn record_error(line: usize, reason: &'static str, text: &str) -> Error {
    Error::Record {
        line,
        reason,
        text: text.chars().take(200).collect(),
    }
}

fn valid_value(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic())
}

fn valid_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("authors/id/") else {
        return false;
    };
    if !valid_value(path) {
        return false;
    }
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() < 4
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return false;
    }
    let (Some(a), Some(ab), Some(id)) = (parts.first(), parts.get(1), parts.get(2)) else {
        return false;
    };
    a.len() == 1
        && ab.len() == 2
        && id.len() >= 2
        && id.starts_with(ab)
        && ab.starts_with(a)
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn digits(s: &str, lo: u32, hi: u32) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
fn valid_time(t: &str) -> bool {
    let (date, clock) = match t.len() {
        10 => (t, None),
        20 => match (t.get(..10), t.get(10..11), t.get(11..19), t.get(19..)) {
            (Some(d), Some("T"), Some(c), Some("Z")) => (d, Some(c)),
            _ => return false,
        },
        _ => return false,
    };
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = matches!(d.as_slice(), [y, m, dd] if y.len() == 4 && m.len() == 2 && dd.len() == 2
        && digits(y, 1970, 9999) && digits(m, 1, 12) && digits(dd, 1, 31));
    let clock_ok = clock.is_none_or(|c| {
        let c: Vec<&str> = c.split(':').collect();
        matches!(c.as_slice(), [h, m, s] if h.len() == 2 && m.len() == 2 && s.len() == 2
            && digits(h, 0, 23) && digits(m, 0, 59) && digits(s, 0, 60))
    });
    date_ok && clock_ok
}

/// 64 lowercase hex digits as bytes.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        let hi = char::from(*pair.first()?).to_digit(16)?;
        let lo = char::from(*pair.get(1)?).to_digit(16)?;
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// Lowercase hex of a SHA-256. By table, not `format!`: every record of a
/// batch is rendered with one, and formatting machinery per byte showed in
/// profiles of large appends.
pub fn hex32(h: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for &b in h {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

impl UploadRecord {
    /// A record for the file at `path` (below the CPAN root). `sha256` is 64
    /// hex digits (either case; stored lowercase), `time` as in the module docs.
    ///
    /// # Errors
    /// [`Error::Record`] (line 0) naming the invalid field.
    pub fn new(path: &str, size: u64, sha256: &str, time: &str) -> Result<UploadRecord, Error> {
        let sha = parse_hex32(&sha256.to_ascii_lowercase())
            .ok_or_else(|| record_error(0, "sha256 is not 64 hex digits", sha256))?;
        Self::from_parts(path, size, sha, time)
    }

    /// As [`UploadRecord::new`], with the digest as bytes.
    ///
    /// # Errors
    /// [`Error::Record`] (line 0) naming the invalid field.
    pub fn from_parts(
        path: &str,
        size: u64,
        sha256: [u8; 32],
        time: &str,
    ) -> Result<UploadRecord, Error> {
        if !valid_path(path) {
            return Err(record_error(
                0,
                "path is not authors/id/<A>/<AB>/<PAUSEID>/<file>",
                path,
            ));
        }
        if !valid_time(time) {
            return Err(record_error(
                0,
                "time is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
                time,
            ));
        }
        let dp = DistPath::parse(path);
        let dist = dp
            .dist()
            .filter(|d| valid_value(d))
            .ok_or_else(|| record_error(0, "path names no distribution", path))?;
        let version = dp
            .version()
            .filter(|v| valid_value(v))
            .ok_or_else(|| record_error(0, "path names no version", path))?;
        let author = dp
            .cpanid()
            .filter(|a| valid_value(a))
            .ok_or_else(|| record_error(0, "path names no PAUSE id", path))?;
        let rec = UploadRecord {
            path: path.to_string(),
            dist: dist.to_string(),
            version: version.to_string(),
            author: author.to_string(),
            size,
            sha256,
            time: time.to_string(),
        };
        if rec.to_bytes().len() > MAX_RECORD_SIZE {
            return Err(record_error(0, "record over 65,535 bytes", path));
        }
        Ok(rec)
    }

    /// Parses a record, accepting only its canonical encoding.
    ///
    /// # Errors
    /// [`Error::Record`] with the 1-based line and the offending text.
    pub fn parse(bytes: &[u8]) -> Result<UploadRecord, Error> {
        if bytes.len() > MAX_RECORD_SIZE {
            return Err(record_error(0, "record over 65,535 bytes", ""));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| record_error(0, "record is not UTF-8", &String::from_utf8_lossy(bytes)))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| record_error(0, "record does not end with a newline", text))?;
        let mut lines = body.split('\n');
        match lines.next() {
            Some(RECORD_FORMAT) => {}
            other => {
                return Err(record_error(
                    1,
                    "not a cpan-upload/v1 record",
                    other.unwrap_or(""),
                ));
            }
        }
        let mut values: Vec<&str> = Vec::with_capacity(KEYS.len());
        for (i, key) in KEYS.iter().enumerate() {
            let line = i + 2;
            let l = lines
                .next()
                .ok_or_else(|| record_error(line, "missing line", key))?;
            let value = l
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| record_error(line, "wrong key or separator", l))?;
            if !valid_value(value) {
                return Err(record_error(
                    line,
                    "value is empty or not printable ASCII",
                    l,
                ));
            }
            values.push(value);
        }
        if let Some(extra) = lines.next() {
            return Err(record_error(KEYS.len() + 2, "unexpected line", extra));
        }
        let [path, dist, version, author, size, sha, time] = values.as_slice() else {
            return Err(record_error(0, "missing line", ""));
        };
        let size_n: u64 = size
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == *size)
            .ok_or_else(|| record_error(6, "size is not a canonical decimal", size))?;
        let sha = parse_hex32(sha)
            .ok_or_else(|| record_error(7, "sha256 is not 64 lowercase hex digits", sha))?;
        let rec = UploadRecord::from_parts(path, size_n, sha, time).map_err(|e| match e {
            Error::Record { reason, text, .. } => Error::Record {
                line: if reason.starts_with("time") { 8 } else { 2 },
                reason,
                text,
            },
            e => e,
        })?;
        for (line, (got, want)) in [
            (3, (dist, &rec.dist)),
            (4, (version, &rec.version)),
            (5, (author, &rec.author)),
        ] {
            if *got != want.as_str() {
                return Err(record_error(line, "does not match what the path says", got));
            }
        }
        Ok(rec)
    }

    /// The canonical encoding: the log entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// `authors/id/...` path: the record's key.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Distribution name.
    pub fn dist(&self) -> &str {
        &self.dist
    }
    /// Version as written in the file name.
    pub fn version(&self) -> &str {
        &self.version
    }
    /// PAUSE id of the uploader.
    pub fn author(&self) -> &str {
        &self.author
    }
    /// File size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The file's SHA-256.
    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }
    /// Upload time (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`).
    pub fn time(&self) -> &str {
        &self.time
    }
}

impl fmt::Display for UploadRecord {
    /// The canonical encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{RECORD_FORMAT}")?;
        writeln!(f, "path {}", self.path)?;
        writeln!(f, "dist {}", self.dist)?;
        writeln!(f, "version {}", self.version)?;
        writeln!(f, "author {}", self.author)?;
        writeln!(f, "size {}", self.size)?;
        writeln!(f, "sha256 {}", hex32(&self.sha256))?;
        writeln!(f, "time {}", self.time)
    }
}

/// Reads a stream of records: each record as in the module docs, records
/// separated by one empty line (the input of `cpansec log add`).
///
/// # Errors
/// [`Error::Record`] with the line number in the whole input.
pub fn parse_records(text: &str) -> Result<Vec<UploadRecord>, Error> {
    let mut out = Vec::new();
    let mut start_line = 1;
    let mut chunk = String::new();
    let mut flush = |chunk: &mut String, start_line: usize| -> Result<(), Error> {
        if chunk.is_empty() {
            return Ok(());
        }
        let rec = UploadRecord::parse(chunk.as_bytes()).map_err(|e| match e {
            Error::Record { line, reason, text } => Error::Record {
                line: start_line + line.saturating_sub(1),
                reason,
                text,
            },
            e => e,
        })?;
        out.push(rec);
        chunk.clear();
        Ok(())
    };
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line == "\n" {
            flush(&mut chunk, start_line)?;
            start_line = i + 2;
        } else {
            chunk.push_str(line);
        }
    }
    flush(&mut chunk, start_line)?;
    Ok(out)
}

/// The upload records of one CHECKSUMS file of a CPAN mirror: `dir` is its
/// directory below the CPAN root (`authors/id/G/GB/GBARR`). Entries that are
/// not distribution archives (directories, symlinks, READMEs, `.meta` files)
/// are returned as skipped paths, as are entries without size, SHA-256 or date.
/// The file is read as data by cpansec-meta's parser, never evaluated.
pub fn records_from_checksums(
    dir: &str,
    checksums: &cpansec_meta::Checksums,
) -> (Vec<UploadRecord>, Vec<(String, Error)>) {
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for (name, entry) in &checksums.entries {
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        if entry.is_dir() || entry.is_symlink() {
            skipped.push((path, record_error(0, "directory or symbolic link", name)));
            continue;
        }
        let made = match (entry.size(), entry.sha256(), entry.mtime()) {
            (Some(size), Some(sha), Some(mtime)) => UploadRecord::new(&path, size, sha, mtime),
            _ => Err(record_error(0, "entry lacks size, sha256 or mtime", name)),
        };
        match made {
            Ok(r) => records.push(r),
            Err(e) => skipped.push((path, e)),
        }
    }
    (records, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "5dd0f3ee0a6a6f0d7d2ca8bb4d4bd0d3c8b4a1fd0ab2a5a5e8f3d5e2b1a0c9d8";

    #[test]
    fn round_trip_and_fields() {
        let r = UploadRecord::new(
            "authors/id/G/GB/GBARR/libnet-1.22.tar.gz",
            61234,
            SHA,
            "2007-11-26",
        )
        .expect("valid");
        assert_eq!(
            (r.dist(), r.version(), r.author()),
            ("libnet", "1.22", "GBARR")
        );
        let bytes = r.to_bytes();
        assert_eq!(UploadRecord::parse(&bytes).ok(), Some(r.clone()));
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.starts_with("cpan-upload/v1\npath authors/id/G/GB/GBARR/"));
        assert!(text.ends_with("time 2007-11-26\n"));
    }

    #[test]
    fn non_canonical_rejected() {
        let r = UploadRecord::new(
            "authors/id/G/GB/GBARR/libnet-1.22.tar.gz",
            61234,
            SHA,
            "2007-11-26T10:00:00Z",
        )
        .expect("valid");
        let good = r.to_string();
        for bad in [
            good.replace("size 61234", "size 061234"),
            good.replace("dist libnet", "dist Libnet"),
            good.replace("author GBARR", "author gbarr"),
            good.replace(SHA, &SHA.to_uppercase()),
            good.replace("path ", "path  "),
            good.replace("\n", "\r\n"),
            good.trim_end().to_string(),
            format!("{good}extra x\n"),
            good.replace("10:00:00Z", "24:00:00Z"),
            good.replace("version 1.22\n", ""),
            good.replace("GBARR/libnet", "GBARR/../libnet"),
        ] {
            assert!(
                UploadRecord::parse(bad.as_bytes()).is_err(),
                "accepted {bad:?}"
            );
        }
        for path in [
            "authors/id/G/GB/gbarr/libnet-1.22.tar.gz",
            "authors/id/G/GX/GBARR/libnet-1.22.tar.gz",
            "authors/id/GBARR/libnet-1.22.tar.gz",
            "authors/id/G/GB/GBARR/README",
            "modules/by-module/libnet-1.22.tar.gz",
            "authors/id/G/GB/GBARR/lib net-1.22.tar.gz",
        ] {
            assert!(
                UploadRecord::new(path, 1, SHA, "2007-11-26").is_err(),
                "accepted {path}"
            );
        }
    }

    #[test]
    fn stream() {
        let a = UploadRecord::new(
            "authors/id/G/GB/GBARR/libnet-1.22.tar.gz",
            1,
            SHA,
            "2007-11-26",
        )
        .expect("a");
        let b = UploadRecord::new(
            "authors/id/A/AN/ANDK/CPAN-2.36.tar.gz",
            2,
            SHA,
            "2023-01-01",
        )
        .expect("b");
        let text = format!("{a}\n{b}");
        assert_eq!(parse_records(&text).ok(), Some(vec![a, b]));
        let err = parse_records(&format!("{text}\ncpan-upload/v1\npath x\n"));
        assert!(
            matches!(err, Err(Error::Record { line: 21, .. })),
            "{err:?}"
        );
    }
}
