//! Binary database caches: where they live, when they are still good, and
//! rebuilding them transparently. The format is in [`binary`](crate::binary).
//!
//! Where:
//! - the downloaded database `<cache>/cpan-security-advisory.json` has its
//!   cache beside it, `<cache>/cpan-security-advisory.json.bin`, written by
//!   `db update` right after the download;
//! - any other file (`--db FILE`, `CPANSEC_DB`) has its cache in the user
//!   cache directory, `<cache>/db-cache/<key>.bin`, `<key>` being the first
//!   32 hex digits of the SHA-256 of the file's canonical path. Not beside
//!   the file: its directory may be read-only or someone else's, and a
//!   cache there would litter a user's checkout.
//!
//! When a cache is good: its magic and format version are this program's,
//! and either the source's length and modification time equal the ones
//! recorded (one `stat`, the fast path: the JSON is not read), or they differ
//! but the SHA-256 of the source's content equals the recorded one (a file
//! touched or copied: the cache is reused and its stamp refreshed). A source
//! modified within [`RACY_SECS`] of the cache being written is recorded as
//! not trusted by time stamp alone, since a second change in the same tick
//! would keep it; its content hash decides every time until the cache is
//! rewritten. Anything else (stale, corrupt, other version) rebuilds the
//! cache from the JSON. A cache that cannot be written is reported in the
//! [`CacheStatus`], never an error: the database loaded anyway.
//!
//! The trade-off of the `stat` fast path: a source replaced by different
//! content of exactly the same length and the same modification time to the
//! nanosecond (`touch -r`, `cp -p` of a same-sized file, a clock set back)
//! is not noticed until the time stamp changes; everything else is. Reading
//! and hashing the 4 MB source on every run to close that gap would cost more
//! than the rest of an audit, so the full content hash is kept for where it
//! decides: a source touched since the cache was written, and one written
//! within [`RACY_SECS`] of the cache.
//!
//! [`Database::load_cached_lazy`] takes the same decisions but, on the fast
//! path, reads only the cache's header and core section (see
//! [`binary`](crate::binary)); the rest is read when used.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::binary::{self, SourceStamp, Trust};
use crate::database::Store;
use crate::database::read_bounded;
use crate::{Database, Error, Source};

/// How close (seconds) to the cache's writing a source modification must be
/// for its time stamp not to be trusted.
pub const RACY_SECS: i64 = 2;

/// The directory under the user cache directory holding caches of files
/// named by `--db` or `CPANSEC_DB`.
pub const KEYED_CACHE_DIR: &str = "db-cache";

/// What happened to the cache during a load.
#[derive(Debug)]
pub enum CacheStatus {
    /// Loaded from a cache that was up to date.
    Hit,
    /// The source was read; a new cache was written.
    Rebuilt,
    /// The source was read; writing its cache failed (the database is fine).
    Unwritable(Error),
    /// No cache applies (no cache directory known).
    Disabled,
}

/// The cache file beside a downloaded database: `<file>.bin`.
pub fn sibling_cache_path(source: &Path) -> PathBuf {
    let mut name = source.as_os_str().to_owned();
    name.push(".bin");
    PathBuf::from(name)
}

/// The cache file of an arbitrary database file, under `cache_dir`.
pub fn keyed_cache_path(source: &Path, cache_dir: &Path) -> PathBuf {
    let canonical = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    cache_dir
        .join(KEYED_CACHE_DIR)
        .join(format!("{}.bin", &hex(&digest)[..32]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |err| Error::Io {
        source_name: path.display().to_string(),
        err,
    }
}

/// The source's length and modification time; the hash is filled in later.
fn stat(path: &Path) -> Result<SourceStamp, Error> {
    let meta = std::fs::metadata(path).map_err(io_error(path))?;
    let mtime = meta.modified().map_err(io_error(path))?;
    let (secs, nanos) = match mtime.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(e) => (
            -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
            e.duration().subsec_nanos(),
        ),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Ok(SourceStamp {
        len: meta.len(),
        mtime_secs: secs,
        mtime_nanos: nanos,
        stat_trusted: secs < now.saturating_sub(RACY_SECS),
        sha256: [0; 32],
    })
}

/// Writes the cache of `db`, read from `source` whose bytes are `json`, to
/// `cache`, atomically. The stamp is taken from `source` as it is now.
pub fn write_cache(db: &Database, source: &Path, json: &[u8], cache: &Path) -> Result<(), Error> {
    let mut stamp = stat(source)?;
    stamp.sha256 = Sha256::digest(json).into();
    if let Some(dir) = cache.parent() {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    crate::update::write_atomically(cache, &binary::encode(db, &stamp))
}

impl Database {
    /// Loads the JSON database `path` through its binary cache `cache`:
    /// from the cache when it is good (see the module doc), else from the
    /// JSON, then writing the cache. The result is the same database either
    /// way; [`Database::source`] names `path`.
    pub fn load_cached(path: &Path, cache: &Path) -> Result<(Database, CacheStatus), Error> {
        let source = Source::File(path.to_path_buf());
        let now = stat(path)?;
        let mut cached = read_bounded(cache).ok();
        let cache_name = cache.display().to_string();
        let stamp = cached
            .as_deref()
            .and_then(|b| binary::read_stamp(b, &cache_name).ok());
        if let Some(stamp) = &stamp {
            let same_stat = stamp.stat_trusted
                && stamp.len == now.len
                && stamp.mtime_secs == now.mtime_secs
                && stamp.mtime_nanos == now.mtime_nanos;
            if same_stat {
                if let Some(bytes) = cached.take() {
                    // The bytes move into the database; a cache that does not
                    // open is read again below only if its hash could match.
                    match binary::open(Cow::Owned(bytes), source.clone(), Trust::Check) {
                        Ok(db) => return Ok((db, CacheStatus::Hit)),
                        Err(_) => cached = None,
                    }
                }
            }
        }
        let json = read_bounded(path)?;
        let sha256: [u8; 32] = Sha256::digest(&json).into();
        if let (Some(bytes), Some(stamp)) = (cached, &stamp) {
            if stamp.sha256 == sha256 {
                if let Ok(db) = binary::open(Cow::Owned(bytes), source.clone(), Trust::Check) {
                    // Same content, new time stamp: refresh the header so the
                    // next load takes the fast path.
                    let status = match write_cache(&db, path, &json, cache) {
                        Ok(()) => CacheStatus::Hit,
                        Err(e) => CacheStatus::Unwritable(e),
                    };
                    return Ok((db, status));
                }
            }
        }
        let db = Database::from_json_slice(&json, source)?;
        let status = match write_cache(&db, path, &json, cache) {
            Ok(()) => CacheStatus::Rebuilt,
            Err(e) => CacheStatus::Unwritable(e),
        };
        Ok((db, status))
    }

    /// Opens a binary cache held in memory (tests, fuzzing): checks it
    /// whole, decodes advisories and distributions as they are used.
    pub fn from_cache_slice(bytes: &[u8], source: Source) -> Result<Database, Error> {
        binary::open(Cow::Owned(bytes.to_vec()), source, Trust::Check)
    }

    /// [`Database::from_cache_slice`] without copying: for bytes compiled
    /// into the program (the embedded snapshot).
    pub fn from_static_cache(bytes: &'static [u8], source: Source) -> Result<Database, Error> {
        binary::open(Cow::Borrowed(bytes), source, Trust::Check)
    }

    /// Opens bytes the build script wrote and checked in full (the embedded
    /// snapshot): the tables are located, nothing else is checked again.
    pub(crate) fn from_built_cache(
        bytes: &'static [u8],
        source: Source,
    ) -> Result<Database, Error> {
        binary::open(Cow::Borrowed(bytes), source, Trust::Built)
    }

    /// [`Database::load_cached`] reading the cache lazily: when the cache is
    /// up to date by the source's length and modification time, only its
    /// header and core section are read now, and every other part when a
    /// query first needs it, checked against its checksum then (see
    /// [`binary`](crate::binary)). Damage found after the open is reported by
    /// [`Database::damage`]; the caller then discards what it computed and
    /// calls [`Database::rebuild_cache`]. Any other case (no cache, stale,
    /// touched, damaged header) is [`Database::load_cached`].
    pub fn load_cached_lazy(path: &Path, cache: &Path) -> Result<(Database, CacheStatus), Error> {
        let now = stat(path)?;
        if let Ok(file) = std::fs::File::open(cache) {
            let source = Source::File(path.to_path_buf());
            if let Ok((db, stamp)) = binary::open_file(file, source) {
                if stamp.stat_trusted
                    && stamp.len == now.len
                    && stamp.mtime_secs == now.mtime_secs
                    && stamp.mtime_nanos == now.mtime_nanos
                {
                    return Ok((db, CacheStatus::Hit));
                }
            }
        }
        Database::load_cached(path, cache)
    }

    /// Rebuilds the cache `cache` of `path` from the JSON whatever state it
    /// is in (after [`Database::damage`] reported a damaged cache).
    pub fn rebuild_cache(path: &Path, cache: &Path) -> Result<(Database, CacheStatus), Error> {
        let json = read_bounded(path)?;
        let db = Database::from_json_slice(&json, Source::File(path.to_path_buf()))?;
        let status = match write_cache(&db, path, &json, cache) {
            Ok(()) => CacheStatus::Rebuilt,
            Err(e) => CacheStatus::Unwritable(e),
        };
        Ok((db, status))
    }

    /// Damage found in a lazily read cache since it was opened: a record or
    /// section that failed its checksum or its decoding, or could not be read
    /// (the file was truncated under us). When this is `Some`, answers given
    /// since the open may be incomplete and must be computed again from a
    /// rebuilt cache. Always `None` for a database loaded from a source or
    /// from bytes checked in full.
    pub fn damage(&self) -> Option<Error> {
        match &self.store {
            Store::Packed(p) => p.damage(),
            Store::Model(_) => None,
        }
    }

    /// Decodes every advisory and distribution of a database opened from the
    /// binary form now, instead of on first use; a no-op for one loaded from
    /// a source. Opening already checked everything decoding relies on, so
    /// this does not fail on a database that opened (the fuzz target holds
    /// the decoder to that).
    pub fn decode_all(&self) -> Result<(), Error> {
        match &self.store {
            Store::Packed(p) => p.decode_all(),
            Store::Model(_) => Ok(()),
        }
    }

    /// Encodes this database in the binary cache format, for a source of
    /// `json` bytes with no file behind it (length and hash recorded, time
    /// stamp zero and untrusted). Deterministic: the embedded snapshot is
    /// this function's output for the snapshot JSON.
    pub fn to_cache_bytes(&self, json: &[u8]) -> Vec<u8> {
        let stamp = SourceStamp {
            len: json.len() as u64,
            mtime_secs: 0,
            mtime_nanos: 0,
            stat_trusted: false,
            sha256: Sha256::digest(json).into(),
        };
        binary::encode(self, &stamp)
    }
}
