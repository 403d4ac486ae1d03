//! Checking a downloaded file against a log directory: its record is found by
//! path or file name, proved included in the signed checkpoint from the tiles,
//! and compared with the file's size and SHA-256; the checkpoint is proved
//! consistent with the one the client saw before (no fork, no rollback).

use std::collections::BTreeSet;
use std::path::Path;

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::hash::leaf_hash;
use crate::note::{Ed25519Verifier, Verifier, VerifierList};
use crate::policy::Policy;
use crate::proof::TlogProof;
use crate::record::{UploadRecord, parse_hex32};
use crate::sequencer::{read_checkpoint, read_entry};
use crate::storage::{FileTiles, io_error};
use crate::tile::{TileHashReader, TileStorage};

/// Who the client trusts for the log's checkpoints.
#[derive(Debug)]
pub enum Trust<'a> {
    /// The log's key alone (no witnesses).
    Key(&'a Ed25519Verifier),
    /// A tlog-policy: log keys and witness quorum.
    Policy(&'a Policy),
}

/// Why a file does not check out (the verdicts other than success).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// No logged record has this path or file name.
    NotLogged,
    /// A record with this name is logged with another size or SHA-256: the file
    /// is not the one uploaded.
    Mismatch(Box<UploadRecord>),
}

/// A successful check.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The matching record.
    pub record: UploadRecord,
    /// Its entry number.
    pub entry: u64,
    /// The verified checkpoint (signed text).
    pub checkpoint: String,
    /// Tree size of the checkpoint.
    pub size: u64,
    /// Policy witnesses that cosigned it.
    pub witnesses: BTreeSet<String>,
}

fn open_checkpoint(text: &str, trust: &Trust<'_>) -> Result<(Checkpoint, BTreeSet<String>), Error> {
    match trust {
        Trust::Key(v) => {
            let list = VerifierList::new(vec![Box::new((*v).clone())]);
            Checkpoint::open(text.as_bytes(), v.name(), &list).map(|(c, _)| (c, BTreeSet::new()))
        }
        Trust::Policy(p) => p
            .verify_checkpoint(text.as_bytes())
            .map(|a| (a.checkpoint, a.witnesses)),
    }
}

/// Checks a file (`name`: its `authors/id/...` path or file name; its size and
/// SHA-256) against the log in `dir`. `seen` is the signed checkpoint the client
/// accepted last time, if any: the new one must extend it.
///
/// # Errors
/// Signature, quorum, proof and file errors; [`Error::ConsistencyProof`] or
/// [`Error::LogState`] when the log does not extend `seen`. Returns
/// `Ok(Err(problem))` when the log is sound but the file does not match.
pub fn verify_file(
    dir: &Path,
    name: &str,
    size: u64,
    sha256: &[u8; 32],
    trust: &Trust<'_>,
    seen: Option<&str>,
) -> Result<Result<Verified, Problem>, Error> {
    let text = read_checkpoint(dir)?;
    let (cp, witnesses) = open_checkpoint(&text, trust)?;
    let tiles = FileTiles::new(dir);
    let reader = TileHashReader::new(cp.size(), &tiles);
    check_extends(&dir.display().to_string(), seen, &cp, trust, &tiles)?;
    let index_path = dir.join("index");
    let index = std::fs::read_to_string(&index_path).map_err(|e| io_error(&index_path, &e))?;
    let suffix = format!("/{name}");
    let mut mismatch = None;
    for line in index.lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(n), Some(sha), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if path != name && !path.ends_with(&suffix) {
            continue;
        }
        let Ok(n) = n.parse::<u64>() else { continue };
        if n >= cp.size() || parse_hex32(sha).is_none() {
            continue;
        }
        // The index is a hint: the record comes from the bundles, proved.
        let bytes = read_entry(&tiles, cp.size(), n)?;
        let (leaf, _) = reader.inclusion_proof(n, cp.root())?;
        if leaf != leaf_hash(&bytes) {
            return Err(Error::LogState {
                path: dir.display().to_string(),
                reason: format!("entry {n} does not match its tile hash"),
            });
        }
        let record = UploadRecord::parse(&bytes)?;
        if record.sha256() == sha256 && record.size() == size {
            return Ok(Ok(Verified {
                record,
                entry: n,
                checkpoint: text,
                size: cp.size(),
                witnesses,
            }));
        }
        mismatch = Some(Box::new(record));
    }
    Ok(Err(mismatch.map_or(Problem::NotLogged, Problem::Mismatch)))
}

/// Checks that the checkpoint `cp` extends `seen` (the signed checkpoint the
/// client accepted before, if any): not smaller, and proved consistent from the
/// tiles of `cp`'s tree. `log` names the log in errors.
///
/// # Errors
/// [`Error::LogState`] on a rollback, [`Error::ConsistencyProof`] on a fork,
/// signature and tile errors.
pub fn check_extends<S: TileStorage + ?Sized>(
    log: &str,
    seen: Option<&str>,
    cp: &Checkpoint,
    trust: &Trust<'_>,
    tiles: &S,
) -> Result<(), Error> {
    let Some(seen) = seen else { return Ok(()) };
    let (old, _) = open_checkpoint(seen, trust)?;
    if old.size() > cp.size() {
        return Err(Error::LogState {
            path: log.to_string(),
            reason: format!(
                "checkpoint size {} is smaller than the {} seen before",
                cp.size(),
                old.size()
            ),
        });
    }
    if old.size() > 0 {
        TileHashReader::new(cp.size(), tiles).consistency_proof(
            old.size(),
            old.root(),
            cp.root(),
        )?;
    }
    Ok(())
}

/// Opens a signed checkpoint under `trust`: the log's signature, and the
/// witness quorum of a policy. Returns the checkpoint and the policy names of
/// the witnesses that cosigned it.
///
/// # Errors
/// Signature, origin and quorum errors.
pub fn open_trusted(
    text: &str,
    trust: &Trust<'_>,
) -> Result<(Checkpoint, BTreeSet<String>), Error> {
    open_checkpoint(text, trust)
}

/// Checks the answer of a log server's lookup (see the server's `/lookup`): a
/// tlog-proof whose `extra` is the record, proved included in the checkpoint
/// it carries, which must satisfy `trust` and extend `seen` (checked from the
/// server's tiles, `tiles`). The caller compares the record with its file.
///
/// Nothing in the answer is trusted before it is checked: the record's leaf
/// hash must be at `index` under the signed root.
///
/// # Errors
/// [`Error::MalformedProof`] if there is no record, record, signature, quorum
/// and proof errors; as [`check_extends`] for a fork or rollback.
pub fn verify_lookup<S: TileStorage + ?Sized>(
    log: &str,
    proof: &TlogProof,
    trust: &Trust<'_>,
    seen: Option<&str>,
    tiles: &S,
) -> Result<Verified, Error> {
    let bytes = proof.extra.as_deref().ok_or(Error::MalformedProof {
        line: 2,
        reason: "no extra line carrying the record",
        text: String::new(),
    })?;
    let record = UploadRecord::parse(bytes)?;
    let (cp, witnesses) = open_checkpoint(&proof.checkpoint, trust)?;
    crate::merkle::verify_inclusion(
        &proof.proof,
        cp.size(),
        cp.root(),
        proof.index,
        &leaf_hash(bytes),
    )?;
    check_extends(log, seen, &cp, trust, tiles)?;
    Ok(Verified {
        record,
        entry: proof.index,
        checkpoint: proof.checkpoint.clone(),
        size: cp.size(),
        witnesses,
    })
}
