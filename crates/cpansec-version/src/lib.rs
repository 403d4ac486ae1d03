#![doc = include_str!("../README.md")]

mod advisory_range;
mod error;
mod inline;
mod requirement;
mod set;
mod sort;
mod version;

pub use advisory_range::{AdvisoryRange, Clause, RangeError, Spelling, union_of};
pub use error::{Reason, VersionError};
pub use requirement::{Op, Requirement, RequirementError};
pub use set::{Interval, VersionSet};
pub use sort::{SortedLines, sort_lines, sort_permutation};
pub use version::{ParseWarnings, VERSION_MAX, Version};
