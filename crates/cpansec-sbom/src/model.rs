//! The SBOM model: what is known about a project, built once from its files
//! and then written out by each format's serializer.
//!
//! Invariants every serializer relies on: component ids are unique and
//! sorted; every id in [`Sbom::dependencies`] (key or target) is the root's,
//! perl's or a component's; nothing depends on the input's order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use crate::Timestamp;

/// A component's id: a stable string derived from what the component is (its
/// purl where it has one), never a random value. CycloneDX uses it as the
/// `bom-ref`; the SPDX serializers derive their element ids from it.
///
/// Shared, not copied: the graph keys several maps by it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub(crate) Arc<str>);

impl ComponentId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The project or distribution the SBOM describes.
    Application,
    /// A CPAN distribution it uses.
    Library,
    /// perl, the interpreter every component runs on.
    Platform,
}

/// Whether a component is needed when the project runs, derived from the
/// phases and relations of the project's prerequisites that reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Reached from a runtime `requires` (outside optional features).
    Required,
    /// Reached at runtime only through `recommends`, `suggests` or an
    /// optional feature.
    Optional,
    /// Reached only from configure, build, test or develop prerequisites:
    /// not part of the running project.
    Excluded,
}

/// How a dependency is needed: a phase of the project's prerequisites and
/// whether the prerequisite is optional (`recommends`, `suggests`, or inside
/// an optional feature).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    /// `configure`, `build`, `test`, `runtime`, `develop` (or an `x_` phase).
    /// Borrowed for the standard phases: a label is copied to every
    /// component it reaches.
    pub phase: Cow<'static, str>,
    pub optional: bool,
}

impl Need {
    pub fn new(phase: &str, optional: bool) -> Need {
        const STANDARD: [&str; 5] = ["configure", "build", "test", "runtime", "develop"];
        let phase = match STANDARD.iter().find(|&&p| p == phase) {
            Some(&p) => Cow::Borrowed(p),
            None => Cow::Owned(phase.to_string()),
        };
        Need { phase, optional }
    }
}

/// One outgoing edge: its target, and the labels it carries (none for edges
/// between distributions, whose snapshot requirements carry no phase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub to: ComponentId,
    /// Sorted, no duplicates.
    pub needs: Vec<Need>,
}

/// A SHA-256 and a SHA-512 of a distribution archive, lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashes {
    pub sha256: String,
    pub sha512: String,
}

/// A licence as an SPDX expression, with the META strings it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    pub expression: String,
    pub meta: Vec<String>,
}

/// The kind of an external reference (CycloneDX names; SPDX maps them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefKind {
    Website,
    Vcs,
    IssueTracker,
    SecurityContact,
    Distribution,
}

/// A URL about a component.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub kind: RefKind,
    pub url: String,
}

/// A security patch applied to a component's source tree (from the tree's
/// `.cpansec-patches.json` record).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Patch {
    pub cve: String,
    pub revision: u32,
    /// The patch file's name in the registry.
    pub file: String,
    /// SHA-256 of the patch file, hex.
    pub sha256: String,
    /// The files of the tree it changes.
    pub files: Vec<String>,
}

/// One component: the root, perl, or a CPAN distribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub id: ComponentId,
    pub kind: Kind,
    /// The distribution name (`Plack`), or `perl`, or the project's name.
    pub name: String,
    pub version: Option<String>,
    /// The canonical purl (`pkg:cpan/Plack@1.0048?author=MIYAGAWA`).
    pub purl: Option<String>,
    /// A CPE 2.3 name, where one is established (perl).
    pub cpe: Option<String>,
    /// The PAUSE id that uploaded the release.
    pub pause_id: Option<String>,
    /// Who supplies the component: the PAUSE id for a CPAN release, the
    /// first META author for the root, the Perl 5 Porters for perl.
    pub supplier: Option<String>,
    /// The authors META lists (`Name <mail>`).
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub license: Option<License>,
    /// The release's path below `authors/id/` (`M/MI/MIYAGAWA/Plack-1.0048.tar.gz`).
    pub pathname: Option<String>,
    /// Where the release can be downloaded from.
    pub download: Option<String>,
    /// Of the archive, when it was found on this machine.
    pub hashes: Option<Hashes>,
    /// Sorted, no duplicates.
    pub references: Vec<Reference>,
    /// `None` when no project prerequisite reaches the component (or the
    /// project's prerequisites are unknown).
    pub scope: Option<Scope>,
    /// How the project's prerequisites reach the component; sorted, no
    /// duplicates.
    pub needs: Vec<Need>,
    /// Sorted by CVE and revision.
    pub patches: Vec<Patch>,
}

impl Component {
    /// A component with a name and nothing else known yet.
    pub fn new(id: ComponentId, kind: Kind, name: impl Into<String>) -> Component {
        Component {
            id,
            kind,
            name: name.into(),
            version: None,
            purl: None,
            cpe: None,
            pause_id: None,
            supplier: None,
            authors: Vec::new(),
            description: None,
            license: None,
            pathname: None,
            download: None,
            hashes: None,
            references: Vec::new(),
            scope: None,
            needs: Vec::new(),
            patches: Vec::new(),
        }
    }
}

/// How far a component's list of dependencies is known to be complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Completeness {
    /// Every requirement resolved to a component (or to perl, when perl is
    /// a component).
    Complete,
    /// Some requirements resolved to nothing in the SBOM (listed in
    /// [`Dependencies::unresolved`]).
    Incomplete,
    /// The requirements themselves are unknown (installed modules carry
    /// none; a project without a readable cpanfile or META).
    Unknown,
}

/// The outgoing edges of one component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependencies {
    /// Sorted by target, one edge per target.
    pub on: Vec<Edge>,
    pub completeness: Completeness,
    /// Required modules nothing in the SBOM provides (`perl` itself
    /// excluded when perl is a component), sorted.
    pub unresolved: BTreeSet<String>,
}

impl Dependencies {
    pub fn unknown() -> Dependencies {
        Dependencies {
            on: Vec::new(),
            completeness: Completeness::Unknown,
            unresolved: BTreeSet::new(),
        }
    }
}

/// Where the SBOM's data come from, which also says at which point of the
/// software's life it was made (CycloneDX `lifecycles`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A project directory: META, cpanfile, cpanfile.snapshot.
    Project,
    /// A distribution archive.
    Tarball,
    /// Installed library directories.
    Installed,
}

/// A whole SBOM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sbom {
    pub origin: Origin,
    pub created: Timestamp,
    pub root: Component,
    /// perl, when its version is known.
    pub perl: Option<Component>,
    /// Distributions, sorted by id, ids unique.
    pub components: Vec<Component>,
    /// Every component's edges (root, perl and each distribution).
    pub dependencies: BTreeMap<ComponentId, Dependencies>,
    /// What the SBOM could not take into account, for the user to see.
    pub warnings: Vec<String>,
}

impl Sbom {
    /// The root, perl and the distributions, in that order.
    pub fn all_components(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.root)
            .chain(self.perl.iter())
            .chain(self.components.iter())
    }

    /// The component with this id.
    pub fn component(&self, id: &ComponentId) -> Option<&Component> {
        self.all_components().find(|c| &c.id == id)
    }
}
