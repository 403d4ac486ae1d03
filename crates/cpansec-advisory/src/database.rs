//! The advisory database: loading a file into the model, merging entries that
//! share an id, and the indexes queries use.
//!
//! Loading is all or nothing: a file that is not a well-formed database gives
//! an [`Error`] naming the file and the place in it, never a partial
//! database. Problems in the *content* (unparseable ranges or versions,
//! aliases that are not CVE ids, entries that disagree) are kept in the model
//! and reported by [`lint`](crate::lint).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use cpansec_version::Version;

use crate::advisory::{
    Advisory, Distribution, EmbeddedLibrary, Range, RangeGroup, Release, ReleaseVersion, Reviewer,
};
use crate::{Error, Id, IdKind};

/// The largest database file accepted, in bytes (the 2026 database is 4 MB).
pub const MAX_FILE_LEN: u64 = 64 << 20;

/// Where a database came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A JSON file.
    File(PathBuf),
    /// The YAML source directory.
    Yaml(PathBuf),
    /// The snapshot compiled into the program, named by its date.
    Embedded(&'static str),
    /// The database of an installed perl module (`CPAN::Audit::DB`,
    /// `CPANSA::DB`), with the module's `$VERSION`.
    Perl {
        module: String,
        version: Option<String>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) | Source::Yaml(p) => write!(f, "{}", p.display()),
            Source::Embedded(date) => write!(f, "<embedded snapshot {date}>"),
            Source::Perl { module, version } => match version {
                Some(v) => write!(f, "perl:{module} {v}"),
                None => write!(f, "perl:{module}"),
            },
        }
    }
}

/// What the file says about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Metadata {
    /// The upstream commit the file was generated from.
    pub commit: Option<String>,
    pub repo: Option<String>,
    /// The generation date as written (`Sun Aug 16 14:31:00 2026`).
    pub date: Option<String>,
    /// The generation time, seconds since 1970 (older files have a bogus value).
    pub epoch: Option<i64>,
    pub generator: Option<String>,
}

impl Metadata {
    /// The generation time, seconds since 1970: `epoch` when it is plausible
    /// (after 2000), else `date` read as UTC.
    pub fn generated_at(&self) -> Option<i64> {
        self.epoch
            .filter(|e| *e >= 946_684_800)
            .or_else(|| self.date.as_deref().and_then(crate::time::parse_ctime))
    }

    /// [`generated_at`](Metadata::generated_at) as `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn generated_utc(&self) -> Option<String> {
        self.generated_at().map(crate::time::format_utc)
    }
}

/// Counts that describe a database (`db info`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Advisories (distinct CPANSA ids).
    pub advisories: usize,
    /// Entries in the source before merging.
    pub entries: usize,
    /// Distinct CVE ids.
    pub cves: usize,
    /// Advisories without a CVE id.
    pub without_cve: usize,
    pub distributions: usize,
    pub distributions_with_releases: usize,
    pub releases: usize,
    pub modules: usize,
}

/// One advisory entry as a source format gives it, before merging.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub id: String,
    pub distribution: String,
    pub cves: Vec<String>,
    pub ghsas: Vec<String>,
    pub affected: Vec<String>,
    pub fixed: Vec<String>,
    pub severity: Option<String>,
    pub description: String,
    pub references: Vec<String>,
    pub reported: Option<String>,
    pub embedded: Option<EmbeddedLibrary>,
    pub external: Option<EmbeddedLibrary>,
    pub comment: Option<String>,
    pub previous_ids: Vec<String>,
    pub reviewed_by: Vec<Reviewer>,
}

/// One release as a source format gives it.
#[derive(Clone, Debug)]
pub(crate) struct RawRelease {
    pub version: Option<String>,
    pub date: String,
    pub perl_release: Option<String>,
}

/// An entry filed under a distribution other than the one it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misfiled {
    pub id: Id,
    pub filed_under: String,
    pub distribution: String,
}

/// A loaded advisory database.
///
/// Loaded from JSON or YAML it holds the model in maps; opened from the
/// binary form (cache files, the embedded snapshot) it holds the file's bytes
/// and decodes each advisory and distribution on first use. Both answer every
/// query the same way.
#[derive(Clone, Debug)]
pub struct Database {
    pub(crate) source: Source,
    pub(crate) meta: Metadata,
    pub(crate) misfiled: Vec<Misfiled>,
    pub(crate) entry_count: usize,
    pub(crate) store: Store,
}

/// Where the advisories, distributions and indexes live.
#[derive(Clone, Debug)]
pub(crate) enum Store {
    Model(Model),
    Packed(Box<crate::binary::Packed>),
}

/// The model in maps, as loading a source builds it.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) advisories: BTreeMap<Id, Advisory>,
    pub(crate) aliases: BTreeMap<Id, BTreeSet<Id>>,
    pub(crate) dists: BTreeMap<String, Distribution>,
    pub(crate) modules: BTreeMap<String, String>,
}

/// Reads at most [`MAX_FILE_LEN`] bytes of `path`.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, Error> {
    let source_name = path.display().to_string();
    let io = |err| Error::Io {
        source_name: source_name.clone(),
        err,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // Sized from the file's length (one allocation, no regrowth); the read
    // itself stays bounded.
    let hint = file.metadata().map_or(0, |m| m.len().min(MAX_FILE_LEN + 1));
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0) + 1);
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(Error::TooLarge {
            source_name,
            size: bytes.len() as u64,
            limit: MAX_FILE_LEN,
        });
    }
    Ok(bytes)
}

impl Database {
    /// Loads a database in the published JSON format from `path`.
    pub fn load_json_file(path: &Path) -> Result<Database, Error> {
        let bytes = read_bounded(path)?;
        Database::from_json_slice(&bytes, Source::File(path.to_path_buf()))
    }

    /// Loads a database in the published JSON format from memory.
    pub fn from_json_slice(bytes: &[u8], source: Source) -> Result<Database, Error> {
        let name = source.to_string();
        let parsed = crate::json::parse(bytes, &name)?;
        build(
            source,
            parsed.meta,
            parsed.modules,
            parsed.dists,
            parsed.entries,
        )
    }

    /// Where this database was loaded from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Every advisory, by CPANSA id.
    pub fn advisories(&self) -> Box<dyn ExactSizeIterator<Item = &Advisory> + '_> {
        match &self.store {
            Store::Model(m) => Box::new(m.advisories.values()),
            Store::Packed(p) => Box::new(crate::binary::Cells::advisories(p)),
        }
    }

    /// Every distribution, by name.
    pub fn distributions(&self) -> Box<dyn ExactSizeIterator<Item = &Distribution> + '_> {
        match &self.store {
            Store::Model(m) => Box::new(m.dists.values()),
            Store::Packed(p) => Box::new(crate::binary::Cells::dists(p)),
        }
    }

    /// The module -> distribution map, by module name.
    pub fn modules(&self) -> Box<dyn ExactSizeIterator<Item = (&str, &str)> + '_> {
        match &self.store {
            Store::Model(m) => Box::new(m.modules.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            Store::Packed(p) => Box::new((0..p.module_count()).map(|i| p.module_at(i))),
        }
    }

    /// How many entries the source had before merging.
    pub fn entry_count(&self) -> usize {
        self.entry_count
    }

    /// Counts for `db info`.
    pub fn summary(&self) -> Summary {
        let m = match &self.store {
            Store::Model(m) => m,
            Store::Packed(p) => return p.summary().clone(),
        };
        let cves: BTreeSet<&Id> = m.advisories.values().flat_map(|a| a.cves()).collect();
        Summary {
            advisories: m.advisories.len(),
            entries: self.entry_count,
            cves: cves.len(),
            without_cve: m
                .advisories
                .values()
                .filter(|a| a.cves().next().is_none())
                .count(),
            distributions: m.dists.len(),
            distributions_with_releases: m.dists.values().filter(|d| d.releases.is_some()).count(),
            releases: m
                .dists
                .values()
                .map(|d| d.releases.as_ref().map_or(0, Vec::len))
                .sum(),
            modules: m.modules.len(),
        }
    }

    /// Entries filed under a distribution other than the one they name.
    pub fn misfiled(&self) -> &[Misfiled] {
        &self.misfiled
    }
}

/// Builds the model from source entries: validates ids, merges entries that
/// share an id, sorts releases, builds the alias and distribution indexes.
pub(crate) fn build(
    source: Source,
    meta: Metadata,
    modules: BTreeMap<String, String>,
    raw_dists: BTreeMap<String, (Option<String>, Option<Vec<RawRelease>>)>,
    entries: Vec<(String, String, Entry)>,
) -> Result<Database, Error> {
    let source_name = source.to_string();
    let mut dists: BTreeMap<String, Distribution> = raw_dists
        .into_iter()
        .map(|(name, (main_module, releases))| {
            let releases = releases.map(sort_releases);
            let dist = Distribution {
                name: name.clone(),
                main_module,
                releases,
                advisories: BTreeSet::new(),
            };
            (name, dist)
        })
        .collect();
    let entry_count = entries.len();
    let mut advisories: BTreeMap<Id, Advisory> = BTreeMap::new();
    let mut misfiled = Vec::new();
    for (filed_under, path, entry) in entries {
        let id: Id = entry.id.parse().map_err(|e| Error::Invalid {
            source_name: source_name.clone(),
            json_path: format!("{path}.id"),
            message: format!("{e}"),
        })?;
        if id.kind() != IdKind::Cpansa {
            return Err(Error::Invalid {
                source_name,
                json_path: format!("{path}.id"),
                message: format!("advisory id {id} is not a CPANSA id"),
            });
        }
        if filed_under != entry.distribution {
            misfiled.push(Misfiled {
                id: id.clone(),
                filed_under: filed_under.clone(),
                distribution: entry.distribution.clone(),
            });
        }
        for name in [&filed_under, &entry.distribution] {
            dists
                .entry(name.clone())
                .or_insert_with(|| Distribution {
                    name: name.clone(),
                    main_module: None,
                    releases: None,
                    advisories: BTreeSet::new(),
                })
                .advisories
                .insert(id.clone());
        }
        match advisories.get_mut(&id) {
            Some(existing) => merge(existing, entry),
            None => {
                let advisory = new_advisory(id.clone(), entry);
                advisories.insert(id, advisory);
            }
        }
    }
    for a in advisories.values_mut() {
        a.aliases.sort_by(|x, y| (x.kind(), x).cmp(&(y.kind(), y)));
        a.aliases.dedup();
    }
    let aliases = aliases_of(&advisories);
    Ok(Database {
        source,
        meta,
        misfiled,
        entry_count,
        store: Store::Model(Model {
            advisories,
            aliases,
            dists,
            modules,
        }),
    })
}

/// The alias index: every CVE or GHSA id to the advisories that list it.
pub(crate) fn aliases_of(advisories: &BTreeMap<Id, Advisory>) -> BTreeMap<Id, BTreeSet<Id>> {
    let mut aliases: BTreeMap<Id, BTreeSet<Id>> = BTreeMap::new();
    for a in advisories.values() {
        for alias in &a.aliases {
            aliases
                .entry(alias.clone())
                .or_default()
                .insert(a.id.clone());
        }
    }
    aliases
}

fn sort_releases(raw: Vec<RawRelease>) -> Vec<Release> {
    let mut releases: Vec<Release> = raw
        .into_iter()
        .map(|r| Release {
            version: match r.version {
                None => ReleaseVersion::Missing,
                Some(text) => match Version::parse_exact(&text) {
                    Ok(v) => ReleaseVersion::Known(v),
                    Err(e) => ReleaseVersion::Unparseable(e),
                },
            },
            date: r.date,
            perl_release: r.perl_release,
        })
        .collect();
    releases.sort_by(|a, b| match (a.version.known(), b.version.known()) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    releases
}

fn split_aliases(entry: &Entry) -> (Vec<Id>, Vec<String>) {
    let mut ids = Vec::new();
    let mut unrecognised = Vec::new();
    for (text, kind) in entry
        .cves
        .iter()
        .map(|c| (c, IdKind::Cve))
        .chain(entry.ghsas.iter().map(|g| (g, IdKind::Ghsa)))
    {
        match text.parse::<Id>() {
            Ok(id) if id.kind() == kind => ids.push(id),
            _ => unrecognised.push(text.clone()),
        }
    }
    (ids, unrecognised)
}

fn group_of(entry: &Entry) -> RangeGroup {
    RangeGroup {
        distribution: entry.distribution.clone(),
        affected: entry.affected.iter().map(|r| Range::new(r)).collect(),
        fixed: entry.fixed.iter().map(|r| Range::new(r)).collect(),
    }
}

fn new_advisory(id: Id, entry: Entry) -> Advisory {
    let (aliases, unrecognised_aliases) = split_aliases(&entry);
    let group = group_of(&entry);
    Advisory {
        id,
        distribution: entry.distribution,
        aliases,
        unrecognised_aliases,
        groups: vec![group],
        severity: entry.severity,
        description: entry.description,
        references: entry.references,
        reported: entry.reported,
        embedded: entry.embedded,
        external: entry.external,
        comment: entry.comment,
        previous_ids: entry.previous_ids,
        reviewed_by: entry.reviewed_by,
        entries: 1,
        conflicts: BTreeSet::new(),
    }
}

/// Adds a further entry with the same id: its ranges become a new group,
/// lists are unioned, and scalar fields that differ are recorded as conflicts
/// (the first entry's value is kept).
fn merge(existing: &mut Advisory, entry: Entry) {
    let (aliases, unrecognised) = split_aliases(&entry);
    let mut conflict = |field: &'static str, differs: bool| {
        if differs {
            existing.conflicts.insert(field);
        }
    };
    conflict("distribution", existing.distribution != entry.distribution);
    conflict("description", existing.description != entry.description);
    conflict("severity", existing.severity != entry.severity);
    conflict("reported", existing.reported != entry.reported);
    conflict(
        "embedded_vulnerability",
        existing.embedded != entry.embedded,
    );
    conflict("references", existing.references != entry.references);
    conflict(
        "cves",
        existing
            .aliases
            .iter()
            .filter(|a| a.kind() == IdKind::Cve)
            .count()
            != aliases.iter().filter(|a| a.kind() == IdKind::Cve).count()
            || !aliases.iter().all(|a| existing.aliases.contains(a)),
    );
    existing.groups.push(group_of(&entry));
    existing.entries += 1;
    for a in aliases {
        if !existing.aliases.contains(&a) {
            existing.aliases.push(a);
        }
    }
    for u in unrecognised {
        if !existing.unrecognised_aliases.contains(&u) {
            existing.unrecognised_aliases.push(u);
        }
    }
    for r in entry.references {
        if !existing.references.contains(&r) {
            existing.references.push(r);
        }
    }
}
