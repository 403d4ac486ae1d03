//! Dependencies read from an SBOM (`cpansec audit --sbom FILE`): every CPAN
//! distribution it lists with a `pkg:cpan` purl, at the version the purl
//! pins, and how the SBOM's graph reaches it from the element it describes.
//!
//! The reader is `cpansec_sbom::SbomDocument` (CycloneDX 1.4–1.7, SPDX 2.3,
//! SPDX 3.0.1; both purl spellings). What it cannot use, and components
//! without a version or with one version.pm rejects, become
//! [`DependencySet::problems`] lines naming the file and JSON pointer; the
//! other components are still scanned. `perl` itself is never a dependency
//! (as in a project scan).
//!
//! An SBOM pins versions, so every dependency is exact; it carries no
//! requirement ranges, so the advice is the smallest newer safe release.
//! Several versions of one distribution in an SBOM are each scanned.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use cpansec_sbom::SbomDocument;
use cpansec_version::Version;

use crate::Error;
use crate::deps::{DepVersion, Dependency, DependencySet, Origin, Reached};

/// An SBOM read for auditing.
#[derive(Clone, Debug)]
pub struct SbomInput {
    pub set: DependencySet,
    /// (distribution, version) -> the component's id in the SBOM (CycloneDX
    /// `bom-ref`, SPDX element id): what a VEX document refers to.
    pub refs: BTreeMap<(String, String), String>,
    /// The SBOM as read.
    pub document: SbomDocument,
}

impl DependencySet {
    /// Reads the SBOM at `path`.
    pub fn from_sbom(path: &Path) -> Result<SbomInput, Error> {
        let document = SbomDocument::read(path).map_err(|e| Error::Sbom(Box::new(e)))?;
        Ok(from_document(document, &path.display().to_string()))
    }
}

/// The dependency set of an SBOM already read; `file` names it in origins.
pub fn from_document(document: SbomDocument, file: &str) -> SbomInput {
    let origin = Origin {
        file: file.to_string(),
        line: 0,
    };
    let mut set = DependencySet {
        inputs: vec![file.to_string()],
        problems: document.problems.clone(),
        ..Default::default()
    };
    let name_of: BTreeMap<&str, &str> = document
        .components
        .iter()
        .rev()
        .map(|c| (c.reference.as_str(), c.dist.as_str()))
        .collect();

    // Direct edges from the root, and a breadth-first walk for the paths to
    // the rest: parent[x] = the element through which x was first reached.
    let mut direct: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    let mut parent: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    if let Some(root) = document.root.as_deref() {
        let mut queue = VecDeque::new();
        for e in document.edges.get(root).into_iter().flatten() {
            direct
                .entry(e.to.as_str())
                .or_default()
                .insert(e.phase.as_deref());
            if !parent.contains_key(e.to.as_str()) {
                parent.insert(&e.to, None);
                queue.push_back(e.to.as_str());
            }
        }
        parent.insert(root, None);
        while let Some(n) = queue.pop_front() {
            for e in document.edges.get(n).into_iter().flatten() {
                if !parent.contains_key(e.to.as_str()) {
                    parent.insert(&e.to, Some(n));
                    queue.push_back(&e.to);
                }
            }
        }
    }
    let via = |id: &str| -> Vec<String> {
        let mut chain = Vec::new();
        let mut at = parent.get(id).copied().flatten();
        while let Some(p) = at {
            chain.push(name_of.get(p).copied().unwrap_or(p).to_string());
            at = parent.get(p).copied().flatten();
            if chain.len() > parent.len() {
                break; // cannot happen: parents form a tree
            }
        }
        chain.reverse();
        chain
    };

    let mut refs = BTreeMap::new();
    let mut by_key: BTreeMap<(String, String), Dependency> = BTreeMap::new();
    for c in &document.components {
        if c.dist == "perl" {
            continue;
        }
        let Some(text) = c.version.as_deref() else {
            set.problems.push(format!(
                "{file}: {}: {} has no version: nothing to test",
                c.pointer, c.purl
            ));
            continue;
        };
        let version = match Version::parse(text) {
            Ok(v) => v,
            Err(e) => {
                set.problems.push(format!(
                    "{file}: {}: version '{text}' of {} does not parse: {e}",
                    c.pointer, c.dist
                ));
                continue;
            }
        };
        let key = (c.dist.clone(), text.to_string());
        refs.entry(key.clone())
            .or_insert_with(|| c.reference.clone());
        let dep = by_key.entry(key).or_insert_with(|| Dependency {
            dist: c.dist.clone(),
            version: DepVersion::Exact {
                text: text.to_string(),
                version,
            },
            origin: origin.clone(),
            reached: Vec::new(),
            requirement: None,
            requirement_text: None,
        });
        let id = c.reference.as_str();
        if let Some(phases) = direct.get(id) {
            for phase in phases {
                dep.reached.push(Reached {
                    direct: true,
                    module: None,
                    phase: phase.map(str::to_string),
                    feature: None,
                    origin: Some(origin.clone()),
                    via: Vec::new(),
                });
            }
        } else {
            dep.reached.push(Reached {
                direct: false,
                module: None,
                phase: None,
                feature: None,
                origin: None,
                via: via(id),
            });
        }
    }
    for dep in by_key.values_mut() {
        dep.reached.sort();
        dep.reached.dedup();
        // A component reached directly needs no transitive entry.
        if dep.reached.iter().any(|r| r.direct) {
            dep.reached.retain(|r| r.direct);
        }
    }
    set.dependencies = by_key.into_values().collect();
    SbomInput {
        set,
        refs,
        document,
    }
}
