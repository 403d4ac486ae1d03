//! The base64 flavours the formats use: standard alphabet with padding, written
//! canonically, read strictly for keys and hashes and leniently (non-zero trailing
//! bits allowed, as Go's decoder does) for signatures, so that a signature with a
//! mangled last character is reported as an invalid signature, like Go reports it.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Standard base64 with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes canonical standard base64.
pub(crate) fn decode_strict(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Decodes standard base64, allowing non-zero trailing bits.
pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    LENIENT.decode(text).ok()
}
