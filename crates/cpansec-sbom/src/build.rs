//! Building the model from what is on disk: a project directory, a
//! distribution archive, or installed library directories.
//!
//! A project directory is read as Carton leaves it: `cpanfile.snapshot` for
//! the distributions, `cpanfile` for the project's own prerequisites (META's
//! when there is no cpanfile), `META.json`/`META.yml` (or MYMETA) for the
//! root component. The cpanfile is read statically, never run: a cpanfile
//! that needs Perl leaves the project's prerequisites unknown (and says so
//! in [`Sbom::warnings`]) rather than executing code from the tree.

use std::path::{Path, PathBuf};

use cpansec_meta::{
    CoreList, Cpanfile, DistPath, ErrorKind, Installation, Meta, Purl, Snapshot, SnapshotDist,
    Tarball, TarballLimits,
};
use cpansec_version::Version;

use crate::graph::{self, Node, PerlTarget, RootPrereq};
use crate::hashes::{self, ArchiveDirs};
use crate::model::{
    Component, ComponentId, Dependencies, Edge, Kind, License, Origin, RefKind, Reference, Sbom,
};
use crate::{Error, Timestamp};

/// Where releases are downloaded from: the CPAN mirror MetaCPAN runs.
pub const CPAN_DOWNLOAD_BASE: &str = "https://cpan.metacpan.org/authors/id/";

/// What the caller decides: the creation time, perl, extra archive dirs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The SBOM's creation time (`SOURCE_DATE_EPOCH` for reproducible output).
    pub created: Timestamp,
    /// The perl the project runs on (`5.36.0`, `v5.36.0`), when known: perl
    /// becomes a component, and core modules resolve to it.
    pub perl_version: Option<String>,
    /// CPAN mirror directories (`<dir>/authors/id/...`) to find archives in,
    /// after the project's Carton cache.
    pub cpan_mirrors: Vec<PathBuf>,
}

impl Options {
    pub fn new(created: Timestamp) -> Options {
        Options {
            created,
            perl_version: None,
            cpan_mirrors: Vec::new(),
        }
    }
}

impl Sbom {
    /// The SBOM of a project directory. At least one of `cpanfile.snapshot`,
    /// `cpanfile`, `META.json`, `META.yml`, `MYMETA.json`, `MYMETA.yml` must
    /// be there.
    pub fn from_project(dir: &Path, options: &Options) -> Result<Sbom, Error> {
        let snapshot_path = dir.join("cpanfile.snapshot");
        let cpanfile_path = dir.join("cpanfile");
        let meta_path = ["META.json", "META.yml", "MYMETA.json", "MYMETA.yml"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        if !snapshot_path.is_file() && !cpanfile_path.is_file() && meta_path.is_none() {
            return Err(Error::NothingToDescribe {
                path: dir.to_path_buf(),
            });
        }
        let mut warnings = Vec::new();
        let meta = meta_path.as_deref().map(Meta::read).transpose()?;
        // The snapshot's names and versions borrow from its text.
        let snapshot_text = if snapshot_path.is_file() {
            Some(Snapshot::read_text(&snapshot_path)?)
        } else {
            None
        };
        let snapshot = snapshot_text
            .as_deref()
            .map(|t| Snapshot::parse(t).map_err(|e| Error::from(e.in_file(&snapshot_path))))
            .transpose()?;
        let prereqs = if cpanfile_path.is_file() {
            match Cpanfile::read(&cpanfile_path) {
                Ok(c) => Some(graph::root_prereqs(
                    &c.prereqs,
                    c.features.values().map(|f| &f.prereqs),
                )),
                Err(e) if needs_perl(&e.kind) => {
                    warnings.push(format!(
                        "{e}; the project's own prerequisites are taken from {}",
                        if meta.is_some() {
                            "META"
                        } else {
                            "nowhere (unknown)"
                        }
                    ));
                    meta.as_ref().map(meta_prereqs)
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            meta.as_ref().map(meta_prereqs)
        };
        let mut root = match &meta {
            Some(m) => root_from_meta(m)?,
            None => root_from_dir(dir),
        };
        if meta.is_none() {
            root.description = Some("Perl project".to_string());
        }
        let archives = ArchiveDirs::for_project(Some(dir), &options.cpan_mirrors);
        let dists = snapshot
            .as_ref()
            .map(|s| s.distributions.as_slice())
            .unwrap_or_default();
        assemble(
            Origin::Project,
            root,
            prereqs,
            dists,
            &archives,
            options,
            warnings,
        )
    }

    /// The SBOM of a distribution archive: the release from its META (or its
    /// file name), the archive's hashes, its declared prerequisites (which
    /// resolve to nothing but perl: an archive names modules, not releases).
    pub fn from_tarball(path: &Path, options: &Options) -> Result<Sbom, Error> {
        let hashes = hashes::hash_file(path)?;
        let tarball = Tarball::open(path, &TarballLimits::default())?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut warnings = Vec::new();
        let (mut root, prereqs) = match tarball.meta_bytes() {
            Some((name, bytes)) => {
                let meta = Meta::parse_bytes(bytes, None)
                    .map_err(|e| Error::from(e.in_file(path.join(name))))?;
                (root_from_meta(&meta)?, Some(meta_prereqs(&meta)))
            }
            None => {
                warnings.push(format!(
                    "{}: no META.json or META.yml: the release is read from the file name and its prerequisites are unknown",
                    path.display()
                ));
                let dp = DistPath::parse(&file_name);
                let name = dp.dist().unwrap_or(&file_name).to_string();
                let mut c = Component::new(ComponentId("".into()), Kind::Application, name);
                c.version = dp.version().map(str::to_string);
                set_purl(&mut c, None)?;
                (c, None)
            }
        };
        root.hashes = Some(hashes);
        assemble(
            Origin::Tarball,
            root,
            prereqs,
            &[],
            &ArchiveDirs::default(),
            options,
            warnings,
        )
    }

    /// The SBOM of installed library directories (each expanded for
    /// local::lib and Carton layouts): one component per installed
    /// distribution. Installed modules record no requirements, so the edges
    /// are unknown.
    pub fn from_installed(dirs: &[PathBuf], options: &Options) -> Result<Sbom, Error> {
        let inst = Installation::discover(dirs);
        let warnings = inst
            .warnings
            .iter()
            .map(|w| format!("{}: {:?}", w.path.display(), w.kind))
            .collect();
        let name = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let mut root = Component::new(
            ComponentId("".into()),
            Kind::Application,
            format!("perl libraries {name}"),
        );
        root.id = ComponentId(format!("installed:{name}").into());
        root.description = Some("Installed Perl libraries".to_string());
        let archives = ArchiveDirs::for_project(None, &options.cpan_mirrors);
        let mut components = Vec::new();
        for (dist, d) in &inst.distributions {
            let mut c = Component::new(ComponentId("".into()), Kind::Library, dist.clone());
            c.version = d.version.clone();
            if let Some(p) = &d.pathname {
                let dp = DistPath::parse(p);
                apply_pathname(&mut c, p, &dp, archives.find(p).as_deref())?;
            }
            let author = c.pause_id.clone();
            set_purl(&mut c, author.as_deref())?;
            components.push(c);
        }
        let mut sbom = finish(
            Origin::Installed,
            root,
            components,
            None,
            &[],
            options,
            warnings,
        )?;
        for c in &sbom.components {
            sbom.dependencies
                .insert(c.id.clone(), Dependencies::unknown());
        }
        sbom.dependencies
            .insert(sbom.root.id.clone(), Dependencies::unknown());
        if let Some(root) = sbom.dependencies.get_mut(&sbom.root.id) {
            let on = sbom.components.iter().map(|c| Edge {
                to: c.id.clone(),
                needs: Vec::new(),
            });
            root.on = graph::sorted_edges(on.collect());
        }
        Ok(sbom)
    }
}

fn needs_perl(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::CpanfileUnsupported { .. }
            | ErrorKind::CpanfileSyntax { .. }
            | ErrorKind::CpanfileUsage { .. }
    )
}

fn meta_prereqs(meta: &Meta) -> Vec<RootPrereq> {
    graph::root_prereqs(
        &meta.prereqs,
        meta.optional_features
            .iter()
            .flat_map(|f| f.values())
            .filter_map(|f| f.prereqs.as_ref()),
    )
}

/// The root component of a project with no META: named after its directory.
fn root_from_dir(dir: &Path) -> Component {
    let name = std::fs::canonicalize(dir)
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "project".to_string());
    let mut c = Component::new(
        ComponentId(format!("project:{name}").into()),
        Kind::Application,
        name,
    );
    c.id = ComponentId(format!("project:{}", c.name).into());
    c
}

/// The root component from a META file: name, version, abstract, authors,
/// licence and resources.
fn root_from_meta(meta: &Meta) -> Result<Component, Error> {
    let mut c = Component::new(ComponentId("".into()), Kind::Application, meta.name.clone());
    fill_from_meta(&mut c, meta);
    c.version = Some(meta.version.raw.clone()).filter(|v| !v.is_empty());
    c.supplier = c.authors.first().map(|a| author_name(a).to_string());
    set_purl(&mut c, None)?;
    Ok(c)
}

/// What a META file tells about a component, without touching its name,
/// version or id.
fn fill_from_meta(c: &mut Component, meta: &Meta) {
    if !meta.abstract_.is_empty() && meta.abstract_ != "unknown" {
        c.description = Some(meta.abstract_.clone());
    }
    c.authors = meta
        .authors
        .iter()
        .filter(|a| !a.is_empty() && a.as_str() != "unknown")
        .cloned()
        .collect();
    if meta.license_spdx != "LicenseRef-unknown" {
        c.license = Some(License {
            expression: meta.license_spdx.clone(),
            meta: meta.source.license.clone(),
        });
    }
    let mut refs = Vec::new();
    if let Some(r) = &meta.resources {
        let mut add = |kind, url: Option<&String>| {
            if let Some(u) = url.filter(|u| !u.trim().is_empty()) {
                refs.push(Reference {
                    kind,
                    url: u.trim().to_string(),
                });
            }
        };
        add(RefKind::Website, r.homepage.as_ref());
        if let Some(repo) = &r.repository {
            add(RefKind::Vcs, repo.web.as_ref().or(repo.url.as_ref()));
        }
        if let Some(bt) = &r.bugtracker {
            add(RefKind::IssueTracker, bt.web.as_ref());
            let mailto = bt.mailto.as_ref().map(|m| {
                if m.starts_with("mailto:") {
                    m.clone()
                } else {
                    format!("mailto:{m}")
                }
            });
            add(RefKind::IssueTracker, mailto.as_ref());
        }
        for key in ["x_security_contact", "x_security_policy", "x_security"] {
            if let Some(serde_json::Value::String(s)) = r.extra.get(key) {
                add(RefKind::SecurityContact, Some(s));
            }
        }
    }
    refs.sort();
    refs.dedup();
    c.references.extend(refs);
    c.references.sort();
    c.references.dedup();
}

/// Sets the purl and the id derived from it (the purl string itself).
fn set_purl(c: &mut Component, author: Option<&str>) -> Result<(), Error> {
    let purl = Purl::new(&c.name, c.version.as_deref(), author).map_err(|source| Error::Purl {
        what: format!("distribution {:?}", c.name),
        source,
    })?;
    let s = purl.to_string();
    c.id = ComponentId(s.as_str().into());
    c.purl = Some(s);
    Ok(())
}

/// What a release's pathname tells: author, download URL; and the archive's
/// hashes when it was found locally (`archive`).
fn apply_pathname(
    c: &mut Component,
    pathname: &str,
    dp: &DistPath,
    archive: Option<&Path>,
) -> Result<(), Error> {
    c.pathname = Some(pathname.to_string());
    if let Some(id) = dp.cpanid() {
        c.pause_id = Some(id.to_string());
        c.supplier = Some(id.to_string());
        let mut url = String::with_capacity(CPAN_DOWNLOAD_BASE.len() + dp.pathname().len());
        url.push_str(CPAN_DOWNLOAD_BASE);
        url.push_str(dp.pathname());
        c.download = Some(url.clone());
        c.references.push(Reference {
            kind: RefKind::Distribution,
            url,
        });
    }
    if let Some(file) = archive {
        c.hashes = Some(hashes::hash_file(file)?);
    }
    Ok(())
}

/// The component of one snapshot distribution.
fn snapshot_component(
    d: &SnapshotDist,
    archives: &ArchiveDirs,
    warnings: &mut Vec<String>,
) -> Result<Component, Error> {
    let dp = DistPath::parse(&d.pathname);
    let (name, version) = match (dp.dist(), dp.version()) {
        (Some(n), v) => (n.to_string(), v.map(str::to_string)),
        (None, _) => (d.name.to_string(), None),
    };
    let mut c = Component::new(ComponentId("".into()), Kind::Library, name);
    c.version = version;
    let archive = archives.find(&d.pathname);
    apply_pathname(&mut c, &d.pathname, &dp, archive.as_deref())?;
    if let Some(file) = archive {
        match Tarball::open(&file, &TarballLimits::default()) {
            Ok(t) => {
                if let Some((_, bytes)) = t.meta_bytes() {
                    match Meta::parse_bytes(bytes, None) {
                        Ok(meta) => fill_from_meta(&mut c, &meta),
                        Err(e) => warnings.push(format!("{}: META: {e}", file.display())),
                    }
                }
            }
            Err(e) => warnings.push(format!("{e}")),
        }
    }
    match Purl::dist_path_string(&dp) {
        Some(Ok(s)) => {
            c.id = ComponentId(s.as_str().into());
            c.purl = Some(s);
        }
        Some(Err(source)) => {
            return Err(Error::Purl {
                what: format!("{} (line {})", d.pathname, d.line),
                source,
            });
        }
        None => {
            warnings.push(format!(
                "cpanfile.snapshot line {}: pathname {:?} names no CPAN release; {} has no purl",
                d.line, d.pathname, d.name
            ));
            c.id = ComponentId(format!("snapshot:{}", d.name).into());
        }
    }
    Ok(c)
}

/// Components from the snapshot, the graph, perl: the model.
fn assemble(
    origin: Origin,
    root: Component,
    prereqs: Option<Vec<RootPrereq>>,
    dists: &[SnapshotDist],
    archives: &ArchiveDirs,
    options: &Options,
    mut warnings: Vec<String>,
) -> Result<Sbom, Error> {
    let mut components = Vec::with_capacity(dists.len());
    let mut ids = Vec::with_capacity(dists.len());
    for d in dists {
        let c = snapshot_component(d, archives, &mut warnings)?;
        ids.push(c.id.clone());
        components.push(c);
    }
    let nodes: Vec<Node<'_>> = dists
        .iter()
        .zip(ids)
        .map(|(d, id)| Node {
            id,
            provides: d.provides.keys().map(|m| m.as_ref()).collect(),
            requires: d.requirements.keys().map(|m| m.as_ref()).collect(),
        })
        .collect();
    finish(
        origin,
        root,
        components,
        prereqs.as_deref(),
        &nodes,
        options,
        warnings,
    )
}

/// The model from its components and their graph: `nodes[i]` is the node of
/// `components[i]`, or `nodes` is empty (no graph is known).
fn finish(
    origin: Origin,
    mut root: Component,
    components: Vec<Component>,
    prereqs: Option<&[RootPrereq]>,
    nodes: &[Node<'_>],
    options: &Options,
    mut warnings: Vec<String>,
) -> Result<Sbom, Error> {
    let perl = match &options.perl_version {
        Some(v) => Some(perl_component(v, &mut warnings)?),
        None => None,
    };
    let corelist = match perl {
        Some(_) => match CoreList::builtin() {
            Ok(c) => Some(c),
            Err(e) => {
                warnings.push(format!("core-module table: {e}"));
                None
            }
        },
        None => None,
    };
    let target = match (&perl, corelist) {
        (Some((c, v)), Some(corelist)) => Some(PerlTarget {
            id: c.id.clone(),
            version: v.clone(),
            corelist,
        }),
        _ => None,
    };
    // The root must not share an id with a distribution (a project that is
    // itself in its snapshot): keep them apart.
    if components.iter().any(|c| c.id == root.id) {
        root.id = ComponentId(format!("project:{}", root.id).into());
    }
    let mut g = graph::resolve(&root.id, prereqs, nodes, target.as_ref());
    // One component per id (the first: the sort is stable); sorted by id.
    // Indices are sorted, not the components, which are large to move.
    let mut order: Vec<usize> = (0..components.len()).collect();
    order.sort_by(|&a, &b| {
        let id = |i: usize| components.get(i).map(|c: &Component| &c.id);
        id(a).cmp(&id(b))
    });
    let mut slots: Vec<Option<Component>> = components.into_iter().map(Some).collect();
    let mut components: Vec<Component> = Vec::with_capacity(slots.len());
    for i in order {
        let Some(mut c) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let needs = g.needs.get_mut(i).map(std::mem::take).unwrap_or_default();
        match components.last_mut() {
            // Entries that are one component: the first is kept, with the
            // labels of all.
            Some(last) if last.id == c.id => {
                last.needs.extend(needs);
                last.needs.sort();
                last.needs.dedup();
                last.scope = graph::scope_of(&last.needs);
            }
            _ => {
                c.scope = graph::scope_of(&needs);
                c.needs = needs;
                components.push(c);
            }
        }
    }
    let perl = perl.map(|(mut c, _)| {
        if target.is_some() {
            c.scope = graph::scope_of(&g.perl_needs);
            c.needs = std::mem::take(&mut g.perl_needs);
        }
        c
    });
    Ok(Sbom {
        origin,
        created: options.created,
        root,
        perl,
        components,
        dependencies: g.dependencies,
        warnings,
    })
}

/// perl as a component: `pkg:generic/perl@5.36.0` and its NVD CPE.
fn perl_component(given: &str, warnings: &mut Vec<String>) -> Result<(Component, Version), Error> {
    let version = Version::parse(given).map_err(|source| Error::PerlVersion {
        given: given.to_string(),
        source,
    })?;
    // The dotted form perl's own releases are named by (5.36.0).
    let normal = version.normal();
    let dotted = normal.trim_start_matches('v').to_string();
    let mut c = Component::new(
        ComponentId(format!("pkg:generic/perl@{dotted}").into()),
        Kind::Platform,
        "perl",
    );
    c.purl = Some(c.id.as_str().to_string());
    c.supplier = Some("Perl 5 Porters".to_string());
    c.cpe = Some(format!("cpe:2.3:a:perl:perl:{dotted}:*:*:*:*:*:*:*"));
    c.version = Some(dotted);
    c.description = Some("The Perl 5 interpreter and its core modules".to_string());
    c.license = Some(License {
        expression: "Artistic-1.0-Perl OR GPL-1.0-or-later".to_string(),
        meta: vec!["perl_5".to_string()],
    });
    c.references.push(Reference {
        kind: RefKind::Website,
        url: "https://www.perl.org/".to_string(),
    });
    if let Ok(corelist) = CoreList::builtin() {
        if corelist.release(&version).is_none() {
            warnings.push(format!(
                "perl {given} is not in the core-module table (Module::CoreList {}): core modules resolve only where the table knows them",
                corelist.corelist_version()
            ));
        }
    }
    Ok((c, version))
}

/// The name part of a META author (`Name <mail>` -> `Name`).
pub(crate) fn author_name(author: &str) -> &str {
    match author.split_once('<') {
        Some((name, _)) if !name.trim().is_empty() => name.trim(),
        _ => author.trim(),
    }
}
