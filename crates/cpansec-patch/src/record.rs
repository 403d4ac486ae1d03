//! The record of applied patches kept inside a patched tree, in
//! [`RECORD_FILE`] at its root, so that a later `cpansec sbom` of the tree (or
//! of what was built from it) can list the patches as pedigree, and a second
//! `patch apply` knows what is already there.
//!
//! ```json
//! { "format": 1,
//!   "applied": [ { "cve": "CVE-2025-40906", "revision": 1, "dist": "BSON-XS",
//!                  "version": "0.8.4", "file": "CVE-2025-40906-r1.patch",
//!                  "sha256": "…", "files": ["lib/BSON/XS.pm"] } ] }
//! ```
//! Entries are sorted by CVE and revision; the file is rewritten only when an
//! entry is added.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{PatchError, Tree};

/// The record's file name, at the root of the tree.
pub const RECORD_FILE: &str = ".cpansec-patches.json";

/// The patches applied to a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub format: u32,
    pub applied: Vec<Applied>,
}

/// One applied patch.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applied {
    pub cve: String,
    pub revision: u32,
    pub dist: String,
    pub version: String,
    /// The patch's file name in the registry.
    pub file: String,
    /// SHA-256 of the patch file, hex.
    pub sha256: String,
    /// The files of the tree the patch changes.
    pub files: Vec<String>,
}

impl Record {
    /// The tree's record; an empty one when the tree has none.
    pub fn read(tree: &Tree) -> Result<Record, PatchError> {
        match tree.read(RECORD_FILE)? {
            None => Ok(Record {
                format: 1,
                applied: Vec::new(),
            }),
            Some(bytes) => Record::parse(&bytes, &tree.root().join(RECORD_FILE)),
        }
    }

    pub fn parse(bytes: &[u8], path: &Path) -> Result<Record, PatchError> {
        let record: Record = serde_json::from_slice(bytes).map_err(|e| PatchError::Malformed {
            path: path.to_path_buf(),
            line: e.line(),
            reason: format!("not a cpansec patch record: {e}"),
        })?;
        if record.format != 1 {
            return Err(PatchError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                reason: format!("unknown record format {}", record.format),
            });
        }
        Ok(record)
    }

    /// The entry for this CVE and revision, if recorded.
    pub fn find(&self, cve: &str, revision: u32) -> Option<&Applied> {
        self.applied
            .iter()
            .find(|a| a.cve == cve && a.revision == revision)
    }

    /// Adds an entry (kept sorted); false when it was there already.
    pub fn add(&mut self, applied: Applied) -> bool {
        if self.find(&applied.cve, applied.revision).is_some() {
            return false;
        }
        self.applied.push(applied);
        self.applied.sort();
        true
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
