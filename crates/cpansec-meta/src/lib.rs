//! CPAN metadata readers for cpansec: every file a Perl project or CPAN
//! distribution describes itself with, read into one model.
//!
//! Each reader is its own module and is checked against the Perl tool it
//! stands in for (CPAN::Meta, Module::CPANfile, Carton, CPAN::DistnameInfo,
//! Module::Metadata) on real files from `../shared/corpus`.

mod bounded;
mod checksums;
mod error;
mod packages;
mod perl_data;
mod prereqs;
mod snapshot;

pub use checksums::{ChecksumEntry, Checksums, MAX_CHECKSUMS_SIZE, Signature};
pub use error::{Error, ErrorKind, Location};
pub use packages::{MAX_PACKAGES_SIZE, Package, Packages};
pub use perl_data::PerlValue;
pub use prereqs::{Phase, Prereq, Prereqs, Relation};
pub use snapshot::{MAX_SNAPSHOT_SIZE, Snapshot, SnapshotDist};
