//! Cosignatures (<https://c2sp.org/tlog-cosignature>), the Ed25519 `cosignature/v1`
//! kind: a witness's timestamped statement that a checkpoint is the largest
//! consistent tree head it has seen for that log.
//!
//! A cosignature is a note signature line on the checkpoint whose signature bytes
//! are `timestamp (u64, big-endian) || Ed25519 signature` over
//!
//! ```text
//! cosignature/v1
//! time <timestamp, decimal>
//! <the checkpoint note text, final newline included>
//! ```
//!
//! Its key id is computed with signature type `0x04` (so a verifier key is
//! `name+keyid+base64(0x04 || public key)`). The timestamp is POSIX seconds and at
//! most `2^63 - 1`. Unlike a log signature, the signed message does not name the
//! witness, so one witness key must not be used under two names.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::Error;
use crate::note::{self, Signature, Signer, Verifier, format_vkey, is_valid_name, key_id};

/// Signature type byte of Ed25519 `cosignature/v1`.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// Largest timestamp allowed.
pub const MAX_TIMESTAMP: u64 = (1 << 63) - 1;

/// The message a `cosignature/v1` signs for `checkpoint_text` at `time`.
pub fn signed_message(checkpoint_text: &str, time: u64) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(checkpoint_text.as_bytes());
    m
}

/// The timestamp of a cosignature line, if it is one (8 + 64 bytes).
pub fn timestamp(sig: &Signature) -> Option<u64> {
    let raw = sig.signature();
    (raw.len() == 72).then(|| raw.first_chunk::<8>().map(|t| u64::from_be_bytes(*t)))?
}

/// Verifies `cosignature/v1` signatures of one witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// A verifier for witness `name` with a 32-byte Ed25519 public key.
    ///
    /// # Errors
    /// [`Error::InvalidVerifierKey`] for an invalid name or key.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<CosignatureVerifier, Error> {
        let bad = |reason| Error::InvalidVerifierKey {
            key: name.to_owned(),
            reason,
        };
        if !is_valid_name(name) {
            return Err(bad("invalid key name"));
        }
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            key_id: key_id(name, ALG_COSIGNATURE_V1, public_key),
            key: VerifyingKey::from_bytes(public_key).map_err(|_| bad("not an Ed25519 key"))?,
        })
    }

    /// Parses a verifier key `name+keyid+base64(0x04 || key)`.
    ///
    /// # Errors
    /// [`Error::InvalidVerifierKey`] naming what is wrong.
    pub fn from_vkey(vkey: &str) -> Result<CosignatureVerifier, Error> {
        let (name, id, alg, key) = note::split_vkey(vkey)?;
        let bad = |reason| Error::InvalidVerifierKey {
            key: vkey.to_owned(),
            reason,
        };
        if alg != ALG_COSIGNATURE_V1 {
            return Err(bad("not a cosignature/v1 key (type 0x04)"));
        }
        let key: [u8; 32] = key
            .as_slice()
            .try_into()
            .map_err(|_| bad("public key is not 32 bytes"))?;
        let v = CosignatureVerifier::new(name, &key).map_err(|_| bad("not an Ed25519 key"))?;
        if v.key_id != id {
            return Err(bad("key id does not match name and key"));
        }
        Ok(v)
    }

    /// The verifier key text.
    pub fn vkey(&self) -> String {
        format_vkey(
            &self.name,
            self.key_id,
            ALG_COSIGNATURE_V1,
            self.key.as_bytes(),
        )
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        let Some((time, sig)) = sig.split_first_chunk::<8>() else {
            return false;
        };
        let time = u64::from_be_bytes(*time);
        let Ok(text) = std::str::from_utf8(text) else {
            return false;
        };
        time <= MAX_TIMESTAMP && note::verify_ed25519(&self.key, &signed_message(text, time), sig)
    }
}

/// Makes `cosignature/v1` signatures for one witness.
pub struct CosignatureSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
    time: Option<u64>,
}

impl fmt::Debug for CosignatureSigner {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

impl CosignatureSigner {
    /// A signer for witness `name` from a 32-byte Ed25519 seed. It signs with the
    /// current time unless [`CosignatureSigner::at`] fixes one.
    ///
    /// # Errors
    /// [`Error::InvalidSigner`] for an invalid name.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<CosignatureSigner, Error> {
        if !is_valid_name(name) {
            return Err(Error::InvalidSigner {
                name: name.to_owned(),
            });
        }
        let key = SigningKey::from_bytes(seed);
        Ok(CosignatureSigner {
            name: name.to_owned(),
            key_id: key_id(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes()),
            key,
            time: None,
        })
    }

    /// A new random witness key.
    ///
    /// # Errors
    /// [`Error::InvalidSigner`] for an invalid name.
    pub fn generate(name: &str) -> Result<CosignatureSigner, Error> {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        CosignatureSigner::from_seed(name, &key.to_bytes())
    }

    /// The same signer, signing with the fixed timestamp `time`.
    ///
    /// # Errors
    /// [`Error::CosignatureTime`] above `2^63 - 1`.
    pub fn at(mut self, time: u64) -> Result<CosignatureSigner, Error> {
        if time > MAX_TIMESTAMP {
            return Err(Error::CosignatureTime { time });
        }
        self.time = Some(time);
        Ok(self)
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature bytes (72: timestamp then signature) of a checkpoint text
    /// at `time`.
    ///
    /// # Errors
    /// [`Error::CosignatureTime`] above `2^63 - 1`.
    pub fn cosign(&self, checkpoint_text: &str, time: u64) -> Result<Vec<u8>, Error> {
        if time > MAX_TIMESTAMP {
            return Err(Error::CosignatureTime { time });
        }
        let mut out = time.to_be_bytes().to_vec();
        out.extend_from_slice(
            &self
                .key
                .sign(&signed_message(checkpoint_text, time))
                .to_bytes(),
        );
        Ok(out)
    }
}

impl Signer for CosignatureSigner {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, Error> {
        let text = std::str::from_utf8(text).map_err(|_| Error::MalformedNote {
            line: 1,
            reason: "not UTF-8",
        })?;
        let time = self.time.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
        self.cosign(text, time)
    }
}
