//! What the index serves, computed once per database load: the database,
//! the patch registry, every advisory's OSV record already serialized, the
//! bulk files (`all.zip`, `modified_id.csv`), the lists the pages show, and
//! the changes seen since the server started.
//!
//! A [`Snapshot`] is immutable. A reload builds a new one beside the old and
//! swaps the pointer ([`Shared::replace`]); requests in flight keep the
//! snapshot they started with.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, RwLock};

use cpansec_advisory::{Advisory, Database, Id, OsvRecord, Summary, Verdict};
use cpansec_patch::Registry;
use cpansec_version::Version;

use super::time::{format_rfc3339, parse_date};

/// The most recent changes kept for the home page.
const MAX_CHANGES: usize = 100;

/// One change between two loads of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// When the server saw it (seconds since 1970).
    pub seen: i64,
    pub id: Id,
    pub distribution: String,
    /// `added`, `removed` or `changed: field, field`.
    pub what: String,
}

/// The advisory's OSV record, serialized compactly (API) and pretty (bulk).
#[derive(Debug)]
pub struct OsvJson {
    pub compact: String,
    pub modified: String,
}

/// Everything one database load gives the index.
#[derive(Debug)]
pub struct Snapshot {
    pub db: Database,
    pub patches: Option<Registry>,
    /// When this snapshot was built (seconds since 1970).
    pub loaded_at: i64,
    pub summary: Summary,
    /// CPANSA id -> OSV record.
    pub osv: HashMap<Id, OsvJson>,
    pub all_zip: Vec<u8>,
    pub modified_csv: String,
    /// The database in the cpansa-feed JSON format (`/cpansa.json`).
    pub cpansa_json: Vec<u8>,
    /// Advisories newest first by reported date (then id), as CPANSA ids.
    pub latest: Vec<Id>,
    /// Changes seen between loads, newest first.
    pub changes: Vec<Change>,
    /// Lower-cased distribution name -> name, for search.
    pub dists_lower: BTreeMap<String, String>,
    /// Rendered advisory and distribution pages, by path (this snapshot's
    /// data only, so a reload starts afresh).
    pages: RwLock<HashMap<String, axum::body::Bytes>>,
}

/// Pages kept rendered per snapshot, at most.
const MAX_CACHED_PAGES: usize = 8192;

/// What a release's verdict is, over every advisory of its distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseVerdict<'a> {
    pub version: String,
    pub date: &'a str,
    pub verdict: Verdict,
    /// `true` when the version text does not parse (or is missing).
    pub unparseable: bool,
    pub affected_by: Vec<&'a Id>,
    pub unknown_by: Vec<&'a Id>,
}

impl Snapshot {
    /// Builds a snapshot; `previous` carries the change list forward and is
    /// compared with the new database.
    pub fn build(
        db: Database,
        patches: Option<Registry>,
        previous: Option<&Snapshot>,
        now: i64,
    ) -> Result<Snapshot, std::io::Error> {
        let summary = db.summary();
        let mut osv = HashMap::with_capacity(db.advisories().len());
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut index = Vec::new();
        for a in db.advisories() {
            let record = OsvRecord::from_advisory(&db, a);
            let compact = serde_json::to_string(&record).map_err(std::io::Error::other)?;
            let mut pretty =
                serde_json::to_string_pretty(&record).map_err(std::io::Error::other)?;
            pretty.push('\n');
            zip.start_file(format!("{}.json", record.id), options)
                .map_err(std::io::Error::other)?;
            zip.write_all(pretty.as_bytes())?;
            index.push((record.modified.clone(), record.id.clone()));
            osv.insert(
                a.id.clone(),
                OsvJson {
                    compact,
                    modified: record.modified,
                },
            );
        }
        let all_zip = zip.finish().map_err(std::io::Error::other)?.into_inner();
        index.sort_by(|x, y| y.cmp(x));
        let modified_csv = index.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
        let cpansa_json = cpansec_advisory::Feed::from_database(&db).to_json();

        let mut latest: Vec<(i64, &Advisory)> = db
            .advisories()
            .map(|a| (a.reported.as_deref().and_then(parse_date).unwrap_or(0), a))
            .collect();
        latest.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| y.1.id.cmp(&x.1.id)));
        let latest = latest.into_iter().map(|(_, a)| a.id.clone()).collect();

        let mut changes = Vec::new();
        if let Some(prev) = previous {
            let d = cpansec_advisory::diff(&prev.db, &db);
            for a in &d.added {
                changes.push(change(now, &a.id, &a.distribution, "added".into()));
            }
            for a in &d.removed {
                changes.push(change(now, &a.id, &a.distribution, "removed".into()));
            }
            for c in &d.changed {
                let fields: Vec<&str> = c.fields.iter().map(|f| f.field).collect();
                let what = format!("changed: {}", fields.join(", "));
                changes.push(change(now, &c.id, &c.distribution, what));
            }
            changes.extend(prev.changes.iter().cloned());
            changes.truncate(MAX_CHANGES);
        }
        let dists_lower = db
            .distributions()
            .map(|d| (d.name.to_lowercase(), d.name.clone()))
            .collect();
        Ok(Snapshot {
            db,
            patches,
            loaded_at: now,
            summary,
            osv,
            all_zip,
            modified_csv,
            cpansa_json,
            latest,
            changes,
            dists_lower,
            pages: RwLock::new(HashMap::new()),
        })
    }

    /// The page at `path`, rendered by `render` the first time (`None`:
    /// there is no such page, and nothing is kept).
    pub fn page(
        &self,
        path: &str,
        render: impl FnOnce() -> Option<String>,
    ) -> Option<axum::body::Bytes> {
        if let Some(p) = self.pages.read().ok().and_then(|m| m.get(path).cloned()) {
            return Some(p);
        }
        let page = axum::body::Bytes::from(render()?);
        if let Ok(mut m) = self.pages.write() {
            if m.len() < MAX_CACHED_PAGES {
                m.insert(path.to_string(), page.clone());
            }
        }
        Some(page)
    }

    /// When the database was generated, RFC 3339, if it says.
    pub fn generated(&self) -> Option<String> {
        self.db.metadata().generated_at().map(format_rfc3339)
    }

    /// Every known release of `dist`, ascending, with its verdict over all
    /// the distribution's advisories. `None` when the database has no
    /// release list for it.
    pub fn release_verdicts(&self, dist: &str) -> Option<Vec<ReleaseVerdict<'_>>> {
        let d = self.db.distribution(dist)?;
        let releases = d.releases.as_ref()?;
        let advisories = self.db.advisories_for(dist);
        Some(
            releases
                .iter()
                .map(|r| {
                    let mut rv = ReleaseVerdict {
                        version: r.version.to_string(),
                        date: &r.date,
                        verdict: Verdict::NotAffected,
                        unparseable: r.version.known().is_none(),
                        affected_by: Vec::new(),
                        unknown_by: Vec::new(),
                    };
                    match r.version.known() {
                        Some(v) => {
                            for a in &advisories {
                                match a.verdict(dist, v) {
                                    Verdict::Affected => rv.affected_by.push(&a.id),
                                    Verdict::Unknown => rv.unknown_by.push(&a.id),
                                    Verdict::NotAffected => {}
                                }
                            }
                            rv.verdict = if !rv.affected_by.is_empty() {
                                Verdict::Affected
                            } else if !rv.unknown_by.is_empty() {
                                Verdict::Unknown
                            } else {
                                Verdict::NotAffected
                            };
                        }
                        None if !advisories.is_empty() => rv.verdict = Verdict::Unknown,
                        None => {}
                    }
                    rv
                })
                .collect(),
        )
    }

    /// The first safe release of `dist`: the smallest known release newer
    /// than every release some advisory affects (or might) that no advisory
    /// affects; the oldest release when none is affected. `None` when there
    /// is no such release or no release list.
    pub fn first_safe(&self, dist: &str) -> Option<(String, String)> {
        let d = self.db.distribution(dist)?;
        let newest_bad: Option<Version> = d
            .known_releases()
            .filter(|(_, v)| !self.db.findings(dist, v).is_safe())
            .map(|(_, v)| v.clone())
            .last();
        let release = match newest_bad {
            Some(v) => self.db.first_safe_after(dist, &v)?,
            None => d.known_releases().next().map(|(r, _)| r)?,
        };
        Some((release.version.to_string(), release.date.clone()))
    }

    /// The advisories `dist` at `version` is affected by, or might be:
    /// `None` for `version`, every advisory of the distribution.
    pub fn matching(&self, dist: &str, version: Option<&Version>) -> Vec<&Advisory> {
        match version {
            None => self.db.advisories_for(dist),
            Some(v) => {
                let f = self.db.findings(dist, v);
                let mut all: Vec<&Advisory> = f.affected.into_iter().chain(f.unknown).collect();
                all.sort_by(|x, y| x.id.cmp(&y.id));
                all
            }
        }
    }

    /// The distribution a package name names: a distribution the database
    /// knows, else a module its module map gives to one.
    pub fn resolve_package<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        if self.db.distribution(name).is_some() {
            return Some(name);
        }
        self.db.distribution_of_module(name)
    }
}

fn change(seen: i64, id: &Id, dist: &str, what: String) -> Change {
    Change {
        seen,
        id: id.clone(),
        distribution: dist.to_string(),
        what,
    }
}

/// The current snapshot, swapped whole on reload.
#[derive(Debug)]
pub struct Shared {
    current: RwLock<Arc<Snapshot>>,
}

impl Shared {
    pub fn new(snapshot: Snapshot) -> Shared {
        Shared {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// The snapshot to answer one request from.
    pub fn get(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Makes `snapshot` the current one.
    pub fn replace(&self, snapshot: Snapshot) {
        let new = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}
