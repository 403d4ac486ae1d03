//! The dependency set: every distribution a project uses, with the exact
//! version or requirement range it names, the file and line that named it,
//! and how it was reached.
//!
//! Invariants: one [`Dependency`] per distribution and input kind (a
//! snapshot pins each distribution once; cpanfile/META requirements that map
//! to the same distribution are merged, keeping the first line). `perl`
//! itself and modules the database attributes to the `perl` distribution
//! (core pragmas such as `strict`) never become dependencies: a plain
//! project scan does not invent core modules. Nothing is skipped silently:
//! what cannot be used is listed in [`DependencySet::problems`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cpansec_advisory::Database;
use cpansec_meta::{Cpanfile, Meta, Phase, Prereqs, Relation, Snapshot};
use cpansec_version::{Requirement, Version};

use crate::Error;

/// The files a project directory is read from, in order of preference.
pub const SNAPSHOT: &str = "cpanfile.snapshot";
pub const CPANFILE: &str = "cpanfile";
pub const META_FILES: [&str; 4] = ["META.json", "META.yml", "MYMETA.json", "MYMETA.yml"];

/// The version a project names for a distribution.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DepVersion {
    /// A pinned version (snapshot): tested with `==` semantics.
    Exact { text: String, version: Version },
    /// A requirement range (cpanfile, META): reported when it admits an
    /// affected release.
    Range {
        text: String,
        #[serde(skip)]
        requirement: Requirement,
    },
}

impl DepVersion {
    pub fn text(&self) -> &str {
        match self {
            DepVersion::Exact { text, .. } | DepVersion::Range { text, .. } => text,
        }
    }
}

/// Where a dependency was named: a file and a 1-based line (0 when the
/// format has no line numbers, as for META files).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

/// One way a dependency was reached.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Reached {
    /// True when the project's own cpanfile/META asks for it.
    pub direct: bool,
    /// The module the requirement names (direct only).
    pub module: Option<String>,
    /// `runtime`, `test`, ... (direct only).
    pub phase: Option<String>,
    /// The cpanfile/META feature block, when inside one.
    pub feature: Option<String>,
    /// Where the project asks for it (direct only).
    pub origin: Option<Origin>,
    /// For a dependency read from an SBOM's graph and not direct: the
    /// distributions on a shortest path from a direct dependency to it
    /// (`["Plack", "HTTP-Message"]` for one Plack needs through
    /// HTTP-Message). Empty otherwise, and then not serialized.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

/// A distribution the project uses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Dependency {
    pub dist: String,
    pub version: DepVersion,
    /// The file and line that pins or requires it.
    pub origin: Origin,
    /// Every way it is reached, sorted; a snapshot entry with no direct
    /// requirement has one transitive entry.
    pub reached: Vec<Reached>,
    /// The project's own requirement on it (for remediation within range).
    #[serde(skip)]
    pub requirement: Option<Requirement>,
    pub requirement_text: Option<String>,
}

/// What to include from cpanfile/META requirements.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Only these phases (`None`: every phase).
    pub phases: Option<Vec<Phase>>,
    /// Only these optional features (`None`: every feature).
    pub features: Option<Vec<String>>,
    /// A 02packages index, consulted for modules neither the snapshot nor
    /// the database's module map knows.
    pub packages: Option<std::sync::Arc<cpansec_meta::Packages>>,
}

impl LoadOptions {
    /// The distribution of `module`: the database's map, else the 02packages
    /// index when one is given.
    pub(crate) fn dist_of(&self, db: &Database, module: &str) -> Option<String> {
        db.distribution_of_module(module)
            .map(str::to_string)
            .or_else(|| {
                let p = self.packages.as_ref()?.lookup(module)?;
                let file = p.path.rsplit('/').next()?;
                cpansec_meta::distname_info(file).map(|i| i.dist)
            })
    }

    fn wants_phase(&self, p: &Phase) -> bool {
        self.phases.as_ref().is_none_or(|ps| ps.contains(p))
    }
    fn wants_feature(&self, f: &str) -> bool {
        self.features
            .as_ref()
            .is_none_or(|fs| fs.iter().any(|x| x == f))
    }
}

/// The whole dependency set of one project.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DependencySet {
    /// Sorted by distribution name.
    pub dependencies: Vec<Dependency>,
    /// The files read.
    pub inputs: Vec<String>,
    /// Lines that could not be used, each naming file, line and text; the
    /// rest of the input is still scanned.
    pub problems: Vec<String>,
}

/// A requirement of the project, before mapping to a distribution.
pub(crate) struct Wanted {
    pub(crate) module: String,
    pub(crate) text: String,
    pub(crate) phase: Phase,
    pub(crate) feature: Option<String>,
    pub(crate) origin: Origin,
}

fn wanted(
    file: &str,
    prereqs: &Prereqs,
    feature: Option<&str>,
    opts: &LoadOptions,
    out: &mut Vec<Wanted>,
) {
    for (phase, relation, module, prereq) in prereqs.iter() {
        if !matches!(relation, Relation::Requires | Relation::Recommends)
            || !opts.wants_phase(phase)
        {
            continue;
        }
        out.push(Wanted {
            module: module.to_string(),
            text: prereq.requirement.clone(),
            phase: phase.clone(),
            feature: feature.map(str::to_string),
            origin: Origin {
                file: file.to_string(),
                line: prereq.location.map_or(0, |l| l.line),
            },
        });
    }
}

pub(crate) fn cpanfile_wanted(file: &str, c: &Cpanfile, opts: &LoadOptions) -> Vec<Wanted> {
    let mut out = Vec::new();
    wanted(file, &c.prereqs, None, opts, &mut out);
    for (name, f) in &c.features {
        if opts.wants_feature(name) {
            wanted(file, &f.prereqs, Some(name), opts, &mut out);
        }
    }
    out
}

pub(crate) fn meta_wanted(file: &str, m: &Meta, opts: &LoadOptions) -> Vec<Wanted> {
    let mut out = Vec::new();
    wanted(file, &m.prereqs, None, opts, &mut out);
    for (name, f) in m.optional_features.iter().flatten() {
        if let Some(p) = f.prereqs.as_ref().filter(|_| opts.wants_feature(name)) {
            wanted(file, p, Some(name), opts, &mut out);
        }
    }
    out
}

/// True for names that stand for the interpreter or its core pragmas.
pub(crate) fn is_perl(module: &str, dist: Option<&str>) -> bool {
    module == "perl" || dist == Some("perl")
}

impl DependencySet {
    /// Reads a project directory: `cpanfile.snapshot` (with `cpanfile` for
    /// direct requirements) when present, else `cpanfile`, else the first
    /// META file. [`Error::NothingToScan`] when there is none of them.
    pub fn from_dir(dir: &Path, db: &Database, opts: &LoadOptions) -> Result<DependencySet, Error> {
        if !dir.is_dir() {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not a readable directory",
                ),
            });
        }
        let snapshot = dir.join(SNAPSHOT);
        let cpanfile = dir.join(CPANFILE);
        let cpanfile = cpanfile.is_file().then_some(cpanfile);
        if snapshot.is_file() {
            return Self::from_snapshot(&snapshot, cpanfile.as_deref(), db, opts);
        }
        if let Some(c) = cpanfile {
            return Self::from_cpanfile(&c, db, opts);
        }
        for name in META_FILES {
            let p = dir.join(name);
            if p.is_file() {
                return Self::from_meta(&p, db, opts);
            }
        }
        Err(Error::NothingToScan(dir.to_path_buf()))
    }

    /// Reads one explicit file, choosing the reader by its name.
    pub fn from_file(
        path: &Path,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if crate::tarball::is_archive_name(name) {
            Self::from_tarball(path, db, opts)
        } else if name.ends_with(".snapshot") {
            let sibling = path.with_file_name(CPANFILE);
            let c = sibling.is_file().then_some(sibling);
            Self::from_snapshot(path, c.as_deref(), db, opts)
        } else if name.ends_with(".json") || name.ends_with(".yml") || name.ends_with(".yaml") {
            Self::from_meta(path, db, opts)
        } else {
            Self::from_cpanfile(path, db, opts)
        }
    }

    /// Exact versions from a Carton snapshot; `cpanfile`, when given, marks
    /// the distributions the project asks for directly and supplies the
    /// requirement used to choose an upgrade.
    pub fn from_snapshot(
        path: &Path,
        cpanfile: Option<&Path>,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let input = |source| Error::Input {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        // Parsed borrowing from the text (names and versions are not copied
        // per distribution); errors as `Snapshot::read` gives them.
        let text = Snapshot::read_text(path).map_err(input)?;
        // The modules each release provides matter only for a cpanfile's
        // requirements.
        let snap = if cpanfile.is_some() {
            Snapshot::parse(&text)
        } else {
            Snapshot::parse_releases(&text)
        }
        .map_err(|e| input(e.in_file(path)))?;
        let file = display(path);
        let mut set = DependencySet {
            inputs: vec![file.clone()],
            ..Default::default()
        };
        // One entry per distribution name, the first in file order; sorted
        // by name. A vector sorted once, not a map grown entry by entry:
        // entries are large and a snapshot has hundreds.
        let mut by_dist: Vec<Dependency> = Vec::with_capacity(snap.distributions.len());
        for d in &snap.distributions {
            let Some((name, ver)) = d.dist_name_version() else {
                set.problems.push(format!(
                    "{file}:{}: cannot read a distribution name and version from pathname '{}'",
                    d.line, d.pathname
                ));
                continue;
            };
            let version = match Version::parse(ver) {
                Ok(v) => v,
                Err(e) => {
                    set.problems.push(format!(
                        "{file}:{}: version '{ver}' of {name} does not parse: {e}",
                        d.line
                    ));
                    continue;
                }
            };
            by_dist.push(Dependency {
                dist: name.to_string(),
                version: DepVersion::Exact {
                    text: ver.to_string(),
                    version,
                },
                origin: Origin {
                    file: file.clone(),
                    line: d.line,
                },
                reached: Vec::new(),
                requirement: None,
                requirement_text: None,
            });
        }
        // Stable: the first entry of a name stays first and is kept. Carton
        // writes distributions in name order, so usually there is nothing
        // to sort (and no scratch space to take).
        if !by_dist.is_sorted_by(|a, b| a.dist <= b.dist) {
            by_dist.sort_by(|a, b| a.dist.cmp(&b.dist));
        }
        by_dist.dedup_by(|later, first| later.dist == first.dist);
        if let Some(cpath) = cpanfile {
            let c = Cpanfile::read(cpath).map_err(|source| Error::Input {
                path: cpath.to_path_buf(),
                source: Box::new(source),
            })?;
            let cfile = display(cpath);
            set.inputs.push(cfile.clone());
            for w in cpanfile_wanted(&cfile, &c, opts) {
                let dist = snap
                    .find(&w.module)
                    .and_then(|d| d.dist_name_version().map(|(n, _)| n.to_string()))
                    .or_else(|| opts.dist_of(db, &w.module));
                if is_perl(&w.module, dist.as_deref()) {
                    continue;
                }
                let at = dist.and_then(|d| by_dist.binary_search_by(|x| x.dist.cmp(&d)).ok());
                let Some(dep) = at.and_then(|i| by_dist.get_mut(i)) else {
                    continue; // not in the snapshot: nothing pinned to test
                };
                if dep.requirement.is_none() {
                    if let Ok(r) = Requirement::parse(&w.text) {
                        dep.requirement = Some(r);
                        dep.requirement_text = Some(w.text.clone());
                    }
                }
                dep.reached.push(direct(&w));
            }
        }
        for dep in &mut by_dist {
            if dep.reached.is_empty() {
                // Exactly one entry (a first push would make room for four).
                dep.reached = vec![Reached {
                    direct: false,
                    module: None,
                    phase: None,
                    feature: None,
                    origin: None,
                    via: Vec::new(),
                }];
            }
            dep.reached.sort();
            dep.reached.dedup();
        }
        set.dependencies = by_dist;
        Ok(set)
    }

    /// Requirement ranges from a cpanfile alone.
    pub fn from_cpanfile(
        path: &Path,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let c = Cpanfile::read(path).map_err(|source| Error::Input {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        let file = display(path);
        let w = cpanfile_wanted(&file, &c, opts);
        Ok(Self::from_ranges(file, w, db, opts))
    }

    /// Requirement ranges from a META.json / META.yml / MYMETA file.
    pub fn from_meta(
        path: &Path,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let m = Meta::read(path).map_err(|source| Error::Input {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        let file = display(path);
        let mut w = meta_wanted(&file, &m, opts);
        // The distribution's own modules are not dependencies of it.
        if let Some(p) = &m.provides {
            w.retain(|w| !p.contains_key(&w.module));
        }
        let mut set = Self::from_ranges(file, w, db, opts);
        set.dependencies.retain(|d| d.dist != m.name);
        Ok(set)
    }

    pub(crate) fn from_ranges(
        file: String,
        wanted: Vec<Wanted>,
        db: &Database,
        opts: &LoadOptions,
    ) -> DependencySet {
        let mut set = DependencySet {
            inputs: vec![file],
            ..Default::default()
        };
        let mut by_dist: BTreeMap<String, Dependency> = BTreeMap::new();
        for w in wanted {
            let dist = opts.dist_of(db, &w.module);
            let dist = dist.as_deref();
            if is_perl(&w.module, dist) {
                continue;
            }
            let Some(dist) = dist else {
                continue; // no advisory database entry: nothing can match
            };
            let requirement = match Requirement::parse(&w.text) {
                Ok(r) => r,
                Err(e) => {
                    set.problems.push(format!(
                        "{}:{}: requirement '{}' on {} does not parse: {e}",
                        w.origin.file, w.origin.line, w.text, w.module
                    ));
                    continue;
                }
            };
            let dep = by_dist
                .entry(dist.to_string())
                .or_insert_with(|| Dependency {
                    dist: dist.to_string(),
                    version: DepVersion::Range {
                        text: w.text.clone(),
                        requirement: requirement.clone(),
                    },
                    origin: w.origin.clone(),
                    reached: Vec::new(),
                    requirement: Some(requirement),
                    requirement_text: Some(w.text.clone()),
                });
            dep.reached.push(direct(&w));
        }
        for dep in by_dist.values_mut() {
            dep.reached.sort();
            dep.reached.dedup();
        }
        set.dependencies = by_dist.into_values().collect();
        set
    }

    /// A one-off query (`cpansec audit dist NAME [RANGE]`): `spec` is a
    /// plain version (tested exactly), a requirement range (`>= 1.0, < 2`),
    /// or absent (every release). `module` names the module the user asked
    /// about, mapped to its distribution by the caller.
    pub fn query(dist: &str, spec: Option<&str>, origin: &str) -> Result<DependencySet, String> {
        let text = spec.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("0");
        let version = match Version::parse(text) {
            Ok(v) if spec.is_some() => DepVersion::Exact {
                text: text.to_string(),
                version: v,
            },
            _ => {
                let requirement = Requirement::parse(text)
                    .map_err(|e| format!("'{text}' is neither a version nor a range: {e}"))?;
                DepVersion::Range {
                    text: text.to_string(),
                    requirement,
                }
            }
        };
        let requirement = match &version {
            DepVersion::Range { requirement, .. } => Some(requirement.clone()),
            DepVersion::Exact { .. } => None,
        };
        Ok(DependencySet {
            dependencies: vec![Dependency {
                dist: dist.to_string(),
                version,
                origin: Origin {
                    file: origin.to_string(),
                    line: 0,
                },
                reached: vec![Reached {
                    direct: true,
                    module: None,
                    phase: None,
                    feature: None,
                    origin: None,
                    via: Vec::new(),
                }],
                requirement_text: requirement.as_ref().map(|_| text.to_string()),
                requirement,
            }],
            inputs: vec![origin.to_string()],
            problems: Vec::new(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.dependencies.is_empty()
    }
}

fn direct(w: &Wanted) -> Reached {
    Reached {
        direct: true,
        module: Some(w.module.clone()),
        phase: Some(w.phase.as_str().to_string()),
        feature: w.feature.clone(),
        origin: Some(w.origin.clone()),
        via: Vec::new(),
    }
}

pub(crate) fn display(p: &Path) -> String {
    PathBuf::from(p).display().to_string()
}
