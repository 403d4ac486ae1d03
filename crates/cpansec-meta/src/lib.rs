//! CPAN metadata readers for cpansec: every file a Perl project or CPAN
//! distribution describes itself with, read into one model.
//!
//! Each reader is its own module and is checked against the Perl tool it
//! stands in for (CPAN::Meta, Module::CPANfile, Carton, CPAN::DistnameInfo,
//! Module::Metadata) on real files from `../shared/corpus`.

mod error;
mod installed;
mod module_version;
mod prereqs;

pub use error::{Error, ErrorKind, Location};
pub use installed::{
    DistSource, Installation, InstalledDist, InstalledModule, MAX_METADATA_SIZE, WalkLimits,
    Warning, WarningKind, library_dirs, perl_inc,
};
pub use module_version::{
    DeclaredVersion, MAX_MODULE_SIZE, ModuleInfo, PackageVersion, VersionValue,
};
pub use prereqs::{Phase, Prereq, Prereqs, Relation};
