//! The compact binary form of a [`Database`]: what the cache files and the
//! embedded snapshot hold. It is used almost without decoding: opening one
//! checks its header and locates its tables, and each advisory and
//! distribution is decoded the first time a query touches it (an audit
//! touches a handful of the 418 distributions).
//!
//! ```text
//! file     = header | payload
//! header   = magic "CPANSADB" | u32 format version | u64 source length
//!          | i64 source mtime seconds | u32 source mtime nanoseconds
//!          | u8 flags | [32] SHA-256 of the source | u64 payload length
//!          | 5 × (u64 section offset in the payload | u64 length | u64 checksum)
//!          | u64 checksum of the header before it
//! payload  = section core | section distribution records | section advisory records
//!          | section aliases | section modules        (contiguous, in this order)
//! core     = meta | entry count | summary | misfiled
//!          | table advisory ids (sorted) | table distribution names (sorted)
//!          | index of the advisory records | index of the distribution records
//! index    = (n + 1) u32 offsets into the records section | n u64 record checksums
//! aliases  = table alias ids (sorted) | lists alias -> advisory indexes
//! modules  = table module names (sorted) | table distribution names
//!          | u32 distribution index per module
//! table    = count n | block length | (n + 1) u32 offsets into block | block
//! lists    = (n + 1) u32 starts | u32 items
//! ```
//!
//! Fixed-width integers are little-endian; counts and string lengths inside
//! `meta`, `summary`, `misfiled` and the records are unsigned LEB128 varints;
//! an optional value is a `0`/`1` byte then the value; a list is a count then
//! its items. Lookups (`module -> distribution`, an id, a distribution name)
//! are binary searches in the sorted tables, in place.
//!
//! An advisory record holds every [`Advisory`] field but the id (aliases as
//! indexes into the alias table); a distribution record holds first the
//! advisories as ascending indexes into the advisory table (so that the
//! advisories of a distribution are found without decoding its releases),
//! then the main module and the releases (already sorted; versions as
//! written, parsed when decoded). Each release starts with a tag byte: `0`
//! no version, `1` a version, `3` a version that no advisory affects or might
//! affect ([`SAFE_RELEASE`], judged when the file is written), so that
//! choosing an upgrade reads past affected releases without parsing their
//! versions. To add a field to the model: write it at
//! the end of its record in `Writer`, read it in
//! `Reader::advisory_body`/`dist_body` and step over it in `Reader::skip_*`,
//! and bump [`FORMAT_VERSION`].
//!
//! Three ways to open, one per kind of trust (checksums are a 64-bit
//! multiply-rotate hash, for corruption, not tampering):
//! - bytes from anywhere ([`Database::from_cache_slice`], fuzzing): the
//!   header, every checksum, every table's offsets, UTF-8, order and indexes,
//!   every id and every record's structure (walked without allocating) are
//!   checked first; after that, decoding cannot fail;
//! - a cache file read lazily ([`Database::load_cached_lazy`]): only the
//!   header (its own checksum, the file's length, the section layout) and
//!   the core section (its checksum and tables) are read at open; the other
//!   sections are read with positioned reads when first used, each record on
//!   its own, and checked against their checksums then; a record that fails
//!   its checksum or its decoding marks the database damaged
//!   ([`Database::damage`]) instead of failing silently, and the caller
//!   rebuilds the cache. Nothing is memory-mapped: a file truncated or
//!   rewritten under the reader gives a short read, that is an error;
//! - the embedded snapshot: written by the build script from the checked-in
//!   JSON and checked in full there, so opening it only locates its tables.
//!
//! Anything wrong at open is [`Error::Cache`], and callers holding the source
//! rebuild from it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use cpansec_version::{AdvisoryRange, Version};

use crate::advisory::{
    Advisory, Distribution, EmbeddedLibrary, Range, RangeGroup, Release, ReleaseVersion, Reviewer,
    Verdict, verdict_of_matches,
};
use crate::database::{Database, Metadata, Misfiled, Store, Summary};
use crate::{Error, Id, IdKind, Source};

/// The first eight bytes of every cache file.
pub const MAGIC: &[u8; 8] = b"CPANSADB";

/// Bumped whenever the layout or the model it encodes changes; a file with
/// another version is stale, never misread.
pub const FORMAT_VERSION: u32 = 4;

/// The bit of a release's tag byte marking a version that no advisory of the
/// distribution affects or might affect.
const SAFE_RELEASE: u8 = 2;

/// The sections of the payload, in file order.
const SECTIONS: usize = 5;
const CORE: usize = 0;
const DIST_RECORDS: usize = 1;
const ADVISORY_RECORDS: usize = 2;
const ALIASES: usize = 3;
const MODULES: usize = 4;

/// Length of the source stamp at the start of the header: magic, version,
/// length, mtime, nanos, flags, hash.
const STAMP_LEN: usize = 8 + 4 + 8 + 8 + 4 + 1 + 32;

/// Header length in bytes: the stamp, the payload length, the section
/// directory and the header's checksum.
pub(crate) const HEADER_LEN: usize = STAMP_LEN + 8 + SECTIONS * 24 + 8;

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

/// How far the bytes being opened are trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trust {
    /// Check everything at open.
    Check,
    /// A cache file read lazily: check each part as it is read.
    Lazy,
    /// Written and checked by the build script (the embedded snapshot).
    Built,
}

/// The record index of `records`: offsets then checksums.
fn index_bytes(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * 12 + 4);
    let mut at = 0usize;
    out.extend_from_slice(&0u32.to_le_bytes());
    for r in records {
        at += r.len();
        out.extend_from_slice(&index32(at).to_le_bytes());
    }
    for r in records {
        out.extend_from_slice(&checksum(r).to_le_bytes());
    }
    out
}

/// Encodes `db` with the header of `stamp`. Deterministic: the same database
/// always gives the same bytes.
pub fn encode(db: &Database, stamp: &SourceStamp) -> Vec<u8> {
    let advisories: Vec<&Advisory> = db.advisories().collect();
    let dists: Vec<&Distribution> = db.distributions().collect();
    let advisory_index: BTreeMap<&str, u32> = advisories
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), index32(i)))
        .collect();
    let mut aliases: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, a) in advisories.iter().enumerate() {
        for alias in &a.aliases {
            aliases.entry(alias.as_str()).or_default().push(index32(i));
        }
    }
    let alias_index: BTreeMap<&str, u32> = aliases
        .keys()
        .enumerate()
        .map(|(i, k)| (*k, index32(i)))
        .collect();
    let modules: Vec<(&str, &str)> = db.modules().collect();
    let targets: BTreeSet<&str> = modules.iter().map(|(_, d)| *d).collect();
    let target_index: BTreeMap<&str, u32> = targets
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, index32(i)))
        .collect();

    let advisory_records: Vec<Vec<u8>> = advisories
        .iter()
        .map(|a| {
            let mut b = Writer(Vec::new());
            b.advisory_body(a, &alias_index);
            b.0
        })
        .collect();
    let dist_records: Vec<Vec<u8>> = dists
        .iter()
        .map(|d| {
            let mut b = Writer(Vec::new());
            // Safe: every advisory of the distribution says not affected.
            let own: Vec<&Advisory> = d
                .advisories
                .iter()
                .filter_map(|id| advisory_index.get(id.as_str()))
                .map(|&i| advisories[i as usize])
                .collect();
            let is_safe = |v: &Version| {
                own.iter()
                    .all(|a| a.verdict(&d.name, v) == Verdict::NotAffected)
            };
            b.dist_body(d, &advisory_index, is_safe);
            b.0
        })
        .collect();

    let mut core = Writer(Vec::with_capacity(1 << 17));
    core.meta(&db.meta);
    core.varint(db.entry_count as u64);
    core.summary(&db.summary());
    core.varint(db.misfiled.len() as u64);
    for m in &db.misfiled {
        core.str(m.id.as_str());
        core.str(&m.filed_under);
        core.str(&m.distribution);
    }
    core.table(advisories.iter().map(|a| a.id.as_str().as_bytes().to_vec()));
    core.table(dists.iter().map(|d| d.name.as_bytes().to_vec()));
    core.0.extend_from_slice(&index_bytes(&advisory_records));
    core.0.extend_from_slice(&index_bytes(&dist_records));

    let mut alias_section = Writer(Vec::new());
    alias_section.table(aliases.keys().map(|k| k.as_bytes().to_vec()));
    alias_section.lists(aliases.values());

    let mut module_section = Writer(Vec::new());
    module_section.table(modules.iter().map(|(m, _)| m.as_bytes().to_vec()));
    module_section.table(targets.iter().map(|d| d.as_bytes().to_vec()));
    for (_, d) in &modules {
        module_section.u32(target_index.get(d).copied().unwrap_or(0));
    }

    let sections: [Vec<u8>; SECTIONS] = [
        core.0,
        dist_records.concat(),
        advisory_records.concat(),
        alias_section.0,
        module_section.0,
    ];
    let payload_len: usize = sections.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + payload_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&stamp.len.to_le_bytes());
    out.extend_from_slice(&stamp.mtime_secs.to_le_bytes());
    out.extend_from_slice(&stamp.mtime_nanos.to_le_bytes());
    out.push(u8::from(stamp.stat_trusted));
    out.extend_from_slice(&stamp.sha256);
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    let mut at = 0u64;
    for s in &sections {
        out.extend_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(&checksum(s).to_le_bytes());
        at += s.len() as u64;
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    for s in &sections {
        out.extend_from_slice(s);
    }
    out
}

/// Rewrites the payload length, the section checksums, the record checksums
/// and the header checksum of a cache file, so that it passes those checks
/// whatever its payload: for fuzzing the checks behind them. Section
/// boundaries are kept where they lie inside the payload; input shorter
/// than a header is left alone.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let payload_len = (bytes.len() - HEADER_LEN) as u64;
    bytes[STAMP_LEN..STAMP_LEN + 8].copy_from_slice(&payload_len.to_le_bytes());
    let loc = |bytes: &[u8], k: usize| -> Option<(usize, usize)> {
        let at = STAMP_LEN + 8 + 24 * k;
        let off = usize::try_from(u64_at(bytes, at)).ok()?;
        let len = usize::try_from(u64_at(bytes, at + 8)).ok()?;
        let start = HEADER_LEN.checked_add(off)?;
        let end = start.checked_add(len)?;
        (end <= bytes.len()).then_some((start, end))
    };
    // Record checksums first (they live in the core section), then the
    // section checksums, then the header's.
    if let (Some((cs, ce)), Some(dist), Some(adv)) = (
        loc(bytes, CORE),
        loc(bytes, DIST_RECORDS),
        loc(bytes, ADVISORY_RECORDS),
    ) {
        let core = bytes[cs..ce].to_vec();
        if let Ok(c) = Core::parse(&core, 0, "reseal", Trust::Built) {
            for (index, n, (rs, re)) in [
                (c.advisory_index, c.advisory_ids.n, adv),
                (c.dist_index, c.dist_names.n, dist),
            ] {
                for i in 0..n {
                    let (s, e) = (
                        u32_at(&core, index + 4 * i),
                        u32_at(&core, index + 4 * i + 4),
                    );
                    let sum = bytes
                        .get(rs..re)
                        .and_then(|r| r.get(s..e))
                        .map_or(0, checksum);
                    let at = cs + index + 4 * (n + 1) + 8 * i;
                    if let Some(slot) = bytes.get_mut(at..at + 8) {
                        slot.copy_from_slice(&sum.to_le_bytes());
                    }
                }
            }
        }
    }
    for k in 0..SECTIONS {
        if let Some((s, e)) = loc(bytes, k) {
            let sum = checksum(&bytes[s..e]);
            let at = STAMP_LEN + 8 + 24 * k + 16;
            bytes[at..at + 8].copy_from_slice(&sum.to_le_bytes());
        }
    }
    let sum = checksum(&bytes[..HEADER_LEN - 8]);
    bytes[HEADER_LEN - 8..HEADER_LEN].copy_from_slice(&sum.to_le_bytes());
}

/// Table sizes are bounded by [`crate::MAX_FILE_LEN`], far below `u32::MAX`.
fn index32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Reads the header of a cache file: its source stamp, when the magic and
/// format version are ours. Cheap; the payload is not looked at.
pub fn read_stamp(bytes: &[u8], source_name: &str) -> Result<SourceStamp, Error> {
    let mut r = Reader::new(bytes, 0, source_name);
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

/// Where a section lies in the file.
#[derive(Clone, Copy, Debug, Default)]
struct Loc {
    start: usize,
    len: usize,
    sum: u64,
}

/// Checks a header (the first [`HEADER_LEN`] bytes of a file of `file_len`
/// bytes) and returns where the sections lie.
fn layout(header: &[u8], file_len: u64, name: &str) -> Result<[Loc; SECTIONS], Error> {
    read_stamp(header, name)?;
    let mut r = Reader::new(header, 0, name);
    r.pos = STAMP_LEN;
    let payload_len = r.u64()?;
    let mut locs = [Loc::default(); SECTIONS];
    let mut at = 0u64;
    for loc in &mut locs {
        let off = r.u64()?;
        let len = r.u64()?;
        let sum = r.u64()?;
        if off != at || len > payload_len - at.min(payload_len) {
            return Err(r.error("sections out of order or outside the payload"));
        }
        at += len;
        *loc = Loc {
            start: HEADER_LEN + usize::try_from(off).unwrap_or(usize::MAX - HEADER_LEN),
            len: usize::try_from(len).unwrap_or(0),
            sum,
        };
    }
    let sum = r.u64()?;
    if checksum(header.get(..HEADER_LEN - 8).unwrap_or_default()) != sum {
        return Err(r.error("header checksum mismatch: the file is corrupt"));
    }
    if at != payload_len {
        return Err(r.error("sections do not fill the payload"));
    }
    if file_len != HEADER_LEN as u64 + payload_len {
        return Err(r.error(&format!(
            "{} bytes after the header, header says {payload_len}",
            file_len.saturating_sub(HEADER_LEN as u64)
        )));
    }
    Ok(locs)
}

/// The core section, parsed.
#[derive(Clone, Debug)]
struct Core {
    meta: Metadata,
    entry_count: usize,
    summary: Summary,
    misfiled: Vec<Misfiled>,
    advisory_ids: Table,
    dist_names: Table,
    /// Where the record indexes start in the core section.
    advisory_index: usize,
    dist_index: usize,
    /// The lengths the record sections must have.
    advisory_records_len: usize,
    dist_records_len: usize,
}

impl Core {
    fn parse(core: &[u8], base: usize, name: &str, trust: Trust) -> Result<Core, Error> {
        let checked = trust != Trust::Built;
        let mut r = Reader::new(core, base, name);
        let meta = r.meta()?;
        let entry_count = r.count()?;
        let summary = r.summary()?;
        let n = r.count()?;
        let mut misfiled = Vec::with_capacity(n);
        for _ in 0..n {
            misfiled.push(Misfiled {
                id: r.id()?,
                filed_under: r.string()?,
                distribution: r.string()?,
            });
        }
        let advisory_ids = r.table(checked, checked)?;
        let dist_names = r.table(checked, checked)?;
        let advisory_index = r.pos;
        let advisory_records_len = r.record_index(advisory_ids.n)?;
        let dist_index = r.pos;
        let dist_records_len = r.record_index(dist_names.n)?;
        r.end()?;
        Ok(Core {
            meta,
            entry_count,
            summary,
            misfiled,
            advisory_ids,
            dist_names,
            advisory_index,
            dist_index,
            advisory_records_len,
            dist_records_len,
        })
    }
}

/// Opens a whole binary database held in memory as a database named
/// `source`. With [`Trust::Check`] everything is checked (see the module
/// doc) and nothing but the metadata decoded.
pub fn open(bytes: Cow<'static, [u8]>, source: Source, trust: Trust) -> Result<Database, Error> {
    let name = source.to_string();
    let header = bytes.get(..HEADER_LEN.min(bytes.len())).unwrap_or_default();
    let locs = layout(header, bytes.len() as u64, &name)?;
    if trust == Trust::Check {
        for (k, loc) in locs.iter().enumerate() {
            let s = bytes
                .get(loc.start..loc.start + loc.len)
                .unwrap_or_default();
            if checksum(s) != loc.sum {
                return Err(Error::Cache {
                    source_name: name,
                    offset: loc.start as u64,
                    message: format!("checksum mismatch in section {k}: the file is corrupt"),
                });
            }
        }
    }
    let core = sub(&bytes, locs[CORE]);
    let packed = Packed::new(Backing::Memory(bytes), locs, core, &name, trust)?;
    if trust == Trust::Check {
        packed.check_all(&name)?;
    }
    Ok(packed.into_database(source))
}

/// Opens a cache file lazily (see the module doc): reads and checks its
/// header and core section only.
pub fn open_file(file: std::fs::File, source: Source) -> Result<(Database, SourceStamp), Error> {
    let name = source.to_string();
    let io = |err| Error::Io {
        source_name: name.clone(),
        err,
    };
    let file_len = file.metadata().map_err(io)?.len();
    if file_len > crate::MAX_FILE_LEN {
        return Err(Error::TooLarge {
            source_name: name,
            size: file_len,
            limit: crate::MAX_FILE_LEN,
        });
    }
    let mut header = [0u8; HEADER_LEN];
    if file_len < HEADER_LEN as u64 {
        return Err(Error::Cache {
            source_name: name,
            offset: file_len,
            message: "truncated: shorter than a header".to_string(),
        });
    }
    read_at(&file, &mut header, 0).map_err(io)?;
    let locs = layout(&header, file_len, &name)?;
    let stamp = read_stamp(&header, &name)?;
    let mut core = vec![0u8; locs[CORE].len];
    read_at(&file, &mut core, locs[CORE].start as u64).map_err(io)?;
    if checksum(&core) != locs[CORE].sum {
        return Err(Error::Cache {
            source_name: name,
            offset: locs[CORE].start as u64,
            message: "checksum mismatch in the core section: the file is corrupt".to_string(),
        });
    }
    let packed = Packed::new(
        Backing::File(Arc::new(file)),
        locs,
        Cow::Owned(core),
        &name,
        Trust::Lazy,
    )?;
    Ok((packed.into_database(source), stamp))
}

/// Reads exactly `buf.len()` bytes at `offset`; a file shorter than that
/// (truncated under us) is an error.
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = file;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}

/// The bytes of section `loc` of a file held in memory (borrowed when the
/// file is static, as the embedded snapshot is).
// The `Cow` itself is needed: borrowed bytes give a borrowed section.
#[allow(clippy::ptr_arg)]
fn sub(bytes: &Cow<'static, [u8]>, loc: Loc) -> Cow<'static, [u8]> {
    let range = loc.start..loc.start.saturating_add(loc.len);
    match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(b.get(range).unwrap_or_default()),
        Cow::Owned(v) => Cow::Owned(v.get(range).unwrap_or_default().to_vec()),
    }
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(b) = bytes.get(at..at + 8) {
        w.copy_from_slice(b);
    }
    u64::from_le_bytes(w)
}

/// A 64-bit hash of `bytes` in four independent lanes of eight bytes (a
/// fraction of a millisecond for the whole database). Detects truncation and
/// bit rot, nothing more.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(29);
    let word = |c: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        u64::from_le_bytes(w)
    };
    let mut lanes = [bytes.len() as u64, 1, 2, 3];
    let mut blocks = bytes.chunks_exact(32);
    for b in &mut blocks {
        for (lane, c) in lanes.iter_mut().zip(b.chunks_exact(8)) {
            *lane = mix(*lane, word(c));
        }
    }
    let mut h = lanes.iter().fold(0u64, |acc, l| mix(acc, *l));
    for &b in blocks.remainder() {
        h = mix(h, u64::from(b));
    }
    h ^ (h >> 32)
}

/// Where a table lies in its section. `offsets` holds `n + 1` u32 offsets
/// into the block that starts at `block`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table {
    n: usize,
    offsets: usize,
    block: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    let mut w = [0u8; 4];
    if let Some(b) = bytes.get(at..at + 4) {
        w.copy_from_slice(b);
    }
    u32::from_le_bytes(w) as usize
}

impl Table {
    fn start(&self, bytes: &[u8], i: usize) -> usize {
        u32_at(bytes, self.offsets + 4 * i)
    }

    fn bytes<'b>(&self, bytes: &'b [u8], i: usize) -> &'b [u8] {
        let (s, e) = (self.start(bytes, i), self.start(bytes, i + 1));
        bytes
            .get(self.block + s..self.block + e)
            .unwrap_or_default()
    }

    /// Entry `i` as text (checked to be UTF-8 when the table was opened).
    fn str<'b>(&self, bytes: &'b [u8], i: usize) -> &'b str {
        std::str::from_utf8(self.bytes(bytes, i)).unwrap_or_default()
    }

    /// The index of `key` in a sorted table.
    fn find(&self, bytes: &[u8], key: &[u8]) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.bytes(bytes, mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// `n` lists of u32 items: `n + 1` starts at `starts`, items at `items`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lists {
    starts: usize,
    items: usize,
}

/// Where the bytes of a packed database come from.
#[derive(Clone)]
enum Backing {
    /// The whole file in memory.
    Memory(Cow<'static, [u8]>),
    /// A cache file read part by part.
    File(Arc<std::fs::File>),
}

/// The aliases section, parsed.
#[derive(Clone, Debug)]
struct AliasSection {
    bytes: Cow<'static, [u8]>,
    ids: Table,
    targets: Lists,
}

/// The modules section, parsed.
#[derive(Clone, Debug)]
struct ModuleSection {
    bytes: Cow<'static, [u8]>,
    modules: Table,
    targets: Table,
    target_at: usize,
}

/// An opened binary database: where its parts are, and the advisories and
/// distributions decoded so far.
#[derive(Clone)]
pub(crate) struct Packed {
    backing: Backing,
    trust: Trust,
    locs: [Loc; SECTIONS],
    core: Cow<'static, [u8]>,
    advisory_ids: Table,
    dist_names: Table,
    advisory_index: usize,
    dist_index: usize,
    summary: Summary,
    aliases: OnceLock<Option<AliasSection>>,
    modules: OnceLock<Option<ModuleSection>>,
    advisories: Vec<OnceLock<Option<Box<Advisory>>>>,
    dists: Vec<OnceLock<Option<Box<Distribution>>>>,
    dist_advisories: Vec<OnceLock<Option<Box<[u32]>>>>,
    /// The first part found damaged after opening: (file offset, what).
    damage: OnceLock<(u64, String)>,
    /// A run of records read from a cache file ahead of use, in one read
    /// (see [`Packed::prefetch_advisories`]).
    prefetched: Ahead,
    name: String,
    meta: Option<(Metadata, usize, Vec<Misfiled>)>,
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packed")
            .field("trust", &self.trust)
            .field("advisories", &self.advisory_ids.n)
            .field("distributions", &self.dist_names.n)
            .finish_non_exhaustive()
    }
}

fn cells<T>(n: usize) -> Vec<OnceLock<T>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

impl Packed {
    fn new(
        backing: Backing,
        locs: [Loc; SECTIONS],
        core: Cow<'static, [u8]>,
        name: &str,
        trust: Trust,
    ) -> Result<Packed, Error> {
        let c = Core::parse(&core, locs[CORE].start, name, trust)?;
        if c.advisory_records_len != locs[ADVISORY_RECORDS].len
            || c.dist_records_len != locs[DIST_RECORDS].len
        {
            return Err(Error::Cache {
                source_name: name.to_string(),
                offset: locs[CORE].start as u64,
                message: "record offsets do not end at their section's end".to_string(),
            });
        }
        Ok(Packed {
            backing,
            trust,
            locs,
            advisory_ids: c.advisory_ids,
            dist_names: c.dist_names,
            advisory_index: c.advisory_index,
            dist_index: c.dist_index,
            summary: c.summary,
            aliases: OnceLock::new(),
            modules: OnceLock::new(),
            advisories: cells(c.advisory_ids.n),
            dists: cells(c.dist_names.n),
            dist_advisories: cells(c.dist_names.n),
            damage: OnceLock::new(),
            prefetched: Ahead::default(),
            name: name.to_string(),
            meta: Some((c.meta, c.entry_count, c.misfiled)),
            core,
        })
    }

    fn into_database(mut self, source: Source) -> Database {
        let (meta, entry_count, misfiled) = self.meta.take().unwrap_or_default();
        Database {
            source,
            meta,
            misfiled,
            entry_count,
            store: Store::Packed(Box::new(self)),
        }
    }

    /// Checks every section, table, id and record (for [`Trust::Check`]).
    fn check_all(&self, name: &str) -> Result<(), Error> {
        let fail = |p: &Packed| {
            p.damage().unwrap_or_else(|| Error::Cache {
                source_name: name.to_string(),
                offset: 0,
                message: "damaged".to_string(),
            })
        };
        let Some(aliases) = self.alias_section() else {
            return Err(fail(self));
        };
        if self.module_section().is_none() {
            return Err(fail(self));
        }
        let check_ids = |bytes: &[u8], base: usize, t: &Table, kinds: &[IdKind]| {
            for i in 0..t.n {
                let text = t.str(bytes, i);
                match text.parse::<Id>() {
                    Ok(id) if kinds.contains(&id.kind()) && id.as_str() == text => {}
                    _ => {
                        return Err(Error::Cache {
                            source_name: name.to_string(),
                            offset: (base + t.block + t.start(bytes, i)) as u64,
                            message: format!("{text:?} is not a canonical id of its table"),
                        });
                    }
                }
            }
            Ok(())
        };
        check_ids(
            &self.core,
            self.locs[CORE].start,
            &self.advisory_ids,
            &[IdKind::Cpansa],
        )?;
        check_ids(
            &aliases.bytes,
            self.locs[ALIASES].start,
            &aliases.ids,
            &[IdKind::Cve, IdKind::Ghsa],
        )?;
        for i in 0..self.advisory_ids.n {
            let Some((record, base)) = self.record(ADVISORY_RECORDS, i) else {
                return Err(fail(self));
            };
            let mut b = Reader::new(&record, base, name);
            b.skip_advisory_body(aliases.ids.n)?;
            b.end()?;
        }
        for i in 0..self.dist_names.n {
            let Some((record, base)) = self.record(DIST_RECORDS, i) else {
                return Err(fail(self));
            };
            let mut b = Reader::new(&record, base, name);
            b.skip_dist_body(self.advisory_ids.n)?;
            b.end()?;
        }
        Ok(())
    }

    /// Notes the first damage found after opening.
    fn set_damage(&self, offset: u64, message: String) {
        let _ = self.damage.set((offset, message));
    }

    fn note(&self, e: Error) {
        match e {
            Error::Cache {
                offset, message, ..
            } => self.set_damage(offset, message),
            other => self.set_damage(0, other.to_string()),
        }
    }

    /// The damage found since opening, if any.
    pub(crate) fn damage(&self) -> Option<Error> {
        self.damage.get().map(|(offset, message)| Error::Cache {
            source_name: self.name.clone(),
            offset: *offset,
            message: message.clone(),
        })
    }

    /// The bytes of section `k`, checked against its checksum when read
    /// from the file.
    fn section(&self, k: usize) -> Option<Cow<'static, [u8]>> {
        let loc = self.locs[k];
        match &self.backing {
            Backing::Memory(bytes) => Some(sub(bytes, loc)),
            Backing::File(file) => {
                let mut buf = vec![0u8; loc.len];
                if let Err(e) = read_at(file, &mut buf, loc.start as u64) {
                    self.set_damage(loc.start as u64, format!("reading section {k}: {e}"));
                    return None;
                }
                if checksum(&buf) != loc.sum {
                    self.set_damage(
                        loc.start as u64,
                        format!("checksum mismatch in section {k}: the file is corrupt"),
                    );
                    return None;
                }
                Some(Cow::Owned(buf))
            }
        }
    }

    /// Where record `i` of section `k` lies in the file, and the place of its
    /// checksum in the core section.
    fn record_span(&self, k: usize, i: usize) -> Option<(std::ops::Range<usize>, usize)> {
        let (index, n) = match k {
            ADVISORY_RECORDS => (self.advisory_index, self.advisory_ids.n),
            _ => (self.dist_index, self.dist_names.n),
        };
        if i >= n {
            return None;
        }
        let (s, e) = (
            u32_at(&self.core, index + 4 * i),
            u32_at(&self.core, index + 4 * i + 4),
        );
        let start = self.locs[k].start;
        Some((start + s..start + e.max(s), index + 4 * (n + 1) + 8 * i))
    }

    /// Reads the records of the advisories `indexes` (ascending) from a
    /// cache file in one read, for the lookups about to use them: the
    /// advisories of one distribution are neighbours in the id-sorted table,
    /// so one read replaces one per advisory. Only the latest run is kept, and
    /// only a run of at most [`PREFETCH_MAX`] bytes is read; nothing is done
    /// for a file in memory.
    pub(crate) fn prefetch_advisories(&self, indexes: &[u32]) {
        let Backing::File(file) = &self.backing else {
            return;
        };
        let (Some(&first), Some(&last)) = (indexes.first(), indexes.last()) else {
            return;
        };
        let span = |i: u32| self.record_span(ADVISORY_RECORDS, i as usize);
        let (Some((a, _)), Some((b, _))) = (span(first), span(last)) else {
            return;
        };
        let span = a.start..b.end.max(a.start);
        if first == last || span.len() > PREFETCH_MAX {
            return;
        }
        let mut bytes = vec![0u8; span.len()];
        if read_at(file, &mut bytes, span.start as u64).is_err() {
            return; // the records are read one by one, and errors reported, then
        }
        if let Ok(mut p) = self.prefetched.0.lock() {
            *p = Some(Prefetched {
                start: span.start,
                bytes,
            });
        }
    }

    /// Record `i` of records section `k` and its offset in the file (from
    /// the run read ahead when it holds the record), checked against its
    /// checksum unless the bytes are the build script's.
    fn record(&self, k: usize, i: usize) -> Option<(Cow<'_, [u8]>, usize)> {
        let (span, sum_at) = self.record_span(k, i)?;
        let at = span.start;
        let bytes: Cow<'_, [u8]> = match &self.backing {
            Backing::Memory(b) => Cow::Borrowed(b.get(span).unwrap_or_default()),
            Backing::File(file) => {
                let ahead = self.prefetched.0.lock().ok().and_then(|p| {
                    let p = p.as_ref()?;
                    let from = span.start.checked_sub(p.start)?;
                    p.bytes.get(from..from + span.len()).map(<[u8]>::to_vec)
                });
                if let Some(buf) = ahead {
                    buf.into()
                } else {
                    let mut buf = vec![0u8; span.len()];
                    if let Err(err) = read_at(file, &mut buf, at as u64) {
                        self.set_damage(at as u64, format!("reading a record: {err}"));
                        return None;
                    }
                    Cow::Owned(buf)
                }
            }
        };
        if self.trust != Trust::Built && checksum(&bytes) != u64_at(&self.core, sum_at) {
            self.set_damage(
                at as u64,
                "record checksum mismatch: the file is corrupt".to_string(),
            );
            return None;
        }
        Some((bytes, at))
    }

    fn alias_section(&self) -> Option<&AliasSection> {
        self.aliases
            .get_or_init(|| {
                let bytes = self.section(ALIASES)?;
                let checked = self.trust != Trust::Built;
                let parse = || -> Result<AliasSection, Error> {
                    let mut r = Reader::new(&bytes, self.locs[ALIASES].start, &self.name);
                    let ids = r.table(checked, checked)?;
                    let targets = r.lists(ids.n, self.advisory_ids.n)?;
                    r.end()?;
                    Ok(AliasSection {
                        ids,
                        targets,
                        bytes: bytes.clone(),
                    })
                };
                parse().map_err(|e| self.note(e)).ok()
            })
            .as_ref()
    }

    fn module_section(&self) -> Option<&ModuleSection> {
        self.modules
            .get_or_init(|| {
                let bytes = self.section(MODULES)?;
                let checked = self.trust != Trust::Built;
                let parse = || -> Result<ModuleSection, Error> {
                    let mut r = Reader::new(&bytes, self.locs[MODULES].start, &self.name);
                    let modules = r.table(checked, checked)?;
                    let targets = r.table(checked, checked)?;
                    let target_at = r.pos;
                    for _ in 0..modules.n {
                        if r.u32()? as usize >= targets.n {
                            return Err(r.error("module names a distribution outside the table"));
                        }
                    }
                    r.end()?;
                    Ok(ModuleSection {
                        modules,
                        targets,
                        target_at,
                        bytes: bytes.clone(),
                    })
                };
                parse().map_err(|e| self.note(e)).ok()
            })
            .as_ref()
    }

    pub(crate) fn summary(&self) -> &Summary {
        &self.summary
    }

    pub(crate) fn advisory_count(&self) -> usize {
        self.advisory_ids.n
    }

    pub(crate) fn dist_count(&self) -> usize {
        self.dist_names.n
    }

    pub(crate) fn module_count(&self) -> usize {
        self.module_section().map_or(0, |m| m.modules.n)
    }

    /// Advisory `i`, decoded on first use. `None` only if its record is
    /// damaged (then [`Packed::damage`] says so); for bytes checked at open
    /// the checks rule that out (the fuzz target holds them to it).
    pub(crate) fn advisory_at(&self, i: usize) -> Option<&Advisory> {
        self.advisories
            .get(i)?
            .get_or_init(|| {
                self.decode_advisory(i)
                    .map_err(|e| self.note(e))
                    .ok()
                    .map(Box::new)
            })
            .as_deref()
    }

    /// The verdict of advisory `i` on version `v` of `dist`, read from its
    /// record without decoding it: its range strings are matched in place,
    /// nothing of the advisory is built. `None` when the record cannot be
    /// read.
    pub(crate) fn advisory_verdict(&self, i: usize, dist: &str, v: &Version) -> Option<Verdict> {
        let (record, base) = self.record(ADVISORY_RECORDS, i)?;
        let mut r = Reader::new(&record, base, &self.name);
        r.advisory_verdict(dist, v).map_err(|e| self.note(e)).ok()
    }

    pub(crate) fn dist_at(&self, i: usize) -> Option<&Distribution> {
        self.dists
            .get(i)?
            .get_or_init(|| {
                self.decode_dist(i)
                    .map_err(|e| self.note(e))
                    .ok()
                    .map(Box::new)
            })
            .as_deref()
    }

    /// The indexes of the advisories of distribution `i`, ascending, read
    /// from the head of its record (its releases are not decoded).
    pub(crate) fn dist_advisories(&self, i: usize) -> Option<&[u32]> {
        self.dist_advisories
            .get(i)?
            .get_or_init(|| {
                let (record, base) = self.record(DIST_RECORDS, i)?;
                let mut r = Reader::new(&record, base, &self.name);
                r.advisory_indexes(self.advisory_ids.n)
                    .map_err(|e| self.note(e))
                    .ok()
            })
            .as_deref()
    }

    /// The versions of distribution `i`'s releases, ascending (unknown ones
    /// last), decoded one at a time: finding where the releases after a given
    /// version start parses a handful of versions (a binary search), and no
    /// release date or perl name is copied. `None` when the record has no
    /// release list or cannot be read.
    pub(crate) fn release_versions(&self, i: usize) -> Option<ReleaseVersions<'_>> {
        let (record, base) = self.record(DIST_RECORDS, i)?;
        let mut r = Reader::new(&record, base, &self.name);
        let starts = (|| {
            r.advisory_indexes(self.advisory_ids.n)?;
            r.skip_opt_str()?;
            if !r.flag()? {
                return Ok(None);
            }
            let n = r.count()?;
            let mut starts = Vec::with_capacity(n);
            // Only the versions are read later (and checked then).
            for _ in 0..n {
                starts.push(r.pos);
                if r.release_tag()?.0 {
                    r.skip_unread_str()?;
                }
                r.skip_unread_str()?;
                if r.flag()? {
                    r.skip_unread_str()?;
                }
            }
            r.end()?;
            Ok(Some(starts))
        })();
        let starts = starts.map_err(|e| self.note(e)).ok()??;
        Some(ReleaseVersions {
            packed: self,
            record,
            base,
            starts,
            next: 0,
        })
    }

    /// Decodes every advisory and distribution (without keeping them).
    pub(crate) fn decode_all(&self) -> Result<(), Error> {
        for i in 0..self.advisory_count() {
            self.decode_advisory(i)?;
        }
        for i in 0..self.dist_count() {
            self.decode_dist(i)?;
        }
        Ok(())
    }

    pub(crate) fn find_advisory(&self, id: &str) -> Option<usize> {
        self.advisory_ids.find(&self.core, id.as_bytes())
    }

    pub(crate) fn find_dist(&self, name: &str) -> Option<usize> {
        self.dist_names.find(&self.core, name.as_bytes())
    }

    /// The indexes of the advisories listing alias `id`.
    pub(crate) fn alias_targets(&self, id: &str) -> Vec<usize> {
        let Some(a) = self.alias_section() else {
            return Vec::new();
        };
        let Some(k) = a.ids.find(&a.bytes, id.as_bytes()) else {
            return Vec::new();
        };
        let l = a.targets;
        let (s, e) = (
            u32_at(&a.bytes, l.starts + 4 * k),
            u32_at(&a.bytes, l.starts + 4 * k + 4),
        );
        (s..e).map(|j| u32_at(&a.bytes, l.items + 4 * j)).collect()
    }

    pub(crate) fn module_dist(&self, module: &str) -> Option<&str> {
        let m = self.module_section()?;
        let i = m.modules.find(&m.bytes, module.as_bytes())?;
        Some(Self::module_target(m, i))
    }

    fn module_target(m: &ModuleSection, i: usize) -> &str {
        let t = u32_at(&m.bytes, m.target_at + 4 * i);
        m.targets.str(&m.bytes, t)
    }

    pub(crate) fn module_at(&self, i: usize) -> (&str, &str) {
        match self.module_section() {
            Some(m) => (m.modules.str(&m.bytes, i), Self::module_target(m, i)),
            None => ("", ""),
        }
    }

    fn id_at(bytes: &[u8], t: &Table, i: usize, r: &Reader<'_>) -> Result<Id, Error> {
        t.str(bytes, i)
            .parse()
            .map_err(|e| r.error(&format!("{e}")))
    }

    fn missing(&self, what: &str) -> Error {
        self.damage().unwrap_or_else(|| Error::Cache {
            source_name: self.name.clone(),
            offset: 0,
            message: format!("{what} cannot be read"),
        })
    }

    fn decode_advisory(&self, i: usize) -> Result<Advisory, Error> {
        let (record, base) = self
            .record(ADVISORY_RECORDS, i)
            .ok_or_else(|| self.missing("an advisory record"))?;
        let aliases = self
            .alias_section()
            .ok_or_else(|| self.missing("the alias table"))?;
        let mut r = Reader::new(&record, base, &self.name);
        let id = Self::id_at(&self.core, &self.advisory_ids, i, &r)?;
        r.advisory_body(id, |k, r| {
            if k >= aliases.ids.n {
                return Err(r.error("alias index out of range"));
            }
            Self::id_at(&aliases.bytes, &aliases.ids, k, r)
        })
    }

    fn decode_dist(&self, i: usize) -> Result<Distribution, Error> {
        let (record, base) = self
            .record(DIST_RECORDS, i)
            .ok_or_else(|| self.missing("a distribution record"))?;
        let mut r = Reader::new(&record, base, &self.name);
        let dist_name = self.dist_names.str(&self.core, i).to_string();
        r.dist_body(dist_name, |k, r| {
            if k >= self.advisory_ids.n {
                return Err(r.error("advisory index out of range"));
            }
            Self::id_at(&self.core, &self.advisory_ids, k, r)
        })
    }
}

/// The most a prefetched run of records may hold.
const PREFETCH_MAX: usize = 256 * 1024;

/// The run of records last read ahead, if any. A clone of the database
/// starts with none.
#[derive(Debug, Default)]
struct Ahead(Mutex<Option<Prefetched>>);

impl Clone for Ahead {
    fn clone(&self) -> Ahead {
        Ahead::default()
    }
}

/// Records read ahead from a cache file: the bytes from file offset
/// `start`.
#[derive(Debug)]
struct Prefetched {
    start: usize,
    bytes: Vec<u8>,
}

/// The release versions of one distribution record; see
/// [`Packed::release_versions`].
pub(crate) struct ReleaseVersions<'a> {
    packed: &'a Packed,
    record: Cow<'a, [u8]>,
    base: usize,
    /// Where each release starts in the record.
    starts: Vec<usize>,
    next: usize,
}

impl ReleaseVersions<'_> {
    fn version_at(&self, k: usize) -> Option<ReleaseVersion> {
        let mut r = Reader::new(&self.record, self.base, &self.packed.name);
        r.pos = self.starts[k];
        r.release_version().map_err(|e| self.packed.note(e)).ok()
    }

    /// Whether release `k` is marked as one no advisory affects (read from
    /// its tag, without parsing its version).
    fn marked_safe(&self, k: usize) -> bool {
        self.record
            .get(self.starts[k])
            .is_some_and(|&tag| tag == 1 | SAFE_RELEASE)
    }

    /// The versions of the releases marked safe, from where the iterator
    /// stands on, parsing no other version.
    pub(crate) fn safe(mut self) -> impl Iterator<Item = ReleaseVersion> {
        std::iter::from_fn(move || {
            while self.next < self.starts.len() && !self.marked_safe(self.next) {
                self.next += 1;
            }
            self.next()
        })
    }

    /// Skips the releases whose version is `v` or older.
    pub(crate) fn skip_through(&mut self, v: &Version) {
        // Known versions ascend and unknown ones come last, so "known and
        // not newer than `v`" holds for a prefix: binary search.
        let older = |k| matches!(self.version_at(k), Some(ReleaseVersion::Known(r)) if r <= *v);
        let (mut lo, mut hi) = (self.next, self.starts.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if older(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        self.next = lo;
    }
}

impl Iterator for ReleaseVersions<'_> {
    type Item = ReleaseVersion;

    fn next(&mut self) -> Option<ReleaseVersion> {
        if self.next >= self.starts.len() {
            return None;
        }
        let version = self.version_at(self.next);
        self.next = if version.is_some() {
            self.next + 1
        } else {
            self.starts.len()
        };
        version
    }
}

/// An iterator over the advisories or distributions of a packed database,
/// decoding each as it is reached.
pub(crate) struct Cells<'a, T: 'a> {
    packed: &'a Packed,
    next: usize,
    end: usize,
    get: fn(&'a Packed, usize) -> Option<&'a T>,
}

impl<'a> Cells<'a, Advisory> {
    pub(crate) fn advisories(packed: &'a Packed) -> Self {
        Cells {
            packed,
            next: 0,
            end: packed.advisory_count(),
            get: Packed::advisory_at,
        }
    }
}

impl<'a> Cells<'a, Distribution> {
    pub(crate) fn dists(packed: &'a Packed) -> Self {
        Cells {
            packed,
            next: 0,
            end: packed.dist_count(),
            get: Packed::dist_at,
        }
    }
}

impl<'a, T> Iterator for Cells<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        while self.next < self.end {
            let i = self.next;
            self.next += 1;
            if let Some(x) = (self.get)(self.packed, i) {
                return Some(x);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.end - self.next;
        (left, Some(left))
    }
}

impl<T> ExactSizeIterator for Cells<'_, T> {}

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

    fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
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

    fn table(&mut self, items: impl Iterator<Item = Vec<u8>>) {
        let items: Vec<Vec<u8>> = items.collect();
        let block_len: usize = items.iter().map(Vec::len).sum();
        self.varint(items.len() as u64);
        self.varint(block_len as u64);
        let mut at = 0usize;
        self.u32(0);
        for i in &items {
            at += i.len();
            self.u32(index32(at));
        }
        for i in &items {
            self.0.extend_from_slice(i);
        }
    }

    fn lists<'x>(&mut self, lists: impl Iterator<Item = &'x Vec<u32>> + Clone) {
        let mut at = 0usize;
        self.u32(0);
        for l in lists.clone() {
            at += l.len();
            self.u32(index32(at));
        }
        for l in lists {
            for item in l {
                self.u32(*item);
            }
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

    fn summary(&mut self, s: &Summary) {
        for n in [
            s.advisories,
            s.entries,
            s.cves,
            s.without_cve,
            s.distributions,
            s.distributions_with_releases,
            s.releases,
            s.modules,
        ] {
            self.varint(n as u64);
        }
    }

    fn dist_body(
        &mut self,
        d: &Distribution,
        advisory_index: &BTreeMap<&str, u32>,
        is_safe: impl Fn(&Version) -> bool,
    ) {
        self.varint(d.advisories.len() as u64);
        for id in &d.advisories {
            let i = advisory_index.get(id.as_str()).copied().unwrap_or(u32::MAX);
            self.varint(u64::from(i));
        }
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
                            self.0.push(if is_safe(v) { 1 | SAFE_RELEASE } else { 1 });
                            self.str(v.as_str());
                        }
                        ReleaseVersion::Unparseable(e) => {
                            self.0.push(1);
                            self.str(&e.input);
                        }
                    }
                    self.str(&r.date);
                    self.opt_str(r.perl_release.as_deref());
                }
            }
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

    fn advisory_body(&mut self, a: &Advisory, alias_index: &BTreeMap<&str, u32>) {
        self.str(&a.distribution);
        self.varint(a.aliases.len() as u64);
        for id in &a.aliases {
            let i = alias_index.get(id.as_str()).copied().unwrap_or(u32::MAX);
            self.varint(u64::from(i));
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
    /// Where `bytes` starts in the file, for error offsets.
    base: usize,
    source_name: &'a str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], base: usize, source_name: &'a str) -> Self {
        Reader {
            bytes,
            pos: 0,
            base,
            source_name,
        }
    }

    fn error(&self, message: &str) -> Error {
        Error::Cache {
            source_name: self.source_name.to_string(),
            offset: (self.base + self.pos) as u64,
            message: message.to_string(),
        }
    }

    fn end(&self) -> Result<(), Error> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error("trailing bytes in a record"))
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let Some(out) = self
            .pos
            .checked_add(n)
            .and_then(|end| self.bytes.get(self.pos..end))
        else {
            return Err(self.truncated(n));
        };
        self.pos += n;
        Ok(out)
    }

    /// Kept out of line: the readers above are the decoder's inner loop.
    #[cold]
    fn truncated(&self, n: usize) -> Error {
        self.error(&format!("truncated: {n} more bytes expected"))
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.truncated(1));
        };
        self.pos += 1;
        Ok(b)
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
        // Nearly every count and length fits in one byte.
        if let Some(&b) = self.bytes.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(b));
        }
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
            return Err(self.count_too_large(n, left));
        }
        Ok(n as usize)
    }

    #[cold]
    fn count_too_large(&self, n: u64, left: u64) -> Error {
        self.error(&format!("count {n} exceeds the {left} bytes left"))
    }

    /// An index below `limit`.
    fn index(&mut self, limit: usize) -> Result<usize, Error> {
        let n = self.varint()?;
        if n >= limit as u64 {
            return Err(self.error(&format!("index {n} out of range (< {limit})")));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, Error> {
        let n = self.count()?;
        let at = self.pos;
        let raw = self.take(n)?;
        std::str::from_utf8(raw).map_err(|_| Error::Cache {
            source_name: self.source_name.to_string(),
            offset: (self.base + at) as u64,
            message: "string is not UTF-8".to_string(),
        })
    }

    /// Steps over a string, checking it is UTF-8 (ASCII, the common case,
    /// without calling the general validator).
    fn skip_str(&mut self) -> Result<(), Error> {
        let n = self.count()?;
        let at = self.pos;
        let raw = self.take(n)?;
        if raw.is_ascii() || std::str::from_utf8(raw).is_ok() {
            return Ok(());
        }
        Err(Error::Cache {
            source_name: self.source_name.to_string(),
            offset: (self.base + at) as u64,
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

    /// Steps over a string without checking its bytes, for a walk that
    /// reads none of the strings it steps over.
    fn skip_unread_str(&mut self) -> Result<(), Error> {
        let n = self.count()?;
        self.take(n).map(drop)
    }

    fn skip_opt_str(&mut self) -> Result<(), Error> {
        if self.flag()? {
            self.skip_str()?;
        }
        Ok(())
    }

    fn strings(&mut self) -> Result<Vec<String>, Error> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    fn skip_strs(&mut self) -> Result<(), Error> {
        let n = self.count()?;
        for _ in 0..n {
            self.skip_str()?;
        }
        Ok(())
    }

    fn id(&mut self) -> Result<Id, Error> {
        let text = self.str()?;
        text.parse()
            .map_err(|e| self.error(&format!("bad id {text:?}: {e}")))
    }

    /// A table: its offsets must start at 0, never decrease and end at the
    /// block's length; with `utf8` the block is UTF-8 and every entry starts
    /// on a character boundary; with `sorted` the entries strictly ascend.
    fn table(&mut self, utf8: bool, sorted: bool) -> Result<Table, Error> {
        let n = self.count()?;
        let block_len = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        let offsets = self.pos;
        let mut prev = 0usize;
        for i in 0..=n {
            let o = self.u32()? as usize;
            if (i == 0 && o != 0) || o < prev || o > block_len {
                return Err(self.error("table offsets out of order or range"));
            }
            prev = o;
        }
        if prev != block_len {
            return Err(self.error("table offsets do not end at the block's end"));
        }
        let block = self.pos;
        let raw = self.take(block_len)?;
        let table = Table { n, offsets, block };
        let file = self.bytes;
        let entry = |i: usize| -> &[u8] {
            let s = u32_at(file, offsets + 4 * i);
            let e = u32_at(file, offsets + 4 * i + 4);
            raw.get(s..e).unwrap_or_default()
        };
        if utf8 {
            let text = std::str::from_utf8(raw).map_err(|e| Error::Cache {
                source_name: self.source_name.to_string(),
                offset: (self.base + block + e.valid_up_to()) as u64,
                message: "table text is not UTF-8".to_string(),
            })?;
            for i in 0..n {
                if !text.is_char_boundary(u32_at(file, offsets + 4 * i)) {
                    return Err(self.error("table entry splits a character"));
                }
            }
        }
        if sorted {
            for i in 1..n {
                if entry(i - 1) >= entry(i) {
                    return Err(self.error("table entries out of order"));
                }
            }
        }
        Ok(table)
    }

    /// `n` lists of indexes below `limit`.
    fn lists(&mut self, n: usize, limit: usize) -> Result<Lists, Error> {
        let starts = self.pos;
        let mut prev = 0usize;
        for i in 0..=n {
            let s = self.u32()? as usize;
            if (i == 0 && s != 0) || s < prev {
                return Err(self.error("list starts out of order"));
            }
            prev = s;
        }
        let items = self.pos;
        for _ in 0..prev {
            if self.u32()? as usize >= limit {
                return Err(self.error("list item out of range"));
            }
        }
        Ok(Lists { starts, items })
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

    fn summary(&mut self) -> Result<Summary, Error> {
        // Fields are read in the order they are written (struct expressions
        // evaluate in source order).
        let mut count = || -> Result<usize, Error> {
            let n = self.varint()?;
            usize::try_from(n).map_err(|_| self.error("count out of range"))
        };
        Ok(Summary {
            advisories: count()?,
            entries: count()?,
            cves: count()?,
            without_cve: count()?,
            distributions: count()?,
            distributions_with_releases: count()?,
            releases: count()?,
            modules: count()?,
        })
    }

    /// A release's tag byte: whether it has a version, and whether that is
    /// marked safe.
    fn release_tag(&mut self) -> Result<(bool, bool), Error> {
        match self.byte()? {
            0 => Ok((false, false)),
            1 => Ok((true, false)),
            b if b == 1 | SAFE_RELEASE => Ok((true, true)),
            b => Err(self.error(&format!("bad version tag {b}"))),
        }
    }

    fn release_version(&mut self) -> Result<ReleaseVersion, Error> {
        match self.release_tag()? {
            (false, _) => Ok(ReleaseVersion::Missing),
            (true, _) => Ok(match Version::parse_exact(self.str()?) {
                Ok(v) => ReleaseVersion::Known(v),
                Err(e) => ReleaseVersion::Unparseable(e),
            }),
        }
    }

    fn dist_body(
        &mut self,
        name: String,
        advisory: impl Fn(usize, &Self) -> Result<Id, Error>,
    ) -> Result<Distribution, Error> {
        let n = self.count()?;
        let mut advisories = BTreeSet::new();
        for _ in 0..n {
            let k = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
            advisories.insert(advisory(k, self)?);
        }
        let main_module = self.opt_string()?;
        let releases = if self.flag()? {
            let n = self.count()?;
            let mut releases = Vec::with_capacity(n);
            for _ in 0..n {
                releases.push(Release {
                    version: self.release_version()?,
                    date: self.string()?,
                    perl_release: self.opt_string()?,
                });
            }
            Some(releases)
        } else {
            None
        };
        self.end()?;
        Ok(Distribution {
            name,
            main_module,
            releases,
            advisories,
        })
    }

    /// The advisory indexes at the head of a distribution record: ascending,
    /// each below `advisories`.
    fn advisory_indexes(&mut self, advisories: usize) -> Result<Box<[u32]>, Error> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        let mut last = None;
        for _ in 0..n {
            let k = self.index(advisories)?;
            if last.is_some_and(|l| l >= k) {
                return Err(self.error("advisory indexes out of order"));
            }
            last = Some(k);
            out.push(index32(k));
        }
        Ok(out.into_boxed_slice())
    }

    /// Steps over a distribution body, checking what decoding it checks.
    fn skip_dist_body(&mut self, advisories: usize) -> Result<(), Error> {
        self.advisory_indexes(advisories)?;
        self.skip_opt_str()?;
        if self.flag()? {
            let n = self.count()?;
            for _ in 0..n {
                if self.release_tag()?.0 {
                    self.skip_str()?;
                }
                self.skip_str()?;
                self.skip_opt_str()?;
            }
        }
        Ok(())
    }

    /// A record index of `n` records: `n + 1` u32 offsets starting at 0 and
    /// never decreasing, then `n` u64 checksums. Returns the last offset
    /// (the length the records section must have).
    fn record_index(&mut self, n: usize) -> Result<usize, Error> {
        let mut prev = 0usize;
        for i in 0..=n {
            let o = self.u32()? as usize;
            if (i == 0 && o != 0) || o < prev {
                return Err(self.error("record offsets out of order"));
            }
            prev = o;
        }
        let sums = n
            .checked_mul(8)
            .ok_or_else(|| self.error("record count out of range"))?;
        self.take(sums)?;
        Ok(prev)
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

    fn skip_library(&mut self) -> Result<(), Error> {
        if self.flag()? {
            self.skip_str()?;
            self.skip_opt_str()?;
            self.skip_opt_str()?;
        }
        Ok(())
    }

    fn ranges(&mut self) -> Result<Vec<Range>, Error> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(Range::new(self.str()?));
        }
        Ok(out)
    }

    fn conflicts(&mut self) -> Result<BTreeSet<&'static str>, Error> {
        let bits = self.varint()?;
        if bits >> CONFLICT_FIELDS.len() != 0 {
            return Err(self.error(&format!("unknown conflict bits {bits:#x}")));
        }
        Ok(CONFLICT_FIELDS
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect())
    }

    fn entries(&mut self) -> Result<usize, Error> {
        usize::try_from(self.varint()?).map_err(|_| self.error("entry count out of range"))
    }

    fn advisory_body(
        &mut self,
        id: Id,
        alias: impl Fn(usize, &Self) -> Result<Id, Error>,
    ) -> Result<Advisory, Error> {
        let distribution = self.string()?;
        let n = self.count()?;
        let mut aliases = Vec::with_capacity(n);
        for _ in 0..n {
            let k = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
            aliases.push(alias(k, self)?);
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
        let entries = self.entries()?;
        let conflicts = self.conflicts()?;
        self.end()?;
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

    /// [`Advisory::verdict`] of an advisory body, stepping over what
    /// precedes its groups (its alias indexes are checked when the whole body
    /// is decoded) and matching each range as text.
    fn advisory_verdict(&mut self, dist: &str, v: &Version) -> Result<Verdict, Error> {
        self.skip_str()?;
        let n = self.count()?;
        for _ in 0..n {
            self.varint()?;
        }
        self.skip_strs()?;
        let mut verdict = Verdict::NotAffected;
        for _ in 0..self.count()? {
            let named = self.str()? == dist;
            let affected = self.pos;
            self.skip_strs()?;
            if !named {
                self.skip_strs()?;
                continue;
            }
            let mut fixed = Vec::with_capacity(2);
            for _ in 0..self.count()? {
                fixed.push(self.str()?);
            }
            let end = self.pos;
            self.pos = affected;
            let mut affected = Vec::with_capacity(2);
            for _ in 0..self.count()? {
                affected.push(self.str()?);
            }
            self.pos = end;
            let matches = |text: &&str| AdvisoryRange::text_matches(text, v);
            verdict = verdict.max(verdict_of_matches(
                fixed.iter().map(matches),
                affected.iter().map(matches),
            ));
        }
        Ok(verdict)
    }

    /// Steps over an advisory body, checking what decoding it checks.
    fn skip_advisory_body(&mut self, aliases: usize) -> Result<(), Error> {
        self.skip_str()?;
        let n = self.count()?;
        for _ in 0..n {
            self.index(aliases)?;
        }
        self.skip_strs()?;
        let n = self.count()?;
        for _ in 0..n {
            self.skip_str()?;
            self.skip_strs()?;
            self.skip_strs()?;
        }
        self.skip_opt_str()?; // severity
        self.skip_str()?; // description
        self.skip_strs()?; // references
        self.skip_opt_str()?; // reported
        self.skip_library()?;
        self.skip_library()?;
        self.skip_opt_str()?; // comment
        self.skip_strs()?; // previous ids
        let n = self.count()?;
        for _ in 0..n {
            self.skip_str()?;
            self.skip_opt_str()?;
            self.skip_opt_str()?;
        }
        self.entries()?;
        self.conflicts()?;
        Ok(())
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
            let mut r = Reader::new(&w.0, 0, "t");
            assert_eq!(r.varint().unwrap(), n);
            assert_eq!(r.pos, w.0.len());
        }
    }

    #[test]
    fn counts_larger_than_the_input_are_refused() {
        let mut w = Writer(Vec::new());
        w.varint(1 << 40);
        let mut r = Reader::new(&w.0, 0, "t");
        assert!(matches!(r.count(), Err(Error::Cache { .. })));
    }

    #[test]
    fn checksum_sees_a_flipped_bit() {
        let a = vec![7u8; 1000];
        let mut b = a.clone();
        b[500] ^= 4;
        assert_ne!(checksum(&a), checksum(&b));
        assert_ne!(checksum(&a), checksum(&a[..999]));
        let mut c = a.clone();
        c.swap(0, 8);
        c[8] ^= 1;
        assert_ne!(checksum(&a), checksum(&c));
    }

    #[test]
    fn tables_are_checked_and_searched_in_place() {
        let mut w = Writer(Vec::new());
        w.table(["Acme", "Bar", "Zed"].iter().map(|s| s.as_bytes().to_vec()));
        let mut r = Reader::new(&w.0, 0, "t");
        let t = r.table(true, true).unwrap();
        assert_eq!(t.find(&w.0, b"Bar"), Some(1));
        assert_eq!(t.find(&w.0, b"Zed"), Some(2));
        assert_eq!(t.find(&w.0, b"Baz"), None);
        assert_eq!(t.str(&w.0, 0), "Acme");
        let mut unsorted = Writer(Vec::new());
        unsorted.table(["b", "a"].iter().map(|s| s.as_bytes().to_vec()));
        let mut r = Reader::new(&unsorted.0, 0, "t");
        assert!(r.table(true, true).is_err());
    }
}
