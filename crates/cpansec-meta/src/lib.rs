//! CPAN metadata readers for cpansec: every file a Perl project or CPAN
//! distribution describes itself with, read into one model.
//!
//! Each reader is its own module and is checked against the Perl tool it
//! stands in for (CPAN::Meta, Module::CPANfile, Carton, CPAN::DistnameInfo,
//! Module::Metadata, Module::CoreList) on real files from `../shared/corpus`.

mod bounded;
mod checksums;
mod corelist;
pub mod cpanfile;
mod distpath;
mod error;
mod installed;
pub mod license;
pub mod metafile;
mod module_map;
mod module_version;
mod packages;
mod perl_data;
mod prereqs;
mod purl;
mod snapshot;
mod tarball;

pub use checksums::{ChecksumEntry, Checksums, MAX_CHECKSUMS_SIZE, Signature};
pub use corelist::{CoreList, CoreVersion, MAX_CORELIST_BYTES, PerlRelease, Upstream};
pub use cpanfile::Cpanfile;
pub use distpath::{DistPath, DistnameInfo, Maturity, distname_info};
pub use error::{Error, ErrorKind, Location};
pub use installed::{
    DistSource, Installation, InstalledDist, InstalledModule, MAX_METADATA_SIZE, WalkLimits,
    Warning, WarningKind, library_dirs, perl_inc,
};
pub use metafile::{
    Bugtracker, Feature, MAX_META_SIZE, Meta, MetaFormat, MetaVersion, NoIndex, Provided,
    ReleaseStatus, Repository, Resources, Source,
};
pub use module_map::ModuleMap;
pub use module_version::{
    DeclaredVersion, MAX_MODULE_SIZE, ModuleInfo, PackageVersion, VersionValue,
};
pub use packages::{MAX_PACKAGES_SIZE, Package, Packages};
pub use perl_data::PerlValue;
pub use prereqs::{Phase, Prereq, Prereqs, Relation};
pub use purl::{Purl, PurlError, PurlParts};
pub use snapshot::{MAX_SNAPSHOT_SIZE, Snapshot, SnapshotDist};
pub use tarball::{
    ArchiveEntry, ArchiveEntryKind, ArchiveFormat, Limit, MakefilePl, PerlHash,
    PerlValue as MakefileValue, Static, Tarball, TarballLimits,
};
