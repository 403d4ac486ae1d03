//! Lookups: by id (CPANSA or any alias), distribution or module; verdicts for
//! a release; affected releases; the first safe release.
//!
//! Verdicts test the version itself with the advisory's ranges: a version
//! does not need to be in the known release list to be judged. Release lists
//! are only used to *choose* a release (affected releases, upgrades).

use cpansec_version::{Requirement, Version};

use crate::advisory::{Advisory, Distribution, Release, ReleaseVersion, Verdict};
use crate::binary::Packed;
use crate::database::Store;
use crate::{Database, Id, IdKind};

/// The advisories that bear on one version of a distribution.
#[derive(Clone, Debug, Default)]
pub struct Findings<'a> {
    /// Advisories that affect the version.
    pub affected: Vec<&'a Advisory>,
    /// Advisories whose answer depends on a range that does not parse.
    pub unknown: Vec<&'a Advisory>,
}

impl Findings<'_> {
    /// True when no advisory affects the version or might.
    pub fn is_safe(&self) -> bool {
        self.affected.is_empty() && self.unknown.is_empty()
    }
}

impl Database {
    /// The advisories an id names: the advisory itself for a CPANSA id; for a
    /// CVE or GHSA id every advisory listing it (one CVE may be filed for
    /// several distributions). Sorted by CPANSA id; empty when none.
    pub fn lookup(&self, id: &Id) -> Vec<&Advisory> {
        match (id.kind(), &self.store) {
            (IdKind::Cpansa, _) => self.advisory(id).into_iter().collect(),
            (IdKind::Cve | IdKind::Ghsa, Store::Model(m)) => m
                .aliases
                .get(id)
                .into_iter()
                .flatten()
                .filter_map(|cpansa| m.advisories.get(cpansa))
                .collect(),
            (IdKind::Cve | IdKind::Ghsa, Store::Packed(p)) => p
                .alias_targets(id.as_str())
                .into_iter()
                .filter_map(|i| p.advisory_at(i))
                .collect(),
        }
    }

    /// The advisory with this CPANSA id.
    pub fn advisory(&self, id: &Id) -> Option<&Advisory> {
        match &self.store {
            Store::Model(m) => m.advisories.get(id),
            Store::Packed(p) if id.kind() == IdKind::Cpansa => {
                p.advisory_at(p.find_advisory(id.as_str())?)
            }
            Store::Packed(_) => None,
        }
    }

    pub fn distribution(&self, name: &str) -> Option<&Distribution> {
        match &self.store {
            Store::Model(m) => m.dists.get(name),
            Store::Packed(p) => p.dist_at(p.find_dist(name)?),
        }
    }

    /// The versions of the known releases of `dist` newer than `v` that no
    /// advisory affects or might affect, ascending: the candidates for an
    /// upgrade. A packed database finds the first newer release with a
    /// binary search and steps over affected ones by a mark written with the
    /// file, parsing only the versions it returns.
    pub fn safe_releases_after(
        &self,
        dist: &str,
        v: &Version,
    ) -> Box<dyn Iterator<Item = Version> + '_> {
        match &self.store {
            Store::Model(m) => {
                let v = v.clone();
                let releases = m
                    .dists
                    .get(dist)
                    .into_iter()
                    .flat_map(|d| d.known_releases());
                let dist = dist.to_string();
                Box::new(
                    releases
                        .filter(move |(_, r)| *r > &v && self.is_safe(&dist, r))
                        .map(|(_, r)| r.clone()),
                )
            }
            Store::Packed(p) => {
                let mut releases = p.find_dist(dist).and_then(|i| p.release_versions(i));
                if let Some(r) = &mut releases {
                    r.skip_through(v);
                }
                Box::new(
                    releases
                        .into_iter()
                        .flat_map(|r| r.safe())
                        .filter_map(|r| match r {
                            ReleaseVersion::Known(v) => Some(v),
                            _ => None,
                        }),
                )
            }
        }
    }

    /// The distribution that provides `module`, per the database's map.
    pub fn distribution_of_module(&self, module: &str) -> Option<&str> {
        match &self.store {
            Store::Model(m) => m.modules.get(module).map(String::as_str),
            Store::Packed(p) => p.module_dist(module),
        }
    }

    /// The advisories naming `dist`, sorted by id.
    pub fn advisories_for(&self, dist: &str) -> Vec<&Advisory> {
        match &self.store {
            // The advisory indexes at the head of the distribution's record:
            // its releases are not decoded (the advisory table is sorted by
            // id, so ascending indexes are ascending ids).
            Store::Packed(p) => p
                .find_dist(dist)
                .and_then(|i| p.dist_advisories(i))
                .into_iter()
                .flatten()
                .filter_map(|&k| p.advisory_at(k as usize))
                .collect(),
            Store::Model(_) => self
                .distribution(dist)
                .into_iter()
                .flat_map(|d| &d.advisories)
                .filter_map(|id| self.advisory(id))
                .collect(),
        }
    }

    /// Which advisories affect version `v` of `dist`.
    pub fn findings(&self, dist: &str, v: &Version) -> Findings<'_> {
        let mut findings = Findings::default();
        if let Store::Packed(p) = &self.store {
            // The rest of an advisory is decoded only when it is a finding.
            for (k, verdict) in packed_verdicts(p, dist, v) {
                let list = match verdict {
                    Verdict::Affected => &mut findings.affected,
                    Verdict::Unknown => &mut findings.unknown,
                    Verdict::NotAffected => continue,
                };
                list.extend(p.advisory_at(k));
            }
            return findings;
        }
        for a in self.advisories_for(dist) {
            match a.verdict(dist, v) {
                Verdict::Affected => findings.affected.push(a),
                Verdict::Unknown => findings.unknown.push(a),
                Verdict::NotAffected => {}
            }
        }
        findings
    }

    /// Whether no advisory affects or might affect version `v` of `dist`:
    /// [`Findings::is_safe`] of [`Database::findings`], without decoding
    /// more of each advisory than its ranges.
    pub fn is_safe(&self, dist: &str, v: &Version) -> bool {
        match &self.store {
            Store::Packed(p) => packed_verdicts(p, dist, v).all(|(_, x)| x == Verdict::NotAffected),
            Store::Model(_) => self.findings(dist, v).is_safe(),
        }
    }

    /// Every known release of `dist` that some advisory affects (or might),
    /// ascending, with its findings.
    pub fn affected_releases(&self, dist: &str) -> Vec<(&Release, Findings<'_>)> {
        let Some(d) = self.distribution(dist) else {
            return Vec::new();
        };
        d.known_releases()
            .map(|(r, v)| (r, self.findings(dist, v)))
            .filter(|(_, f)| !f.is_safe())
            .collect()
    }

    /// The smallest known release of `dist` newer than `v` that no advisory
    /// affects or might affect.
    pub fn first_safe_after(&self, dist: &str, v: &Version) -> Option<&Release> {
        self.first_safe(dist, v, |_| true)
    }

    /// The smallest known release of `dist` newer than `v`, accepted by
    /// `requirement`, that no advisory affects or might affect.
    pub fn first_safe_within(
        &self,
        dist: &str,
        v: &Version,
        requirement: &Requirement,
    ) -> Option<&Release> {
        self.first_safe(dist, v, |r| requirement.accepts(r))
    }

    fn first_safe(
        &self,
        dist: &str,
        v: &Version,
        accept: impl Fn(&Version) -> bool,
    ) -> Option<&Release> {
        let d = self.distribution(dist)?;
        d.known_releases()
            .filter(|(_, rv)| *rv > v && accept(rv))
            .find(|(_, rv)| self.is_safe(dist, rv))
            .map(|(r, _)| r)
    }
}

/// The verdict of each advisory of `dist` on `v`, by advisory index, read
/// from the advisories' records without decoding them.
fn packed_verdicts<'a>(
    p: &'a Packed,
    dist: &'a str,
    v: &'a Version,
) -> impl Iterator<Item = (usize, Verdict)> + 'a {
    let indexes = p.find_dist(dist).and_then(|i| p.dist_advisories(i));
    if let Some(indexes) = indexes {
        p.prefetch_advisories(indexes);
    }
    indexes.into_iter().flatten().filter_map(move |&k| {
        let k = k as usize;
        Some((k, p.advisory_verdict(k, dist, v)?))
    })
}
