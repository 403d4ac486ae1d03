//! Software composition analysis for Perl projects.
//!
//! The pipeline is three plain steps, each its own module:
//! [`deps`] reads a project into a [`DependencySet`] (distribution, exact
//! version or requirement range, the file and line that named it, how it was
//! reached); [`scan`] matches that set against the advisory database into a
//! [`Report`] of findings with a remediation per distribution and a plan;
//! [`render`] writes a report as a table, JSON, SARIF 2.1.0 or Markdown.
//! [`policy`] applies `.cpansec.toml` ignores between scanning and rendering.
//!
//! Matching follows ARCHITECTURE.md: an exact version is tested with `==`
//! semantics; a range is reported when it admits an affected known release,
//! and the finding names those releases.

pub mod deps;
mod error;
pub mod installed;
pub mod policy;
pub mod render;
pub mod sbom;
pub mod scan;
pub mod tarball;

pub use deps::{DepVersion, Dependency, DependencySet, Origin, Reached};
pub use error::Error;
pub use installed::{PerlInfo, PerlTarget, query_perl};
pub use policy::{Ignore, Policy, PolicyOutcome};
pub use render::{Format, Renderer};
pub use sbom::SbomInput;
pub use scan::{Finding, Fix, Remediation, Report, scan};
