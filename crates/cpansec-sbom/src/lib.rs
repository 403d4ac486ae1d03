#![doc = include_str!("../README.md")]

mod build;
pub mod cyclonedx;
mod error;
mod graph;
pub mod hashes;
mod ids;
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
    Completeness, Component, ComponentId, Dependencies, Hashes, Kind, License, Need, Origin, Patch,
    RefKind, Reference, Sbom, Scope,
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
    /// The document for `sbom` in this format.
    pub fn document(self, sbom: &Sbom) -> serde_json::Value {
        match self {
            Format::CycloneDx16 => cyclonedx::document(sbom, cyclonedx::Version::V1_6),
            Format::CycloneDx15 => cyclonedx::document(sbom, cyclonedx::Version::V1_5),
            Format::Spdx23 => spdx2::document(sbom),
            Format::Spdx301 => spdx3::document(sbom),
        }
    }

    /// Writes the document as indented JSON and a final newline.
    pub fn write(self, sbom: &Sbom, out: &mut impl Write) -> io::Result<()> {
        match self {
            Format::CycloneDx16 => cyclonedx::write(sbom, cyclonedx::Version::V1_6, out),
            Format::CycloneDx15 => cyclonedx::write(sbom, cyclonedx::Version::V1_5, out),
            Format::Spdx23 => spdx2::write(sbom, out),
            Format::Spdx301 => spdx3::write(sbom, out),
        }
    }
}

/// The tool named as the SBOM's creator.
pub(crate) const TOOL_NAME: &str = "cpansec";
pub(crate) const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
pub(crate) const TOOL_URL: &str = "https://github.com/cpansec/cpansec";

/// The version-5 UUID of a document: of its format tag and its bytes without
/// the field the UUID goes into.
///
/// The compact JSON is hashed as it is serialized, never held in memory.
pub(crate) fn content_uuid(tag: &str, doc: &impl serde::Serialize) -> String {
    let mut name = ids::Uuid5::new();
    name.update(tag.as_bytes());
    name.update(&[0]);
    {
        // The serializer writes token by token: hash in blocks.
        let mut buffered = io::BufWriter::with_capacity(32 * 1024, &mut name);
        // Serializing plain data into a hash cannot fail.
        let _ = serde_json::to_writer(&mut buffered, doc);
        let _ = buffered.flush();
    }
    name.finish()
}
