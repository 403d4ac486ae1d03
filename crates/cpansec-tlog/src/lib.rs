//! The transparency-log core of cpansec: the data structures and wire formats of a
//! tamper-evident, append-only log, with no I/O, no transport and nothing specific
//! to CPAN. Everything on the wire is a C2SP format, byte for byte, so existing
//! clients and witnesses (Go's sumdb, Sigsum, Sunlight, Tessera) can check our log
//! and we can check theirs.
//!
//! # The model
//!
//! A log is a sequence of entries (opaque byte strings). Its state at `n` entries is
//! the RFC 6962 Merkle tree over them, summarised by the root hash:
//!
//! * [`hash`]: leaf hash `SHA-256(0x00 || entry)`, node hash
//!   `SHA-256(0x01 || left || right)`; the empty tree hashes to `SHA-256("")`.
//! * [`merkle`]: the *stored hashes* (every complete subtree's hash, numbered in
//!   append order), the root of any size, and the two proofs: *inclusion* (entry `i`
//!   is in the tree of size `n` with root `r`) and *consistency* (the tree of size
//!   `n` with root `r` is a prefix of the tree of size `m` with root `s`).
//!
//! A log publishes its state as a *checkpoint*, a *signed note*:
//!
//! ```text
//! example.com/log/testdata                        origin: the log's identity
//! 15                                              tree size
//! rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=    root hash, base64
//!                                                 blank line
//! — example.com/log/testdata M9e0lo...            signature lines: key name,
//! — witness.example/w1 uKLPIAAAAABp...            base64(key id || signature)
//! ```
//!
//! * [`note`]: the signed-note format and its Ed25519 keys
//!   (`name+keyid+base64` verifier keys, `PRIVATE+KEY+...` signer keys, key ids,
//!   key generation), signing with several keys, and opening with the rule that
//!   signatures by unknown keys are kept but not trusted.
//! * [`checkpoint`]: the note text (origin, size, root, extension lines).
//! * [`cosignature`]: `cosignature/v1`, a witness's timestamped Ed25519 signature on
//!   a checkpoint (key type `0x04`), stating that the witness saw no conflicting
//!   tree: it is what protects clients from a log showing them a split view.
//!
//! The tree and the entries are served as static files, *tiles*:
//!
//! * [`tile`]: `tile/<L>/<N>[.p/<W>]` (256 hashes of tree level `8L`, or fewer in a
//!   partial tile) and `tile/entries/<N>[.p/<W>]` (entry bundles: `u16` big-endian
//!   length-prefixed entries); which tiles a growing log must write; a
//!   [`TileStorage`](tile::TileStorage) trait for where tiles live and a
//!   [`HashReader`](merkle::HashReader) that computes proofs from tiles and checks
//!   them against a signed root.
//!
//! And users check entries offline:
//!
//! * [`proof`]: `c2sp.org/tlog-proof@v1`, an inclusion proof bundled with the
//!   cosigned checkpoint.
//! * [`policy`]: which logs and witnesses to trust and the witness quorum (groups
//!   with thresholds) a checkpoint must meet.
//!
//! # Example
//!
//! ```
//! use cpansec_tlog::{Checkpoint, Hash, MemoryTree, leaf_hash, merkle, note};
//!
//! let mut tree = MemoryTree::new();
//! for entry in ["one", "two", "three"] {
//!     tree.push(leaf_hash(entry.as_bytes()));
//! }
//! let signer = note::Ed25519Signer::generate("example.com/log").unwrap();
//! let cp = Checkpoint::new("example.com/log", tree.size(), tree.root()).unwrap();
//! let signed = cp.sign(&[&signer]).unwrap();
//!
//! // A client that knows the log's verifier key:
//! let verifiers = note::VerifierList::new(vec![Box::new(signer.verifier())]);
//! let (cp, _) = Checkpoint::open(signed.as_bytes(), "example.com/log", &verifiers).unwrap();
//! let proof = merkle::inclusion_proof(1, cp.size(), &tree).unwrap();
//! merkle::verify_inclusion(&proof, cp.size(), cp.root(), 1, &leaf_hash(b"two")).unwrap();
//! ```
//!
//! # Specifications
//!
//! RFC 6962 section 2.1 and RFC 9162 section 2.1 (hashes and proofs);
//! <https://c2sp.org/signed-note>, <https://c2sp.org/tlog-checkpoint>,
//! <https://c2sp.org/tlog-tiles>, <https://c2sp.org/tlog-cosignature>,
//! <https://c2sp.org/tlog-proof>, <https://c2sp.org/tlog-policy>.

mod base64;
pub mod checkpoint;
pub mod cosignature;
mod error;
pub mod hash;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof;
pub mod tile;

pub use checkpoint::Checkpoint;
pub use cosignature::{CosignatureSigner, CosignatureVerifier};
pub use error::Error;
pub use hash::{Hash, leaf_hash, node_hash};
pub use merkle::{HashReader, MemoryTree};
pub use note::{Ed25519Signer, Ed25519Verifier, Note, VerifierList};
pub use policy::Policy;
pub use proof::TlogProof;
pub use tile::{Tile, TileKind, TileStorage};
