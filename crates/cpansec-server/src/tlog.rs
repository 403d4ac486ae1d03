//! The transparency log over HTTP: the C2SP tlog-tiles read endpoints of a log
//! directory ([`cpansec_tlog::FileLog`]), authenticated submission of upload
//! records, and a lookup by path with an inclusion proof.
//!
//! [`router`] opens the log in `DIR` and returns a [`axum::Router`] to mount
//! (at the root: the tlog-tiles paths are relative to the log's URL prefix).
//!
//! # Endpoints
//!
//! | request | answer |
//! |---|---|
//! | `GET /checkpoint` | the signed checkpoint, `text/plain; charset=utf-8`, `Cache-Control: no-cache` |
//! | `GET /tile/<L>/<N>[.p/<W>]` | a hash tile, `application/octet-stream` |
//! | `GET /tile/entries/<N>[.p/<W>]` | an entry bundle, `application/octet-stream` |
//! | `POST /add` | submits one record (below) |
//! | `GET /lookup?path=authors/id/...` | the record with its inclusion proof |
//! | `GET /lookup?name=FILE` | the logged paths with that file name, one per line |
//!
//! Tiles and bundles: full ones are immutable (`Cache-Control: public,
//! max-age=31536000, immutable`), partial ones are cached for a minute. Only
//! the tiles of the published checkpoint (and the partial tiles of smaller
//! published sizes that are a prefix of them) are served: a tile past the
//! checkpoint, left by a batch that crashed before publishing, is a 404. A
//! path that is not exactly one tlog-tiles spelling is a 400; nothing outside
//! `DIR/tile/` can be named (the path is parsed into coordinates, never joined).
//!
//! # Submission: `POST /add`
//!
//! The body is a *signed note* (<https://c2sp.org/signed-note>) whose text is
//! one `cpan-upload/v1` record (see [`cpansec_tlog::record`]), signed with an
//! Ed25519 key listed in `DIR/submitters`: one verifier key
//! (`name+keyid+base64`, as printed by `cpansec log init` for a log key) per
//! line, `#` comments and blank lines allowed. Without that file, or without a
//! valid signature by a listed key, the request is refused with 403 and nothing
//! is written. Answers:
//!
//! * `200`, `Cpansec-Outcome: added` or `duplicate` (same path, same SHA-256):
//!   the record's tlog-proof (as for `/lookup`), whose `index` line is its entry
//!   number; the entry is integrated and the checkpoint published before the
//!   answer (submissions that arrive together are appended as one batch).
//! * `409`, `Cpansec-Outcome: conflict`: the path is logged with another
//!   SHA-256; nothing written. This is an alarm.
//! * `400` for a body that is not a note or not a record, `413` over 64 KiB.
//!
//! # Lookup answers
//!
//! `/lookup?path=P` answers a `c2sp.org/tlog-proof@v1`
//! (<https://c2sp.org/tlog-proof>) for the entry of `P` against the current
//! checkpoint, with the record's bytes as its `extra` data: a client hashes
//! `extra` as the leaf, checks the proof against the checkpoint it carries and
//! that checkpoint against its trust policy (see
//! [`cpansec_tlog::verify::verify_lookup`]). `404` when `P` is not logged.
//!
//! The index path -> entry is the log's `DIR/index` file, which the sequencer
//! keeps durably (it is rebuilt from the bundles if damaged), so it survives a
//! restart.
//!
//! # Growth by another writer
//!
//! `GET /checkpoint`, `/lookup` and the pages' [`LogView`] re-read
//! `DIR/checkpoint` when its length or modification time changed: a
//! checkpoint that verifies against the log's key and is larger than the
//! published one (entries appended by `cpansec log add` while the server
//! runs) is published, after its new `DIR/index` lines are read. The log
//! never goes back to a smaller checkpoint. [`open`] returns the router and
//! a [`LogView`], a read handle for the index's upload pages
//! (`/uploads`, see [`crate::index::router_with_log`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cpansec_tlog::note::{self, VerifierList};
use cpansec_tlog::record::parse_hex32;
use cpansec_tlog::sequencer::{read_checkpoint, read_entry};
use cpansec_tlog::storage::read_bounded;
use cpansec_tlog::tile::{Tile, TileHashReader, TileKind, parse_bundle};
use cpansec_tlog::{
    Checkpoint, Ed25519Verifier, FileLog, FileTiles, Hash, Outcome, TlogProof, UploadRecord,
    leaf_hash,
};
use tokio::sync::{mpsc, oneshot};

/// Largest `POST /add` body.
pub const MAX_SUBMISSION: usize = 64 << 10;
/// Most submissions appended as one batch.
const MAX_BATCH: usize = 4096;
/// Longest line of `DIR/index` (a record is at most 64 KiB).
const MAX_INDEX_LINE: usize = 1 << 17;
/// Largest `DIR/submitters` file.
const MAX_SUBMITTERS_FILE: u64 = 1 << 20;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PARTIAL: &str = "public, max-age=60";
const MUTABLE: &str = "no-cache";

/// Why the log could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlogServerError {
    /// The log directory could not be opened.
    #[error("{dir}: {source}")]
    Log {
        /// The log directory.
        dir: String,
        /// What went wrong.
        source: cpansec_tlog::Error,
    },
    /// A line of the submitters file is not a verifier key.
    #[error("{path}:{line}: not an Ed25519 verifier key ({source})")]
    Submitters {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Why.
        source: cpansec_tlog::Error,
    },
}

/// The published state readers see.
#[derive(Debug, Clone)]
struct Published {
    checkpoint: String,
    size: u64,
    root: Hash,
}

#[derive(Debug, Default)]
struct Index {
    by_path: HashMap<String, u64>,
    by_name: HashMap<String, Vec<String>>,
    /// Entries read from `DIR/index` (its first `size` lines).
    size: u64,
    /// Bytes of those lines: where the next line starts.
    bytes: u64,
}

impl Index {
    fn insert(&mut self, path: &str, entry: u64) {
        self.by_path.insert(path.to_string(), entry);
        let name = path.rsplit('/').next().unwrap_or(path);
        self.by_name
            .entry(name.to_string())
            .or_default()
            .push(path.to_string());
    }
}

type Reply = oneshot::Sender<Result<Outcome, String>>;

/// Shared state of the log endpoints.
#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    origin: String,
    verifier: Ed25519Verifier,
    published: RwLock<Published>,
    index: RwLock<Index>,
    /// Length and modification time of `DIR/checkpoint` when last read.
    stamp: Mutex<Option<(u64, Option<SystemTime>)>>,
    submitters: Option<VerifierList>,
    queue: mpsc::Sender<(UploadRecord, Reply)>,
}

/// Opens the log in `dir` and returns its router (see the module docs for the
/// endpoints). The log is owned by the router from now on: it starts a
/// sequencer thread that appends submissions in batches and stops when the
/// router (every clone of it) is dropped. One server per log directory.
///
/// # Errors
/// [`TlogServerError::Log`] if `dir` is not a sound log (the same checks as
/// [`FileLog::open`], which also recovers from a crash),
/// [`TlogServerError::Submitters`] for a bad `dir/submitters` line.
pub fn router(dir: &Path) -> Result<Router, TlogServerError> {
    open(dir).map(|(router, _)| router)
}

/// [`router`], and a [`LogView`] on the same log for the web pages.
///
/// # Errors
/// As [`router`].
pub fn open(dir: &Path) -> Result<(Router, LogView), TlogServerError> {
    let log_err = |source| TlogServerError::Log {
        dir: dir.display().to_string(),
        source,
    };
    let log = FileLog::open(dir).map_err(log_err)?;
    let submitters = read_submitters(&dir.join("submitters"))?;
    let published = published_of(&log).map_err(log_err)?;
    let index = read_index(dir, published.size).map_err(log_err)?;
    let (queue, rx) = mpsc::channel(MAX_BATCH);
    let shared = Arc::new(Shared {
        dir: dir.to_path_buf(),
        origin: log.origin().to_string(),
        verifier: log.verifier(),
        published: RwLock::new(published),
        index: RwLock::new(index),
        stamp: Mutex::new(checkpoint_stamp(dir)),
        submitters,
        queue,
    });
    let weak = Arc::downgrade(&shared);
    std::thread::Builder::new()
        .name("tlog-sequencer".into())
        .spawn(move || sequencer(log, rx, &weak))
        .map_err(|e| {
            log_err(cpansec_tlog::Error::Io {
                path: dir.display().to_string(),
                message: format!("cannot start the sequencer thread: {e}"),
            })
        })?;
    let view = LogView {
        shared: Arc::clone(&shared),
    };
    let router = Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .route("/lookup", get(lookup))
        .route("/add", post(add))
        .layer(DefaultBodyLimit::max(MAX_SUBMISSION))
        .with_state(shared);
    Ok((router, view))
}

/// Read access to a served log for the web pages. Every call first picks up
/// a new `DIR/checkpoint` (appended by this server or another writer), so
/// pages show new entries without a restart. Reads are bounded: one
/// checkpoint, the entry bundles that hold the entries asked for.
#[derive(Clone, Debug)]
pub struct LogView {
    shared: Arc<Shared>,
}

/// How a checkpoint signature line relates to the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// The log's own signature (verified against its key).
    Log,
    /// A witness's `cosignature/v1`, with the time it states (seconds since 1970).
    Cosignature(u64),
    /// Another key's signature, not verified here.
    Other,
}

/// One signature line of the checkpoint.
#[derive(Clone, Debug)]
pub struct SignatureLine {
    /// Key name.
    pub name: String,
    /// Key id (the first four bytes of the signature).
    pub key_id: u32,
    /// What it is.
    pub kind: SignatureKind,
}

/// The published checkpoint, as the pages show it.
#[derive(Clone, Debug)]
pub struct CheckpointView {
    /// The signed note, exactly as `GET /checkpoint` serves it.
    pub text: String,
    /// The log's origin line.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// Its signature lines, in note order.
    pub signatures: Vec<SignatureLine>,
    /// When `DIR/checkpoint` was written, if the file system says.
    pub written: Option<SystemTime>,
}

/// One logged upload.
#[derive(Clone, Debug)]
pub struct LoggedUpload {
    /// Entry number.
    pub entry: u64,
    /// The record.
    pub record: UploadRecord,
}

impl LogView {
    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The published checkpoint.
    pub fn checkpoint(&self) -> CheckpointView {
        refresh(&self.shared);
        let p = snapshot(&self.shared);
        let list = VerifierList::new(vec![Box::new(self.shared.verifier.clone())]);
        let signatures = match note::open(p.checkpoint.as_bytes(), &list) {
            Ok(n) => {
                let log_ids: Vec<u32> = n.signatures().iter().map(|s| s.key_id).collect();
                let mut lines: Vec<SignatureLine> = n
                    .all_signatures()
                    .map(|s| SignatureLine {
                        name: s.name.clone(),
                        key_id: s.key_id,
                        kind: if log_ids.contains(&s.key_id) && s.name == self.shared.origin {
                            SignatureKind::Log
                        } else if let Some(t) = cpansec_tlog::cosignature::timestamp(s) {
                            SignatureKind::Cosignature(t)
                        } else {
                            SignatureKind::Other
                        },
                    })
                    .collect();
                // Note order: the log signs first, cosignatures follow.
                lines.sort_by_key(|l| l.kind != SignatureKind::Log);
                lines
            }
            Err(_) => Vec::new(),
        };
        CheckpointView {
            origin: self.shared.origin.clone(),
            size: p.size,
            root: p.root,
            signatures,
            written: checkpoint_stamp(&self.shared.dir).and_then(|(_, t)| t),
            text: p.checkpoint,
        }
    }

    /// Up to `n` entries before entry `before` (the tree size when `None` or
    /// larger), newest first, read from their entry bundles.
    ///
    /// # Errors
    /// Tile, bundle and record errors of the entries read.
    pub fn recent(
        &self,
        before: Option<u64>,
        n: usize,
    ) -> Result<Vec<LoggedUpload>, cpansec_tlog::Error> {
        refresh(&self.shared);
        let size = snapshot(&self.shared).size;
        let hi = before.map_or(size, |b| b.min(size));
        let lo = hi.saturating_sub(n as u64);
        let files = FileTiles::new(&self.shared.dir);
        let mut out = Vec::with_capacity(usize::try_from(hi - lo).unwrap_or(0));
        if hi == lo {
            return Ok(out);
        }
        for k in (lo / 256..=(hi - 1) / 256).rev() {
            let tile = Tile::at_size(TileKind::Entries, k, size).ok_or_else(|| {
                cpansec_tlog::Error::LogState {
                    path: self.shared.dir.display().to_string(),
                    reason: format!("no bundle {k} at size {size}"),
                }
            })?;
            let data = files.read_tile(&tile)?;
            let entries = parse_bundle(&data, tile.width())?;
            let first = k * 256;
            for (i, bytes) in entries.iter().enumerate().rev() {
                let e = first + i as u64;
                if e >= lo && e < hi {
                    out.push(LoggedUpload {
                        entry: e,
                        record: UploadRecord::parse(bytes)?,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The entry of `path`, if it is logged.
    ///
    /// # Errors
    /// Tile, bundle and record errors of the entry.
    pub fn lookup(&self, path: &str) -> Result<Option<LoggedUpload>, cpansec_tlog::Error> {
        refresh(&self.shared);
        let size = snapshot(&self.shared).size;
        let entry = self
            .shared
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_path
            .get(path)
            .copied()
            .filter(|&n| n < size);
        let Some(entry) = entry else {
            return Ok(None);
        };
        let bytes = read_entry(&FileTiles::new(&self.shared.dir), size, entry)?;
        Ok(Some(LoggedUpload {
            entry,
            record: UploadRecord::parse(&bytes)?,
        }))
    }

    /// The logged paths whose file name is `name` with their entry numbers,
    /// at most `limit`, in log order.
    pub fn by_name(&self, name: &str, limit: usize) -> Vec<(String, u64)> {
        refresh(&self.shared);
        let size = snapshot(&self.shared).size;
        let index = self.shared.index.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(String, u64)> = index
            .by_name
            .get(name)
            .map(|v| {
                v.iter()
                    .filter_map(|p| {
                        let n = *index.by_path.get(p)?;
                        (n < size).then(|| (p.clone(), n))
                    })
                    .take(limit)
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by_key(|(_, n)| *n);
        out
    }
}

fn read_submitters(path: &Path) -> Result<Option<VerifierList>, TlogServerError> {
    if !path.exists() {
        return Ok(None);
    }
    let bad = |line, source| TlogServerError::Submitters {
        path: path.display().to_string(),
        line,
        source,
    };
    let data = read_bounded(path, MAX_SUBMITTERS_FILE).map_err(|e| bad(0, e))?;
    let text = String::from_utf8(data).map_err(|_| {
        bad(
            0,
            cpansec_tlog::Error::LogState {
                path: path.display().to_string(),
                reason: "not UTF-8".into(),
            },
        )
    })?;
    let mut keys: Vec<Box<dyn note::Verifier>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(Box::new(
            Ed25519Verifier::from_vkey(line).map_err(|e| bad(i + 1, e))?,
        ));
    }
    Ok(Some(VerifierList::new(keys)))
}

fn published_of(log: &FileLog) -> Result<Published, cpansec_tlog::Error> {
    let list = VerifierList::new(vec![Box::new(log.verifier())]);
    let (cp, _) = Checkpoint::open(log.checkpoint().as_bytes(), log.origin(), &list)?;
    Ok(Published {
        checkpoint: log.checkpoint().to_string(),
        size: cp.size(),
        root: *cp.root(),
    })
}

/// The index lines of the first `size` entries (the sequencer has already
/// checked and repaired the file when the log was opened).
fn read_index(dir: &Path, size: u64) -> Result<Index, cpansec_tlog::Error> {
    let path = dir.join("index");
    let text = std::fs::read_to_string(&path).map_err(|e| cpansec_tlog::Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut index = Index::default();
    for (n, line) in (0..size).zip(text.split_inclusive('\n')) {
        index_line(&mut index, &path, n, line)?;
    }
    if index.size < size {
        return Err(cpansec_tlog::Error::LogState {
            path: path.display().to_string(),
            reason: format!("{} lines for {size} entries", index.size),
        });
    }
    Ok(index)
}

/// Adds one line of `DIR/index` (newline included), which must be entry `n`.
fn index_line(
    index: &mut Index,
    path: &Path,
    n: u64,
    line: &str,
) -> Result<(), cpansec_tlog::Error> {
    let bad = || cpansec_tlog::Error::LogState {
        path: path.display().to_string(),
        reason: format!("line {} is not entry {n}", n + 1),
    };
    let body = line.strip_suffix('\n').ok_or_else(bad)?;
    let mut parts = body.splitn(3, ' ');
    match (
        parts.next(),
        parts.next().and_then(parse_hex32),
        parts.next(),
    ) {
        (Some(num), Some(_), Some(p)) if num.parse() == Ok(n) && index.size == n => {
            index.insert(p, n);
            index.size += 1;
            index.bytes += line.len() as u64;
            Ok(())
        }
        _ => Err(bad()),
    }
}

fn checkpoint_stamp(dir: &Path) -> Option<(u64, Option<SystemTime>)> {
    let m = std::fs::metadata(dir.join("checkpoint")).ok()?;
    Some((m.len(), m.modified().ok()))
}

/// Makes `checkpoint` (signed by the log, already checked) the published
/// state: reads the index lines of its new entries from `DIR/index` (they
/// are durable before the checkpoint is written), then swaps the checkpoint.
/// A checkpoint smaller than the published one is ignored (a log never
/// shrinks); one of the same size replaces the text only if the root is
/// the same (new cosignatures).
fn advance(
    shared: &Shared,
    checkpoint: String,
    cp: &Checkpoint,
) -> Result<(), cpansec_tlog::Error> {
    use std::io::{BufRead, Read, Seek};
    let mut index = shared.index.write().unwrap_or_else(|e| e.into_inner());
    let current = snapshot(shared);
    if cp.size() < current.size || (cp.size() == current.size && cp.root() != &current.root) {
        return Ok(());
    }
    if index.size < cp.size() {
        let path = shared.dir.join("index");
        let io = |e: std::io::Error| cpansec_tlog::Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut file = std::fs::File::open(&path).map_err(io)?;
        file.seek(std::io::SeekFrom::Start(index.bytes))
            .map_err(io)?;
        let mut reader = std::io::BufReader::new(file);
        // Read into a scratch index first, so a bad line changes nothing.
        let mut added = Vec::new();
        let (mut n, mut bytes) = (index.size, 0u64);
        let mut line = Vec::new();
        while n < cp.size() {
            line.clear();
            let limit = (MAX_INDEX_LINE + 1) as u64;
            let read = (&mut reader)
                .take(limit)
                .read_until(b'\n', &mut line)
                .map_err(io)?;
            let text = std::str::from_utf8(&line).ok().filter(|_| read > 0);
            let mut one = Index {
                size: n,
                ..Index::default()
            };
            match text {
                Some(t) => index_line(&mut one, &path, n, t)?,
                None => {
                    return Err(cpansec_tlog::Error::LogState {
                        path: path.display().to_string(),
                        reason: format!("line {} is missing or not UTF-8", n + 1),
                    });
                }
            }
            bytes += line.len() as u64;
            added.extend(one.by_path);
            n += 1;
        }
        for (p, e) in added {
            index.insert(&p, e);
        }
        index.size = n;
        index.bytes += bytes;
    }
    *shared.published.write().unwrap_or_else(|e| e.into_inner()) = Published {
        checkpoint,
        size: cp.size(),
        root: *cp.root(),
    };
    Ok(())
}

/// Re-reads `DIR/checkpoint` when its length or modification time changed
/// (entries appended by another writer, cosignatures added), and advances
/// the published state to it. A checkpoint that does not verify against the
/// log's key is ignored (and retried when the file changes again).
fn refresh(shared: &Shared) {
    let stamp = checkpoint_stamp(&shared.dir);
    let mut last = shared.stamp.lock().unwrap_or_else(|e| e.into_inner());
    if stamp.is_none() || *last == stamp {
        return;
    }
    *last = stamp;
    let Ok(text) = read_checkpoint(&shared.dir) else {
        return;
    };
    let list = VerifierList::new(vec![Box::new(shared.verifier.clone())]);
    if let Ok((cp, _)) = Checkpoint::open(text.as_bytes(), &shared.origin, &list) {
        let _ = advance(shared, text, &cp);
    }
}

/// The sequencer loop: takes the submissions waiting, appends them as one
/// batch, publishes the new state, answers each.
fn sequencer(
    mut log: FileLog,
    mut rx: mpsc::Receiver<(UploadRecord, Reply)>,
    shared: &std::sync::Weak<Shared>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let records: Vec<UploadRecord> = jobs.iter().map(|(r, _)| r.clone()).collect();
        let result = log.append(&records).and_then(|outcomes| {
            let list = VerifierList::new(vec![Box::new(log.verifier())]);
            let (cp, _) = Checkpoint::open(log.checkpoint().as_bytes(), log.origin(), &list)?;
            if let Some(shared) = shared.upgrade() {
                advance(&shared, log.checkpoint().to_string(), &cp)?;
            }
            Ok(outcomes)
        });
        match result {
            Ok(outcomes) => {
                for ((_, reply), o) in jobs.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(o));
                }
            }
            Err(e) => {
                for (_, reply) in jobs {
                    let _ = reply.send(Err(e.to_string()));
                }
                // The log is poisoned after a failed append: reopen it, which
                // drops what the failed batch left behind.
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                match FileLog::open(&shared.dir) {
                    Ok(l) => log = l,
                    Err(_) => return,
                }
            }
        }
    }
}

fn text_response(status: StatusCode, cache: &'static str, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let mut m = message.into();
    m.push('\n');
    text_response(status, "no-store", m)
}

fn snapshot(shared: &Shared) -> Published {
    shared
        .published
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

async fn checkpoint(State(shared): State<Arc<Shared>>) -> Response {
    refresh(&shared);
    text_response(StatusCode::OK, MUTABLE, snapshot(&shared).checkpoint)
}

async fn tile(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> Response {
    let Ok(tile) = format!("tile/{path}").parse::<Tile>() else {
        return error(StatusCode::BAD_REQUEST, "not a tlog-tiles path");
    };
    let size = snapshot(&shared).size;
    let Some(current) = Tile::at_size(tile.kind(), tile.index(), size) else {
        return error(StatusCode::NOT_FOUND, "no such tile in the published tree");
    };
    if tile.width() > current.width() {
        return error(StatusCode::NOT_FOUND, "no such tile in the published tree");
    }
    let files = FileTiles::new(&shared.dir);
    let res = tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>, String> {
        let read = |t: &Tile| match files.read_tile(t) {
            Ok(d) => Ok(Some(d)),
            Err(cpansec_tlog::Error::TileMissing { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        };
        let Some(data) = read(&tile)? else {
            return Ok(None);
        };
        if tile == current {
            return Ok(Some(data));
        }
        // A narrower partial tile: served only if it is what an earlier
        // published tree held, i.e. a prefix of the current tile.
        Ok(read(&current)?
            .filter(|cur| cur.starts_with(&data))
            .map(|_| data))
    })
    .await;
    match res {
        Ok(Ok(Some(data))) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(if tile.is_full() { IMMUTABLE } else { PARTIAL }),
                ),
            ],
            data,
        )
            .into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "no such tile"),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "tile reader failed"),
    }
}

#[derive(Debug, serde::Deserialize)]
struct LookupQuery {
    path: Option<String>,
    name: Option<String>,
}

/// The tlog-proof of entry `entry` against the published state, with the
/// record as extra data.
fn proof_for(shared: &Shared, published: &Published, entry: u64) -> Result<String, String> {
    let files = FileTiles::new(&shared.dir);
    let reader = TileHashReader::new(published.size, &files);
    let (leaf, proof) = reader
        .inclusion_proof(entry, &published.root)
        .map_err(|e| e.to_string())?;
    let bytes = read_entry(&files, published.size, entry).map_err(|e| e.to_string())?;
    if leaf_hash(&bytes) != leaf {
        return Err(format!("entry {entry} does not match its tile hash"));
    }
    Ok(TlogProof {
        extra: Some(bytes),
        index: entry,
        proof,
        checkpoint: published.checkpoint.clone(),
    }
    .to_string())
}

async fn lookup(State(shared): State<Arc<Shared>>, Query(q): Query<LookupQuery>) -> Response {
    refresh(&shared);
    match (q.path, q.name) {
        (Some(path), None) => {
            let published = snapshot(&shared);
            let entry = shared
                .index
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .by_path
                .get(&path)
                .copied()
                .filter(|&n| n < published.size);
            let Some(entry) = entry else {
                return error(StatusCode::NOT_FOUND, format!("{path} is not logged"));
            };
            let res =
                tokio::task::spawn_blocking(move || proof_for(&shared, &published, entry)).await;
            match res {
                Ok(Ok(text)) => text_response(StatusCode::OK, MUTABLE, text),
                Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
                Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "proof builder failed"),
            }
        }
        (None, Some(name)) => {
            let size = snapshot(&shared).size;
            let index = shared.index.read().unwrap_or_else(|e| e.into_inner());
            let paths: Vec<&String> = index
                .by_name
                .get(&name)
                .map(|v| {
                    v.iter()
                        .filter(|p| index.by_path.get(*p).is_some_and(|&n| n < size))
                        .collect()
                })
                .unwrap_or_default();
            if paths.is_empty() {
                return error(
                    StatusCode::NOT_FOUND,
                    format!("no logged file named {name}"),
                );
            }
            let mut body = String::new();
            for p in paths {
                body.push_str(p);
                body.push('\n');
            }
            text_response(StatusCode::OK, MUTABLE, body)
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "give exactly one of ?path=authors/id/... or ?name=FILE",
        ),
    }
}

async fn add(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(submitters) = &shared.submitters else {
        return error(
            StatusCode::FORBIDDEN,
            "this log accepts no submissions (no submitters file)",
        );
    };
    let note = match note::open(&body, submitters) {
        Ok(n) => n,
        Err(
            e @ (cpansec_tlog::Error::UnverifiedNote { .. }
            | cpansec_tlog::Error::InvalidSignature { .. }),
        ) => {
            return error(
                StatusCode::FORBIDDEN,
                format!("not signed by a submitter: {e}"),
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a signed note: {e}")),
    };
    let record = match UploadRecord::parse(note.text().as_bytes()) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a record: {e}")),
    };
    let (tx, rx) = oneshot::channel();
    if shared.queue.send((record, tx)).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the sequencer has stopped");
    }
    let outcome = match rx.await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "the sequencer has stopped"),
    };
    let (entry, what) = match outcome {
        Outcome::Added(n) => (n, "added"),
        Outcome::Duplicate(n) => (n, "duplicate"),
        Outcome::Conflict {
            entry,
            logged,
            submitted,
        } => {
            let mut r = error(
                StatusCode::CONFLICT,
                format!(
                    "entry {entry} has this path with sha256 {}, not {}",
                    cpansec_tlog::record::hex32(&logged),
                    cpansec_tlog::record::hex32(&submitted)
                ),
            );
            r.headers_mut()
                .insert("cpansec-outcome", HeaderValue::from_static("conflict"));
            return r;
        }
    };
    let published = snapshot(&shared);
    let shared2 = Arc::clone(&shared);
    let res = tokio::task::spawn_blocking(move || proof_for(&shared2, &published, entry)).await;
    let mut r = match res {
        Ok(Ok(text)) => text_response(StatusCode::OK, "no-store", text),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "proof builder failed"),
    };
    r.headers_mut()
        .insert("cpansec-outcome", HeaderValue::from_static(what));
    r
}
