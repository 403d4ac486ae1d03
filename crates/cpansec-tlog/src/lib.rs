#![doc = include_str!("../README.md")]

mod base64;
pub mod bundle;
pub mod checkpoint;
pub mod cosignature;
mod error;
pub mod hash;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod policy;
pub mod proof;
pub mod record;
pub mod sequencer;
pub mod storage;
pub mod tile;
pub mod verify;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use cosignature::{CosignatureSigner, CosignatureVerifier};
pub use error::Error;
pub use hash::{Hash, leaf_hash, node_hash};
pub use merkle::{HashReader, MemoryTree};
pub use note::{Ed25519Signer, Ed25519Verifier, Note, VerifierList};
pub use policy::Policy;
pub use proof::TlogProof;
pub use record::UploadRecord;
pub use sequencer::{FileLog, Outcome};
pub use storage::FileTiles;
pub use tile::{Tile, TileKind, TileStorage};
