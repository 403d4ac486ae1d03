//! RFC 6962 hashing: the leaf and interior-node hashes of a Merkle tree.
//!
//! A leaf hash is `SHA-256(0x00 || data)`, an interior node is
//! `SHA-256(0x01 || left || right)` (RFC 6962, section 2.1). The prefixes keep a
//! leaf from ever being confused with a node, so a proof cannot pass off a subtree
//! as an entry. The hash of the empty tree is `SHA-256("")`.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::Error;

/// Size in bytes of every hash in the tree.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 Merkle tree hash.
///
/// `Display` and `FromStr` use standard base64 (the form used in checkpoints,
/// proofs and the test vectors); `Debug` prints hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

impl Hash {
    /// The root hash of the empty tree, `SHA-256("")`.
    pub const EMPTY_TREE: Hash = Hash([
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ]);

    /// The hash as bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Reads a hash from exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::HashLength`] if `bytes` is not 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, Error> {
        <[u8; HASH_SIZE]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| Error::HashLength { len: bytes.len() })
    }

    /// Decodes a standard-base64 hash.
    ///
    /// # Errors
    /// [`Error::Base64`] if the text is not base64, [`Error::HashLength`] if it does not
    /// decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Hash, Error> {
        let bytes = STANDARD.decode(text).map_err(|_| Error::Base64 {
            what: "hash",
            text: text.to_owned(),
        })?;
        Hash::from_slice(&bytes)
    }

    /// Standard base64 of the hash (44 characters).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hash(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl FromStr for Hash {
    type Err = Error;
    fn from_str(s: &str) -> Result<Hash, Error> {
        Hash::from_base64(s)
    }
}

/// The RFC 6962 hash of a log entry: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// The RFC 6962 hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_is_sha256_of_nothing() {
        assert_eq!(Hash(Sha256::digest(b"").into()), Hash::EMPTY_TREE);
        assert_eq!(
            Hash::EMPTY_TREE.to_base64(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn rfc6962_empty_leaf() {
        // RFC 6962 reference: the leaf hash of the empty entry.
        assert_eq!(
            leaf_hash(b"").to_base64(),
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="
        );
    }

    #[test]
    fn base64_round_trip_and_length_checked() {
        let h = leaf_hash(b"x");
        assert_eq!(h.to_string().parse::<Hash>().ok(), Some(h));
        assert!(matches!(
            Hash::from_base64("ZG9uJ3QgY2FyZSAx"),
            Err(Error::HashLength { len: 12 })
        ));
        assert!(matches!(Hash::from_base64("!!"), Err(Error::Base64 { .. })));
    }
}
