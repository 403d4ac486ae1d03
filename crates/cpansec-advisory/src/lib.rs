#![doc = include_str!("../README.md")]

mod advisory;
mod atom;
mod binary;
mod cache;
pub mod cna;
mod database;
mod diff;
mod error;
pub mod feed;
mod id;
mod json;
mod lint;
mod location;
mod osv;
mod perl;
mod query;
mod snapshot;
pub mod time;
mod update;
mod yaml;

pub use advisory::{
    Advisory, Distribution, EmbeddedLibrary, Range, RangeGroup, Release, ReleaseVersion, Reviewer,
    Severity, Verdict,
};
pub use atom::{export_atom, newest_first};
#[doc(hidden)]
pub use binary::reseal as reseal_cache;
pub use binary::{FORMAT_VERSION, MAGIC};
pub use cache::{
    CacheStatus, KEYED_CACHE_DIR, RACY_SECS, keyed_cache_path, sibling_cache_path, write_cache,
};
pub use database::{Database, MAX_FILE_LEN, Metadata, Misfiled, Source, Summary};
pub use diff::{Changed, Diff, FieldChange, Flip, OneSided, diff};
pub use error::Error;
pub use feed::{FEED_FILE, Feed, export_feed};
pub use id::{CpansaParts, Id, IdError, IdKind, MAX_ID_LEN};
pub use json::MAX_STRING_LEN;
pub use lint::{Level, Problem, Report, Rule, lint};
pub use location::{CACHE_FILE, Location, PERL_PREFIX, cache_dir};
pub use osv::{OsvAffected, OsvPackage, OsvRange, OsvRecord, OsvReference, export_osv};
pub use perl::{
    PERL_TIMEOUT, PerlDatabase, PerlModule, from_perl_output, load_perl, load_perl_from,
};
pub use query::Findings;
pub use snapshot::embedded_date;
pub use update::{DEFAULT_URL, UpdateOutcome, update};
pub use yaml::MAX_YAML_FILES;
