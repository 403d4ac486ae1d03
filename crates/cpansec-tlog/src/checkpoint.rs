//! Checkpoints (<https://c2sp.org/tlog-checkpoint>): a log's signed tree head, as
//! the text of a signed note.
//!
//! ```text
//! <origin>            non-empty; the log's identity (and its key name)
//! <size>              decimal, no leading zeros
//! <root hash>         base64 of the 32-byte RFC 6962 root
//! [<extension line>]  zero or more, non-empty, opaque
//! ```
//!
//! Every line ends in a newline. A log must never sign two checkpoints that are not
//! consistent with each other; [`Checkpoint`] itself is just the data.

use std::fmt;
use std::str::FromStr;

use crate::Error;
use crate::hash::Hash;
use crate::note::{self, Note, Signer, Verifiers};

/// Largest checkpoint body read, in bytes (origin, size, root and extensions).
pub const MAX_CHECKPOINT_SIZE: usize = 1 << 16;

/// A checkpoint body. Invariants: the origin and extension lines are non-empty and
/// hold no newline or other control character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint with no extension lines.
    ///
    /// # Errors
    /// [`Error::MalformedCheckpoint`] if the origin is empty or has a control
    /// character.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, Error> {
        check_line(1, origin, "origin is empty or has a control character")?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Adds extension lines.
    ///
    /// # Errors
    /// [`Error::MalformedCheckpoint`] if a line is empty or has a control character.
    pub fn with_extensions(mut self, lines: &[&str]) -> Result<Checkpoint, Error> {
        for (i, l) in lines.iter().enumerate() {
            check_line(
                4 + i,
                l,
                "extension line is empty or has a control character",
            )?;
            self.extensions.push((*l).to_owned());
        }
        Ok(self)
    }

    /// The log's identity.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of records.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines, without newlines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// Signs this checkpoint as a note.
    ///
    /// # Errors
    /// Signer errors.
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<String, Error> {
        note::sign(&Note::new(self.to_string()), signers)
    }

    /// Opens a signed checkpoint: verifies the note with `verifiers`, parses its
    /// text, and checks the origin is `origin`.
    ///
    /// # Errors
    /// Note errors ([`note::open`]), [`Error::MalformedCheckpoint`],
    /// [`Error::WrongOrigin`].
    pub fn open(
        msg: &[u8],
        origin: &str,
        verifiers: &dyn Verifiers,
    ) -> Result<(Checkpoint, Note), Error> {
        let note = note::open(msg, verifiers)?;
        let cp: Checkpoint = note.text().parse()?;
        if cp.origin != origin {
            return Err(Error::WrongOrigin {
                want: origin.to_owned(),
                got: cp.origin,
            });
        }
        Ok((cp, note))
    }
}

fn check_line(line: usize, text: &str, reason: &'static str) -> Result<(), Error> {
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(Error::MalformedCheckpoint {
            line,
            reason,
            text: text.to_owned(),
        });
    }
    Ok(())
}

impl fmt::Display for Checkpoint {
    /// The note text: every line newline-terminated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n{}\n{}", self.origin, self.size, self.root)?;
        for e in &self.extensions {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

impl FromStr for Checkpoint {
    type Err = Error;

    /// Parses a note text (not the signed note). Exactly one spelling is accepted
    /// per checkpoint, so `parse` then `to_string` gives the input back.
    fn from_str(text: &str) -> Result<Checkpoint, Error> {
        let bad = |line, reason, text: &str| Error::MalformedCheckpoint {
            line,
            reason,
            text: text.to_owned(),
        };
        if text.len() > MAX_CHECKPOINT_SIZE {
            return Err(bad(1, "checkpoint too large", ""));
        }
        let Some(body) = text.strip_suffix('\n') else {
            return Err(bad(1, "text does not end in a newline", text));
        };
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        check_line(1, origin, "origin is empty or has a control character")?;
        let size = lines.next().ok_or(bad(2, "missing tree size", ""))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(bad(
                2,
                "tree size is not a decimal without leading zeros",
                size,
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| bad(2, "tree size overflows 64 bits", size))?;
        let root_line = lines.next().ok_or(bad(3, "missing root hash", ""))?;
        let root = Hash::from_base64(root_line)
            .ok()
            .filter(|h| h.to_base64() == root_line)
            .ok_or(bad(
                3,
                "root hash is not canonical base64 of 32 bytes",
                root_line,
            ))?;
        let mut cp = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        };
        for (i, l) in lines.enumerate() {
            check_line(
                4 + i,
                l,
                "extension line is empty or has a control character",
            )?;
            cp.extensions.push(l.to_owned());
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        let text = "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\next one\n";
        let cp: Result<Checkpoint, _> = text.parse();
        let cp = cp.expect("parses");
        assert_eq!(cp.size(), 15);
        assert_eq!(cp.extensions(), ["ext one"]);
        assert_eq!(cp.to_string(), text);
    }

    #[test]
    fn rejects() {
        for (text, line) in [
            ("", 1),
            ("o\n1\n", 3),
            ("\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 1),
            ("o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 2),
            ("o\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 2),
            (
                "o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                2,
            ),
            ("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", 3),
            ("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", 1),
            ("o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", 4),
        ] {
            match text.parse::<Checkpoint>() {
                Err(Error::MalformedCheckpoint { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
