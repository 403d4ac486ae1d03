#![doc = include_str!("../README.md")]

mod build;
pub mod cyclonedx;
mod error;
mod graph;
pub mod hashes;
mod ids;
mod json;
mod model;
pub mod read;
pub mod spdx2;
pub mod spdx3;
mod time;

use std::io::{self, Write};

pub use build::{CPAN_DOWNLOAD_BASE, Options};
pub use error::Error;
pub use ids::uuid_v5;
pub use model::{
    Completeness, Component, ComponentId, Dependencies, Edge, Hashes, Kind, License, Need, Origin,
    Patch, RefKind, Reference, Sbom, Scope,
};
pub use read::{SbomComponent, SbomDocument, SbomEdge, SbomKind};
pub use time::Timestamp;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    CycloneDx16,
    /// CycloneDX 1.5 JSON, for consumers that do not read 1.6 yet.
    CycloneDx15,
    /// SPDX 2.3 JSON.
    Spdx23,
    /// SPDX 3.0.1 JSON-LD.
    Spdx301,
}

impl Format {
    /// The document for `sbom` in this format (the written bytes, read back).
    pub fn document(self, sbom: &Sbom) -> serde_json::Value {
        // The writers write valid JSON.
        serde_json::from_slice(&self.render(sbom)).unwrap_or(serde_json::Value::Null)
    }

    /// The document as indented JSON and a final newline.
    pub fn render(self, sbom: &Sbom) -> Vec<u8> {
        match self {
            Format::CycloneDx16 => cyclonedx::render(sbom, cyclonedx::Version::V1_6),
            Format::CycloneDx15 => cyclonedx::render(sbom, cyclonedx::Version::V1_5),
            Format::Spdx23 => spdx2::render(sbom),
            Format::Spdx301 => spdx3::render(sbom),
        }
    }

    /// Writes the document as indented JSON and a final newline.
    pub fn write(self, sbom: &Sbom, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.render(sbom))
    }
}

/// The tool named as the SBOM's creator.
pub(crate) const TOOL_NAME: &str = "cpansec";
pub(crate) const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
pub(crate) const TOOL_URL: &str = "https://github.com/cpansec/cpansec";

/// The UUID a document is written with first, in place of its own.
pub(crate) const ZERO_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// The version-5 UUID of a document: of its format tag, a NUL and the
/// document's bytes as written with [`ZERO_UUID`] where its own UUID goes.
/// The document is written once; the UUID then overwrites the zeros, which
/// have its length.
pub(crate) fn content_uuid(tag: &str, written: &[u8]) -> String {
    let mut name = ids::Uuid5::new();
    name.update(tag.as_bytes());
    name.update(&[0]);
    name.update(written);
    name.finish()
}

/// Writes `doc` as indented JSON and a final newline into a buffer of
/// `capacity` bytes, then gives back what it did not use (the executable's
/// arena allocator takes back the end of its most recent block in place, and
/// so never touches that memory).
pub(crate) fn pretty(doc: &impl serde::Serialize, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    // The documents are plain data with string keys: writing them into
    // memory cannot fail.
    let _ = json::write_pretty(doc, &mut out);
    out.push(b'\n');
    out.shrink_to_fit();
    out
}

/// Where the string value of the top-level `key` of an indented JSON object
/// starts (after its opening quote), if `value` starts there. Raw newlines
/// only occur between tokens, and only top-level keys follow one and two
/// spaces. The search starts from the end when the key is `near_end`.
pub(crate) fn top_level_value(
    written: &[u8],
    key: &str,
    value: &str,
    near_end: bool,
) -> Option<usize> {
    let mut needle = Vec::with_capacity(key.len() + 9);
    needle.extend_from_slice(b"\n  \"");
    needle.extend_from_slice(key.as_bytes());
    needle.extend_from_slice(b"\": \"");
    let at = if near_end {
        written.windows(needle.len()).rposition(|w| w == needle)?
    } else {
        find(written, &needle)?
    } + needle.len();
    written
        .get(at..at + value.len())
        .is_some_and(|v| v == value.as_bytes())
        .then_some(at)
}

/// The first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = 0;
    while let Some(rest) = haystack.get(at..) {
        let start = at + rest.iter().position(|&b| b == first)?;
        if haystack
            .get(start..start + needle.len())
            .is_some_and(|w| w == needle)
        {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// Overwrites `bytes` at `at` with `with` (same length; out of range is a
/// no-op).
pub(crate) fn overwrite(bytes: &mut [u8], at: usize, with: &str) {
    if let Some(dst) = bytes.get_mut(at..at + with.len()) {
        dst.copy_from_slice(with.as_bytes());
    }
}

/// Serializes the concatenation of `parts` as one JSON string. Joined in a
/// buffer first: one escaping pass, no formatting machinery.
pub(crate) fn serialize_joined<S: serde::Serializer>(
    s: S,
    parts: &[&str],
) -> Result<S::Ok, S::Error> {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        joined.push_str(p);
    }
    s.serialize_str(&joined)
}
