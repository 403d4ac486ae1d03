//! Why a version or range string was rejected.

use std::fmt;

/// A string that is not a version, with version.pm's own reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {input:?}: {reason}")]
pub struct VersionError {
    /// The string as given.
    pub input: String,
    /// Why it was rejected.
    pub reason: Reason,
}

impl VersionError {
    pub(crate) fn new(input: &str, reason: Reason) -> VersionError {
        VersionError {
            input: input.to_string(),
            reason,
        }
    }
}

/// The reasons version.pm gives, worded as it words them (its message is
/// `Invalid version format (<reason>)`), plus the two warnings that code with
/// fatal warnings treats as errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    DottedNeedsThreeParts,
    Negative,
    VersionRequired,
    NonNumeric,
    AlphaWithoutDecimal,
    MisplacedUnderscore,
    FractionalPartRequired,
    UnderscoresBeforeDecimal,
    MultipleUnderscores,
    TrailingDecimal,
    /// Accepted by version.pm with a warning: text after the version was ignored.
    TrailingData(String),
    /// Accepted by version.pm with a warning: a component was clamped.
    Overflow,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Reason::DottedNeedsThreeParts => "dotted-decimal versions require at least three parts",
            Reason::Negative => "negative version number",
            Reason::VersionRequired => "version required",
            Reason::NonNumeric => "non-numeric data",
            Reason::AlphaWithoutDecimal => "alpha without decimal",
            Reason::MisplacedUnderscore => "misplaced underscore",
            Reason::FractionalPartRequired => "fractional part required",
            Reason::UnderscoresBeforeDecimal => "underscores before decimal",
            Reason::MultipleUnderscores => "multiple underscores",
            Reason::TrailingDecimal => "trailing decimal",
            Reason::TrailingData(rest) => return write!(f, "contains invalid data {rest:?}"),
            Reason::Overflow => "integer overflow in version",
        };
        f.write_str(text)
    }
}
