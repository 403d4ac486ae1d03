#![doc = include_str!("../README.md")]

mod apply;
mod diff;
mod error;
mod record;
mod registry;
mod tree;

pub use apply::{Offset, Outcome, Plan, Status};
pub use diff::{FilePatch, Hunk, Line, LineKind, Patch};
pub use error::PatchError;
pub use record::{Applied, RECORD_FILE, Record, sha256_hex};
pub use registry::{Entry, PatchName, Registry};
pub use tree::Tree;
