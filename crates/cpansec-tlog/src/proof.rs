//! Offline proofs (<https://c2sp.org/tlog-proof>): everything needed to check,
//! without contacting the log, that an entry is in it and that witnesses saw it.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>              optional, opaque, unauthenticated
//! index <decimal>             no leading zeros
//! <base64 hash>               zero or more: the inclusion proof, leaf to root
//! <blank line>
//! <signed checkpoint, verbatim>
//! ```
//!
//! Verifying: compute the leaf hash (application-specific), check the checkpoint
//! against a [`Policy`] (log signature and witness quorum), then the inclusion proof
//! against its root.

use std::fmt;

use crate::Error;
use crate::base64::{decode_strict, encode};
use crate::hash::Hash;
use crate::merkle::verify_inclusion;
use crate::policy::{Accepted, Policy};

const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Most inclusion-proof lines read (a tree of `2^64` leaves needs 64).
pub const MAX_PROOF_HASHES: usize = 64;
/// Largest proof file read, in bytes.
pub const MAX_PROOF_SIZE: usize = 1 << 20;

/// A parsed tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque extra data, if any.
    pub extra: Option<Vec<u8>>,
    /// Index of the entry.
    pub index: u64,
    /// Inclusion proof, from the leaf's sibling up.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// Parses a proof file.
    ///
    /// # Errors
    /// [`Error::MalformedProof`] with the line and its text.
    pub fn parse(text: &[u8]) -> Result<TlogProof, Error> {
        let bad = |line, reason, text: &str| Error::MalformedProof {
            line,
            reason,
            text: text.chars().take(100).collect(),
        };
        if text.len() > MAX_PROOF_SIZE {
            return Err(bad(1, "proof too large", ""));
        }
        let text = std::str::from_utf8(text).map_err(|_| bad(1, "not UTF-8", ""))?;
        let (head, checkpoint) =
            text.split_once("\n\n")
                .ok_or(bad(1, "no blank line before the checkpoint", ""))?;
        let mut lines = head
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .peekable();
        match lines.next() {
            Some((_, HEADER)) => {}
            other => {
                return Err(bad(
                    1,
                    "first line is not c2sp.org/tlog-proof@v1",
                    other.map_or("", |l| l.1),
                ));
            }
        }
        let mut extra = None;
        if let Some((line, l)) = lines.peek().copied()
            && let Some(b64) = l.strip_prefix("extra ")
        {
            extra = Some(decode_strict(b64).ok_or(bad(line, "extra is not base64", l))?);
            lines.next();
        }
        let (line, l) = lines.next().ok_or(bad(2, "missing index line", ""))?;
        let digits = l
            .strip_prefix("index ")
            .ok_or(bad(line, "not an index line", l))?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(bad(line, "index is not a decimal without leading zeros", l));
        }
        let index = digits
            .parse()
            .map_err(|_| bad(line, "index overflows 64 bits", l))?;
        let mut proof = Vec::new();
        for (line, l) in lines {
            if proof.len() >= MAX_PROOF_HASHES {
                return Err(bad(line, "too many proof hashes", l));
            }
            let h = Hash::from_base64(l)
                .ok()
                .filter(|h| h.to_base64() == l)
                .ok_or(bad(line, "not a base64 SHA-256 hash", l))?;
            proof.push(h);
        }
        Ok(TlogProof {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies the proof for an entry with leaf hash `leaf` under `policy`.
    ///
    /// # Errors
    /// Policy errors (signatures, quorum), [`Error::InclusionProof`].
    pub fn verify(&self, leaf: &Hash, policy: &Policy) -> Result<Accepted, Error> {
        let accepted = policy.verify_checkpoint(self.checkpoint.as_bytes())?;
        let cp = &accepted.checkpoint;
        verify_inclusion(&self.proof, cp.size(), cp.root(), self.index, leaf)?;
        Ok(accepted)
    }
}

impl fmt::Display for TlogProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{HEADER}")?;
        if let Some(extra) = &self.extra {
            writeln!(f, "extra {}", encode(extra))?;
        }
        writeln!(f, "index {}", self.index)?;
        for h in &self.proof {
            writeln!(f, "{h}")?;
        }
        writeln!(f)?;
        f.write_str(&self.checkpoint)
    }
}
