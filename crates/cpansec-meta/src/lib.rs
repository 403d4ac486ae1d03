//! CPAN metadata readers for cpansec: every file a Perl project or CPAN
//! distribution describes itself with, read into one model.
//!
//! Each reader is its own module and is checked against the Perl tool it
//! stands in for (CPAN::Meta, Module::CPANfile, Carton, CPAN::DistnameInfo,
//! Module::Metadata) on real files from `../shared/corpus`.

pub mod cpanfile;
mod bounded;
mod corelist;
mod distpath;
mod error;
pub mod license;
pub mod metafile;
mod installed;
mod module_version;
mod prereqs;
mod snapshot;
mod tarball;

pub use cpanfile::Cpanfile;
mod purl;

pub use corelist::{CoreList, CoreVersion, MAX_CORELIST_BYTES, PerlRelease, Upstream};
pub use distpath::{DistPath, DistnameInfo, Maturity, distname_info};
pub use error::{Error, ErrorKind, Location};
pub use metafile::{
    Bugtracker, Feature, MAX_META_SIZE, Meta, MetaFormat, MetaVersion, NoIndex, Provided,
    ReleaseStatus, Repository, Resources, Source,
pub use installed::{
    DistSource, Installation, InstalledDist, InstalledModule, MAX_METADATA_SIZE, WalkLimits,
    Warning, WarningKind, library_dirs, perl_inc,
};
pub use module_version::{
    DeclaredVersion, MAX_MODULE_SIZE, ModuleInfo, PackageVersion, VersionValue,
};
pub use prereqs::{Phase, Prereq, Prereqs, Relation};
pub use snapshot::{MAX_SNAPSHOT_SIZE, Snapshot, SnapshotDist};
pub use purl::{Purl, PurlError, PurlParts};
pub use tarball::{
    ArchiveFormat, Entry, EntryKind, Limit, MakefilePl, PerlHash, PerlValue, Static, Tarball,
    TarballLimits,
};
