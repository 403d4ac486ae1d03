//! The sequencer of a file-backed CPAN upload log: it takes batches of
//! [`UploadRecord`]s, refuses duplicates by path, appends the new ones to the
//! Merkle tree, writes tiles and entry bundles durably, and only then signs and
//! publishes the new checkpoint.
//!
//! # The log directory
//!
//! ```text
//! DIR/checkpoint      the signed checkpoint, replaced atomically
//! DIR/log.key         the signer key (PRIVATE+KEY+...), mode 0600
//! DIR/log.vkey        the verifier key (name+keyid+base64), one line
//! DIR/index           "<entry number> <sha256 hex> <path>" per line, in order
//! DIR/tile/...        tiles and entry bundles at their tlog-tiles paths
//! ```
//!
//! # Invariants and crash safety
//!
//! * The checkpoint is the only published state; everything it commits to
//!   (tiles, bundles, index lines) is durable before it is written. It is
//!   written by temporary file, `fsync`, rename, `fsync` of the directory.
//! * A new checkpoint is always computed by appending to the tree of the
//!   current one, which [`FileLog::open`] rebuilds from the level-0 tiles and
//!   checks against the signed root: two signed checkpoints are therefore always
//!   consistent. A crash leaves at most tiles, bundles and index lines past the
//!   checkpoint's size; they were never acknowledged, are ignored on open (index
//!   lines are truncated), and are overwritten by the next batch.
//! * An entry is acknowledged (its [`Outcome::Added`] returned) only after the
//!   checkpoint that includes it is durable.
//!
//! Memory: the sequencer keeps every stored hash (64 bytes per entry) and the
//! index (path and hash per entry) in memory.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::hash::{Hash, leaf_hash};
use crate::merkle::MemoryTree;
use crate::note::{Ed25519Signer, Ed25519Verifier, Signer, VerifierList};
use crate::record::{UploadRecord, hex32, parse_hex32};
use crate::storage::{FileTiles, io_error, read_bounded, sync_dir, write_atomic};
use crate::tile::{
    Tile, TileKind, TileStorage, new_bundles, new_tiles, parse_bundle, parse_hash_tile,
};

/// Largest checkpoint, key or index-line file read (the index has no limit of
/// its own: it is read line by line from a file this log writes).
const MAX_SMALL_FILE: u64 = 1 << 20;

/// What happened to one submitted record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Appended as entry `n`, included in the published checkpoint.
    Added(u64),
    /// The same path with the same SHA-256 is already entry `n`: nothing written.
    Duplicate(u64),
    /// The path is already entry `n` with another SHA-256: nothing written. This
    /// is an alarm: a second, different file under a path CPAN never reuses.
    Conflict {
        /// The logged entry.
        entry: u64,
        /// Its SHA-256.
        logged: [u8; 32],
        /// The submitted SHA-256.
        submitted: [u8; 32],
    },
}

/// Index line of one logged entry: its number and SHA-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indexed {
    /// Entry number.
    pub entry: u64,
    /// The file's SHA-256.
    pub sha256: [u8; 32],
}

/// A log directory opened for appending. One writer at a time per directory
/// (the caller's responsibility, e.g. one `cpansec log add` at a time).
#[derive(Debug)]
pub struct FileLog {
    dir: PathBuf,
    signer: Ed25519Signer,
    origin: String,
    tiles: FileTiles,
    tree: MemoryTree,
    /// Entries of the rightmost, partial bundle (starting at `size / 256 * 256`).
    tail: Vec<Vec<u8>>,
    index: BTreeMap<String, Indexed>,
    index_file: File,
    checkpoint: String,
    poisoned: bool,
}

fn state_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::LogState {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

impl FileLog {
    /// Creates a log in `dir` (created if missing; must not hold a log yet):
    /// generates the Ed25519 key, writes `log.key` (0600) and `log.vkey`, and
    /// publishes the signed empty checkpoint.
    ///
    /// # Errors
    /// [`Error::LogState`] if a log exists there, [`Error::Io`], key errors for
    /// an invalid origin.
    pub fn init(dir: &Path, origin: &str) -> Result<FileLog, Error> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
        if dir.join("checkpoint").exists() || dir.join("log.key").exists() {
            return Err(state_error(dir, "already holds a log"));
        }
        let signer = Ed25519Signer::generate(origin)?;
        write_atomic(
            &dir.join("log.key"),
            format!("{}\n", signer.skey()).as_bytes(),
            Some(0o600),
        )?;
        write_atomic(
            &dir.join("log.vkey"),
            format!("{}\n", signer.verifier().vkey()).as_bytes(),
            None,
        )?;
        write_atomic(&dir.join("index"), b"", None)?;
        let cp = Checkpoint::new(origin, 0, MemoryTree::new().root())?.sign(&[&signer])?;
        write_atomic(&dir.join("checkpoint"), cp.as_bytes(), None)?;
        FileLog::open(dir)
    }

    /// Opens the log in `dir`, recovering from a crash: rebuilds the tree from
    /// the level-0 tiles of the published size, checks it against the signed
    /// checkpoint, and drops whatever a crashed batch left past it.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::LogState`] if the files disagree, note and tile
    /// errors.
    pub fn open(dir: &Path) -> Result<FileLog, Error> {
        let skey = read_bounded(&dir.join("log.key"), MAX_SMALL_FILE)?;
        let skey =
            String::from_utf8(skey).map_err(|_| state_error(&dir.join("log.key"), "not UTF-8"))?;
        let signer = Ed25519Signer::from_skey(skey.trim_end())?;
        let origin = signer.name().to_string();
        let checkpoint = read_checkpoint(dir)?;
        let verifiers = VerifierList::new(vec![Box::new(signer.verifier())]);
        let (cp, _) = Checkpoint::open(checkpoint.as_bytes(), &origin, &verifiers)?;
        let size = cp.size();
        let tiles = FileTiles::new(dir);
        let mut tree = MemoryTree::new();
        let w = 256u64;
        for k in 0..size.div_ceil(w) {
            let tile = Tile::at_size(TileKind::Hashes(0), k, size)
                .ok_or_else(|| state_error(dir, "tile coordinates overflow"))?;
            for h in parse_hash_tile(&tile, &tiles.read_tile(&tile)?)? {
                tree.push(h);
            }
        }
        if tree.root() != *cp.root() {
            return Err(state_error(
                dir,
                "level-0 tiles do not hash to the checkpoint's root",
            ));
        }
        let tail = match Tile::at_size(TileKind::Entries, size / w, size) {
            Some(t) if !t.is_full() => parse_bundle(&tiles.read_tile(&t)?, t.width())?
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect(),
            _ => Vec::new(),
        };
        let index = load_index(dir, size, &tiles)?;
        let index_path = dir.join("index");
        let index_file = OpenOptions::new()
            .append(true)
            .open(&index_path)
            .map_err(|e| io_error(&index_path, &e))?;
        Ok(FileLog {
            dir: dir.to_path_buf(),
            signer,
            origin,
            tiles,
            tree,
            tail,
            index,
            index_file,
            checkpoint,
            poisoned: false,
        })
    }

    /// Published size.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The log's origin (its key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The published signed checkpoint.
    pub fn checkpoint(&self) -> &str {
        &self.checkpoint
    }

    /// The log's verifier key.
    pub fn verifier(&self) -> Ed25519Verifier {
        self.signer.verifier()
    }

    /// The entry logged for `path`, if any.
    pub fn lookup(&self, path: &str) -> Option<Indexed> {
        self.index.get(path).copied()
    }

    /// The tiles of this log (for proofs: [`crate::tile::TileHashReader`]).
    pub fn tiles(&self) -> &FileTiles {
        &self.tiles
    }

    /// Appends a batch: refuses duplicates by path (also within the batch),
    /// writes the new entries' tiles, bundles and index lines durably, then
    /// signs and atomically publishes the new checkpoint. One outcome per
    /// record, in order. When nothing is new, nothing is written.
    ///
    /// # Errors
    /// [`Error::Io`] and the like; after an error the log is poisoned (reopen it)
    /// and none of the batch is acknowledged.
    pub fn append(&mut self, records: &[UploadRecord]) -> Result<Vec<Outcome>, Error> {
        if self.poisoned {
            return Err(Error::LogPoisoned {
                path: self.dir.display().to_string(),
            });
        }
        let old = self.tree.size();
        let mut outcomes = Vec::with_capacity(records.len());
        let mut fresh: BTreeMap<&str, Indexed> = BTreeMap::new();
        let mut entries: Vec<(Vec<u8>, &UploadRecord)> = Vec::new();
        for r in records {
            let known = self.index.get(r.path()).or_else(|| fresh.get(r.path()));
            outcomes.push(match known {
                Some(k) if k.sha256 == *r.sha256() => Outcome::Duplicate(k.entry),
                Some(k) => Outcome::Conflict {
                    entry: k.entry,
                    logged: k.sha256,
                    submitted: *r.sha256(),
                },
                None => {
                    let entry = old + entries.len() as u64;
                    fresh.insert(
                        r.path(),
                        Indexed {
                            entry,
                            sha256: *r.sha256(),
                        },
                    );
                    entries.push((r.to_bytes(), r));
                    Outcome::Added(entry)
                }
            });
        }
        if entries.is_empty() {
            return Ok(outcomes);
        }
        self.poisoned = true;
        let mut tree = self.tree.clone();
        for (bytes, _) in &entries {
            tree.push(leaf_hash(bytes));
        }
        let new = tree.size();
        for tile in new_tiles(old, new) {
            let data = tile.read_data(&tree)?;
            self.tiles.write_tile(&tile, &data)?;
        }
        let w = 256u64;
        let base = old / w * w;
        let mut tail = std::mem::take(&mut self.tail);
        tail.extend(entries.iter().map(|(b, _)| b.clone()));
        for bundle in new_bundles(old, new) {
            let start = usize::try_from(bundle.index() * w - base)
                .map_err(|_| state_error(&self.dir, "bundle offset"))?;
            let slice = tail
                .get(start..start + usize::from(bundle.width()))
                .ok_or_else(|| state_error(&self.dir, "bundle range"))?;
            self.tiles
                .write_tile(&bundle, &crate::bundle::encode_bundle(slice)?)?;
        }
        let keep = usize::try_from(new / w * w - base)
            .map_err(|_| state_error(&self.dir, "tail offset"))?;
        let tail: Vec<Vec<u8>> = tail.get(keep..).unwrap_or_default().to_vec();
        let mut lines = String::new();
        for (i, (_, r)) in entries.iter().enumerate() {
            lines.push_str(&format!(
                "{} {} {}\n",
                old + i as u64,
                hex32(r.sha256()),
                r.path()
            ));
        }
        let index_path = self.dir.join("index");
        self.index_file
            .write_all(lines.as_bytes())
            .and_then(|()| self.index_file.sync_data())
            .map_err(|e| io_error(&index_path, &e))?;
        self.tiles.flush()?;
        let signed = Checkpoint::new(&self.origin, new, tree.root())?
            .sign(&[&self.signer as &dyn Signer])?;
        write_atomic(&self.dir.join("checkpoint"), signed.as_bytes(), None)?;
        // Published: commit the in-memory state.
        self.tree = tree;
        self.tail = tail;
        self.checkpoint = signed;
        for (path, ix) in fresh {
            self.index.insert(path.to_string(), ix);
        }
        self.poisoned = false;
        Ok(outcomes)
    }

    /// Entry `n` (its record bytes) from the bundles.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`]-like [`Error::LogState`], tile errors.
    pub fn entry(&self, n: u64) -> Result<Vec<u8>, Error> {
        read_entry(&self.tiles, self.size(), n)
    }
}

/// Reads the signed checkpoint file of a log directory.
///
/// # Errors
/// [`Error::Io`], [`Error::LogState`] if it is not UTF-8.
pub fn read_checkpoint(dir: &Path) -> Result<String, Error> {
    let path = dir.join("checkpoint");
    String::from_utf8(read_bounded(&path, MAX_SMALL_FILE)?)
        .map_err(|_| state_error(&path, "not UTF-8"))
}

/// Entry `n` of a log of `size` entries, from its bundles.
///
/// # Errors
/// [`Error::LogState`] if `n` is out of range, tile and bundle errors.
pub fn read_entry<S: TileStorage + ?Sized>(tiles: &S, size: u64, n: u64) -> Result<Vec<u8>, Error> {
    if n >= size {
        return Err(Error::LogState {
            path: String::new(),
            reason: format!("entry {n} is beyond size {size}"),
        });
    }
    let tile = Tile::at_size(TileKind::Entries, n / 256, size).ok_or(Error::LogState {
        path: String::new(),
        reason: format!("no bundle for entry {n}"),
    })?;
    let data = tiles.read_tiles(&[tile])?.pop().unwrap_or_default();
    let entries = parse_bundle(&data, tile.width())?;
    entries
        .get(usize::try_from(n % 256).unwrap_or(usize::MAX))
        .map(|e| e.to_vec())
        .ok_or(Error::TileMissing { path: tile.path() })
}

/// Loads the index lines of the first `size` entries, truncating any later ones
/// (left by a batch that crashed before publishing); rebuilds the index from the
/// bundles when it is shorter than `size`.
fn load_index(
    dir: &Path,
    size: u64,
    tiles: &FileTiles,
) -> Result<BTreeMap<String, Indexed>, Error> {
    let path = dir.join("index");
    let data = std::fs::read(&path).map_err(|e| io_error(&path, &e))?;
    let mut index = BTreeMap::new();
    let mut valid_len = 0usize;
    for (n, line) in (0..size).zip(data.split_inclusive(|&b| b == b'\n')) {
        let parsed = std::str::from_utf8(line).ok().and_then(|l| {
            let l = l.strip_suffix('\n')?;
            let mut parts = l.splitn(3, ' ');
            let num: u64 = parts.next()?.parse().ok()?;
            let sha = parse_hex32(parts.next()?)?;
            let p = parts.next()?;
            (num == n).then(|| (p.to_string(), sha))
        });
        let Some((p, sha)) = parsed else { break };
        index.insert(
            p,
            Indexed {
                entry: n,
                sha256: sha,
            },
        );
        valid_len += line.len();
    }
    if (index.len() as u64) < size {
        // Rebuild from the bundles, the source of truth.
        index.clear();
        let mut lines = String::new();
        for n in 0..size {
            let bytes = read_entry(tiles, size, n)?;
            let r = UploadRecord::parse(&bytes)?;
            lines.push_str(&format!("{n} {} {}\n", hex32(r.sha256()), r.path()));
            index.insert(
                r.path().to_string(),
                Indexed {
                    entry: n,
                    sha256: *r.sha256(),
                },
            );
        }
        write_atomic(&path, lines.as_bytes(), None)?;
    } else if valid_len < data.len() {
        let f = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, &e))?;
        f.set_len(valid_len as u64)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_error(&path, &e))?;
        sync_dir(dir)?;
    }
    Ok(index)
}

/// Leaf hash of a record as logged.
pub fn record_leaf(record: &UploadRecord) -> Hash {
    leaf_hash(&record.to_bytes())
}
