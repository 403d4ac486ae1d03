//! OSV 1.7 export: one record per advisory, like osv.dev's bulk export
//! (`<ID>.json` files plus `modified_id.csv`).
//!
//! Mapping:
//! - `id` is the CPANSA id; `aliases` the CVE and GHSA ids.
//! - One `affected` entry per distribution: ecosystem `CPAN` (not a
//!   registered OSV ecosystem), package purl `pkg:cpan/<Dist>`.
//! - Ranges: the entry's affected set (affected minus fixed, see
//!   [`RangeGroup`](crate::RangeGroup)) as intervals, one `ECOSYSTEM` range
//!   per interval: `introduced` (`0` when unbounded), then `fixed` for an
//!   exclusive upper end or `last_affected` for an inclusive one. OSV has no
//!   exclusive lower end: `> v` starts at the first known release above `v`,
//!   and an interval with no known release is left to the `versions` list.
//! - `versions`: every known release the advisory affects, explicitly.
//! - `severity`: the data has only words (`high`), which OSV's typed
//!   severities (CVSS vectors) cannot carry; the word goes to
//!   `database_specific.severity`.
//! - `modified`: the database's generation time (the data has no
//!   per-advisory modification time); `published`: the reported date.
//! - An entry with a range that does not parse gets no ranges; its text is
//!   kept in `database_specific.unparsed_ranges`.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Bound;
use std::path::Path;

use cpansec_version::Version;
use serde::Serialize;

use crate::advisory::{Advisory, Verdict};
use crate::{Database, Error};

#[derive(Clone, Debug, Serialize)]
pub struct OsvRecord {
    pub schema_version: &'static str,
    pub id: String,
    pub modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub details: String,
    pub affected: Vec<OsvAffected>,
    pub references: Vec<OsvReference>,
    pub database_specific: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OsvAffected {
    pub package: OsvPackage,
    pub ranges: Vec<OsvRange>,
    pub versions: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OsvPackage {
    pub ecosystem: &'static str,
    pub name: String,
    pub purl: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub events: Vec<BTreeMap<&'static str, String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
}

fn event(kind: &'static str, v: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([(kind, v.to_string())])
}

fn reference_kind(url: &str) -> &'static str {
    if url.contains("nvd.nist.gov") || url.contains("/advisories/") || url.contains("cve.org") {
        "ADVISORY"
    } else if url.contains("/commit/") || url.contains("/pull/") {
        "FIX"
    } else if url.contains("/issues/") || url.contains("rt.cpan.org") || url.contains("bugs.") {
        "REPORT"
    } else {
        "WEB"
    }
}

/// The ECOSYSTEM ranges of one distribution's affected set.
fn ranges(a: &Advisory, dist: &str, releases: &[&Version]) -> Vec<OsvRange> {
    let Some(set) = a.affected_set(dist) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for interval in set.intervals() {
        let introduced = match &interval.lower {
            Bound::Unbounded => "0".to_string(),
            Bound::Included(v) => v.to_string(),
            Bound::Excluded(_) => match releases.iter().find(|r| interval.contains(r)) {
                Some(r) => r.to_string(),
                None => continue,
            },
        };
        let mut events = vec![event("introduced", &introduced)];
        match &interval.upper {
            Bound::Unbounded => {}
            Bound::Excluded(v) => events.push(event("fixed", &v.to_string())),
            Bound::Included(v) => events.push(event("last_affected", &v.to_string())),
        }
        out.push(OsvRange {
            kind: "ECOSYSTEM",
            events,
        });
    }
    out
}

impl OsvRecord {
    /// The OSV record of one advisory.
    pub fn from_advisory(db: &Database, a: &Advisory) -> OsvRecord {
        let modified = db.metadata().generated_at().map_or_else(
            || "1970-01-01T00:00:00Z".to_string(),
            crate::time::format_rfc3339,
        );
        let published = a
            .reported
            .as_deref()
            .and_then(crate::time::parse_date)
            .map(crate::time::format_rfc3339);
        let mut affected = Vec::new();
        for dist in a.distributions() {
            let releases: Vec<&Version> = db
                .distribution(dist)
                .map(|d| d.known_releases().map(|(_, v)| v).collect())
                .unwrap_or_default();
            let versions = releases
                .iter()
                .filter(|v| a.verdict(dist, v) == Verdict::Affected)
                .map(|v| v.to_string())
                .collect();
            affected.push(OsvAffected {
                package: OsvPackage {
                    ecosystem: "CPAN",
                    name: dist.to_string(),
                    purl: format!("pkg:cpan/{dist}"),
                },
                ranges: ranges(a, dist, &releases),
                versions,
            });
        }
        let mut database_specific = BTreeMap::new();
        if let Some(s) = a.severity.as_deref().filter(|s| !s.is_empty()) {
            database_specific.insert("severity", serde_json::json!(s));
        }
        let unparsed: Vec<&str> = a
            .groups
            .iter()
            .flat_map(|g| g.affected.iter().chain(&g.fixed))
            .filter(|r| r.parsed().is_none())
            .map(|r| r.as_str())
            .collect();
        if !unparsed.is_empty() {
            database_specific.insert("unparsed_ranges", serde_json::json!(unparsed));
        }
        if let Some(e) = &a.embedded {
            database_specific.insert("embedded_vulnerability", serde_json::json!(e));
        }
        let mut aliases: Vec<String> = a.aliases.iter().map(|i| i.to_string()).collect();
        aliases.sort();
        let summary = a
            .description
            .lines()
            .next()
            .map(|l| l.chars().take(120).collect::<String>())
            .filter(|l| !l.trim().is_empty());
        OsvRecord {
            schema_version: "1.7.0",
            id: a.id.to_string(),
            modified,
            published,
            aliases,
            summary,
            details: a.description.clone(),
            affected,
            references: a
                .references
                .iter()
                .map(|u| OsvReference {
                    kind: reference_kind(u),
                    url: u.clone(),
                })
                .collect(),
            database_specific,
        }
    }
}

/// Writes one `<ID>.json` per advisory, `all.zip` (the same files, one
/// `<ID>.json` entry each, deflated, with the fixed 1980 time stamp so the
/// archive is reproducible) and `modified_id.csv` (`<modified>,<ID>` per
/// line, newest first), osv.dev's bulk-export layout, into `dir`. Returns
/// the number of records written.
pub fn export_osv(db: &Database, dir: &Path) -> Result<usize, Error> {
    let io = |err| Error::Io {
        source_name: dir.display().to_string(),
        err,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut index = Vec::new();
    let zip_error = |e: zip::result::ZipError| io(std::io::Error::other(e));
    let zip_file = std::fs::File::create(dir.join("all.zip")).map_err(io)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(zip_file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for a in db.advisories() {
        let record = OsvRecord::from_advisory(db, a);
        let mut text = serde_json::to_string_pretty(&record).map_err(|e| io(e.into()))?;
        text.push('\n');
        let name = format!("{}.json", record.id);
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(text.as_bytes()).map_err(io)?;
        std::fs::write(dir.join(&name), text).map_err(io)?;
        index.push((record.modified, record.id));
    }
    zip.finish().map_err(zip_error)?.flush().map_err(io)?;
    index.sort_by(|x, y| y.cmp(x));
    let csv: String = index.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
    std::fs::write(dir.join("modified_id.csv"), csv).map_err(io)?;
    Ok(index.len())
}
