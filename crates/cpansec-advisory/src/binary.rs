//! The compact binary form of a loaded [`Database`]: what the database cache
//! files and the embedded snapshot hold, so that a load costs a few
//! milliseconds instead of a JSON parse.
//!
//! ```text
//! file    = magic "CPANSADB" | u32 format version | u64 source length
//!         | i64 source mtime seconds | u32 source mtime nanoseconds
//!         | u8 flags | [32] SHA-256 of the source | u64 payload length
//!         | u64 payload checksum | payload
//! payload = meta | entry count | modules | distributions | advisories | misfiled
//! ```
//!
//! Fixed-width integers are little-endian; every count and string length in
//! the payload is an unsigned LEB128 varint; strings are UTF-8; an optional
//! value is a `0`/`1` byte then the value; a list is a count then its items.
//! Maps are written in key order, so the encoding of a database is a pure
//! function of it (the checked-in snapshot is compared byte for byte).
//!
//! What is stored is the *model*, not the JSON: entries already merged into
//! advisories, releases already sorted, conflicts as a bit set. Versions and
//! range strings are stored as text and parsed again on decode: parsing them
//! is cheap, and the parsers stay the single source of truth for what a
//! string means (an unparseable one comes back with the same error).
//!
//! Decoding never trusts the input: every length is checked against the bytes
//! that remain before anything is allocated, ids are validated as on a JSON
//! load, the checksum (a 64-bit multiply-rotate hash: corruption, not
//! tampering) must match, and trailing bytes are an error. Any failure is
//! [`Error::Cache`]; callers holding the source rebuild from it.

use std::collections::{BTreeMap, BTreeSet};

use cpansec_version::Version;

use crate::advisory::{
    Advisory, Distribution, EmbeddedLibrary, Range, RangeGroup, Release, ReleaseVersion, Reviewer,
};
use crate::database::{Database, Metadata, Misfiled, aliases_of};
use crate::{Error, Id, Source};

/// The first eight bytes of every cache file.
pub const MAGIC: &[u8; 8] = b"CPANSADB";

/// Bumped whenever the layout or the model it encodes changes; a file with
/// another version is stale, never misread.
pub const FORMAT_VERSION: u32 = 1;

/// Header length in bytes: magic, version, length, mtime, nanos, flags,
/// hash, payload length, checksum.
const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 4 + 1 + 32 + 8 + 8;

/// The fields [`Advisory::conflicts`] can hold, in bit order.
const CONFLICT_FIELDS: [&str; 7] = [
    "distribution",
    "description",
    "severity",
    "reported",
    "embedded_vulnerability",
    "references",
    "cves",
];

/// What a cache file records about the source it was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceStamp {
    /// Length of the source file in bytes.
    pub len: u64,
    /// Modification time, seconds since 1970.
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    /// Whether length and modification time alone may vouch for the source.
    /// False when the source was modified so shortly before the cache was
    /// written that a later change could keep the same time stamp; the
    /// content hash decides then.
    pub stat_trusted: bool,
    /// SHA-256 of the source bytes.
    pub sha256: [u8; 32],
}

/// Encodes `db` with the header of `stamp`.
pub fn encode(db: &Database, stamp: &SourceStamp) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(1 << 21));
    w.meta(&db.meta);
    w.varint(db.entry_count as u64);
    w.varint(db.modules.len() as u64);
    for (m, d) in &db.modules {
        w.str(m);
        w.str(d);
    }
    w.varint(db.dists.len() as u64);
    for d in db.dists.values() {
        w.dist(d);
    }
    w.varint(db.advisories.len() as u64);
    for a in db.advisories.values() {
        w.advisory(a);
    }
    w.varint(db.misfiled.len() as u64);
    for m in &db.misfiled {
        w.str(m.id.as_str());
        w.str(&m.filed_under);
        w.str(&m.distribution);
    }
    let payload = w.0;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&stamp.len.to_le_bytes());
    out.extend_from_slice(&stamp.mtime_secs.to_le_bytes());
    out.extend_from_slice(&stamp.mtime_nanos.to_le_bytes());
    out.push(u8::from(stamp.stat_trusted));
    out.extend_from_slice(&stamp.sha256);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Reads the header of a cache file: its source stamp, when the magic and
/// format version are ours. Cheap; the payload is not looked at.
pub fn read_stamp(bytes: &[u8], source_name: &str) -> Result<SourceStamp, Error> {
    let mut r = Reader {
        bytes,
        pos: 0,
        source_name,
    };
    if r.take(8)? != MAGIC {
        return Err(r.error("not a cpansec database cache (bad magic)"));
    }
    let version = r.u32()?;
    if version != FORMAT_VERSION {
        return Err(r.error(&format!(
            "cache format version {version}, this program reads {FORMAT_VERSION}"
        )));
    }
    let len = r.u64()?;
    let mtime_secs = r.u64()? as i64;
    let mtime_nanos = r.u32()?;
    let stat_trusted = match r.byte()? {
        0 => false,
        1 => true,
        _ => return Err(r.error("bad flags byte")),
    };
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(r.take(32)?);
    Ok(SourceStamp {
        len,
        mtime_secs,
        mtime_nanos,
        stat_trusted,
        sha256,
    })
}

/// Decodes a whole cache file into a database named `source`.
pub fn decode(bytes: &[u8], source: Source) -> Result<Database, Error> {
    let name = source.to_string();
    read_stamp(bytes, &name)?;
    let mut header = Reader {
        bytes,
        pos: HEADER_LEN - 16,
        source_name: &name,
    };
    let payload_len = header.u64()?;
    let sum = header.u64()?;
    let payload = &bytes[HEADER_LEN.min(bytes.len())..];
    if payload.len() as u64 != payload_len {
        return Err(header.error(&format!(
            "payload of {} bytes, header says {payload_len}",
            payload.len()
        )));
    }
    if checksum(payload) != sum {
        return Err(header.error("checksum mismatch: the file is corrupt"));
    }
    let mut r = Reader {
        bytes: payload,
        pos: 0,
        source_name: &name,
    };
    let meta = r.meta()?;
    let entry_count = r.count()?;
    let modules = r.sorted_map(|r| Ok((r.string()?, r.string()?)))?;
    let dists = r.sorted_map(|r| {
        let d = r.dist()?;
        Ok((d.name.clone(), d))
    })?;
    let advisories = r.sorted_map(|r| {
        let a = r.advisory()?;
        Ok((a.id.clone(), a))
    })?;
    let n = r.count()?;
    let mut misfiled = Vec::with_capacity(n);
    for _ in 0..n {
        misfiled.push(Misfiled {
            id: r.id()?,
            filed_under: r.string()?,
            distribution: r.string()?,
        });
    }
    if r.pos != payload.len() {
        return Err(r.error("trailing bytes after the database"));
    }
    let aliases = aliases_of(&advisories);
    Ok(Database {
        source,
        meta,
        advisories,
        aliases,
        dists,
        modules,
        misfiled,
        entry_count,
    })
}

/// A 64-bit hash of `bytes`, eight bytes at a time (about a millisecond for
/// the whole database). Detects truncation and bit rot, nothing more.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    fn strs<S: AsRef<str>>(&mut self, items: &[S]) {
        self.varint(items.len() as u64);
        for s in items {
            self.str(s.as_ref());
        }
    }

    fn meta(&mut self, m: &Metadata) {
        self.opt_str(m.commit.as_deref());
        self.opt_str(m.repo.as_deref());
        self.opt_str(m.date.as_deref());
        match m.epoch {
            None => self.0.push(0),
            Some(e) => {
                self.0.push(1);
                self.0.extend_from_slice(&e.to_le_bytes());
            }
        }
        self.opt_str(m.generator.as_deref());
    }

    fn dist(&mut self, d: &Distribution) {
        self.str(&d.name);
        self.opt_str(d.main_module.as_deref());
        match &d.releases {
            None => self.0.push(0),
            Some(releases) => {
                self.0.push(1);
                self.varint(releases.len() as u64);
                for r in releases {
                    match &r.version {
                        ReleaseVersion::Missing => self.0.push(0),
                        ReleaseVersion::Known(v) => {
                            self.0.push(1);
                            self.str(v.as_str());
                        }
                        ReleaseVersion::Unparseable(e) => {
                            self.0.push(2);
                            self.str(&e.input);
                        }
                    }
                    self.str(&r.date);
                    self.opt_str(r.perl_release.as_deref());
                }
            }
        }
        self.varint(d.advisories.len() as u64);
        for id in &d.advisories {
            self.str(id.as_str());
        }
    }

    fn library(&mut self, l: Option<&EmbeddedLibrary>) {
        match l {
            None => self.0.push(0),
            Some(l) => {
                self.0.push(1);
                self.str(&l.name);
                self.opt_str(l.distributed_version.as_deref());
                self.opt_str(l.affected_versions.as_deref());
            }
        }
    }

    fn advisory(&mut self, a: &Advisory) {
        self.str(a.id.as_str());
        self.str(&a.distribution);
        self.varint(a.aliases.len() as u64);
        for id in &a.aliases {
            self.str(id.as_str());
        }
        self.strs(&a.unrecognised_aliases);
        self.varint(a.groups.len() as u64);
        for g in &a.groups {
            self.str(&g.distribution);
            self.varint(g.affected.len() as u64);
            for r in &g.affected {
                self.str(r.as_str());
            }
            self.varint(g.fixed.len() as u64);
            for r in &g.fixed {
                self.str(r.as_str());
            }
        }
        self.opt_str(a.severity.as_deref());
        self.str(&a.description);
        self.strs(&a.references);
        self.opt_str(a.reported.as_deref());
        self.library(a.embedded.as_ref());
        self.library(a.external.as_ref());
        self.opt_str(a.comment.as_deref());
        self.strs(&a.previous_ids);
        self.varint(a.reviewed_by.len() as u64);
        for r in &a.reviewed_by {
            self.str(&r.name);
            self.opt_str(r.email.as_deref());
            self.opt_str(r.date.as_deref());
        }
        self.varint(a.entries as u64);
        let bits = CONFLICT_FIELDS
            .iter()
            .enumerate()
            .filter(|(_, f)| a.conflicts.contains(*f))
            .fold(0u64, |acc, (i, _)| acc | 1 << i);
        self.varint(bits);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    source_name: &'a str,
}

impl<'a> Reader<'a> {
    fn error(&self, message: &str) -> Error {
        Error::Cache {
            source_name: self.source_name.to_string(),
            offset: self.pos as u64,
            message: message.to_string(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| self.error(&format!("truncated: {n} more bytes expected")))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, Error> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    fn varint(&mut self) -> Result<u64, Error> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.error("varint longer than 64 bits"))
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so no allocation is sized by a corrupt count.
    fn count(&mut self) -> Result<usize, Error> {
        let n = self.varint()?;
        let left = (self.bytes.len() - self.pos) as u64;
        if n > left {
            return Err(self.error(&format!("count {n} exceeds the {left} bytes left")));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, Error> {
        let n = self.count()?;
        let at = self.pos;
        let raw = self.take(n)?;
        std::str::from_utf8(raw).map_err(|_| Error::Cache {
            source_name: self.source_name.to_string(),
            offset: at as u64,
            message: "string is not UTF-8".to_string(),
        })
    }

    fn string(&mut self) -> Result<String, Error> {
        self.str().map(str::to_string)
    }

    fn flag(&mut self) -> Result<bool, Error> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error(&format!("bad option tag {b}"))),
        }
    }

    fn opt_string(&mut self) -> Result<Option<String>, Error> {
        if self.flag()? {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    fn strings(&mut self) -> Result<Vec<String>, Error> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    fn id(&mut self) -> Result<Id, Error> {
        let text = self.str()?;
        text.parse()
            .map_err(|e| self.error(&format!("bad id {text:?}: {e}")))
    }

    /// A map written in strictly ascending key order; any other order is
    /// corruption (and would make lookups wrong).
    fn sorted_map<K: Ord, V>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(K, V), Error>,
    ) -> Result<BTreeMap<K, V>, Error> {
        let n = self.count()?;
        let mut items: Vec<(K, V)> = Vec::with_capacity(n);
        for _ in 0..n {
            let (k, v) = item(self)?;
            if items.last().is_some_and(|(last, _)| *last >= k) {
                return Err(self.error("map keys out of order"));
            }
            items.push((k, v));
        }
        Ok(items.into_iter().collect())
    }

    fn meta(&mut self) -> Result<Metadata, Error> {
        Ok(Metadata {
            commit: self.opt_string()?,
            repo: self.opt_string()?,
            date: self.opt_string()?,
            epoch: if self.flag()? {
                Some(self.u64()? as i64)
            } else {
                None
            },
            generator: self.opt_string()?,
        })
    }

    fn dist(&mut self) -> Result<Distribution, Error> {
        let name = self.string()?;
        let main_module = self.opt_string()?;
        let releases = if self.flag()? {
            let n = self.count()?;
            let mut releases = Vec::with_capacity(n);
            for _ in 0..n {
                let version = match self.byte()? {
                    0 => ReleaseVersion::Missing,
                    tag @ (1 | 2) => {
                        let text = self.str()?;
                        match (Version::parse_exact(text), tag) {
                            (Ok(v), 1) => ReleaseVersion::Known(v),
                            (Err(e), 2) => ReleaseVersion::Unparseable(e),
                            _ => return Err(self.error(&format!("version {text:?} changed kind"))),
                        }
                    }
                    b => return Err(self.error(&format!("bad version tag {b}"))),
                };
                releases.push(Release {
                    version,
                    date: self.string()?,
                    perl_release: self.opt_string()?,
                });
            }
            Some(releases)
        } else {
            None
        };
        let n = self.count()?;
        let mut advisories = BTreeSet::new();
        for _ in 0..n {
            advisories.insert(self.id()?);
        }
        Ok(Distribution {
            name,
            main_module,
            releases,
            advisories,
        })
    }

    fn library(&mut self) -> Result<Option<EmbeddedLibrary>, Error> {
        if !self.flag()? {
            return Ok(None);
        }
        Ok(Some(EmbeddedLibrary {
            name: self.string()?,
            distributed_version: self.opt_string()?,
            affected_versions: self.opt_string()?,
        }))
    }

    fn ranges(&mut self) -> Result<Vec<Range>, Error> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(Range::new(self.str()?));
        }
        Ok(out)
    }

    fn advisory(&mut self) -> Result<Advisory, Error> {
        let id = self.id()?;
        let distribution = self.string()?;
        let n = self.count()?;
        let mut aliases = Vec::with_capacity(n);
        for _ in 0..n {
            aliases.push(self.id()?);
        }
        let unrecognised_aliases = self.strings()?;
        let n = self.count()?;
        let mut groups = Vec::with_capacity(n);
        for _ in 0..n {
            groups.push(RangeGroup {
                distribution: self.string()?,
                affected: self.ranges()?,
                fixed: self.ranges()?,
            });
        }
        let severity = self.opt_string()?;
        let description = self.string()?;
        let references = self.strings()?;
        let reported = self.opt_string()?;
        let embedded = self.library()?;
        let external = self.library()?;
        let comment = self.opt_string()?;
        let previous_ids = self.strings()?;
        let n = self.count()?;
        let mut reviewed_by = Vec::with_capacity(n);
        for _ in 0..n {
            reviewed_by.push(Reviewer {
                name: self.string()?,
                email: self.opt_string()?,
                date: self.opt_string()?,
            });
        }
        let entries =
            usize::try_from(self.varint()?).map_err(|_| self.error("entry count out of range"))?;
        let bits = self.varint()?;
        if bits >> CONFLICT_FIELDS.len() != 0 {
            return Err(self.error(&format!("unknown conflict bits {bits:#x}")));
        }
        let conflicts = CONFLICT_FIELDS
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        Ok(Advisory {
            id,
            distribution,
            aliases,
            unrecognised_aliases,
            groups,
            severity,
            description,
            references,
            reported,
            embedded,
            external,
            comment,
            previous_ids,
            reviewed_by,
            entries,
            conflicts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for n in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut w = Writer(Vec::new());
            w.varint(n);
            let mut r = Reader {
                bytes: &w.0,
                pos: 0,
                source_name: "t",
            };
            assert_eq!(r.varint().unwrap(), n);
            assert_eq!(r.pos, w.0.len());
        }
    }

    #[test]
    fn counts_larger_than_the_input_are_refused() {
        let mut w = Writer(Vec::new());
        w.varint(1 << 40);
        let mut r = Reader {
            bytes: &w.0,
            pos: 0,
            source_name: "t",
        };
        assert!(matches!(r.count(), Err(Error::Cache { .. })));
    }

    #[test]
    fn checksum_sees_a_flipped_bit() {
        let a = vec![7u8; 1000];
        let mut b = a.clone();
        b[500] ^= 4;
        assert_ne!(checksum(&a), checksum(&b));
        assert_ne!(checksum(&a), checksum(&a[..999]));
    }
}
