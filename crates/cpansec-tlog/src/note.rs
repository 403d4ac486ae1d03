//! Signed notes (<https://c2sp.org/signed-note>): text signed by one or more keys.
//!
//! # Format
//!
//! ```text
//! <text, one or more lines, each ending in "\n">
//! <blank line>
//! — <key name> <base64(key id (4 bytes, big-endian) || signature)>
//! — <key name> <...>            (one or more signature lines)
//! ```
//!
//! * The whole note is UTF-8 with no ASCII control character but newline.
//! * The text ends in a newline and may contain blank lines: the *last* blank line
//!   separates it from the signatures.
//! * A key name is non-empty and has no Unicode space and no `+`.
//! * A signature decodes to at least 5 bytes: the 32-bit key id, then the
//!   signature proper. Ed25519 (type `0x01`) signs the text, final newline included.
//! * The key id is the first four bytes of
//!   `SHA-256(name || "\n" || type || public key)` ([`key_id`]).
//!
//! # Keys
//!
//! ```text
//! verifier key:  <name>+<8 hex digits key id>+base64(type || public key)
//! signer key:    PRIVATE+KEY+<name>+<8 hex digits key id>+base64(type || seed)
//! ```
//!
//! The signer key format is Go's `golang.org/x/mod/sumdb/note`: for Ed25519 the
//! 32-byte seed of RFC 8032. The key id in a key must be the one computed from its
//! name and public key.
//!
//! # Verification rules
//!
//! [`open`] accepts a note only if at least one signature is by a known key and
//! every signature by a known key verifies. A signature is *by* a key when both
//! its name and key id match; a signature matching only one of them is someone
//! else's and is kept, unverified, in [`Note::unverified`]. Repeated signatures by
//! one known key count once; repeated identical unknown signatures are kept once.
//! At most [`MAX_SIGNATURES`] signature lines and [`MAX_NOTE_SIZE`] bytes are read.
//!
//! ```
//! use cpansec_tlog::note::{self, Ed25519Signer, VerifierList};
//!
//! let signer = Ed25519Signer::generate("example.com/log").unwrap();
//! let msg = note::sign(&note::Note::new("hello\n"), &[&signer]).unwrap();
//! let verifiers = VerifierList::new(vec![Box::new(signer.verifier())]);
//! let opened = note::open(msg.as_bytes(), &verifiers).unwrap();
//! assert_eq!(opened.text(), "hello\n");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::base64::{decode_lenient, encode};

/// Signature type byte of plain Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Most signature lines [`open`] reads (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;
/// Largest note [`open`] reads, in bytes.
pub const MAX_NOTE_SIZE: usize = 1 << 20;

const SIG_PREFIX: &str = "\u{2014} ";
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Key id: `SHA-256(name || "\n" || alg || public key)[:4]`, big-endian.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Is `name` a valid key name (non-empty, no Unicode space, no `+`)?
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// Checks a verifier against a signature: knows its key's name, id and algorithm.
pub trait Verifier: fmt::Debug + Send + Sync {
    /// Key name.
    fn name(&self) -> &str;
    /// Key id.
    fn key_id(&self) -> u32;
    /// Does `sig` (without the key id) sign `text` (the note text)?
    fn verify(&self, text: &[u8], sig: &[u8]) -> bool;
}

/// Signs note text.
pub trait Signer: fmt::Debug {
    /// Key name.
    fn name(&self) -> &str;
    /// Key id.
    fn key_id(&self) -> u32;
    /// Signature of `text` (without the key id).
    ///
    /// # Errors
    /// Whatever the signing backend reports.
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, Error>;
}

/// Finds the verifier for a signature's key name and id.
pub trait Verifiers {
    /// The verifier for (`name`, `key_id`).
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if there is none (the signature is then kept as
    /// unverified), any other error to reject the note (e.g. [`Error::AmbiguousKey`]).
    fn verifier(&self, name: &str, key_id: u32) -> Result<&dyn Verifier, Error>;
}

/// A fixed set of verifiers.
#[derive(Debug, Default)]
pub struct VerifierList {
    by_key: BTreeMap<(String, u32), Vec<Box<dyn Verifier>>>,
}

impl VerifierList {
    /// The verifiers given. Two for the same name and key id are allowed here but
    /// make any note signed by that key fail with [`Error::AmbiguousKey`].
    pub fn new(verifiers: Vec<Box<dyn Verifier>>) -> VerifierList {
        let mut by_key: BTreeMap<(String, u32), Vec<Box<dyn Verifier>>> = BTreeMap::new();
        for v in verifiers {
            by_key
                .entry((v.name().to_owned(), v.key_id()))
                .or_default()
                .push(v);
        }
        VerifierList { by_key }
    }
}

impl Verifiers for VerifierList {
    fn verifier(&self, name: &str, key_id: u32) -> Result<&dyn Verifier, Error> {
        match self
            .by_key
            .get(&(name.to_owned(), key_id))
            .map(Vec::as_slice)
        {
            Some([one]) => Ok(one.as_ref()),
            Some([_, _, ..]) => Err(Error::AmbiguousKey {
                key: format!("{name}+{key_id:08x}"),
            }),
            _ => Err(Error::UnknownKey {
                key: format!("{name}+{key_id:08x}"),
            }),
        }
    }
}

/// An Ed25519 note verifier (signature type `0x01`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ed25519Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Ed25519Verifier {
    /// A verifier for `name` and a 32-byte Ed25519 public key.
    ///
    /// # Errors
    /// [`Error::InvalidVerifierKey`] if the name is invalid or the key is not a
    /// valid Ed25519 point.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Ed25519Verifier, Error> {
        let bad = |reason| Error::InvalidVerifierKey {
            key: name.to_owned(),
            reason,
        };
        if !is_valid_name(name) {
            return Err(bad("invalid key name"));
        }
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| bad("not an Ed25519 key"))?;
        Ok(Ed25519Verifier {
            name: name.to_owned(),
            key_id: key_id(name, ALG_ED25519, public_key),
            key,
        })
    }

    /// Parses a verifier key `name+keyid+base64(0x01 || key)`.
    ///
    /// # Errors
    /// [`Error::InvalidVerifierKey`] naming what is wrong.
    pub fn from_vkey(vkey: &str) -> Result<Ed25519Verifier, Error> {
        let (name, id, alg, key) = split_vkey(vkey)?;
        let bad = |reason| Error::InvalidVerifierKey {
            key: vkey.to_owned(),
            reason,
        };
        if alg != ALG_ED25519 {
            return Err(bad("not an Ed25519 note key (type 0x01)"));
        }
        let key: [u8; 32] = key
            .as_slice()
            .try_into()
            .map_err(|_| bad("public key is not 32 bytes"))?;
        let v = Ed25519Verifier::new(name, &key).map_err(|_| bad("not an Ed25519 key"))?;
        if v.key_id != id {
            return Err(bad("key id does not match name and key"));
        }
        Ok(v)
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The verifier key text.
    pub fn vkey(&self) -> String {
        format_vkey(&self.name, self.key_id, ALG_ED25519, &self.key.to_bytes())
    }
}

impl Verifier for Ed25519Verifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        verify_ed25519(&self.key, text, sig)
    }
}

/// Ed25519 verification as Go's `crypto/ed25519` does it (RFC 8032, cofactorless,
/// canonical `S`), which is what every other implementation of these formats uses.
pub(crate) fn verify_ed25519(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    use ed25519_dalek::Verifier as _;
    ed25519_dalek::Signature::from_slice(sig).is_ok_and(|sig| key.verify(msg, &sig).is_ok())
}

/// An Ed25519 note signer (signature type `0x01`).
pub struct Ed25519Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl fmt::Debug for Ed25519Signer {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Ed25519Signer {
    /// A signer for `name` from a 32-byte RFC 8032 seed.
    ///
    /// # Errors
    /// [`Error::InvalidSigner`] if the name is invalid.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Ed25519Signer, Error> {
        if !is_valid_name(name) {
            return Err(Error::InvalidSigner {
                name: name.to_owned(),
            });
        }
        let key = SigningKey::from_bytes(seed);
        Ok(Ed25519Signer {
            name: name.to_owned(),
            key_id: key_id(name, ALG_ED25519, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// A new random key for `name`, from the operating system's generator.
    ///
    /// # Errors
    /// [`Error::InvalidSigner`] if the name is invalid.
    pub fn generate(name: &str) -> Result<Ed25519Signer, Error> {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Ed25519Signer::from_seed(name, &key.to_bytes())
    }

    /// Parses a signer key `PRIVATE+KEY+name+keyid+base64(0x01 || seed)`.
    ///
    /// # Errors
    /// [`Error::InvalidSignerKey`] naming what is wrong (never quoting the key).
    pub fn from_skey(skey: &str) -> Result<Ed25519Signer, Error> {
        let bad = |reason| Error::InvalidSignerKey { reason };
        let rest = skey
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(bad("no PRIVATE+KEY+ prefix"))?;
        let (name, id, alg, seed) =
            split_vkey(rest).map_err(|_| bad("not name+keyid+base64 after the prefix"))?;
        if alg != ALG_ED25519 {
            return Err(bad("not an Ed25519 note key (type 0x01)"));
        }
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| bad("seed is not 32 bytes"))?;
        let s = Ed25519Signer::from_seed(name, &seed).map_err(|_| bad("invalid key name"))?;
        if s.key_id != id {
            return Err(bad("key id does not match name and key"));
        }
        Ok(s)
    }

    /// The signer key text (secret).
    pub fn skey(&self) -> String {
        format!(
            "{PRIVATE_PREFIX}{}",
            format_vkey(&self.name, self.key_id, ALG_ED25519, &self.key.to_bytes())
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Raw Ed25519 signature of `msg` (deterministic, RFC 8032).
    pub fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

impl Signer for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.key_id
    }
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.sign_raw(text).to_vec())
    }
}

/// Splits `name+hex8+base64` into name, key id, type byte and key material.
pub(crate) fn split_vkey(vkey: &str) -> Result<(&str, u32, u8, Vec<u8>), Error> {
    let bad = |reason| Error::InvalidVerifierKey {
        key: vkey.to_owned(),
        reason,
    };
    let (name, rest) = vkey.split_once('+').ok_or(bad("not name+keyid+base64"))?;
    let (id, b64) = rest.split_once('+').ok_or(bad("not name+keyid+base64"))?;
    if !is_valid_name(name) {
        return Err(bad("invalid key name"));
    }
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| bad("key id is not 8 hex digits"))?;
    let mut raw = crate::base64::decode_strict(b64).ok_or(bad("key is not base64"))?;
    if raw.is_empty() {
        return Err(bad("key is empty"));
    }
    let alg = raw.remove(0);
    Ok((name, id, alg, raw))
}

/// Formats `name+hex8+base64(alg || key)`.
pub(crate) fn format_vkey(name: &str, key_id: u32, alg: u8, key: &[u8]) -> String {
    let mut raw = Vec::with_capacity(1 + key.len());
    raw.push(alg);
    raw.extend_from_slice(key);
    format!("{name}+{key_id:08x}+{}", encode(&raw))
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature {
    /// Key name.
    pub name: String,
    /// Key id (the first four bytes of the decoded signature).
    pub key_id: u32,
    /// The signature as written: base64 of key id and signature.
    pub base64: String,
}

impl Signature {
    /// The signature bytes after the key id.
    pub fn signature(&self) -> Vec<u8> {
        decode_lenient(&self.base64)
            .map(|raw| raw.get(4..).map(<[u8]>::to_vec).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl fmt::Display for Signature {
    /// The signature line, without its newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SIG_PREFIX}{} {}", self.name, self.base64)
    }
}

/// A note: text, the signatures that verified, and those by unknown keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note {
    text: String,
    sigs: Vec<Signature>,
    unverified: Vec<Signature>,
}

impl Note {
    /// An unsigned note with this text (checked when it is signed).
    pub fn new(text: impl Into<String>) -> Note {
        Note {
            text: text.into(),
            ..Note::default()
        }
    }

    /// The text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Signatures by known keys that verified, in note order.
    pub fn signatures(&self) -> &[Signature] {
        &self.sigs
    }

    /// Signatures by unknown keys, in note order, not verified.
    pub fn unverified(&self) -> &[Signature] {
        &self.unverified
    }

    /// All signatures, verified first, as written.
    pub fn all_signatures(&self) -> impl Iterator<Item = &Signature> {
        self.sigs.iter().chain(&self.unverified)
    }
}

/// Checks the characters of a note or note text: no control character but `\n`.
fn check_chars(text: &str) -> Result<(), Error> {
    let mut line = 1;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        } else if c < ' ' {
            return Err(Error::MalformedNote {
                line,
                reason: "control character",
            });
        }
    }
    Ok(())
}

/// Parses and verifies a signed note. See the module doc for the rules.
///
/// Cost: one signature verification per distinct known key.
///
/// # Errors
/// [`Error::NoteTooLarge`]; [`Error::MalformedNote`] with the 1-based line;
/// [`Error::InvalidSignature`] if a known key's signature fails;
/// [`Error::UnverifiedNote`] (carrying the parsed note) if no known key signed it;
/// [`Error::MismatchedVerifier`] or errors from `verifiers` other than unknown key.
pub fn open(msg: &[u8], verifiers: &dyn Verifiers) -> Result<Note, Error> {
    if msg.len() > MAX_NOTE_SIZE {
        return Err(Error::NoteTooLarge { len: msg.len() });
    }
    let msg = std::str::from_utf8(msg).map_err(|e| Error::MalformedNote {
        line: 1 + msg
            .get(..e.valid_up_to())
            .map_or(0, |p| p.iter().filter(|&&b| b == b'\n').count()),
        reason: "not UTF-8",
    })?;
    check_chars(msg)?;
    let split = msg.rfind("\n\n").ok_or(Error::MalformedNote {
        line: 1 + msg.matches('\n').count(),
        reason: "no blank line before the signatures",
    })?;
    let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
    let first_sig_line = 2 + text.matches('\n').count();
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(Error::MalformedNote {
            line: first_sig_line,
            reason: "signature block is empty or does not end in a newline",
        });
    }
    let mut note = Note::new(text);
    let mut seen: BTreeSet<(&str, u32)> = BTreeSet::new();
    let mut seen_unverified: BTreeSet<&str> = BTreeSet::new();
    for (count, sig_line) in sigs.split_terminator('\n').enumerate() {
        let line = first_sig_line + count;
        if count >= MAX_SIGNATURES {
            return Err(Error::MalformedNote {
                line,
                reason: "too many signatures",
            });
        }
        let malformed = |reason| Error::MalformedNote { line, reason };
        let rest = sig_line
            .strip_prefix(SIG_PREFIX)
            .ok_or(malformed("not a signature line"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(malformed("no space after the key name"))?;
        if !is_valid_name(name) {
            return Err(malformed("invalid key name"));
        }
        let raw = decode_lenient(b64).ok_or(malformed("signature is not base64"))?;
        let (id, sig) = raw
            .split_first_chunk::<4>()
            .ok_or(malformed("signature too short"))?;
        if sig.is_empty() {
            return Err(malformed("signature too short"));
        }
        let id = u32::from_be_bytes(*id);
        let signature = Signature {
            name: name.to_owned(),
            key_id: id,
            base64: b64.to_owned(),
        };
        match verifiers.verifier(name, id) {
            Err(Error::UnknownKey { .. }) => {
                if seen_unverified.insert(rest) {
                    note.unverified.push(signature);
                }
            }
            Err(e) => return Err(e),
            Ok(v) => {
                if v.name() != name || v.key_id() != id {
                    return Err(Error::MismatchedVerifier {
                        key: format!("{name}+{id:08x}"),
                    });
                }
                if !seen.insert((name, id)) {
                    continue;
                }
                if !v.verify(text.as_bytes(), sig) {
                    return Err(Error::InvalidSignature {
                        key: format!("{name}+{id:08x}"),
                    });
                }
                note.sigs.push(signature);
            }
        }
    }
    if note.sigs.is_empty() {
        return Err(Error::UnverifiedNote {
            note: Box::new(note),
        });
    }
    Ok(note)
}

/// Signs `note`'s text with each signer and encodes the signed note.
///
/// The existing signatures of `note` (verified, then unverified) come first, except
/// those by a key that signs now; the new signatures follow in signer order.
///
/// # Errors
/// [`Error::MalformedNote`] if the text is empty, does not end in a newline, has a
/// control character, or an existing signature is inconsistent;
/// [`Error::InvalidSigner`] for a signer with an invalid name; signer errors.
pub fn sign(note: &Note, signers: &[&dyn Signer]) -> Result<String, Error> {
    let text = note.text();
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote {
            line: 1 + text.matches('\n').count(),
            reason: "text does not end in a newline",
        });
    }
    check_chars(text)?;
    let line = 2 + text.matches('\n').count();
    let mut out = String::with_capacity(text.len() + 128 * (signers.len() + 1));
    out.push_str(text);
    out.push('\n');
    let mut new_sigs = String::new();
    let mut signing: BTreeSet<(&str, u32)> = BTreeSet::new();
    for s in signers {
        if !is_valid_name(s.name()) {
            return Err(Error::InvalidSigner {
                name: s.name().to_owned(),
            });
        }
        signing.insert((s.name(), s.key_id()));
        let sig = s.sign(text.as_bytes())?;
        let mut raw = s.key_id().to_be_bytes().to_vec();
        raw.extend_from_slice(&sig);
        new_sigs.push_str(&format!("{SIG_PREFIX}{} {}\n", s.name(), encode(&raw)));
    }
    for old in note.all_signatures() {
        let malformed = Error::MalformedNote {
            line,
            reason: "existing signature is inconsistent",
        };
        if !is_valid_name(&old.name) {
            return Err(malformed);
        }
        if signing.contains(&(old.name.as_str(), old.key_id)) {
            continue;
        }
        let raw = decode_lenient(&old.base64).ok_or(malformed.clone())?;
        if raw.len() < 5 || raw.get(..4) != Some(&old.key_id.to_be_bytes()[..]) {
            return Err(malformed);
        }
        out.push_str(&format!("{old}\n"));
    }
    out.push_str(&new_sigs);
    Ok(out)
}
