//! Version requirements as CPAN::Meta::Requirements reads them: the ranges in
//! META prereqs and cpanfiles.
//!
//! A requirement string is comma-separated clauses that must all hold. A clause
//! is `OP VERSION` with `OP` one of `== != >= <= > <`, or a bare `VERSION`,
//! which means `>= VERSION` (a *minimum*, unlike advisory ranges). An empty
//! string and `0` mean "any version". Versions are read with fatal warnings,
//! so `"1.2 "` (trailing text) is an error here although `version->parse`
//! accepts it.
//!
//! The model is CPAN::Meta::Requirements' own: either an exact version, or a
//! range with an optional inclusive minimum and maximum and a list of excluded
//! versions (`> V` is `>= V, != V`). Adding a clause narrows the range, and a
//! contradiction (minimum above maximum, an excluded exact version, ...) is an
//! error with CPAN::Meta::Requirements' wording.

use std::fmt;
use std::str::FromStr;

use crate::set::{Interval, VersionSet};
use crate::{Version, VersionError};

/// A comparison operator of a requirement or advisory clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }

    /// Splits a leading operator off `clause` (after leading whitespace);
    /// two-character operators first, as the Perl regexes do.
    pub(crate) fn split(clause: &str) -> Option<(Op, &str)> {
        let t = clause.trim_start();
        for (text, op) in [
            ("==", Op::Eq),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
        ] {
            if let Some(rest) = t.strip_prefix(text) {
                return Some((op, rest));
            }
        }
        None
    }

    /// The set of versions `x` with `x OP v`.
    pub fn set(self, v: &Version) -> VersionSet {
        use std::ops::Bound::*;
        let (lower, upper) = match self {
            Op::Eq => return VersionSet::from_intervals([Interval::exactly(v.clone())]),
            Op::Ne => {
                return VersionSet::from_intervals([Interval::exactly(v.clone())]).complement();
            }
            Op::Ge => (Included(v.clone()), Unbounded),
            Op::Gt => (Excluded(v.clone()), Unbounded),
            Op::Le => (Unbounded, Included(v.clone())),
            Op::Lt => (Unbounded, Excluded(v.clone())),
        };
        VersionSet::from_intervals([Interval { lower, upper }])
    }

    /// Whether `x OP v` holds.
    pub fn holds(self, x: &Version, v: &Version) -> bool {
        match self {
            Op::Eq => x == v,
            Op::Ne => x != v,
            Op::Ge => x >= v,
            Op::Le => x <= v,
            Op::Gt => x > v,
            Op::Lt => x < v,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a requirement string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequirementError {
    /// A clause's version is not a version.
    #[error("can't convert {version:?}: {source}")]
    InvalidVersion {
        version: String,
        #[source]
        source: VersionError,
    },
    /// The clauses admit no version at all.
    #[error("illegal requirements: {0}")]
    Contradiction(String),
}

/// A CPAN::Meta::Requirements requirement for one module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `== V`.
    Exact(Version),
    /// `>= min, <= max, != each exclusion`, any part optional.
    Range {
        minimum: Option<Version>,
        maximum: Option<Version>,
        exclusions: Vec<Version>,
    },
}

impl Default for Requirement {
    fn default() -> Self {
        Requirement::any()
    }
}

impl Requirement {
    /// Any version (`0`).
    pub fn any() -> Requirement {
        Requirement::Range {
            minimum: Some(Version::zero()),
            maximum: None,
            exclusions: Vec::new(),
        }
    }

    /// Reads a requirement string like `add_string_requirement` on a new
    /// module.
    pub fn parse(s: &str) -> Result<Requirement, RequirementError> {
        let fresh = Requirement::Range {
            minimum: None,
            maximum: None,
            exclusions: Vec::new(),
        };
        let parsed = fresh.add_str(if s.is_empty() { "0" } else { s })?;
        // A string of only commas adds nothing; it asks for nothing either.
        Ok(if parsed.is_fresh() {
            Requirement::any()
        } else {
            parsed
        })
    }

    /// This requirement narrowed by a requirement string, clause by clause, as
    /// `add_string_requirement` does for a module already required (so the
    /// first failing clause decides the error).
    pub fn add_str(&self, s: &str) -> Result<Requirement, RequirementError> {
        let mut req = self.clone();
        for part in split_clauses(s) {
            let (op, text) = match Op::split(part) {
                None => (Op::Ge, part),
                Some((op, rest)) => (op, rest.trim_start()),
            };
            req = req.with(op, requirement_version(text)?)?;
        }
        Ok(req)
    }

    /// The state of a module nothing has been asked of yet.
    fn is_fresh(&self) -> bool {
        matches!(self, Requirement::Range { minimum: None, maximum: None, exclusions } if exclusions.is_empty())
    }

    /// True when `v` satisfies every clause.
    pub fn accepts(&self, v: &Version) -> bool {
        match self {
            Requirement::Exact(e) => v == e,
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                minimum.as_ref().is_none_or(|m| v >= m)
                    && maximum.as_ref().is_none_or(|m| v <= m)
                    && !exclusions.contains(v)
            }
        }
    }

    /// The versions this requirement accepts.
    pub fn to_set(&self) -> VersionSet {
        match self {
            Requirement::Exact(v) => Op::Eq.set(v),
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                let mut set = VersionSet::all();
                if let Some(m) = minimum {
                    set = set.intersect(&Op::Ge.set(m));
                }
                if let Some(m) = maximum {
                    set = set.intersect(&Op::Le.set(m));
                }
                for e in exclusions {
                    set = set.intersect(&Op::Ne.set(e));
                }
                set
            }
        }
    }

    /// Both requirements at once (CPAN::Meta::Requirements'
    /// `add_requirements`), or the contradiction between them.
    pub fn intersect(&self, other: &Requirement) -> Result<Requirement, RequirementError> {
        let mut out = self.clone();
        match other {
            Requirement::Exact(v) => out = out.with(Op::Eq, v.clone())?,
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                if let Some(m) = minimum {
                    out = out.with(Op::Ge, m.clone())?;
                }
                if let Some(m) = maximum {
                    out = out.with(Op::Le, m.clone())?;
                }
                for e in exclusions {
                    out = out.with(Op::Ne, e.clone())?;
                }
            }
        }
        Ok(out)
    }

    /// This requirement narrowed by one clause. A minimum written `0` only
    /// creates a requirement; it leaves an existing one as it is (so `<= 1.2, 0`
    /// stays `<= 1.2`), as CPAN::Meta::Requirements' `add_minimum` does.
    pub fn with(self, op: Op, v: Version) -> Result<Requirement, RequirementError> {
        if op == Op::Ge && v.as_str() == "0" && !self.is_fresh() {
            return Ok(self);
        }
        match op {
            Op::Eq => self.with_exact(v),
            Op::Ge => self.with_minimum(v),
            Op::Le => self.with_maximum(v),
            Op::Ne => self.with_exclusion(v),
            Op::Gt => self.with(Op::Ge, v.clone())?.with_exclusion(v),
            Op::Lt => self.with(Op::Le, v.clone())?.with_exclusion(v),
        }
    }

    fn with_exact(self, v: Version) -> Result<Requirement, RequirementError> {
        match &self {
            Requirement::Exact(e) if *e == v => Ok(self),
            Requirement::Exact(e) => Err(contradiction(format!(
                "can't be exactly {v} when exact requirement is already {e}"
            ))),
            Requirement::Range { .. } if self.accepts(&v) => Ok(Requirement::Exact(v)),
            Requirement::Range { .. } => Err(contradiction(format!(
                "exact specification {v} outside of range {self}"
            ))),
        }
    }

    fn with_minimum(self, v: Version) -> Result<Requirement, RequirementError> {
        match self {
            Requirement::Exact(e) if e >= v => Ok(Requirement::Exact(e)),
            Requirement::Exact(e) => Err(contradiction(format!(
                "minimum {v} exceeds exact specification {e}"
            ))),
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                // On a tie CMR keeps the new version (a stable sort puts it
                // first), which shows when the two are spelled differently.
                let minimum = Some(match minimum {
                    Some(old) if old > v => old,
                    _ => v,
                });
                simplify(minimum, maximum, exclusions)
            }
        }
    }

    fn with_maximum(self, v: Version) -> Result<Requirement, RequirementError> {
        match self {
            Requirement::Exact(e) if e <= v => Ok(Requirement::Exact(e)),
            Requirement::Exact(e) => Err(contradiction(format!(
                "maximum {v} below exact specification {e}"
            ))),
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                let maximum = Some(match maximum {
                    Some(old) if old < v => old,
                    _ => v,
                });
                simplify(minimum, maximum, exclusions)
            }
        }
    }

    fn with_exclusion(self, v: Version) -> Result<Requirement, RequirementError> {
        match self {
            Requirement::Exact(e) if e == v => Err(contradiction(format!(
                "tried to exclude {v}, which is already exactly specified"
            ))),
            Requirement::Exact(e) => Ok(Requirement::Exact(e)),
            Requirement::Range {
                minimum,
                maximum,
                mut exclusions,
            } => {
                exclusions.push(v);
                simplify(minimum, maximum, exclusions)
            }
        }
    }

    /// The clauses CPAN::Meta::Requirements' `as_struct` gives: `> V` or
    /// `< V` where an exclusion meets a bound, then the other exclusions.
    pub fn clauses(&self) -> Vec<(Op, Version)> {
        match self {
            Requirement::Exact(v) => vec![(Op::Eq, v.clone())],
            Requirement::Range {
                minimum,
                maximum,
                exclusions,
            } => {
                let mut exclusions = exclusions.clone();
                let mut parts = Vec::new();
                for (bound, inclusive, exclusive) in
                    [(minimum, Op::Ge, Op::Gt), (maximum, Op::Le, Op::Lt)]
                {
                    if let Some(b) = bound {
                        let before = exclusions.len();
                        exclusions.retain(|e| e != b);
                        let op = if exclusions.len() == before {
                            inclusive
                        } else {
                            exclusive
                        };
                        parts.push((op, b.clone()));
                    }
                }
                parts.extend(exclusions.into_iter().map(|e| (Op::Ne, e)));
                parts
            }
        }
    }
}

/// CPAN::Meta::Requirements' `_simplify`: an equal minimum and maximum become
/// exact, a minimum above the maximum is a contradiction, exclusions outside
/// the bounds and repeated exclusions are dropped.
fn simplify(
    minimum: Option<Version>,
    maximum: Option<Version>,
    exclusions: Vec<Version>,
) -> Result<Requirement, RequirementError> {
    if let (Some(min), Some(max)) = (&minimum, &maximum) {
        if min == max {
            if exclusions.contains(min) {
                return Err(contradiction(format!(
                    "minimum and maximum are both {min}, which is excluded"
                )));
            }
            return Ok(Requirement::Exact(min.clone()));
        }
        if min > max {
            return Err(contradiction(format!(
                "minimum {min} exceeds maximum {max}"
            )));
        }
    }
    let mut kept: Vec<Version> = Vec::with_capacity(exclusions.len());
    for e in exclusions {
        let inside =
            minimum.as_ref().is_none_or(|m| e >= *m) && maximum.as_ref().is_none_or(|m| e <= *m);
        // Duplicates go by their text, as CPAN::Meta::Requirements's `%seen`
        // does: `!= 2.0` and `!= 2` are both kept.
        if inside && !kept.iter().any(|k| k.as_str() == e.as_str()) {
            kept.push(e);
        }
    }
    Ok(Requirement::Range {
        minimum,
        maximum,
        exclusions: kept,
    })
}

fn contradiction(message: String) -> RequirementError {
    RequirementError::Contradiction(message)
}

/// Splits on commas with the whitespace around them (Perl's
/// `split /\s*,\s*/`, which also drops trailing empty fields).
fn split_clauses(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(',').collect();
    let last = parts.len() - 1;
    for (n, part) in parts.iter_mut().enumerate() {
        if n > 0 {
            *part = part.trim_start_matches(is_perl_space);
        }
        if n < last {
            *part = part.trim_end_matches(is_perl_space);
        }
    }
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

fn is_perl_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A version as CPAN::Meta::Requirements' `_version_object` reads it: `0` and
/// the empty string are zero, warnings are fatal, a leading `.` gains a `0`,
/// and a dotted version is kept in its normal form.
fn requirement_version(s: &str) -> Result<Version, RequirementError> {
    if s == "0" || s.is_empty() {
        return Ok(Version::zero());
    }
    let invalid = |source| RequirementError::InvalidVersion {
        version: s.to_string(),
        source,
    };
    let v = Version::parse_exact(s).map_err(invalid)?;
    let v = if v.as_str().starts_with('.') {
        Version::parse_exact(&format!("0{v}")).map_err(invalid)?
    } else {
        v
    };
    if v.is_qv() {
        Version::parse_exact(&v.normal()).map_err(invalid)
    } else {
        Ok(v)
    }
}

impl fmt::Display for Requirement {
    /// CPAN::Meta::Requirements' `as_string`: a lone minimum prints as the bare
    /// version, everything else as `OP V` joined by `, `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clauses = self.clauses();
        if let [(Op::Ge, v)] = clauses.as_slice() {
            return write!(f, "{v}");
        }
        if clauses.is_empty() {
            return f.write_str("0");
        }
        for (n, (op, v)) in clauses.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{op} {v}")?;
        }
        Ok(())
    }
}

impl FromStr for Requirement {
    type Err = RequirementError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Requirement::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Requirement {
        Requirement::parse(s).unwrap()
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn bare_version_is_a_minimum() {
        let r = req("1.5");
        assert!(r.accepts(&v("1.5")));
        assert!(r.accepts(&v("2")));
        assert!(!r.accepts(&v("1.49")));
        assert_eq!(r.to_string(), "1.5");
    }

    #[test]
    fn strict_bounds_become_exclusions_and_print_back() {
        let r = req("> 1, < 2, != 1.5");
        assert_eq!(r.to_string(), "> 1, < 2, != 1.5");
        assert!(!r.accepts(&v("1")));
        assert!(!r.accepts(&v("1.5")));
        assert!(r.accepts(&v("1.6")));
        assert!(!r.accepts(&v("2")));
    }

    #[test]
    fn equal_bounds_become_exact() {
        assert_eq!(req(">= 1.0, <= 1.00"), Requirement::Exact(v("1.0")));
    }

    #[test]
    fn exclusions_are_told_apart_by_their_text_as_cmr_does() {
        // Found by the differential test: CMR's `%seen` keys on the string.
        let r = req("!= 2.0").add_str("!= 2").unwrap();
        assert_eq!(r.to_string(), "!= 2.0, != 2");
        assert!(!r.accepts(&v("2")));
        assert_eq!(
            req("!= 2.0").add_str("!= 2.0").unwrap().to_string(),
            "!= 2.0"
        );
    }

    #[test]
    fn on_a_tie_the_bound_added_last_is_kept_as_cmr_keeps_it() {
        // Found by the differential test: CMR prints the later spelling.
        assert_eq!(req("<= 0.0").add_str("< 0").unwrap().to_string(), "< 0");
        assert_eq!(req(">= 1.0").add_str("1").unwrap().to_string(), "1");
    }

    #[test]
    fn contradictions_are_errors_with_cmr_wording() {
        let err = Requirement::parse(">= 2, <= 1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "illegal requirements: minimum 2 exceeds maximum 1"
        );
        assert!(Requirement::parse("== 1.0, >= 2").is_err());
        assert!(Requirement::parse("== 1.0, != 1.0").is_err());
        assert!(req("1").intersect(&req("< 1")).is_err());
    }

    #[test]
    fn versions_are_read_with_fatal_warnings() {
        assert!(Requirement::parse("1.2 ").is_err());
        assert!(Requirement::parse("99999999999").is_err());
        assert_eq!(req(".5").to_string(), "0.5");
        assert_eq!(req("v1.2").to_string(), "v1.2.0");
        assert_eq!(req("").to_string(), "0");
    }

    #[test]
    fn set_agrees_with_accepts() {
        let r = req(">= 1.2, < 3, != 2.0");
        let set = r.to_set();
        for s in ["1.1", "1.2", "1.9", "2.0", "2.000", "2.5", "3", "3.1"] {
            assert_eq!(set.contains(&v(s)), r.accepts(&v(s)), "{s}");
        }
    }
}
