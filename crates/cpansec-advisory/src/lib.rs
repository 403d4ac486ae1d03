#![doc = include_str!("../README.md")]

mod advisory;
mod database;
mod error;
mod id;
mod json;
mod query;

pub use advisory::{
    Advisory, Distribution, EmbeddedLibrary, Range, RangeGroup, Release, ReleaseVersion, Reviewer,
    Severity, Verdict,
};
pub use database::{Database, MAX_FILE_LEN, Metadata, Misfiled, Source};
pub use error::Error;
pub use id::{CpansaParts, Id, IdError, IdKind, MAX_ID_LEN};
pub use json::MAX_STRING_LEN;
pub use query::Findings;
