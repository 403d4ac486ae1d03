//! CPAN author-directory `CHECKSUMS` files (written by CPAN::Checksums):
//! the size, date and digests of every file PAUSE holds for an author.
//!
//! ```text
//! 0&&<<''; # this PGP-signed message is also valid perl
//! -----BEGIN PGP SIGNED MESSAGE-----
//! Hash: SHA1
//!
//! # CHECKSUMS file written on Sun Nov 21 17:04:02 2021 GMT by CPAN::Checksums (v2.13)
//! $cksum = {
//!   'Foo-1.0.tar.gz' => {
//!     'md5' => 'c735574da6a9ac575346eb3090c833c8',
//!     'mtime' => '2009-01-10',
//!     'sha256' => 'a08b…',
//!     'size' => 5967
//!   },
//! };
//! __END__
//! -----BEGIN PGP SIGNATURE-----
//! …
//! -----END PGP SIGNATURE-----
//! ```
//!
//! The body is a Perl assignment; CPAN.pm evaluates it in a `Safe`
//! compartment. This reader never evaluates anything: it reads the literal
//! with the strict parser of [`crate::perl_data`] (hashes, quoted strings,
//! numbers, `undef`) and refuses everything else.
//!
//! The optional OpenPGP cleartext-signature armour (RFC 4880, section 7) is
//! taken apart, not verified: [`Signature`] keeps the signed text (dash
//! escapes removed) and the armoured signature, for a verifier to check.
//! Before the armour only the `0&&<<'';` line that makes the file valid Perl
//! (or nothing) is accepted.

// The crate's one `Error` is over clippy's size threshold because of a
// variant shared by all readers; shrinking it is a crate-wide change.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::Path;

use crate::perl_data::{PerlValue, Reader};
use crate::{Error, ErrorKind, Location};

/// The largest CHECKSUMS file [`Checksums::read`] accepts (real ones are
/// under a megabyte).
pub const MAX_CHECKSUMS_SIZE: u64 = 64 * 1024 * 1024;

const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// A parsed CHECKSUMS file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checksums {
    /// The comment lines before `$cksum` (usually one, `CHECKSUMS file
    /// written on … by CPAN::Checksums (v…)`), without the leading `#`.
    pub comments: Vec<String>,
    /// File (or directory) name -> its entry.
    pub entries: BTreeMap<String, ChecksumEntry>,
    /// The signature armour, when the file is signed.
    pub signature: Option<Signature>,
}

/// The OpenPGP cleartext-signature parts of a signed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The armour headers (`Hash: SHA1`), as (name, value).
    pub armor_headers: Vec<(String, String)>,
    /// The signed text: the lines between the armour headers' blank line and
    /// the signature, dash escapes (`- `) removed, joined with `\n`, without
    /// the line end before the signature (RFC 4880, 7.1).
    pub signed_text: String,
    /// The signature block from `-----BEGIN PGP SIGNATURE-----` through
    /// `-----END PGP SIGNATURE-----`, lines joined with `\n`.
    pub armored_signature: String,
}

/// One file's entry: every key as written, with accessors for the ones
/// CPAN::Checksums writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChecksumEntry {
    pub fields: BTreeMap<String, PerlValue>,
}

impl ChecksumEntry {
    fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(PerlValue::as_str)
    }

    pub fn md5(&self) -> Option<&str> {
        self.text("md5")
    }

    pub fn sha256(&self) -> Option<&str> {
        self.text("sha256")
    }

    /// Digests of the uncompressed content (`md5-ungz`, `sha256-unbz2`, …)
    /// by key.
    pub fn digest(&self, key: &str) -> Option<&str> {
        self.text(key)
    }

    pub fn size(&self) -> Option<u64> {
        self.fields.get("size").and_then(PerlValue::as_u64)
    }

    /// The modification date, `YYYY-MM-DD`.
    pub fn mtime(&self) -> Option<&str> {
        self.text("mtime")
    }

    /// The author directory (`A/AN/ANDK`) in files that record it.
    pub fn cpan_path(&self) -> Option<&str> {
        self.text("cpan_path")
    }

    /// True when the entry names a directory (`'isdir' => 1`).
    pub fn is_dir(&self) -> bool {
        self.fields.get("isdir").and_then(PerlValue::as_u64) == Some(1)
    }

    /// True when the entry names a symbolic link (`'issymlink' => 1`).
    pub fn is_symlink(&self) -> bool {
        self.fields.get("issymlink").and_then(PerlValue::as_u64) == Some(1)
    }
}

impl Checksums {
    /// Reads a CHECKSUMS file's text. Errors carry the file's line and
    /// column.
    pub fn parse(text: &str) -> Result<Checksums, Error> {
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let Some(begin) = lines.iter().position(|l| *l == BEGIN_SIGNED) else {
            let (comments, entries) = body(text, 1)?;
            return Ok(Checksums {
                comments,
                entries,
                signature: None,
            });
        };
        // Only the line that makes a signed file valid Perl may come first.
        for (i, l) in lines.iter().enumerate().take(begin) {
            let ok = l.trim().is_empty() || (i + 1 == begin && l.starts_with("0&&<<'';"));
            if !ok {
                return Err(armor_error(i, "nothing before the signed message"));
            }
        }
        let mut i = begin + 1;
        let mut armor_headers = Vec::new();
        loop {
            let Some(l) = lines.get(i) else {
                return Err(armor_error(i, "a blank line after the armour headers"));
            };
            i += 1;
            if l.is_empty() {
                break;
            }
            let Some((k, v)) = l.split_once(": ") else {
                return Err(armor_error(i - 1, "an armour header `Name: value`"));
            };
            armor_headers.push((k.to_string(), v.to_string()));
        }
        let text_start = i;
        let Some(sig_at) = lines
            .iter()
            .skip(text_start)
            .position(|l| *l == BEGIN_SIGNATURE)
            .map(|p| p + text_start)
        else {
            return Err(armor_error(lines.len().saturating_sub(1), BEGIN_SIGNATURE));
        };
        let Some(end_at) = lines
            .iter()
            .skip(sig_at)
            .position(|l| *l == END_SIGNATURE)
            .map(|p| p + sig_at)
        else {
            return Err(armor_error(lines.len().saturating_sub(1), END_SIGNATURE));
        };
        if let Some(j) =
            (end_at + 1..lines.len()).find(|&j| lines.get(j).is_some_and(|l| !l.trim().is_empty()))
        {
            return Err(armor_error(j, "nothing after the signature"));
        }
        let signed: Vec<&str> = lines
            .get(text_start..sig_at)
            .unwrap_or_default()
            .iter()
            .map(|l| l.strip_prefix("- ").unwrap_or(l))
            .collect();
        let signed_text = signed.join("\n");
        let armored_signature = lines.get(sig_at..=end_at).unwrap_or_default().join("\n");
        let first_line = u32::try_from(text_start + 1).unwrap_or(u32::MAX);
        let (comments, entries) = body(&signed_text, first_line)?;
        Ok(Checksums {
            comments,
            entries,
            signature: Some(Signature {
                armor_headers,
                signed_text,
                armored_signature,
            }),
        })
    }

    /// Reads the CHECKSUMS file at `path`, at most [`MAX_CHECKSUMS_SIZE`]
    /// bytes; errors name the path.
    pub fn read(path: impl AsRef<Path>) -> Result<Checksums, Error> {
        let path = path.as_ref();
        let bytes = crate::bounded::read_capped(path, MAX_CHECKSUMS_SIZE, "CHECKSUMS")?;
        let text = crate::bounded::utf8(&bytes, "CHECKSUMS").map_err(|e| e.in_file(path))?;
        Checksums::parse(text).map_err(|e| e.in_file(path))
    }

    /// The whole structure as JSON (`{file: {key: value}}`), the shape Perl's
    /// `$cksum` has.
    pub fn entries_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.entries
                .iter()
                .map(|(k, e)| {
                    let fields = e.fields.iter().map(|(f, v)| (f.clone(), v.to_json()));
                    (k.clone(), serde_json::Value::Object(fields.collect()))
                })
                .collect(),
        )
    }
}

fn armor_error(line_index: usize, expected: &'static str) -> Error {
    Error::at(
        ErrorKind::ChecksumsArmor { expected },
        Location {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: 1,
        },
    )
}

type Body = (Vec<String>, BTreeMap<String, ChecksumEntry>);

/// `[# comments] $cksum = { … }; [__END__]`.
fn body(text: &str, first_line: u32) -> Result<Body, Error> {
    let mut comments = Vec::new();
    let mut r = Reader::new(text, first_line);
    while let Some(c) = r.next_comment() {
        comments.push(c.trim().to_string());
    }
    r.expect("$cksum", "`$cksum =`")?;
    r.expect("=", "`=` after $cksum")?;
    let value_at = {
        r.skip_space();
        r.position()
    };
    let value = r.value(0)?;
    r.expect(";", "`;` after the hash")?;
    r.skip_space();
    if r.remaining().starts_with("__END__") {
        r.advance_to(r.position() + "__END__".len());
        r.skip_space();
    }
    if !r.is_at_end() {
        return Err(r.error("the end of the data (or __END__)"));
    }
    let PerlValue::Hash(files) = value else {
        return Err(r.error_at(value_at, "a hash of files"));
    };
    let mut entries = BTreeMap::new();
    for (name, v) in files {
        let PerlValue::Hash(fields) = v else {
            return Err(Error::at(
                ErrorKind::ChecksumsEntry { file: name },
                r.location_of(value_at),
            ));
        };
        entries.insert(name, ChecksumEntry { fields });
    }
    Ok((comments, entries))
}
