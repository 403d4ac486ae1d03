//! Version ranges as the CPAN security advisory data (CPANSA) writes them.
//!
//! An advisory lists range strings in `affected_versions` and
//! `fixed_versions`; the list is OR. A range string is comma-separated
//! clauses, all of which must hold (AND). A clause is `OP VERSION` with `OP`
//! one of `< <= == != >= >`; a bare `VERSION` and `=VERSION` both mean exactly
//! `== VERSION` (that is what every such entry in the data means; reading a
//! bare version as a minimum, as CPAN::Audit does, marks every later release
//! affected). Versions are read like `version->parse`.

use std::fmt;

use crate::requirement::Op;
use crate::set::VersionSet;
use crate::{Version, VersionError};

/// How a clause spelled its operator, kept so lint can report the ambiguous
/// spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// An explicit operator (`>=1.0`, `==1.0`).
    Operator,
    /// A bare version (`1.0`), read as `==`.
    Bare,
    /// A single `=` (`=1.0`), read as `==`.
    SingleEquals,
}

/// One clause of an advisory range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub op: Op,
    pub version: Version,
    pub spelling: Spelling,
}

impl Clause {
    pub fn matches(&self, v: &Version) -> bool {
        self.op.holds(v, &self.version)
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.op, self.version)
    }
}

/// A range string that is not one, naming the clause at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    #[error("empty range")]
    Empty,
    #[error("empty clause in range {range:?}")]
    EmptyClause { range: String },
    #[error("clause {clause:?} of range {range:?}: {source}")]
    InvalidVersion {
        range: String,
        clause: String,
        #[source]
        source: VersionError,
    },
}

/// One advisory range string: clauses that must all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvisoryRange {
    text: String,
    clauses: Vec<Clause>,
}

impl AdvisoryRange {
    /// Reads one range string such as `>=1.0,<1.5`, `==2.0.9`, `2.0.9`.
    pub fn parse(text: &str) -> Result<AdvisoryRange, RangeError> {
        Ok(AdvisoryRange {
            clauses: Self::read_clauses(text).collect::<Result<_, _>>()?,
            text: text.to_string(),
        })
    }

    /// Whether `v` is in the range `text` without building the range (no
    /// allocation): `Some(parse(text)?.matches(v))`, `None` where `parse`
    /// fails. For judging many versions' advisories once each.
    pub fn text_matches(text: &str, v: &Version) -> Option<bool> {
        let mut all = true;
        for clause in Self::read_clauses(text) {
            all &= clause.ok()?.matches(v);
        }
        Some(all)
    }

    /// The clauses of `text` in order, an error where one does not read.
    fn read_clauses(text: &str) -> impl Iterator<Item = Result<Clause, RangeError>> + '_ {
        let blank = text.trim().is_empty();
        let clauses = text.split(',').filter(move |_| !blank).map(move |raw| {
            let raw = raw.trim();
            if raw.is_empty() {
                return Err(RangeError::EmptyClause {
                    range: text.to_string(),
                });
            }
            let (op, spelling, rest) = match Op::split(raw) {
                Some((op, rest)) => (op, Spelling::Operator, rest),
                None => match raw.strip_prefix('=') {
                    Some(rest) => (Op::Eq, Spelling::SingleEquals, rest),
                    None => (Op::Eq, Spelling::Bare, raw),
                },
            };
            let version =
                Version::parse_exact(rest.trim()).map_err(|source| RangeError::InvalidVersion {
                    range: text.to_string(),
                    clause: raw.to_string(),
                    source,
                })?;
            Ok(Clause {
                op,
                version,
                spelling,
            })
        });
        blank
            .then_some(Err(RangeError::Empty))
            .into_iter()
            .chain(clauses)
    }

    /// The string as written in the data.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// True when `v` satisfies every clause.
    pub fn matches(&self, v: &Version) -> bool {
        self.clauses.iter().all(|c| c.matches(v))
    }

    /// The versions this range covers.
    pub fn to_set(&self) -> VersionSet {
        self.clauses.iter().fold(VersionSet::all(), |set, c| {
            set.intersect(&c.op.set(&c.version))
        })
    }
}

impl fmt::Display for AdvisoryRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The union of several ranges (an advisory's `affected_versions` or
/// `fixed_versions` list).
pub fn union_of(ranges: &[AdvisoryRange]) -> VersionSet {
    ranges
        .iter()
        .fold(VersionSet::empty(), |set, r| set.union(&r.to_set()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bare_and_single_equals_mean_exactly() {
        for text in ["2.0.9", "=2.0.9", "==2.0.9"] {
            let r = AdvisoryRange::parse(text).unwrap();
            assert!(r.matches(&v("2.0.9")), "{text}");
            assert!(!r.matches(&v("2.0.10")), "{text}");
            assert!(!r.matches(&v("2.0.8")), "{text}");
        }
        assert_eq!(
            AdvisoryRange::parse("1.71_02").unwrap().clauses()[0].spelling,
            Spelling::Bare
        );
        assert_eq!(
            AdvisoryRange::parse("=1.71_02").unwrap().clauses()[0].spelling,
            Spelling::SingleEquals
        );
    }

    #[test]
    fn clauses_are_anded() {
        let r = AdvisoryRange::parse(">=9.25,<=9.26").unwrap();
        assert!(r.matches(&v("9.25")));
        assert!(r.matches(&v("9.26")));
        assert!(!r.matches(&v("9.27")));
        assert!(!r.matches(&v("9.24")));
        assert_eq!(r.to_set().to_string(), ">= 9.25, <= 9.26");
    }

    #[test]
    fn contradictory_clauses_match_nothing() {
        let r = AdvisoryRange::parse("==1.2.0.4,==1.2.0.5").unwrap();
        assert!(r.to_set().is_empty());
        assert!(!r.matches(&v("1.2.0.4")));
    }

    #[test]
    fn unparseable_versions_are_errors_naming_the_clause() {
        let err = AdvisoryRange::parse(">=1.0,<2.00b02").unwrap_err();
        assert!(
            matches!(err, RangeError::InvalidVersion { ref clause, .. } if clause == "<2.00b02")
        );
        assert_eq!(AdvisoryRange::parse(" "), Err(RangeError::Empty));
        assert!(AdvisoryRange::parse(">=1,").is_err());
    }

    #[test]
    fn matching_the_text_answers_as_the_parsed_range() {
        let texts = [
            "2.0.9",
            "=2.0.9",
            ">=9.25,<=9.26",
            "<1.0",
            "!=1.5",
            " > 1.2 , < 2 ",
            "==1.2.0.4,==1.2.0.5",
            ">=1.0,<2.00b02",
            " ",
            "",
            ">=1,",
            ",<2",
            "<v1.2.3",
            ">1.71_02",
        ];
        let versions = [
            "0", "0.9", "1.0", "1.5", "1.71_02", "2.0.9", "9.25", "9.26", "v1.2.2",
        ];
        for text in texts {
            for version in versions {
                let version = v(version);
                assert_eq!(
                    AdvisoryRange::text_matches(text, &version),
                    AdvisoryRange::parse(text).ok().map(|r| r.matches(&version)),
                    "{text:?} {version}"
                );
            }
        }
    }

    #[test]
    fn union_covers_each_range() {
        let ranges: Vec<_> = ["<1.0", "==1.5"]
            .iter()
            .map(|t| AdvisoryRange::parse(t).unwrap())
            .collect();
        let set = union_of(&ranges);
        assert!(set.contains(&v("0.9")));
        assert!(set.contains(&v("1.5")));
        assert!(!set.contains(&v("1.2")));
    }
}
