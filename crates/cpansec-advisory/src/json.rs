//! The published JSON format (`cpan-security-advisory.json`, written by the
//! upstream `util/generate`). It is read as a [`Feed`] document (strict:
//! unknown fields, wrong types, strings longer than [`MAX_STRING_LEN`] and
//! trailing data are errors carrying the JSON path and line), which the
//! database is then built from. Nothing is returned from a file that has an
//! error.
//!
//! ```text
//! { "meta": { "commit", "repo", "date", "epoch", "generator", ... },
//!   "module2dist": { "Module::Name": "Dist-Name", ... },
//!   "dists": { "Dist-Name": { "main_module", "versions": [ {"version", "date",
//!              "perl_release"?, "dual_lived"?} ], "advisories": [ {...} ] } } }
//! ```

use crate::Error;
use crate::feed::{Feed, Parsed};

pub use crate::feed::MAX_STRING_LEN;

/// Parses `bytes` as the published JSON format. `source_name` names the
/// input in errors.
pub(crate) fn parse(bytes: &[u8], source_name: &str) -> Result<Parsed, Error> {
    Ok(Feed::parse(bytes, source_name)?.into_parsed())
}
