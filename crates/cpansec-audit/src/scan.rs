//! Matching a dependency set against the advisory database: findings, one
//! remediation per vulnerable distribution, and the plan.
//!
//! Exact versions are judged with the advisory's ranges directly (`==`
//! semantics for bare and `=` versions, fixed ranges subtracted). A range is
//! a finding when it admits at least one known release an advisory affects;
//! the finding lists those releases. An advisory whose range does not parse
//! is reported as `unknown` rather than dropped or assumed.

use std::collections::{BTreeMap, BTreeSet};

use cpansec_advisory::{Advisory, Database, Id, Severity};
use cpansec_version::Version;

use crate::deps::{DepVersion, Dependency, DependencySet, Origin, Reached};

/// One advisory bearing on one dependency.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub dist: String,
    /// The exact version or requirement text the project names.
    pub version: String,
    /// `exact` or `range`.
    pub match_kind: &'static str,
    pub id: Id,
    pub aliases: Vec<Id>,
    pub severity: Option<Severity>,
    pub title: String,
    /// The advisory's affected ranges for this distribution, as written.
    pub affected_ranges: Vec<String>,
    /// The advisory's fixed ranges for this distribution, as written.
    pub fixed_ranges: Vec<String>,
    /// For a range: the affected known releases it admits, ascending.
    pub admitted_releases: Vec<String>,
    /// True when the verdict rests on a range that does not parse.
    pub uncertain: bool,
    pub origin: Origin,
    pub reached: Vec<Reached>,
}

/// How to get a distribution out of every advisory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// Upgrade to `to`; `within_requirement` says whether it satisfies the
    /// project's own requirement on the distribution.
    Upgrade {
        to: String,
        within_requirement: bool,
    },
    /// No known release is free of these advisories.
    NoFixedRelease,
}

/// The advice for one vulnerable distribution.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Remediation {
    pub dist: String,
    pub version: String,
    pub advisories: Vec<Id>,
    pub fix: Fix,
    /// Published security patches for this version (filled in by the
    /// caller from a patch registry).
    pub patches: Vec<String>,
}

/// The result of a scan.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Report {
    /// Sorted by (dist, version, id).
    pub findings: Vec<Finding>,
    /// One per vulnerable distribution, sorted by dist.
    pub remediations: Vec<Remediation>,
    /// Findings removed by the ignore policy, with the reason.
    pub ignored: Vec<(Finding, String)>,
    pub dependencies: usize,
    pub inputs: Vec<String>,
    pub problems: Vec<String>,
}

impl Report {
    /// The plan sentence: "upgrade N distributions to fix M advisories".
    pub fn plan(&self) -> Plan {
        let mut upgrade = Vec::new();
        let mut fixed = BTreeSet::new();
        let mut unfixed = Vec::new();
        for r in &self.remediations {
            match &r.fix {
                Fix::Upgrade { to, .. } => {
                    upgrade.push((r.dist.clone(), r.version.clone(), to.clone()));
                    fixed.extend(r.advisories.iter().cloned());
                }
                Fix::NoFixedRelease => unfixed.push(r.dist.clone()),
            }
        }
        Plan {
            upgrade,
            advisories_fixed: fixed.len(),
            unfixed,
        }
    }

    /// The highest severity among findings (unknown severity counts as
    /// `None`).
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().filter_map(|f| f.severity).max()
    }

    /// True when a finding is at or above `threshold` (findings without a
    /// severity always count: an unrated advisory is not a safe one).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        self.findings.iter().any(|f| match (f.severity, threshold) {
            (_, None) | (None, _) => true,
            (Some(s), Some(t)) => s >= t,
        })
    }

    /// Recomputes remediations after findings were removed (ignores).
    pub fn retain_remediations(&mut self) {
        let live: BTreeSet<(&str, &Id)> = self
            .findings
            .iter()
            .map(|f| (f.dist.as_str(), &f.id))
            .collect();
        for r in &mut self.remediations {
            r.advisories
                .retain(|id| live.contains(&(r.dist.as_str(), id)));
        }
        self.remediations.retain(|r| !r.advisories.is_empty());
    }
}

/// The summary of remediations.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// (dist, current, target), sorted by dist.
    pub upgrade: Vec<(String, String, String)>,
    /// Distinct advisories the upgrades fix.
    pub advisories_fixed: usize,
    /// Distributions with no fixed release.
    pub unfixed: Vec<String>,
}

fn ranges_for(a: &Advisory, dist: &str) -> (Vec<String>, Vec<String>) {
    let mut aff = Vec::new();
    let mut fix = Vec::new();
    for g in a.groups.iter().filter(|g| g.distribution == dist) {
        aff.extend(g.affected.iter().map(|r| r.as_str().to_string()));
        fix.extend(g.fixed.iter().map(|r| r.as_str().to_string()));
    }
    (aff, fix)
}

fn title(a: &Advisory) -> String {
    let line = a
        .description
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let mut t: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        t.push('…');
    }
    t
}

fn finding(dep: &Dependency, a: &Advisory, admitted: Vec<String>, uncertain: bool) -> Finding {
    let (affected_ranges, fixed_ranges) = ranges_for(a, &dep.dist);
    Finding {
        dist: dep.dist.clone(),
        version: dep.version.text().to_string(),
        match_kind: match dep.version {
            DepVersion::Exact { .. } => "exact",
            DepVersion::Range { .. } => "range",
        },
        id: a.id.clone(),
        aliases: a.aliases.clone(),
        severity: a.severity_level(),
        title: title(a),
        affected_ranges,
        fixed_ranges,
        admitted_releases: admitted,
        uncertain,
        origin: dep.origin.clone(),
        reached: dep.reached.clone(),
    }
}

/// Matches every dependency against `db`.
pub fn scan(db: &Database, set: &DependencySet) -> Report {
    let mut report = Report {
        dependencies: set.dependencies.len(),
        inputs: set.inputs.clone(),
        problems: set.problems.clone(),
        ..Default::default()
    };
    for dep in &set.dependencies {
        let mut ids: BTreeSet<Id> = BTreeSet::new();
        // The version the advice starts from: the pinned one, or for a range
        // the largest affected release it admits (so the advised release is
        // newer than every affected release the range lets in).
        let mut base: Option<Version> = None;
        match &dep.version {
            DepVersion::Exact { version, .. } => {
                let f = db.findings(&dep.dist, version);
                for a in &f.affected {
                    report.findings.push(finding(dep, a, Vec::new(), false));
                    ids.insert(a.id.clone());
                }
                for a in &f.unknown {
                    report.findings.push(finding(dep, a, Vec::new(), true));
                    ids.insert(a.id.clone());
                }
                base = Some(version.clone());
            }
            DepVersion::Range { requirement, .. } => {
                let mut admitted: BTreeMap<Id, (&Advisory, Vec<String>, bool)> = BTreeMap::new();
                for (rel, f) in db.affected_releases(&dep.dist) {
                    let Some(v) = rel.version.known() else {
                        continue;
                    };
                    if !requirement.accepts(v) {
                        continue;
                    }
                    if base.as_ref().is_none_or(|b| v > b) {
                        base = Some(v.clone());
                    }
                    for (a, unknown) in f
                        .affected
                        .iter()
                        .map(|a| (a, false))
                        .chain(f.unknown.iter().map(|a| (a, true)))
                    {
                        let e = admitted
                            .entry(a.id.clone())
                            .or_insert((a, Vec::new(), true));
                        e.1.push(v.to_string());
                        e.2 &= unknown;
                    }
                }
                for (id, (a, rels, uncertain)) in admitted {
                    report.findings.push(finding(dep, a, rels, uncertain));
                    ids.insert(id);
                }
            }
        }
        if ids.is_empty() {
            continue;
        }
        let fix = base
            .as_ref()
            .map_or(Fix::NoFixedRelease, |b| remedy(db, dep, b));
        report.remediations.push(Remediation {
            dist: dep.dist.clone(),
            version: dep.version.text().to_string(),
            advisories: ids.into_iter().collect(),
            fix,
            patches: Vec::new(),
        });
    }
    report
        .findings
        .sort_by(|a, b| (&a.dist, &a.version, &a.id).cmp(&(&b.dist, &b.version, &b.id)));
    report.remediations.sort_by(|a, b| a.dist.cmp(&b.dist));
    report
}

/// The smallest newer safe release within the project's requirement, else
/// the smallest newer safe release, else none. Developer releases
/// (`1.47_04`) are never advised. One ascending pass over the safe releases,
/// stopping as soon as both answers are known.
fn remedy(db: &Database, dep: &Dependency, base: &Version) -> Fix {
    let requirement = dep.requirement.as_ref();
    let mut within: Option<Version> = None;
    let mut any: Option<Version> = None;
    for v in db.safe_releases_after(&dep.dist, base) {
        if v.is_alpha() {
            continue;
        }
        if within.is_none() && requirement.is_some_and(|r| r.accepts(&v)) {
            within = Some(v.clone());
        }
        any.get_or_insert(v);
        if requirement.is_none() || within.is_some() {
            break;
        }
    }
    match (within, any) {
        (Some(v), _) => Fix::Upgrade {
            to: v.to_string(),
            within_requirement: true,
        },
        (None, Some(v)) => Fix::Upgrade {
            to: v.to_string(),
            within_requirement: requirement.is_none(),
        },
        (None, None) => Fix::NoFixedRelease,
    }
}
