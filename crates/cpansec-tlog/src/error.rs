//! The crate's error type.

use crate::note::Note;

/// Everything that can go wrong in the transparency-log core. Variants carry the
/// offending value (never private key material) and, for text formats, the 1-based
/// line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // hash
    /// A hash did not have 32 bytes.
    #[error("hash has {len} bytes, want 32")]
    HashLength {
        /// Bytes found.
        len: usize,
    },
    /// Text that should be base64 is not.
    #[error("{what} is not base64: {text:?}")]
    Base64 {
        /// What was being decoded.
        what: &'static str,
        /// The text.
        text: String,
    },

    // merkle
    /// A stored hash the operation needs is not in storage.
    #[error("stored hash {index} is not available")]
    HashNotStored {
        /// Stored-hash index.
        index: u64,
    },
    /// A reader returned a different number of items than asked for.
    #[error("reader returned {got} items, want {want}")]
    ReaderCount {
        /// Items asked for.
        want: usize,
        /// Items returned.
        got: usize,
    },
    /// A record index at or beyond the tree size.
    #[error("record {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// Record index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("tree size {size1} is larger than {size2}")]
    SizeOrder {
        /// First size.
        size1: u64,
        /// Second size.
        size2: u64,
    },
    /// An inclusion proof did not verify.
    #[error("invalid inclusion proof: {reason}")]
    InclusionProof {
        /// Why.
        reason: &'static str,
    },
    /// A consistency proof did not verify.
    #[error("invalid consistency proof: {reason}")]
    ConsistencyProof {
        /// Why.
        reason: &'static str,
    },

    // tile
    /// Tile coordinates out of range.
    #[error("invalid tile: {reason}")]
    TileCoordinates {
        /// Why.
        reason: &'static str,
    },
    /// A tile path that does not follow the grammar.
    #[error("invalid tile path {path:?}: {reason}")]
    TilePath {
        /// The path.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// A tile that storage does not have.
    #[error("tile {path} not found")]
    TileMissing {
        /// Tile path.
        path: String,
    },
    /// A full tile that would change.
    #[error("full tile {path} already exists with different content")]
    TileConflict {
        /// Tile path.
        path: String,
    },
    /// Tile data whose length does not match the tile's width.
    #[error("tile {path} has {len} bytes, not 32 per hash")]
    TileSize {
        /// Tile path.
        path: String,
        /// Bytes found.
        len: usize,
    },
    /// An entry too large for an entry bundle.
    #[error("entry {position} has {len} bytes, more than 65535")]
    EntryTooLarge {
        /// Position in the bundle.
        position: usize,
        /// Its size.
        len: usize,
    },
    /// An entry bundle whose last entry runs past the end.
    #[error("entry bundle truncated in entry {position} at byte {offset}")]
    BundleTruncated {
        /// Byte offset of the entry.
        offset: usize,
        /// Position of the entry.
        position: usize,
    },
    /// An entry bundle with the wrong number of entries.
    #[error("entry bundle has {got} entries, want {want}")]
    BundleCount {
        /// Entries expected.
        want: usize,
        /// Entries found (counting stops past 256).
        got: usize,
    },

    // note
    /// A note larger than the limit.
    #[error("note has {len} bytes, more than the limit")]
    NoteTooLarge {
        /// Its size.
        len: usize,
    },
    /// A note that does not follow the signed-note format.
    #[error("malformed note, line {line}: {reason}")]
    MalformedNote {
        /// 1-based line.
        line: usize,
        /// Why.
        reason: &'static str,
    },
    /// A signature by a known key that does not verify.
    #[error("invalid signature for key {key}")]
    InvalidSignature {
        /// `name+keyid`.
        key: String,
    },
    /// A note with no signature by a known key.
    #[error("note has no verifiable signatures")]
    UnverifiedNote {
        /// The parsed note, all its signatures unverified.
        note: Box<Note>,
    },
    /// No verifier for a key name and id.
    #[error("unknown key {key}")]
    UnknownKey {
        /// `name+keyid`.
        key: String,
    },
    /// Two verifiers for one key name and id.
    #[error("ambiguous key {key}")]
    AmbiguousKey {
        /// `name+keyid`.
        key: String,
    },
    /// A verifier lookup returned a verifier for another key.
    #[error("verifier lookup for {key} returned another key")]
    MismatchedVerifier {
        /// `name+keyid` asked for.
        key: String,
    },
    /// A verifier key that does not parse.
    #[error("invalid verifier key {key:?}: {reason}")]
    InvalidVerifierKey {
        /// The key text.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// A signer key that does not parse (the key is never quoted).
    #[error("invalid signer key: {reason}")]
    InvalidSignerKey {
        /// Why.
        reason: &'static str,
    },
    /// A signer whose name is not a valid key name.
    #[error("invalid signer name {name:?}")]
    InvalidSigner {
        /// The name.
        name: String,
    },

    // checkpoint
    /// A checkpoint body that does not follow tlog-checkpoint.
    #[error("malformed checkpoint, line {line}: {reason}: {text:?}")]
    MalformedCheckpoint {
        /// 1-based line.
        line: usize,
        /// Why.
        reason: &'static str,
        /// The line.
        text: String,
    },
    /// A checkpoint from another log than expected.
    #[error("checkpoint origin {got:?}, want {want:?}")]
    WrongOrigin {
        /// Expected origin.
        want: String,
        /// Origin found.
        got: String,
    },

    // cosignature
    /// A cosignature timestamp above 2^63 - 1.
    #[error("cosignature timestamp {time} is too large")]
    CosignatureTime {
        /// The timestamp.
        time: u64,
    },

    // proof
    /// A tlog-proof that does not follow the format.
    #[error("malformed tlog-proof, line {line}: {reason}: {text:?}")]
    MalformedProof {
        /// 1-based line.
        line: usize,
        /// Why.
        reason: &'static str,
        /// The line.
        text: String,
    },

    // policy
    /// A policy file line that is invalid.
    #[error("policy line {line}: {reason}: {text:?}")]
    Policy {
        /// 1-based line.
        line: usize,
        /// Why.
        reason: &'static str,
        /// The line.
        text: String,
    },
    /// A checkpoint not signed by any log of the policy.
    #[error("checkpoint is not signed by a log of the policy")]
    NoLogSignature,
    /// Too few witnesses cosigned for the policy's quorum.
    #[error("witness quorum not met: {cosigned} valid cosignatures ({names})")]
    QuorumNotMet {
        /// How many policy witnesses cosigned.
        cosigned: usize,
        /// Their names, comma-separated.
        names: String,
    },

    // record
    /// An upload record that is invalid or not in its canonical encoding.
    #[error("upload record line {line}: {reason}: {text:?}")]
    Record {
        /// 1-based line (0: a field given to a constructor).
        line: usize,
        /// Why.
        reason: &'static str,
        /// The offending text.
        text: String,
    },

    // storage and sequencer
    /// A file system operation failed.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A file larger than its format allows.
    #[error("{path}: larger than {limit} bytes")]
    FileTooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// A log directory whose files disagree with each other.
    #[error("log {path}: {reason}")]
    LogState {
        /// The log directory or file.
        path: String,
        /// What is inconsistent.
        reason: String,
    },
    /// A log whose in-memory state is unknown after a failed write; reopen it.
    #[error("log {path}: an earlier write failed; reopen the log")]
    LogPoisoned {
        /// The log directory.
        path: String,
    },

    // witness
    /// A witness configuration, key or state file that is invalid.
    #[error("{path}: {reason}")]
    WitnessConfig {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}
