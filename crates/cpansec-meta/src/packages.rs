//! The CPAN package index, `02packages.details.txt` (plain or gzipped):
//! which distribution file provides each module, at which version.
//!
//! ```text
//! File:         02packages.details.txt
//! URL:          http://www.perl.com/CPAN/modules/02packages.details.txt
//! Description:  Package names found in directory $CPAN/authors/id/
//! Columns:      package name, version, path
//! Intended-For: Automated fetch routines, namespace documentation.
//! Written-By:   PAUSE version 1.14
//! Line-Count:   129178
//! Last-Updated: Sun, 14 Apr 2013 13:29:02 GMT
//!
//! Acme::Colour                       1.00  L/LB/LBROCARD/Acme-Colour-1.00.tar.gz
//! Apply                             undef  F/FG/FGLOCK/v6-0.044.tar.gz
//! ```
//!
//! A header of `Name: value` lines, a blank line, then one row per module:
//! three fields separated by white space (spaces or tabs), the version
//! `undef` where the module declares none. Lines may end in `\r\n`; blank
//! lines after the rows are ignored, anywhere else among the rows they are
//! an error, as is a row with other than three fields, a header line without
//! a colon, a header name given twice or a module listed twice.
//!
//! `Line-Count` is checked on request ([`Packages::check_line_count`]), not
//! while reading: test and mirror indexes often carry a copied header.
//!
//! The index keeps its text in one buffer and each row as offsets into it, so
//! the full CPAN index (about 130,000 rows) costs a few allocations.

// The crate's one `Error` is over clippy's size threshold because of a
// variant shared by all readers; shrinking it is a crate-wide change.
#![allow(clippy::result_large_err)]

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use crate::{Error, ErrorKind, Location};

/// The largest index [`Packages::read`] accepts, compressed or not, and the
/// most a gzipped one may expand to.
pub const MAX_PACKAGES_SIZE: u64 = 256 * 1024 * 1024;

/// A parsed `02packages.details.txt`.
#[derive(Clone, Debug)]
pub struct Packages {
    header: Vec<(String, String)>,
    text: String,
    rows: Vec<Row>,
    /// Row indices sorted by module name (bytewise), for lookups.
    by_module: Vec<u32>,
}

#[derive(Clone, Debug)]
struct Row {
    line: u32,
    module: Range<u32>,
    /// `None` for `undef`.
    version: Option<Range<u32>>,
    path: Range<u32>,
}

/// One row of the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Package<'a> {
    pub module: &'a str,
    /// `None` where the index says `undef`.
    pub version: Option<&'a str>,
    /// The distribution file below `authors/id/`.
    pub path: &'a str,
    /// The 1-based line of the row.
    pub line: u32,
}

impl Packages {
    /// Reads index text.
    pub fn parse(text: &str) -> Result<Packages, Error> {
        Packages::from_string(text.to_string())
    }

    /// Reads an index from bytes, gunzipping them first when they start
    /// with the gzip magic number; the expanded text may be at most `limit`
    /// bytes ([`ErrorKind::TooLarge`]).
    pub fn parse_bytes(bytes: &[u8], limit: u64) -> Result<Packages, Error> {
        let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
            gunzip(bytes, limit)?
        } else if bytes.len() as u64 > limit {
            return Err(Error::new(ErrorKind::TooLarge {
                what: "02packages index".to_string(),
                limit,
            }));
        } else {
            bytes.to_vec()
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            // Locate the bad byte the same way every reader does.
            match crate::bounded::utf8(e.as_bytes(), "02packages index") {
                Err(err) => err,
                Ok(_) => Error::new(ErrorKind::NotUtf8 {
                    what: "02packages index",
                }),
            }
        })?;
        Packages::from_string(text)
    }

    /// Reads the index at `path` (plain or gzipped, told by its first bytes),
    /// at most [`MAX_PACKAGES_SIZE`] bytes before and after expansion.
    pub fn read(path: impl AsRef<Path>) -> Result<Packages, Error> {
        let path = path.as_ref();
        let bytes = crate::bounded::read_capped(path, MAX_PACKAGES_SIZE, "02packages index")?;
        Packages::parse_bytes(&bytes, MAX_PACKAGES_SIZE).map_err(|e| e.in_file(path))
    }

    fn from_string(text: String) -> Result<Packages, Error> {
        if text.len() > u32::MAX as usize {
            return Err(Error::new(ErrorKind::TooLarge {
                what: "02packages index".to_string(),
                limit: u64::from(u32::MAX),
            }));
        }
        let (header, rows) = scan(&text)?;
        let mut packages = Packages {
            header,
            text,
            rows,
            by_module: Vec::new(),
        };
        packages.index()?;
        Ok(packages)
    }

    /// Sorts the lookup index; a module listed twice is an error at its
    /// second row.
    fn index(&mut self) -> Result<(), Error> {
        let text = &self.text;
        let rows = &self.rows;
        let name = |i: u32| {
            rows.get(i as usize)
                .and_then(|r| text.get(r.module.start as usize..r.module.end as usize))
                .unwrap_or_default()
        };
        // Sort by the first eight bytes as a number (zero-padded, so the
        // order agrees with the bytewise order), comparing whole names only
        // on ties: most comparisons of 130,000 names become one integer
        // comparison.
        let prefix = |i: u32| {
            let mut p = [0u8; 8];
            for (d, s) in p.iter_mut().zip(name(i).bytes()) {
                *d = s;
            }
            u64::from_be_bytes(p)
        };
        let mut keyed: Vec<(u64, u32)> = (0..self.rows.len() as u32)
            .map(|i| (prefix(i), i))
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| name(a.1).cmp(name(b.1))));
        let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
        if let Some(w) = order.windows(2).find(|w| name(w[0]) == name(w[1])) {
            // Report the later of the two rows.
            let line = w
                .iter()
                .filter_map(|&i| rows.get(i as usize).map(|r| r.line))
                .max()
                .unwrap_or(0);
            return Err(Error::at(
                ErrorKind::PackagesDuplicate {
                    module: name(w[1]).to_string(),
                },
                Location { line, column: 1 },
            ));
        }
        self.by_module = order;
        Ok(())
    }

    /// The header fields in file order, as (name, value).
    pub fn header(&self) -> impl Iterator<Item = (&str, &str)> {
        self.header.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of a header field (`File`, `URL`, `Description`, `Columns`,
    /// `Intended-For`, `Written-By`, `Line-Count`, `Last-Updated`, ...).
    pub fn header_field(&self, name: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Line-Count` as a number; `None` when absent, an error when it is not
    /// a number.
    pub fn line_count(&self) -> Result<Option<u64>, Error> {
        let Some(v) = self.header_field("Line-Count") else {
            return Ok(None);
        };
        v.parse().map(Some).map_err(|_| {
            Error::new(ErrorKind::PackagesLineCount {
                declared: v.to_string(),
                rows: self.rows.len() as u64,
            })
        })
    }

    /// Checks `Line-Count` against the number of rows (absent counts as
    /// correct).
    pub fn check_line_count(&self) -> Result<(), Error> {
        match self.line_count()? {
            Some(n) if n != self.rows.len() as u64 => {
                Err(Error::new(ErrorKind::PackagesLineCount {
                    declared: n.to_string(),
                    rows: self.rows.len() as u64,
                }))
            }
            _ => Ok(()),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows in file order.
    pub fn iter(&self) -> impl Iterator<Item = Package<'_>> {
        self.rows.iter().map(|r| self.package(r))
    }

    /// The row for `module` (exact, case-sensitive), in O(log n).
    pub fn lookup(&self, module: &str) -> Option<Package<'_>> {
        let i = self
            .by_module
            .binary_search_by(|&i| {
                self.rows
                    .get(i as usize)
                    .map_or("", |r| self.slice(&r.module))
                    .cmp(module)
            })
            .ok()?;
        let row = self.rows.get(*self.by_module.get(i)? as usize)?;
        Some(self.package(row))
    }

    fn slice(&self, r: &Range<u32>) -> &str {
        self.text
            .get(r.start as usize..r.end as usize)
            .unwrap_or_default()
    }

    fn package(&self, r: &Row) -> Package<'_> {
        Package {
            module: self.slice(&r.module),
            version: r.version.as_ref().map(|v| self.slice(v)),
            path: self.slice(&r.path),
            line: r.line,
        }
    }
}

fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| Error::new(ErrorKind::Io(e)))?;
    if out.len() as u64 > limit {
        return Err(Error::new(ErrorKind::TooLarge {
            what: "gunzipped 02packages index".to_string(),
            limit,
        }));
    }
    Ok(out)
}

/// White space as Perl's `split ' '` sees it in a byte string, as a lookup
/// table (the row scan is the reader's inner loop).
const SPACE: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[0x0b] = true;
    t[0x0c] = true;
    t[b'\r' as usize] = true;
    t
};

fn is_space(b: u8) -> bool {
    SPACE[usize::from(b)]
}

fn loc(line: u32, column: usize) -> Location {
    Location {
        line,
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

type Scanned = (Vec<(String, String)>, Vec<Row>);

/// Reads the header and the row offsets.
fn scan(text: &str) -> Result<Scanned, Error> {
    let mut header: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::new();
    let mut in_header = true;
    let mut blank_at: Option<u32> = None;
    let mut offset = 0usize;
    let mut n = 0u32;
    for raw in text.split_inclusive('\n') {
        n = n.saturating_add(1);
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if in_header {
            if line.bytes().all(is_space) {
                in_header = false;
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(Error::at(
                    ErrorKind::PackagesHeaderLine {
                        line: line.to_string(),
                    },
                    loc(n, 1),
                ));
            };
            if name.is_empty() || name.bytes().any(is_space) {
                return Err(Error::at(
                    ErrorKind::PackagesHeaderLine {
                        line: line.to_string(),
                    },
                    loc(n, 1),
                ));
            }
            if header.iter().any(|(k, _)| k == name) {
                return Err(Error::at(
                    ErrorKind::PackagesDuplicateHeader {
                        name: name.to_string(),
                    },
                    loc(n, 1),
                ));
            }
            let value = value.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
            header.push((name.to_string(), value.to_string()));
            continue;
        }
        let bytes = line.as_bytes();
        let mut fields: [Range<usize>; 3] = [0..0, 0..0, 0..0];
        let mut count = 0usize;
        let mut i = 0usize;
        while i < bytes.len() {
            i += bytes
                .get(i..)
                .map_or(0, |r| r.iter().take_while(|&&c| is_space(c)).count());
            if i == bytes.len() {
                break;
            }
            let s = i;
            i += bytes
                .get(i..)
                .map_or(0, |r| r.iter().take_while(|&&c| !is_space(c)).count());
            if let Some(f) = fields.get_mut(count) {
                *f = s..i;
            } else {
                return Err(Error::at(
                    ErrorKind::PackagesRow {
                        fields: count + 1,
                        line: line.to_string(),
                    },
                    loc(n, line.get(..s).map_or(s, |p| p.chars().count()) + 1),
                ));
            }
            count += 1;
        }
        if count == 0 {
            if blank_at.is_none() {
                blank_at = Some(n);
            }
            continue;
        }
        if let Some(b) = blank_at {
            return Err(Error::at(ErrorKind::PackagesBlankLine, loc(b, 1)));
        }
        if count != 3 {
            return Err(Error::at(
                ErrorKind::PackagesRow {
                    fields: count,
                    line: line.to_string(),
                },
                loc(n, 1),
            ));
        }
        let abs = |r: &Range<usize>| (start + r.start) as u32..(start + r.end) as u32;
        let [m, v, p] = &fields;
        let version = (line.get(v.clone()) != Some("undef")).then(|| abs(v));
        rows.push(Row {
            line: n,
            module: abs(m),
            version,
            path: abs(p),
        });
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "File: 02packages.details.txt\nLine-Count: 2\n\n";

    #[test]
    fn rows_and_lookup() {
        let p = Packages::parse(&format!(
            "{HEAD}Foo::Bar   1.0  F/FO/FOO/Foo-1.0.tar.gz\r\nAaa\tundef\tA/AA/AAA/Aaa-2.tgz\n\n"
        ))
        .expect("parse");
        assert_eq!(p.len(), 2);
        assert!(p.check_line_count().is_ok());
        let a = p.lookup("Aaa").expect("Aaa");
        assert_eq!((a.version, a.path, a.line), (None, "A/AA/AAA/Aaa-2.tgz", 5));
        assert_eq!(p.lookup("Foo::Bar").and_then(|r| r.version), Some("1.0"));
        assert!(p.lookup("Foo").is_none());
        assert_eq!(p.header_field("File"), Some("02packages.details.txt"));
    }

    #[test]
    fn errors() {
        let kind = |t: &str| {
            Packages::parse(t)
                .map(|_| ())
                .map_err(|e| (e.kind, e.location))
        };
        assert!(matches!(
            kind("File 02\n\n"),
            Err((ErrorKind::PackagesHeaderLine { .. }, _))
        ));
        assert!(matches!(
            kind("A: 1\nA: 2\n\n"),
            Err((ErrorKind::PackagesDuplicateHeader { .. }, _))
        ));
        assert!(matches!(
            kind(&format!("{HEAD}Foo 1\n")),
            Err((
                ErrorKind::PackagesRow { fields: 2, .. },
                Some(Location { line: 4, .. })
            ))
        ));
        assert!(matches!(
            kind(&format!("{HEAD}Foo 1 a b\n")),
            Err((
                ErrorKind::PackagesRow { fields: 4, .. },
                Some(Location { line: 4, column: 9 })
            ))
        ));
        assert!(matches!(
            kind(&format!("{HEAD}Foo 1 a\n\nBar 1 b\n")),
            Err((ErrorKind::PackagesBlankLine, Some(Location { line: 5, .. })))
        ));
        assert!(matches!(
            kind(&format!("{HEAD}Foo 1 a\nFoo 2 b\n")),
            Err((
                ErrorKind::PackagesDuplicate { .. },
                Some(Location { line: 5, .. })
            ))
        ));
        let p = Packages::parse(&format!("{HEAD}Foo 1 a\n")).expect("parse");
        assert!(matches!(
            p.check_line_count().map_err(|e| e.kind),
            Err(ErrorKind::PackagesLineCount { rows: 1, .. })
        ));
    }

    #[test]
    fn gzip_is_bounded() {
        use std::io::Write;
        let text = format!("{HEAD}Foo 1 a\nBar 2 b\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).expect("compress");
        let gz = gz.finish().expect("compress");
        assert_eq!(
            Packages::parse_bytes(&gz, 1000).map(|p| p.len()).ok(),
            Some(2)
        );
        assert!(matches!(
            Packages::parse_bytes(&gz, 10).map_err(|e| e.kind),
            Err(ErrorKind::TooLarge { .. })
        ));
        assert!(Packages::parse_bytes(&gz[..gz.len() / 2], 1000).is_err());
    }
}
