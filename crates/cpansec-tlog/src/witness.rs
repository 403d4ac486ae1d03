//! A transparency-log witness (<https://c2sp.org/tlog-witness>), without its
//! transport: the `add-checkpoint` state machine, its configuration and its
//! durable state. `cpansec-server` puts it behind HTTP.
//!
//! # Directory
//!
//! ```text
//! DIR/witness.toml     the logs it witnesses (origin and verifier keys)
//! DIR/witness.key      its cosignature/v1 signer key, mode 0600
//! DIR/witness.vkey     its verifier key (name+keyid+base64(0x04 || key)), one line
//! DIR/state/<H>        per log, the latest checkpoint it cosigned, with the log's
//!                      signatures and its cosignature; H = hex SHA-256 of the origin
//! DIR/evidence/        signed checkpoints it refused as inconsistent (split views)
//! ```
//!
//! ```toml
//! # DIR/witness.toml
//! key = "witness.key"                 # optional, relative to DIR
//!
//! [[log]]
//! origin = "example.com/log"
//! keys = ["example.com/log+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"]
//! ```
//!
//! # add-checkpoint
//!
//! A request body is an `old N` line, at most 63 consistency-proof lines (base64
//! hashes), an empty line and a signed checkpoint ([`AddCheckpoint`]). The
//! witness answers with a [`Rejection`] (whose [`Rejection::status`] is the
//! protocol's HTTP status) or with its cosignature lines:
//!
//! | status | when |
//! |---|---|
//! | 400 | the body does not follow the grammar, or the old size is above the checkpoint size |
//! | 404 | the checkpoint origin is not a configured log |
//! | 403 | no signature by a key of the log, or a signature by one of its keys fails |
//! | 409 | the old size is not the size of the latest checkpoint cosigned for that log (the body is that size) |
//! | 422 | a size-0 checkpoint without the empty-tree root, a proof from size 0, a consistency proof that does not verify against the *stored* root, or the same size with another root (a split view) |
//! | 200 | everything checks: the state is durably updated, then the cosignature returned |
//!
//! The consistency proof is checked from the root the witness stored, never one
//! from the request, so a log cannot get two conflicting trees cosigned.
//!
//! # Durability and concurrency
//!
//! Requests for one log are serialized (a lock per origin held from the size
//! check to the durable write), requests for different logs run in parallel. The
//! new state is written to a temporary file, `fsync`ed, renamed over the old one
//! and the directory `fsync`ed before the cosignature is returned: a crash
//! loses no state the witness acknowledged. A state file carries the witness's own
//! cosignature and is checked with it when loaded.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::base64::encode;
use crate::cosignature::{ALG_COSIGNATURE_V1, CosignatureSigner, CosignatureVerifier};
use crate::note::{
    self, Ed25519Verifier, Signer as _, Verifier, VerifierList, format_vkey, key_id,
};
use crate::record::hex32;
use crate::storage::{read_bounded, write_atomic};
use crate::{Checkpoint, Error, Hash, merkle};

/// Largest `add-checkpoint` body accepted, in bytes.
pub const MAX_REQUEST_SIZE: usize = 1 << 20;
/// Most consistency-proof lines in a request (the protocol's limit).
pub const MAX_PROOF_LINES: usize = 63;
/// Content type of a 409 response body.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";
/// Configuration file name in a witness directory.
pub const CONFIG_FILE: &str = "witness.toml";
/// Default signer key file name.
pub const KEY_FILE: &str = "witness.key";
/// Verifier key file name.
pub const VKEY_FILE: &str = "witness.vkey";

/// Largest configuration, key or state file read.
const MAX_FILE: u64 = 1 << 20;
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// A parsed `add-checkpoint` request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// Size of the checkpoint the client believes the witness cosigned last.
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// Parses a request body. Exactly one spelling is accepted, so
    /// [`AddCheckpoint::to_bytes`] gives the input back. The checkpoint note is
    /// not parsed here.
    ///
    /// # Errors
    /// [`Rejection::Malformed`] naming the 1-based line and what is wrong.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, Rejection> {
        if body.len() > MAX_REQUEST_SIZE {
            return Err(Rejection::Malformed(format!(
                "request has {} bytes, more than {MAX_REQUEST_SIZE}",
                body.len()
            )));
        }
        let bad = |line: usize, what: &str| Rejection::Malformed(format!("line {line}: {what}"));
        let Some(end) = body.windows(2).position(|w| w == b"\n\n") else {
            return Err(bad(1, "no empty line before the checkpoint"));
        };
        let (head, checkpoint) = (&body[..=end], &body[end + 2..]);
        let head = std::str::from_utf8(head).map_err(|_| bad(1, "not UTF-8"))?;
        let mut lines = head.split_terminator('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or(bad(1, "first line is not \"old <size>\""))?;
        let old_size = parse_decimal(old).ok_or(bad(
            1,
            "old size is not a decimal without leading zeros that fits 64 bits",
        ))?;
        let mut proof = Vec::new();
        for (i, l) in lines.enumerate() {
            let line = i + 2;
            if i >= MAX_PROOF_LINES {
                return Err(bad(line, "more than 63 consistency proof lines"));
            }
            let h = Hash::from_base64(l)
                .ok()
                .filter(|h| h.to_base64() == l)
                .ok_or(bad(
                    line,
                    "consistency proof line is not canonical base64 of 32 bytes",
                ))?;
            proof.push(h);
        }
        if checkpoint.is_empty() {
            return Err(bad(proof.len() + 3, "no checkpoint after the empty line"));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: checkpoint.to_vec(),
        })
    }

    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(h.to_base64().as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s.len() == 1 || !s.starts_with('0'));
    canonical.then(|| s.parse().ok())?
}

/// Why the witness refused a request; [`Rejection::status`] is the HTTP status
/// the protocol prescribes and `Display` the response body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// 400: the request does not follow the protocol.
    Malformed(String),
    /// 404: the checkpoint's origin is not a log of this witness.
    UnknownLog(String),
    /// 403: the checkpoint is not signed by the log, or a signature by one of
    /// its keys fails.
    Forbidden(String),
    /// 409: the old size is not the size of the latest cosigned checkpoint,
    /// which is given.
    Conflict {
        /// Size of the latest checkpoint cosigned for this log (0 if none).
        size: u64,
    },
    /// 422: the checkpoint is not consistent with what the witness cosigned.
    Inconsistent(String),
    /// 500: the witness could not read or write its state.
    Internal(String),
}

impl Rejection {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::Malformed(_) => 400,
            Rejection::Forbidden(_) => 403,
            Rejection::UnknownLog(_) => 404,
            Rejection::Conflict { .. } => 409,
            Rejection::Inconsistent(_) => 422,
            Rejection::Internal(_) => 500,
        }
    }
}

impl fmt::Display for Rejection {
    /// The response body, ending in a newline (for 409, exactly the size).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Malformed(m) => writeln!(f, "malformed request: {m}"),
            Rejection::UnknownLog(o) => writeln!(f, "unknown log {o:?}"),
            Rejection::Forbidden(m) | Rejection::Inconsistent(m) => writeln!(f, "{m}"),
            Rejection::Conflict { size } => writeln!(f, "{size}"),
            Rejection::Internal(m) => writeln!(f, "witness error: {m}"),
        }
    }
}

/// A successful `add-checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The log.
    pub origin: String,
    /// The size now recorded for it.
    pub size: u64,
    /// The cosignature timestamp.
    pub time: u64,
    /// The response body: the witness's signature line(s), each ending in `\n`.
    pub signatures: String,
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The checkpoint note with the log's verified signatures and the witness's
    /// cosignature.
    pub note: String,
}

/// What is known of one log's state: loaded (possibly never cosigned), or to be
/// read again from disk after a failed write.
#[derive(Debug)]
enum Slot {
    Loaded(Option<Latest>),
    Reload,
}

#[derive(Debug)]
struct KnownLog {
    verifiers: VerifierList,
    state_file: PathBuf,
    slot: Mutex<Slot>,
}

/// A witness: its key, the logs it knows, and their latest cosigned checkpoints.
/// Shareable between threads; see the module doc for the protocol.
#[derive(Debug)]
pub struct Witness {
    dir: PathBuf,
    signer: CosignatureSigner,
    logs: BTreeMap<String, KnownLog>,
    by_hash: BTreeMap<String, String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    key: Option<String>,
    #[serde(default, rename = "log")]
    logs: Vec<LogConfig>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LogConfig {
    origin: String,
    keys: Vec<String>,
}

/// Lowercase hex SHA-256 of a log origin: its state file name and the
/// monitoring path component.
pub fn origin_hash(origin: &str) -> String {
    hex32(&Sha256::digest(origin.as_bytes()).into())
}

fn config_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::WitnessConfig {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Formats a cosignature/v1 signer key `PRIVATE+KEY+name+keyid+base64(0x04 ||
/// seed)` (the note signer key format of Go's `sumdb/note` with the cosignature
/// key type), as `witness.key` holds it.
pub fn format_skey(name: &str, seed: &[u8; 32]) -> String {
    let public = ed25519_dalek::SigningKey::from_bytes(seed).verifying_key();
    let id = key_id(name, ALG_COSIGNATURE_V1, public.as_bytes());
    format!(
        "{PRIVATE_PREFIX}{}",
        format_vkey(name, id, ALG_COSIGNATURE_V1, seed)
    )
}

/// Parses a cosignature/v1 signer key (the key itself is never quoted in errors).
///
/// # Errors
/// [`Error::InvalidSignerKey`].
pub fn parse_skey(skey: &str) -> Result<CosignatureSigner, Error> {
    let bad = |reason| Error::InvalidSignerKey { reason };
    let rest = skey
        .strip_prefix(PRIVATE_PREFIX)
        .ok_or(bad("no PRIVATE+KEY+ prefix"))?;
    let (name, id, alg, seed) =
        note::split_vkey(rest).map_err(|_| bad("not name+keyid+base64 after the prefix"))?;
    if alg != ALG_COSIGNATURE_V1 {
        return Err(bad("not a cosignature/v1 key (type 0x04)"));
    }
    let seed: [u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| bad("seed is not 32 bytes"))?;
    let signer = CosignatureSigner::from_seed(name, &seed).map_err(|_| bad("invalid key name"))?;
    if signer.key_id() != id {
        return Err(bad("key id does not match name and key"));
    }
    Ok(signer)
}

impl Witness {
    /// Creates a witness directory: a new key for `name` (`witness.key`, mode
    /// 0600, and `witness.vkey`) and a configuration without logs. Returns the
    /// verifier key. Refuses a directory that already has a key or configuration.
    ///
    /// # Errors
    /// [`Error::InvalidSigner`] for an invalid name, [`Error::WitnessConfig`] if
    /// the directory is already a witness, [`Error::Io`].
    pub fn init(dir: &Path, name: &str) -> Result<String, Error> {
        if !note::is_valid_name(name) {
            return Err(Error::InvalidSigner {
                name: name.to_owned(),
            });
        }
        for f in [CONFIG_FILE, KEY_FILE, VKEY_FILE] {
            if dir.join(f).exists() {
                return Err(config_error(
                    &dir.join(f),
                    "already exists; not overwriting a witness",
                ));
            }
        }
        std::fs::create_dir_all(dir.join("state"))
            .map_err(|e| crate::storage::io_error(&dir.join("state"), &e))?;
        let seed = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng).to_bytes();
        let signer = CosignatureSigner::from_seed(name, &seed)?;
        let vkey = signer.verifier().vkey();
        write_atomic(
            &dir.join(KEY_FILE),
            format!("{}\n", format_skey(name, &seed)).as_bytes(),
            Some(0o600),
        )?;
        write_atomic(&dir.join(VKEY_FILE), format!("{vkey}\n").as_bytes(), None)?;
        let config = format!(
            "# cpansec witness {name}\n\
             # verifier key: {vkey}\n\
             key = \"{KEY_FILE}\"\n\
             \n\
             # One table per log this witness cosigns: its origin (the checkpoint's\n\
             # first line) and its Ed25519 note verifier keys (name+keyid+base64).\n\
             #\n\
             # [[log]]\n\
             # origin = \"example.com/log\"\n\
             # keys = [\"example.com/log+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx\"]\n"
        );
        write_atomic(&dir.join(CONFIG_FILE), config.as_bytes(), None)?;
        Ok(vkey)
    }

    /// Opens a witness directory: reads the configuration and key, and the state
    /// of every configured log (each state file must carry this witness's valid
    /// cosignature on a checkpoint of that log).
    ///
    /// # Errors
    /// [`Error::WitnessConfig`] naming the file and what is wrong,
    /// [`Error::InvalidSignerKey`], [`Error::Io`].
    pub fn open(dir: &Path) -> Result<Witness, Error> {
        let path = dir.join(CONFIG_FILE);
        let text = read_bounded(&path, MAX_FILE)?;
        let text = String::from_utf8(text).map_err(|_| config_error(&path, "not UTF-8"))?;
        let config: Config =
            toml::from_str(&text).map_err(|e| config_error(&path, e.to_string()))?;
        let key_path = dir.join(config.key.as_deref().unwrap_or(KEY_FILE));
        let skey = read_bounded(&key_path, MAX_FILE)?;
        let skey = std::str::from_utf8(&skey)
            .map_err(|_| config_error(&key_path, "not UTF-8"))?
            .trim_end_matches('\n');
        let signer = parse_skey(skey).map_err(|e| config_error(&key_path, e.to_string()))?;
        let mut logs = BTreeMap::new();
        let mut by_hash = BTreeMap::new();
        for (i, log) in config.logs.into_iter().enumerate() {
            let at = |reason: String| {
                config_error(&path, format!("log {} ({:?}): {reason}", i + 1, log.origin))
            };
            Checkpoint::new(&log.origin, 0, Hash::EMPTY_TREE)
                .map_err(|_| at("origin is empty or has a control character".into()))?;
            if log.keys.is_empty() {
                return Err(at("no verifier keys".into()));
            }
            let mut verifiers: Vec<Box<dyn Verifier>> = Vec::new();
            let mut seen = Vec::new();
            for k in &log.keys {
                let v = Ed25519Verifier::from_vkey(k).map_err(|e| at(e.to_string()))?;
                if seen.contains(&(v.name().to_owned(), v.key_id())) {
                    return Err(at(format!("key {k:?} is listed twice")));
                }
                seen.push((v.name().to_owned(), v.key_id()));
                verifiers.push(Box::new(v));
            }
            let hash = origin_hash(&log.origin);
            let state_file = dir.join("state").join(&hash);
            let latest = load_state(&state_file, &log.origin, &signer.verifier())?;
            if logs.contains_key(&log.origin) {
                return Err(at("origin is configured twice".into()));
            }
            by_hash.insert(hash, log.origin.clone());
            logs.insert(
                log.origin,
                KnownLog {
                    verifiers: VerifierList::new(verifiers),
                    state_file,
                    slot: Mutex::new(Slot::Loaded(latest)),
                },
            );
        }
        Ok(Witness {
            dir: dir.to_path_buf(),
            signer,
            logs,
            by_hash,
        })
    }

    /// The witness's key name.
    pub fn name(&self) -> &str {
        note::Signer::name(&self.signer)
    }

    /// The witness's verifier key.
    pub fn verifier(&self) -> CosignatureVerifier {
        self.signer.verifier()
    }

    /// The origins of the configured logs.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.logs.keys().map(String::as_str)
    }

    /// The latest checkpoint cosigned for `origin` (`None` if never, or not a log
    /// of this witness).
    ///
    /// # Errors
    /// [`Error`] if the state must be read again and cannot be.
    pub fn latest(&self, origin: &str) -> Result<Option<Latest>, Error> {
        let Some(log) = self.logs.get(origin) else {
            return Ok(None);
        };
        let mut slot = log.slot.lock().unwrap_or_else(PoisonError::into_inner);
        self.current(origin, log, &mut slot)
    }

    /// The latest cosigned checkpoint note of the log whose origin hashes to
    /// `hash` (lowercase hex SHA-256), for the monitoring endpoint.
    ///
    /// # Errors
    /// As [`Witness::latest`].
    pub fn latest_by_hash(&self, hash: &str) -> Result<Option<Latest>, Error> {
        match self.by_hash.get(hash) {
            Some(origin) => self.latest(origin),
            None => Ok(None),
        }
    }

    fn current(
        &self,
        origin: &str,
        log: &KnownLog,
        slot: &mut Slot,
    ) -> Result<Option<Latest>, Error> {
        if let Slot::Loaded(latest) = slot {
            return Ok(latest.clone());
        }
        let latest = load_state(&log.state_file, origin, &self.signer.verifier())?;
        *slot = Slot::Loaded(latest.clone());
        Ok(latest)
    }

    /// Processes an `add-checkpoint` request body, cosigning with the current
    /// time.
    ///
    /// # Errors
    /// The [`Rejection`] the protocol prescribes.
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<Cosigned, Rejection> {
        self.add_checkpoint_at(body, now())
    }

    /// Processes an `add-checkpoint` request body, cosigning at `time` (POSIX
    /// seconds, non-zero).
    ///
    /// # Errors
    /// The [`Rejection`] the protocol prescribes.
    pub fn add_checkpoint_at(&self, body: &[u8], time: u64) -> Result<Cosigned, Rejection> {
        let req = AddCheckpoint::parse(body)?;
        let cp = checkpoint_of(&req.checkpoint)?;
        let Some(log) = self.logs.get(cp.origin()) else {
            return Err(Rejection::UnknownLog(cp.origin().to_owned()));
        };
        let opened = match note::open(&req.checkpoint, &log.verifiers) {
            Ok(n) => n,
            Err(Error::InvalidSignature { key }) => {
                return Err(Rejection::Forbidden(format!(
                    "invalid signature by log key {key}"
                )));
            }
            Err(Error::UnverifiedNote { .. }) => {
                return Err(Rejection::Forbidden(format!(
                    "checkpoint has no signature by a key of log {:?}",
                    cp.origin()
                )));
            }
            Err(e @ (Error::MalformedNote { .. } | Error::NoteTooLarge { .. })) => {
                return Err(Rejection::Malformed(format!("checkpoint note: {e}")));
            }
            Err(e) => return Err(Rejection::Forbidden(e.to_string())),
        };
        if req.old_size > cp.size() {
            return Err(Rejection::Malformed(format!(
                "old size {} is larger than the checkpoint size {}",
                req.old_size,
                cp.size()
            )));
        }
        if time == 0 {
            return Err(Rejection::Internal("the clock reads 0".into()));
        }

        // From the size check to the durable write, one request per log.
        let mut slot = log.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let latest = self
            .current(cp.origin(), log, &mut slot)
            .map_err(|e| Rejection::Internal(e.to_string()))?;
        let (size, root) = latest
            .as_ref()
            .map_or((0, Hash::EMPTY_TREE), |l| (l.size, l.root));
        if req.old_size != size {
            return Err(Rejection::Conflict { size });
        }
        if let Err(why) = check_consistency(&req, &cp, size, &root) {
            self.keep_evidence(cp.origin(), &cp, &req);
            return Err(Rejection::Inconsistent(why));
        }

        let cosig = self
            .signer
            .cosign(opened.text(), time)
            .map_err(|e| Rejection::Internal(e.to_string()))?;
        let mut raw = self.signer.key_id().to_be_bytes().to_vec();
        raw.extend_from_slice(&cosig);
        let line = format!("\u{2014} {} {}\n", self.name(), encode(&raw));
        let mut stored = format!("{}\n", opened.text());
        for s in opened.signatures() {
            stored.push_str(&format!("{s}\n"));
        }
        stored.push_str(&line);
        if let Err(e) = write_atomic(&log.state_file, stored.as_bytes(), None) {
            // The file may hold the old or the new state: read it again next time.
            *slot = Slot::Reload;
            return Err(Rejection::Internal(e.to_string()));
        }
        *slot = Slot::Loaded(Some(Latest {
            size: cp.size(),
            root: *cp.root(),
            note: stored,
        }));
        Ok(Cosigned {
            origin: cp.origin().to_owned(),
            size: cp.size(),
            time,
            signatures: line,
        })
    }

    /// Keeps a validly signed checkpoint that is inconsistent with the stored
    /// state (proof of a split view or a broken log), best effort.
    /// One file per distinct signed checkpoint (the proof lines are not signed,
    /// so they do not make a new file).
    fn keep_evidence(&self, origin: &str, cp: &Checkpoint, req: &AddCheckpoint) {
        let dir = self.dir.join("evidence");
        let body = req.to_bytes();
        let digest = hex32(&Sha256::digest(&req.checkpoint).into());
        let name = format!(
            "{}-{}-{}",
            origin_hash(origin).get(..16).unwrap_or_default(),
            cp.size(),
            digest.get(..16).unwrap_or_default()
        );
        let path = dir.join(name);
        if !path.exists() {
            // Losing evidence must not stop the witness from answering.
            let _ = write_atomic(&path, &body, None);
        }
    }
}

/// The checkpoint of a signed note, parsed without checking signatures (to find
/// the log).
fn checkpoint_of(msg: &[u8]) -> Result<Checkpoint, Rejection> {
    let bad = |what: String| Rejection::Malformed(format!("checkpoint note: {what}"));
    let msg = std::str::from_utf8(msg).map_err(|_| bad("not UTF-8".into()))?;
    let split = msg
        .rfind("\n\n")
        .ok_or(bad("no blank line before the signatures".into()))?;
    msg[..=split].parse().map_err(|e: Error| bad(e.to_string()))
}

/// The protocol's consistency checks against the stored (`size`, `root`).
fn check_consistency(
    req: &AddCheckpoint,
    cp: &Checkpoint,
    size: u64,
    root: &Hash,
) -> Result<(), String> {
    if cp.size() == 0 && *cp.root() != Hash::EMPTY_TREE {
        return Err("checkpoint of size 0 does not have the empty tree's root".into());
    }
    if size == 0 && !req.proof.is_empty() {
        return Err("consistency proof from size 0 must be empty".into());
    }
    if size == cp.size() && root != cp.root() {
        return Err(format!(
            "split view: checkpoint of size {size} has root {} but the witness cosigned root {root}",
            cp.root()
        ));
    }
    merkle::verify_consistency(&req.proof, size, root, cp.size(), cp.root())
        .map_err(|e| e.to_string())
}

/// Reads a state file: `None` if there is none yet.
fn load_state(
    path: &Path,
    origin: &str,
    verifier: &CosignatureVerifier,
) -> Result<Option<Latest>, Error> {
    let data = match read_bounded(path, MAX_FILE) {
        Ok(d) => d,
        Err(Error::Io { .. }) if !path.exists() => return Ok(None),
        Err(e) => return Err(e),
    };
    let bad = |reason: String| config_error(path, format!("state of log {origin:?}: {reason}"));
    let verifiers = VerifierList::new(vec![Box::new(verifier.clone())]);
    let opened = note::open(&data, &verifiers)
        .map_err(|e| bad(format!("not cosigned by this witness's key: {e}")))?;
    let cp: Checkpoint = opened
        .text()
        .parse()
        .map_err(|e: Error| bad(e.to_string()))?;
    if cp.origin() != origin {
        return Err(bad(format!("checkpoint of another log {:?}", cp.origin())));
    }
    let note = String::from_utf8(data).map_err(|_| bad("not UTF-8".into()))?;
    Ok(Some(Latest {
        size: cp.size(),
        root: *cp.root(),
        note,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip_and_rejects() {
        let cp = b"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\xe2\x80\x94 o AAAAAAA=\n";
        let mut body = b"old 0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n".to_vec();
        body.extend_from_slice(cp);
        let req = AddCheckpoint::parse(&body).expect("parses");
        assert_eq!(req.old_size, 0);
        assert_eq!(req.proof.len(), 1);
        assert_eq!(req.checkpoint, cp);
        assert_eq!(req.to_bytes(), body);
        for bad in [
            &b"old 01\n\nx"[..],
            b"old -1\n\nx",
            b"old 1 \n\nx",
            b"Old 1\n\nx",
            b"old 18446744073709551616\n\nx",
            b"old 1\n\n",
            b"old 1\nx\n",
            b"old 1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n\nx",
            b"old 1\r\n\r\nx",
        ] {
            assert!(
                matches!(AddCheckpoint::parse(bad), Err(Rejection::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut many = b"old 1\n".to_vec();
        for _ in 0..64 {
            many.extend_from_slice(b"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
        }
        many.extend_from_slice(b"\nx");
        assert!(matches!(
            AddCheckpoint::parse(&many),
            Err(Rejection::Malformed(m)) if m.contains("line 65")
        ));
    }

    #[test]
    fn skey_round_trip() {
        let signer = parse_skey(&format_skey("w.example/w", &[7; 32])).expect("parses");
        assert_eq!(note::Signer::name(&signer), "w.example/w");
        assert!(
            parse_skey(&format_skey("w.example/w", &[7; 32]).replace("+KEY+w", "+KEY+v")).is_err()
        );
    }
}
