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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cpansec_tlog::note::{self, VerifierList};
use cpansec_tlog::record::parse_hex32;
use cpansec_tlog::sequencer::read_entry;
use cpansec_tlog::storage::read_bounded;
use cpansec_tlog::tile::{Tile, TileHashReader};
use cpansec_tlog::{
    Checkpoint, Ed25519Verifier, FileLog, FileTiles, Hash, Outcome, TlogProof, UploadRecord,
    leaf_hash,
};
use tokio::sync::{mpsc, oneshot};

/// Largest `POST /add` body.
pub const MAX_SUBMISSION: usize = 64 << 10;
/// Most submissions appended as one batch.
const MAX_BATCH: usize = 4096;
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
    published: RwLock<Published>,
    index: RwLock<Index>,
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
        published: RwLock::new(published),
        index: RwLock::new(index),
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
    Ok(Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .route("/lookup", get(lookup))
        .route("/add", post(add))
        .layer(DefaultBodyLimit::max(MAX_SUBMISSION))
        .with_state(shared))
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
    for (n, line) in (0..size).zip(text.lines()) {
        let mut parts = line.splitn(3, ' ');
        match (
            parts.next(),
            parts.next().and_then(parse_hex32),
            parts.next(),
        ) {
            (Some(num), Some(_), Some(p)) if num.parse() == Ok(n) => index.insert(p, n),
            _ => {
                return Err(cpansec_tlog::Error::LogState {
                    path: path.display().to_string(),
                    reason: format!("line {} is not entry {n}", n + 1),
                });
            }
        }
    }
    Ok(index)
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
            let published = published_of(&log)?;
            Ok((outcomes, published))
        });
        match result {
            Ok((outcomes, published)) => {
                if let Some(shared) = shared.upgrade() {
                    let mut index = shared.index.write().unwrap_or_else(|e| e.into_inner());
                    for (r, o) in records.iter().zip(&outcomes) {
                        if let Outcome::Added(n) = o {
                            index.insert(r.path(), *n);
                        }
                    }
                    drop(index);
                    *shared.published.write().unwrap_or_else(|e| e.into_inner()) = published;
                }
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
