//! `db lint`: every data problem in a loaded database, each with a stable
//! kebab-case rule code, the advisory id (or distribution), the field and a
//! reason. The linter collects all problems; it never stops at the first.
//!
//! Rules at level [`Level::Error`] make ranges or ids wrong for matching;
//! [`Level::Warning`] marks data that is ambiguous or suspicious;
//! [`Level::Info`] is the backlog (advisories without a CVE).

use std::collections::BTreeMap;
use std::fmt;

use cpansec_version::Spelling;

use crate::advisory::{Advisory, Range, ReleaseVersion};
use crate::{Database, Id};

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

macro_rules! rules {
    ($($variant:ident, $code:literal, $level:ident, $doc:literal;)*) => {
        /// A lint rule. The code is stable: it is used in JSON output and
        /// ignore lists.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(#[doc = $doc] $variant,)*
        }

        impl Rule {
            /// Every rule, in code order of declaration.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable kebab-case code.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            pub fn level(self) -> Level {
                match self { $(Rule::$variant => Level::$level,)* }
            }

            /// What the rule checks.
            pub fn description(self) -> &'static str {
                match self { $(Rule::$variant => $doc,)* }
            }
        }
    };
}

rules! {
    UnparseableRange, "unparseable-range", Error,
        "A range string that is not comma-separated `OP VERSION` clauses with versions version.pm accepts.";
    BareVersionRange, "bare-version-range", Warning,
        "A clause that is a bare version (`1.2`): read as `==1.2`, but CPAN::Audit reads it as `>=1.2`.";
    SingleEqualsRange, "single-equals-range", Warning,
        "A clause written `=1.2`: read as `==1.2`, but CPAN::Audit never matches it.";
    RangeMatchesNoRelease, "range-matches-no-release", Warning,
        "An affected range that matches none of the distribution's known releases.";
    FixedOverlapsAffected, "fixed-overlaps-affected", Warning,
        "Versions both in an entry's affected and fixed ranges (the fixed range wins).";
    NoAffectedRange, "no-affected-range", Error,
        "An entry with no affected range: it marks nothing affected.";
    IdDistributionMismatch, "id-distribution-mismatch", Error,
        "A CPANSA id whose distribution part is not the advisory's distribution.";
    NonCanonicalId, "non-canonical-id", Warning,
        "A CPANSA id not of the form `CPANSA-<Dist>-<year>-<n>[-<library>]`.";
    MisfiledAdvisory, "misfiled-advisory", Error,
        "An entry filed under one distribution that names another.";
    DuplicateIdConflict, "duplicate-id-conflict", Warning,
        "Entries sharing an id that disagree on a field other than their ranges.";
    InvalidAlias, "invalid-alias", Error,
        "A `cves` value that is not a CVE id.";
    NoCve, "no-cve", Info,
        "An advisory without a CVE id (the backlog for the CNA).";
    MissingReleaseList, "missing-release-list", Warning,
        "A distribution without a list of known releases: affected releases and upgrades cannot be computed.";
    UnparseableReleaseVersion, "unparseable-release-version", Warning,
        "A known release whose version version.pm rejects; it is left out of release queries.";
    UnknownSeverity, "unknown-severity", Warning,
        "A severity that is not low, medium (moderate), high or critical.";
    InvalidDate, "invalid-date", Warning,
        "A reported date that is not YYYY-MM-DD.";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One problem found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    pub rule: Rule,
    pub level: Level,
    /// The advisory, or `None` for a problem of a distribution.
    pub id: Option<Id>,
    pub distribution: String,
    /// The field at fault, with an index where it is a list
    /// (`affected_versions[0]`, `entries[3].fixed_versions[1]`).
    pub field: String,
    pub reason: String,
}

/// Everything lint found, sorted by rule, id, field.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Problems per rule code (every rule listed, zero included).
    pub counts: BTreeMap<&'static str, usize>,
}

impl Report {
    /// True when a problem is at [`Level::Error`].
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Level::Error)
    }

    /// The problems one rule found.
    pub fn of(&self, rule: Rule) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.rule == rule)
    }
}

struct Collector(Vec<Problem>);

impl Collector {
    fn push(&mut self, rule: Rule, id: Option<&Id>, dist: &str, field: String, reason: String) {
        self.0.push(Problem {
            rule,
            level: rule.level(),
            id: id.cloned(),
            distribution: dist.to_string(),
            field,
            reason,
        });
    }
}

/// Lints the whole database.
pub fn lint(db: &Database) -> Report {
    let mut c = Collector(Vec::new());
    for a in db.advisories() {
        lint_advisory(db, a, &mut c);
    }
    for m in db.misfiled() {
        c.push(
            Rule::MisfiledAdvisory,
            Some(&m.id),
            &m.distribution,
            "distribution".into(),
            format!("filed under {} but names {}", m.filed_under, m.distribution),
        );
    }
    for d in db.distributions() {
        match &d.releases {
            None => c.push(
                Rule::MissingReleaseList,
                None,
                &d.name,
                "versions".into(),
                "no release list".into(),
            ),
            Some(rs) if rs.is_empty() => c.push(
                Rule::MissingReleaseList,
                None,
                &d.name,
                "versions".into(),
                "empty release list".into(),
            ),
            Some(rs) => {
                for r in rs {
                    if let ReleaseVersion::Unparseable(e) = &r.version {
                        c.push(
                            Rule::UnparseableReleaseVersion,
                            None,
                            &d.name,
                            "versions".into(),
                            format!("release of {}: {e}", r.date),
                        );
                    }
                }
            }
        }
    }
    let mut problems = c.0;
    problems.sort();
    problems.dedup();
    let mut counts: BTreeMap<&'static str, usize> =
        Rule::ALL.iter().map(|r| (r.code(), 0)).collect();
    for p in &problems {
        *counts.entry(p.rule.code()).or_default() += 1;
    }
    Report { problems, counts }
}

fn field(a: &Advisory, group: usize, list: &str, n: usize) -> String {
    if a.groups.len() > 1 {
        format!("entries[{group}].{list}[{n}]")
    } else {
        format!("{list}[{n}]")
    }
}

fn lint_advisory(db: &Database, a: &Advisory, c: &mut Collector) {
    let id = Some(&a.id);
    let dist = a.distribution.as_str();
    // The id's distribution part is read against the advisory's own
    // distributions first: a distribution whose name has a year-like part
    // (`POSIX-2008`) would otherwise be split in the wrong place.
    let own = a.distributions().into_iter().find_map(|d| {
        a.id.as_str()
            .strip_prefix("CPANSA-")
            .and_then(|rest| rest.strip_prefix(d))
            .and_then(|rest| rest.strip_prefix('-'))
    });
    match (own, a.id.cpansa_parts()) {
        (Some(rest), _) if is_year_number(rest) => {}
        (Some(_), _) | (None, None) => c.push(
            Rule::NonCanonicalId,
            id,
            dist,
            "id".into(),
            "not CPANSA-<Dist>-<year>-<n>[-<library>]".into(),
        ),
        (None, Some(parts)) => c.push(
            Rule::IdDistributionMismatch,
            id,
            dist,
            "id".into(),
            format!("id names {} but the advisory is for {dist}", parts.dist),
        ),
    }
    for alias in &a.unrecognised_aliases {
        c.push(
            Rule::InvalidAlias,
            id,
            dist,
            "cves".into(),
            format!("{alias:?} is not a CVE id"),
        );
    }
    if a.cves().next().is_none() {
        c.push(Rule::NoCve, id, dist, "cves".into(), "no CVE id".into());
    }
    for field_name in &a.conflicts {
        c.push(
            Rule::DuplicateIdConflict,
            id,
            dist,
            (*field_name).into(),
            format!("the {} entries with this id disagree", a.entries),
        );
    }
    if let Some(s) = &a.severity {
        if a.severity_level().is_none() {
            c.push(
                Rule::UnknownSeverity,
                id,
                dist,
                "severity".into(),
                format!("{s:?}"),
            );
        }
    }
    if let Some(r) = &a.reported {
        let shaped = r.len() == 10 && crate::time::parse_date(r).is_some();
        if !shaped {
            c.push(
                Rule::InvalidDate,
                id,
                dist,
                "reported".into(),
                format!("{r:?}"),
            );
        }
    }
    for (g, group) in a.groups.iter().enumerate() {
        if group.affected.is_empty() {
            c.push(
                Rule::NoAffectedRange,
                id,
                &group.distribution,
                if a.groups.len() > 1 {
                    format!("entries[{g}].affected_versions")
                } else {
                    "affected_versions".into()
                },
                "empty".into(),
            );
        }
        for (list, ranges) in [
            ("affected_versions", &group.affected),
            ("fixed_versions", &group.fixed),
        ] {
            for (n, r) in ranges.iter().enumerate() {
                lint_range(a, r, &field(a, g, list, n), &group.distribution, c);
            }
        }
        let releases: Vec<_> = db
            .distribution(&group.distribution)
            .map(|d| d.known_releases().map(|(_, v)| v).collect())
            .unwrap_or_default();
        if !releases.is_empty() {
            for (n, r) in group.affected.iter().enumerate() {
                if let Some(p) = r.parsed() {
                    if !releases.iter().any(|v| p.matches(v)) {
                        c.push(
                            Rule::RangeMatchesNoRelease,
                            id,
                            &group.distribution,
                            field(a, g, "affected_versions", n),
                            format!(
                                "{:?} matches none of {} known releases",
                                r.as_str(),
                                releases.len()
                            ),
                        );
                    }
                }
            }
        }
        let affected = group.affected.iter().filter_map(Range::parsed);
        let fixed: Vec<_> = group
            .fixed
            .iter()
            .filter_map(Range::parsed)
            .cloned()
            .collect();
        let fixed_set = cpansec_version::union_of(&fixed);
        for (n, r) in affected.enumerate() {
            let overlap = r.to_set().intersect(&fixed_set);
            if !overlap.is_empty() {
                c.push(
                    Rule::FixedOverlapsAffected,
                    id,
                    &group.distribution,
                    field(a, g, "affected_versions", n),
                    format!("{:?} overlaps the fixed ranges at {overlap}", r.as_str()),
                );
            }
        }
    }
}

fn lint_range(a: &Advisory, r: &Range, field: &str, dist: &str, c: &mut Collector) {
    let id = Some(&a.id);
    match (r.parsed(), r.error()) {
        (_, Some(e)) => c.push(
            Rule::UnparseableRange,
            id,
            dist,
            field.into(),
            format!("{e}"),
        ),
        (Some(p), None) => {
            for clause in p.clauses() {
                let (rule, how) = match clause.spelling {
                    Spelling::Bare => (Rule::BareVersionRange, "bare version"),
                    Spelling::SingleEquals => (Rule::SingleEqualsRange, "single ="),
                    _ => continue,
                };
                c.push(
                    rule,
                    id,
                    dist,
                    field.into(),
                    format!("{how} in {:?}, read as =={}", r.as_str(), clause.version),
                );
            }
        }
        (None, None) => {}
    }
}

/// True for `<4-digit year>-<digits>` optionally followed by `-<suffix>`.
fn is_year_number(rest: &str) -> bool {
    let mut parts = rest.splitn(3, '-');
    let year = parts.next().unwrap_or_default();
    let number = parts.next().unwrap_or_default();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && digits(number) && parts.next() != Some("")
}
