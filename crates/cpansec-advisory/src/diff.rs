//! `db diff OLD NEW`: advisories added, removed and changed field by field,
//! with the known releases whose verdict flips.
//!
//! Verdicts are judged per advisory over the known releases of its
//! distributions in either database (a release only one of them lists is
//! still judged by both). A corrected range thus shows as a change of
//! `affected_versions`/`fixed_versions` plus the releases it newly marks
//! affected or clears.

use std::collections::BTreeMap;

use cpansec_version::Version;
use serde_json::{Value, json};

use crate::advisory::{Advisory, Range, Verdict};
use crate::{Database, Id};

/// One field that differs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Value,
    pub new: Value,
}

/// A known release whose verdict under one advisory differs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Flip {
    pub distribution: String,
    pub version: String,
    pub old: Verdict,
    pub new: Verdict,
}

/// One advisory that is in both databases and differs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Changed {
    pub id: Id,
    pub distribution: String,
    pub fields: Vec<FieldChange>,
    pub flips: Vec<Flip>,
}

/// An advisory only one database has, with the releases it affects.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OneSided {
    pub id: Id,
    pub distribution: String,
    /// `(distribution, version)` of each known release it affects (or might).
    pub affected_releases: Vec<(String, String)>,
}

/// The differences between two databases, sorted by id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Diff {
    pub added: Vec<OneSided>,
    pub removed: Vec<OneSided>,
    pub changed: Vec<Changed>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two databases.
pub fn diff(old: &Database, new: &Database) -> Diff {
    let mut out = Diff::default();
    for a in new.advisories() {
        match old.advisory(&a.id) {
            None => out.added.push(one_sided(old, new, a)),
            Some(o) => {
                let fields = field_changes(o, a);
                if !fields.is_empty() {
                    out.changed.push(Changed {
                        id: a.id.clone(),
                        distribution: a.distribution.clone(),
                        fields,
                        flips: flips(old, new, o, a),
                    });
                }
            }
        }
    }
    for o in old.advisories() {
        if new.advisory(&o.id).is_none() {
            out.removed.push(one_sided(old, new, o));
        }
    }
    out
}

/// The known releases of `dist` in either database, ascending, deduplicated
/// by version equality.
fn releases(old: &Database, new: &Database, dist: &str) -> Vec<Version> {
    let mut seen: BTreeMap<Version, ()> = BTreeMap::new();
    for db in [new, old] {
        if let Some(d) = db.distribution(dist) {
            for (_, v) in d.known_releases() {
                seen.entry(v.clone()).or_default();
            }
        }
    }
    seen.into_keys().collect()
}

fn one_sided(old: &Database, new: &Database, a: &Advisory) -> OneSided {
    let mut affected = Vec::new();
    for dist in a.distributions() {
        for v in releases(old, new, dist) {
            if a.verdict(dist, &v) != Verdict::NotAffected {
                affected.push((dist.to_string(), v.to_string()));
            }
        }
    }
    OneSided {
        id: a.id.clone(),
        distribution: a.distribution.clone(),
        affected_releases: affected,
    }
}

fn flips(old: &Database, new: &Database, o: &Advisory, a: &Advisory) -> Vec<Flip> {
    let mut dists = o.distributions();
    dists.extend(a.distributions());
    let mut out = Vec::new();
    for dist in dists {
        for v in releases(old, new, dist) {
            let (before, after) = (o.verdict(dist, &v), a.verdict(dist, &v));
            if before != after {
                out.push(Flip {
                    distribution: dist.to_string(),
                    version: v.to_string(),
                    old: before,
                    new: after,
                });
            }
        }
    }
    out
}

fn ranges(a: &Advisory, fixed: bool) -> Value {
    let texts =
        |rs: &[Range]| -> Vec<String> { rs.iter().map(|r| r.as_str().to_string()).collect() };
    let lists: Vec<Vec<String>> = a
        .groups
        .iter()
        .map(|g| texts(if fixed { &g.fixed } else { &g.affected }))
        .collect();
    match lists.as_slice() {
        [one] => json!(one),
        _ => json!(lists),
    }
}

fn alias_texts(a: &Advisory) -> Vec<String> {
    a.aliases
        .iter()
        .map(Id::to_string)
        .chain(a.unrecognised_aliases.iter().cloned())
        .collect()
}

fn field_changes(o: &Advisory, a: &Advisory) -> Vec<FieldChange> {
    let pairs: [(&'static str, Value, Value); 11] = [
        ("distribution", json!(o.distribution), json!(a.distribution)),
        ("affected_versions", ranges(o, false), ranges(a, false)),
        ("fixed_versions", ranges(o, true), ranges(a, true)),
        (
            "group_distributions",
            json!(o.groups.iter().map(|g| &g.distribution).collect::<Vec<_>>()),
            json!(a.groups.iter().map(|g| &g.distribution).collect::<Vec<_>>()),
        ),
        ("aliases", json!(alias_texts(o)), json!(alias_texts(a))),
        ("severity", json!(o.severity), json!(a.severity)),
        ("description", json!(o.description), json!(a.description)),
        ("references", json!(o.references), json!(a.references)),
        ("reported", json!(o.reported), json!(a.reported)),
        (
            "embedded_vulnerability",
            json!(o.embedded),
            json!(a.embedded),
        ),
        ("comment", json!(o.comment), json!(a.comment)),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect()
}
