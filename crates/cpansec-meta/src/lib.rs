//! CPAN metadata readers for cpansec: every file a Perl project or CPAN
//! distribution describes itself with, read into one model.
//!
//! Each reader is its own module and is checked against the Perl tool it
//! stands in for (CPAN::Meta, Module::CPANfile, Carton, CPAN::DistnameInfo,
//! Module::Metadata) on real files from `../shared/corpus`.

mod corelist;
mod distpath;
mod error;
mod prereqs;
mod purl;

pub use corelist::{CoreList, CoreVersion, MAX_CORELIST_BYTES, PerlRelease, Upstream};
pub use distpath::{DistPath, DistnameInfo, Maturity, distname_info};
pub use error::{Error, ErrorKind, Location};
pub use prereqs::{Phase, Prereq, Prereqs, Relation};
pub use purl::{Purl, PurlError, PurlParts};
