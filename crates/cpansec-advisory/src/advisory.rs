//! The advisory model: one [`Advisory`] per CPANSA id, its ranges, and the
//! distributions with their known releases.
//!
//! Range semantics (ARCHITECTURE.md): within one database entry, a version is
//! affected when it matches any `affected_versions` range and no
//! `fixed_versions` range. Entries sharing an id are one advisory with several
//! [`RangeGroup`]s, one per entry, each keeping its own fixed ranges: merging
//! them into one affected list and one fixed list would let one entry's
//! `>=1.0` fixed range cancel another entry's later affected range.
//!
//! A range string that does not parse is kept with its error. It never matches
//! all or nothing silently: a verdict that depends on it is
//! [`Verdict::Unknown`], and `db lint` reports it.

use std::collections::BTreeSet;
use std::fmt;

use cpansec_version::{AdvisoryRange, RangeError, Version, VersionError, VersionSet, union_of};

use crate::Id;

/// One range string from the data, parsed when possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    text: String,
    parsed: Result<AdvisoryRange, RangeError>,
}

impl Range {
    /// Reads a range string; a string that does not parse is kept with its error.
    pub fn new(text: &str) -> Range {
        Range {
            text: text.to_string(),
            parsed: AdvisoryRange::parse(text),
        }
    }

    /// The string as written in the data.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed range, or `None` when it does not parse.
    pub fn parsed(&self) -> Option<&AdvisoryRange> {
        self.parsed.as_ref().ok()
    }

    /// Why the range does not parse.
    pub fn error(&self) -> Option<&RangeError> {
        self.parsed.as_ref().err()
    }
}

impl serde::Serialize for Range {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether a version is affected, as far as the data can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    NotAffected,
    /// The answer depends on a range that does not parse.
    Unknown,
    Affected,
}

/// The ranges of one database entry: affected unless fixed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RangeGroup {
    /// The distribution the entry names (almost always the advisory's).
    pub distribution: String,
    pub affected: Vec<Range>,
    pub fixed: Vec<Range>,
}

impl RangeGroup {
    /// Whether `v` is affected by this entry: it matches an affected range
    /// and no fixed range. Unparseable ranges make the answer
    /// [`Verdict::Unknown`] only where they could change it.
    pub fn verdict(&self, v: &Version) -> Verdict {
        let matches = |r: &Range| r.parsed().map(|p| p.matches(v));
        verdict_of_matches(
            self.fixed.iter().map(matches),
            self.affected.iter().map(matches),
        )
    }

    /// True when every range parses.
    pub fn is_parsed(&self) -> bool {
        self.affected
            .iter()
            .chain(&self.fixed)
            .all(|r| r.parsed().is_some())
    }

    /// The versions this entry marks affected (affected minus fixed), or
    /// `None` when a range does not parse.
    pub fn affected_set(&self) -> Option<VersionSet> {
        Some(parsed_union(&self.affected)?.difference(&parsed_union(&self.fixed)?))
    }
}

/// [`RangeGroup::verdict`] from whether each fixed and affected range
/// matches (`None`: the range does not parse), taken lazily so that ranges
/// after a match are not looked at.
pub(crate) fn verdict_of_matches(
    fixed: impl Iterator<Item = Option<bool>>,
    affected: impl Iterator<Item = Option<bool>>,
) -> Verdict {
    let (fixed, fixed_unknown) = match_any(fixed);
    if fixed {
        return Verdict::NotAffected;
    }
    let (affected, affected_unknown) = match_any(affected);
    match (affected, affected_unknown, fixed_unknown) {
        (true, _, false) => Verdict::Affected,
        (true, _, true) | (false, true, _) => Verdict::Unknown,
        (false, false, _) => Verdict::NotAffected,
    }
}

fn match_any(matches: impl Iterator<Item = Option<bool>>) -> (bool, bool) {
    let mut unknown = false;
    for m in matches {
        match m {
            Some(true) => return (true, false),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (false, unknown)
}

fn parsed_union(ranges: &[Range]) -> Option<VersionSet> {
    let parsed: Option<Vec<AdvisoryRange>> = ranges.iter().map(|r| r.parsed().cloned()).collect();
    Some(union_of(&parsed?))
}

/// A library bundled inside a distribution, the real subject of an
/// `embedded_vulnerability` (or `external_vulnerability`) advisory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EmbeddedLibrary {
    pub name: String,
    /// The library's version the distribution ships, as written.
    pub distributed_version: Option<String>,
    /// The library's affected versions, as written.
    pub affected_versions: Option<String>,
}

/// Someone who reviewed an advisory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reviewer {
    pub name: String,
    pub email: Option<String>,
    pub date: Option<String>,
}

/// The severity levels the data uses, normalised (`moderate` is medium,
/// `minor` is low).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The level a severity string names, case-insensitively; `None` for an
    /// empty or unknown string.
    pub fn from_data(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "low" | "minor" => Some(Severity::Low),
            "medium" | "moderate" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// One advisory: every database entry with its id, merged.
///
/// Scalar fields come from the first entry in file order; alias and
/// reference lists are the union over all entries. Fields on which the
/// entries disagree are listed in `conflicts` (for `db lint`). Serializes
/// with the field names below (`db show --format json`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Advisory {
    /// The CPANSA id, the stable key.
    pub id: Id,
    /// The distribution of the first entry.
    pub distribution: String,
    /// CVE and GHSA ids, sorted, CVEs first.
    pub aliases: Vec<Id>,
    /// Strings in `cves` that are not CVE ids (`X-CVE-2018-vue-001`).
    pub unrecognised_aliases: Vec<String>,
    /// One group per database entry, in file order.
    pub groups: Vec<RangeGroup>,
    /// The severity as written (`None` when absent).
    pub severity: Option<String>,
    pub description: String,
    pub references: Vec<String>,
    /// `YYYY-MM-DD` as written.
    pub reported: Option<String>,
    pub embedded: Option<EmbeddedLibrary>,
    pub external: Option<EmbeddedLibrary>,
    pub comment: Option<String>,
    pub previous_ids: Vec<String>,
    pub reviewed_by: Vec<Reviewer>,
    /// How many database entries were merged.
    pub entries: usize,
    /// Fields whose value differs between the merged entries.
    pub conflicts: BTreeSet<&'static str>,
}

impl Advisory {
    /// The normalised severity, if the data gives a known one.
    pub fn severity_level(&self) -> Option<Severity> {
        self.severity.as_deref().and_then(Severity::from_data)
    }

    /// The CVE ids among the aliases.
    pub fn cves(&self) -> impl Iterator<Item = &Id> {
        self.aliases
            .iter()
            .filter(|a| a.kind() == crate::IdKind::Cve)
    }

    /// The id to show first: the first CVE where there is one, else the CPANSA id.
    pub fn display_id(&self) -> &Id {
        self.cves().next().unwrap_or(&self.id)
    }

    /// The distributions this advisory's entries name, sorted.
    pub fn distributions(&self) -> BTreeSet<&str> {
        self.groups
            .iter()
            .map(|g| g.distribution.as_str())
            .collect()
    }

    /// Whether release `v` of `dist` is affected: affected by any entry for
    /// that distribution wins, then unknown, then not affected.
    pub fn verdict(&self, dist: &str, v: &Version) -> Verdict {
        self.groups
            .iter()
            .filter(|g| g.distribution == dist)
            .map(|g| g.verdict(v))
            .max()
            .unwrap_or(Verdict::NotAffected)
    }

    /// The versions of `dist` this advisory marks affected, or `None` when a
    /// range does not parse.
    pub fn affected_set(&self, dist: &str) -> Option<VersionSet> {
        self.groups
            .iter()
            .filter(|g| g.distribution == dist)
            .try_fold(VersionSet::empty(), |acc, g| {
                Some(acc.union(&g.affected_set()?))
            })
    }
}

/// A release's version as the data gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseVersion {
    Known(Version),
    /// `null` in the data (perl releases that bundled a module of unknown version).
    Missing,
    /// Text version.pm rejects, with its reason.
    Unparseable(VersionError),
}

impl ReleaseVersion {
    pub fn known(&self) -> Option<&Version> {
        match self {
            ReleaseVersion::Known(v) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseVersion::Known(v) => write!(f, "{v}"),
            ReleaseVersion::Missing => f.write_str("(none)"),
            ReleaseVersion::Unparseable(e) => f.write_str(&e.input),
        }
    }
}

/// One known release of a distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub version: ReleaseVersion,
    /// `YYYY-MM-DDTHH:MM:SS` as written.
    pub date: String,
    /// For a release that is a perl release bundling the module: that perl.
    pub perl_release: Option<String>,
}

/// A distribution the database knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distribution {
    pub name: String,
    pub main_module: Option<String>,
    /// Known releases, ascending by version (releases without a usable
    /// version last, in file order); `None` when the data has no list.
    pub releases: Option<Vec<Release>>,
    /// Ids of the advisories naming this distribution, sorted.
    pub advisories: BTreeSet<Id>,
}

impl Distribution {
    /// Releases with a parseable version, ascending.
    pub fn known_releases(&self) -> impl Iterator<Item = (&Release, &Version)> {
        self.releases
            .iter()
            .flatten()
            .filter_map(|r| r.version.known().map(|v| (r, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(affected: &[&str], fixed: &[&str]) -> RangeGroup {
        RangeGroup {
            distribution: "D".into(),
            affected: affected.iter().map(|r| Range::new(r)).collect(),
            fixed: fixed.iter().map(|r| Range::new(r)).collect(),
        }
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn fixed_ranges_subtract() {
        let g = group(&["<2.0"], &[">=1.5"]);
        assert_eq!(g.verdict(&v("1.4")), Verdict::Affected);
        assert_eq!(g.verdict(&v("1.5")), Verdict::NotAffected);
        assert_eq!(g.affected_set().unwrap().to_string(), "< 1.5");
    }

    #[test]
    fn unparseable_ranges_give_unknown_only_where_they_matter() {
        let g = group(&["<1.0", ">=2.00b02"], &[]);
        assert_eq!(g.verdict(&v("0.9")), Verdict::Affected);
        assert_eq!(g.verdict(&v("1.5")), Verdict::Unknown);
        assert_eq!(g.affected_set(), None);
        let g = group(&["<2.0"], &["junk"]);
        assert_eq!(g.verdict(&v("1.0")), Verdict::Unknown);
        let g = group(&["<2.0"], &[">=1.0", "junk"]);
        assert_eq!(g.verdict(&v("1.0")), Verdict::NotAffected);
    }

    #[test]
    fn severity_spellings_normalise() {
        assert_eq!(Severity::from_data("moderate"), Some(Severity::Medium));
        assert_eq!(Severity::from_data("minor"), Some(Severity::Low));
        assert_eq!(Severity::from_data(""), None);
    }
}
