//! SPDX 3.0.1 JSON-LD.
//!
//! <https://spdx.github.io/spdx-spec/v3.0.1/>. One `@graph` holding:
//!
//! - a `CreationInfo` blank node (`_:creationinfo`) every element points to,
//!   created by a `SoftwareAgent` and using a `Tool`, both cpansec;
//! - the `SpdxDocument`, whose root element is a `software_Sbom`, whose root
//!   element is the project's `software_Package`;
//! - a `software_Package` per component (purl in `software_packageUrl` and as
//!   an `ExternalIdentifier`, hashes in `verifiedUsing`), an `Agent` per
//!   supplier (`suppliedBy`), a `simplelicensing_LicenseExpression` per
//!   distinct licence (`hasDeclaredLicense`); a `software_File` per release
//!   archive (`hasDistributionArtifact`: file name, download location as
//!   `binaryArtifact`, hashes); PAUSE ids as `Person`s with their
//!   `@cpan.org` address and MetaCPAN page (`suppliedBy`, `originatedBy`);
//! - `dependsOn` relationships: one per component with its targets and a
//!   `completeness` (`complete`, `incomplete`, `noAssertion`); a component
//!   known to depend on nothing points to `NoneElement`. The project's own
//!   prerequisites are `LifecycleScopedRelationship`s by scope (`runtime`,
//!   `build` for configure and build, `test`, `development`), optional ones
//!   `hasOptionalDependency`.
//!
//! Element ids are IRIs below a namespace ending in the version-5 UUID of the
//! document's content: of `spdx-3.0.1`, a NUL and the document's bytes with
//! that UUID zeroed in every IRI (the document is written once, then the
//! zeros overwritten).
//!
//! The graph is a list of typed structs borrowing from the model; an IRI is
//! written as namespace, local name and suffix without being assembled into
//! a string first. Every struct declares its fields in byte order of their
//! JSON names (the order of a sorted map).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};

use crate::ids::spdx_idstring;
use crate::model::{Completeness, Component, ComponentId, Edge, Kind, Need, Origin, RefKind, Sbom};
use crate::{TOOL_NAME, TOOL_VERSION};

const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION: &str = "_:creationinfo";
const PROFILES: [&str; 3] = ["core", "software", "simpleLicensing"];

/// The SPDX 3.0.1 document of `sbom` as indented JSON and a final newline.
///
/// Written once under the namespace with a zero UUID; the content UUID then
/// overwrites the zeros in every IRI. Should the written IRIs not account for
/// every occurrence of that namespace (a string of the input holds it), the
/// graph is written again under the real namespace instead.
pub fn render(sbom: &Sbom) -> Vec<u8> {
    let names = Names::new(sbom);
    let name = match &sbom.root.version {
        Some(v) => format!("{}-{v}", sbom.root.name),
        None => sbom.root.name.clone(),
    };
    let prefix = format!(
        "https://spdx.org/spdxdocs/{TOOL_NAME}-{}-",
        spdx_idstring(&name)
    );
    let draft = Namespace::new(format!("{prefix}{}#", crate::ZERO_UUID));
    let capacity = 16 * 1024 + 6144 * (sbom.components.len() + 2);
    let mut out = crate::pretty(&graph(sbom, &names, &draft), capacity);
    let uuid = crate::content_uuid("spdx-3.0.1", &out);
    // The namespace ends in its only `#`, a byte rare elsewhere: look for
    // that (`str::find` of an ASCII char is a memchr), then at what precedes
    // it. The writer writes UTF-8; were it not, nothing would be found and
    // the graph written again.
    let needle = draft.text.as_bytes();
    let mut found = Vec::with_capacity(draft.written.get());
    if let Ok(text) = std::str::from_utf8(&out) {
        let mut at = 0;
        while let Some(hash) = text.get(at..).and_then(|t| t.find('#')).map(|i| at + i) {
            let start = (hash + 1).wrapping_sub(needle.len());
            if out.get(start..=hash).is_some_and(|w| w == needle) {
                found.push(start);
            }
            at = hash + 1;
        }
    }
    if found.len() == draft.written.get() {
        for at in found {
            crate::overwrite(&mut out, at + prefix.len(), &uuid);
        }
        out
    } else {
        let real = Namespace::new(format!("{prefix}{uuid}#"));
        crate::pretty(&graph(sbom, &names, &real), capacity)
    }
}

/// The namespace of every IRI, and how many IRIs were written with it.
struct Namespace {
    text: String,
    written: Cell<usize>,
}

impl Namespace {
    fn new(text: String) -> Namespace {
        Namespace {
            text,
            written: Cell::new(0),
        }
    }
}

/// The local names of the elements, the same under either namespace.
struct Names<'s> {
    /// Component id -> `Root-...` / `Package-...`.
    components: crate::spdx2::ElementIds<'s>,
    /// Supplier name -> `Agent-...`, sorted by name.
    suppliers: BTreeMap<&'s str, String>,
    /// Licence expression -> `License-...`, sorted by expression.
    licenses: BTreeMap<&'s str, String>,
    /// The PAUSE ids among the suppliers.
    pause_ids: BTreeSet<&'s str>,
    /// `cpansec <version>`.
    tool: String,
}

impl<'s> Names<'s> {
    fn new(sbom: &'s Sbom) -> Names<'s> {
        let mut suppliers = BTreeMap::new();
        let mut licenses = BTreeMap::new();
        let mut pause_ids = BTreeSet::new();
        for c in sbom.all_components() {
            if let Some(s) = &c.supplier {
                suppliers
                    .entry(s.as_str())
                    .or_insert_with(|| format!("Agent-{}", spdx_idstring(s)));
            }
            if let Some(l) = &c.license {
                licenses
                    .entry(l.expression.as_str())
                    .or_insert_with(|| format!("License-{}", spdx_idstring(&l.expression)));
            }
            if let Some(p) = &c.pause_id {
                pause_ids.insert(p.as_str());
            }
        }
        Names {
            components: crate::spdx2::element_ids(sbom, ""),
            suppliers,
            licenses,
            pause_ids,
            tool: format!("{TOOL_NAME} {TOOL_VERSION}"),
        }
    }

    fn component(&self, id: &ComponentId) -> &str {
        self.components.get(id).map_or("", String::as_str)
    }
}

fn graph<'a>(sbom: &'a Sbom, names: &'a Names<'a>, ns: &'a Namespace) -> Graph<'a> {
    let iri = |local: &'a str| Iri::new(ns, local, "");
    let tool = Iri::new(ns, "Tool-", TOOL_NAME);
    let agent = Iri::new(ns, "SoftwareAgent-", TOOL_NAME);
    let n = sbom.components.len() + 2;
    let mut elements: Vec<Element<'a>> =
        Vec::with_capacity(3 + names.suppliers.len() + names.licenses.len() + 2 * n + 2);
    elements.push(Element::CreationInfo(CreationInfo {
        id: CREATION,
        created: sbom.created.to_string(),
        created_by: [agent],
        created_using: [tool],
        spec_version: "3.0.1",
        kind: "CreationInfo",
    }));
    elements.push(Element::Named(Named {
        creation_info: CREATION,
        name: &names.tool,
        spdx_id: agent,
        kind: "SoftwareAgent",
    }));
    elements.push(Element::Named(Named {
        creation_info: CREATION,
        name: &names.tool,
        spdx_id: tool,
        kind: "Tool",
    }));
    let mut members: Vec<Iri<'a>> = Vec::with_capacity(elements.capacity() + 4 * n);
    members.push(agent);
    members.push(tool);

    // Suppliers and licences, one element each. A PAUSE id is a person (or
    // group) with a CPAN address and a MetaCPAN page; other suppliers are
    // known by name only.
    for (&name, local) in &names.suppliers {
        let id = iri(local);
        elements.push(if names.pause_ids.contains(name) {
            Element::Person(Person {
                creation_info: CREATION,
                external_identifier: [
                    ExternalIdentifier {
                        kind: "email",
                        identifier: Text::Join("", name, "@cpan.org"),
                        ty: "ExternalIdentifier",
                    },
                    ExternalIdentifier {
                        kind: "urlScheme",
                        identifier: Text::Join("https://metacpan.org/author/", name, ""),
                        ty: "ExternalIdentifier",
                    },
                ],
                name,
                spdx_id: id,
                kind: "Person",
            })
        } else {
            Element::Named(Named {
                creation_info: CREATION,
                name,
                spdx_id: id,
                kind: "Agent",
            })
        });
        members.push(id);
    }
    for (&expr, local) in &names.licenses {
        let id = iri(local);
        elements.push(Element::License(LicenseExpression {
            creation_info: CREATION,
            expression: expr,
            spdx_id: id,
            kind: "simplelicensing_LicenseExpression",
        }));
        members.push(id);
    }

    let mut relationships: Vec<Relationship<'a>> = Vec::with_capacity(3 * n);
    for c in sbom.all_components() {
        let local = names.component(&c.id);
        let id = iri(local);
        let supplier = c
            .supplier
            .as_deref()
            .and_then(|s| names.suppliers.get(s))
            .map(|s| iri(s));
        elements.push(Element::Package(package(c, id, supplier)));
        members.push(id);
        // The release archive: its file name, download location and hashes.
        if let Some(file_name) = c.pathname.as_deref().and_then(|p| p.rsplit('/').next()) {
            let file_id = Iri::new(ns, local, "-archive");
            elements.push(Element::File(File {
                creation_info: CREATION,
                external_ref: c.download.as_deref().map(|url| {
                    [ExternalRef {
                        kind: "binaryArtifact",
                        locator: [url],
                        ty: "ExternalRef",
                    }]
                }),
                name: file_name,
                primary_purpose: "archive",
                spdx_id: file_id,
                kind: "software_File",
                verified_using: hashes(c),
            }));
            members.push(file_id);
            relationships.push(Relationship::new(
                Iri::new(ns, local, "-hasDistributionArtifact"),
                id,
                "hasDistributionArtifact",
                vec![file_id],
            ));
        }
        if let Some(l) = c
            .license
            .as_ref()
            .and_then(|l| names.licenses.get(l.expression.as_str()))
        {
            relationships.push(Relationship::new(
                Iri::new(ns, local, "-hasDeclaredLicense"),
                id,
                "hasDeclaredLicense",
                vec![iri(l)],
            ));
        }
    }

    for (from, deps) in &sbom.dependencies {
        let from_local = names.component(from);
        let from_iri = iri(from_local);
        let completeness = match deps.completeness {
            Completeness::Complete => "complete",
            Completeness::Incomplete => "incomplete",
            Completeness::Unknown => "noAssertion",
        };
        // Edges between distributions carry no phase; the project's carry one
        // or more.
        let mut plain: Vec<Iri<'a>> = Vec::new();
        let mut scoped: BTreeMap<(&'static str, bool), BTreeSet<&'a str>> = BTreeMap::new();
        for Edge { to, needs } in &deps.on {
            let to_local = names.component(to);
            if needs.is_empty() {
                plain.push(iri(to_local));
            }
            for n in needs {
                scoped
                    .entry((lifecycle(n), n.optional))
                    .or_default()
                    .insert(to_local);
            }
        }
        if !plain.is_empty() || scoped.is_empty() {
            let to = if !plain.is_empty() {
                plain
            } else if deps.completeness == Completeness::Complete {
                vec![Iri::bare("NoneElement")]
            } else {
                vec![Iri::bare("NoAssertionElement")]
            };
            let mut r = Relationship::new(
                Iri::new(ns, from_local, "-dependsOn"),
                from_iri,
                "dependsOn",
                to,
            );
            r.completeness = Some(completeness);
            relationships.push(r);
        }
        for ((scope, optional), to) in scoped {
            let (kind, suffix) = scoped_kind(scope, optional);
            let mut r = Relationship::new(
                Iri::new(ns, from_local, suffix),
                from_iri,
                kind,
                to.into_iter().map(iri).collect(),
            );
            r.ty = "LifecycleScopedRelationship";
            r.scope = Some(scope);
            if !optional {
                r.completeness = Some(completeness);
            }
            relationships.push(r);
        }
    }
    members.extend(relationships.iter().map(|r| r.spdx_id));
    elements.extend(relationships.into_iter().map(Element::Relationship));

    let sbom_id = Iri::new(ns, "Sbom", "");
    elements.push(Element::Sbom(SbomElement {
        creation_info: CREATION,
        element: members,
        name: format!("SBOM of {}", sbom.root.name),
        profile_conformance: PROFILES,
        root_element: [iri(names.component(&sbom.root.id))],
        sbom_type: [match sbom.origin {
            Origin::Project | Origin::Tarball => "source",
            Origin::Installed => "deployed",
        }],
        spdx_id: sbom_id,
        kind: "software_Sbom",
    }));
    elements.push(Element::Document(DocumentElement {
        creation_info: CREATION,
        element: [sbom_id],
        name: format!("SBOM of {}", sbom.root.name),
        profile_conformance: PROFILES,
        root_element: [sbom_id],
        spdx_id: Iri::new(ns, "SpdxDocument", ""),
        kind: "SpdxDocument",
    }));
    Graph {
        context: CONTEXT,
        graph: elements,
    }
}

/// The SPDX lifecycle scope of a CPAN phase.
fn lifecycle(n: &Need) -> &'static str {
    match &*n.phase {
        "runtime" => "runtime",
        "configure" | "build" => "build",
        "test" => "test",
        "develop" => "development",
        _ => "other",
    }
}

/// The relationship type of a scoped edge and the suffix of its id
/// (`-<type>-<scope>`).
fn scoped_kind(scope: &str, optional: bool) -> (&'static str, &'static str) {
    if optional {
        let suffix = match scope {
            "runtime" => "-hasOptionalDependency-runtime",
            "build" => "-hasOptionalDependency-build",
            "test" => "-hasOptionalDependency-test",
            "development" => "-hasOptionalDependency-development",
            _ => "-hasOptionalDependency-other",
        };
        ("hasOptionalDependency", suffix)
    } else {
        let suffix = match scope {
            "runtime" => "-dependsOn-runtime",
            "build" => "-dependsOn-build",
            "test" => "-dependsOn-test",
            "development" => "-dependsOn-development",
            _ => "-dependsOn-other",
        };
        ("dependsOn", suffix)
    }
}

fn package<'a>(c: &'a Component, id: Iri<'a>, supplier: Option<Iri<'a>>) -> Package<'a> {
    let mut idents = Vec::new();
    if let Some(p) = &c.purl {
        idents.push(ExternalIdentifier {
            kind: "packageUrl",
            identifier: Text::Join("", p, ""),
            ty: "ExternalIdentifier",
        });
    }
    if let Some(cpe) = &c.cpe {
        idents.push(ExternalIdentifier {
            kind: "cpe23",
            identifier: Text::Join("", cpe, ""),
            ty: "ExternalIdentifier",
        });
    }
    let refs = c
        .references
        .iter()
        .filter_map(|r| {
            let kind = match r.kind {
                RefKind::Website | RefKind::Distribution => return None,
                RefKind::Vcs => "vcs",
                RefKind::IssueTracker => "issueTracker",
                RefKind::SecurityContact => "securityOther",
            };
            Some(ExternalRef {
                kind,
                locator: [&r.url],
                ty: "ExternalRef",
            })
        })
        .collect();
    let comment = (!c.patches.is_empty()).then(|| {
        c.patches
            .iter()
            .map(|p| {
                format!(
                    "patched for {} with {} (sha256 {})",
                    p.cve, p.file, p.sha256
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    Package {
        comment,
        creation_info: CREATION,
        description: c.description.as_deref(),
        external_identifier: idents,
        external_ref: refs,
        name: &c.name,
        // The uploader made the release.
        originated_by: supplier.filter(|_| c.pause_id.is_some()).map(|s| [s]),
        download_location: c.download.as_deref(),
        home_page: c
            .references
            .iter()
            .find(|r| r.kind == RefKind::Website)
            .map(|r| r.url.as_str()),
        package_url: c.purl.as_deref(),
        package_version: c.version.as_deref(),
        primary_purpose: match c.kind {
            Kind::Application => "application",
            Kind::Library => "library",
            Kind::Platform => "platform",
        },
        spdx_id: id,
        supplied_by: supplier,
        kind: "software_Package",
        verified_using: hashes(c),
    }
}

fn hashes(c: &Component) -> Option<[Hash<'_>; 2]> {
    c.hashes.as_ref().map(|h| {
        [
            Hash {
                algorithm: "sha256",
                value: &h.sha256,
                kind: "Hash",
            },
            Hash {
                algorithm: "sha512",
                value: &h.sha512,
                kind: "Hash",
            },
        ]
    })
}

// ---------------------------------------------------------------------------
// The graph as typed structs, fields in byte order of their JSON names.

/// An element id: namespace, local name, suffix, written as one string.
#[derive(Clone, Copy)]
struct Iri<'a> {
    ns: Option<&'a Namespace>,
    local: &'a str,
    suffix: &'static str,
}

impl<'a> Iri<'a> {
    fn new(ns: &'a Namespace, local: &'a str, suffix: &'static str) -> Iri<'a> {
        Iri {
            ns: Some(ns),
            local,
            suffix,
        }
    }

    /// An individual of the SPDX vocabulary (`NoneElement`): no namespace.
    fn bare(local: &'static str) -> Iri<'a> {
        Iri {
            ns: None,
            local,
            suffix: "",
        }
    }
}

impl Serialize for Iri<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.ns {
            Some(ns) => {
                ns.written.set(ns.written.get() + 1);
                crate::serialize_joined(s, &[&ns.text, self.local, self.suffix])
            }
            None => s.serialize_str(self.local),
        }
    }
}

/// A string written from pieces: prefix, borrowed middle, suffix.
enum Text<'a> {
    Join(&'static str, &'a str, &'static str),
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Join("", middle, "") => s.serialize_str(middle),
            Text::Join(a, b, c) => crate::serialize_joined(s, &[a, b, c]),
        }
    }
}

#[derive(Serialize)]
struct Graph<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Element<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Element<'a> {
    CreationInfo(CreationInfo<'a>),
    Named(Named<'a>),
    Person(Person<'a>),
    License(LicenseExpression<'a>),
    Package(Package<'a>),
    File(File<'a>),
    Relationship(Relationship<'a>),
    Sbom(SbomElement<'a>),
    Document(DocumentElement<'a>),
}

#[derive(Serialize)]
struct CreationInfo<'a> {
    #[serde(rename = "@id")]
    id: &'static str,
    created: String,
    #[serde(rename = "createdBy")]
    created_by: [Iri<'a>; 1],
    #[serde(rename = "createdUsing")]
    created_using: [Iri<'a>; 1],
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// `SoftwareAgent`, `Tool`, `Agent`: an element with a name.
#[derive(Serialize)]
struct Named<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    name: &'a str,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    #[serde(rename = "externalIdentifier")]
    external_identifier: [ExternalIdentifier<'a>; 2],
    name: &'a str,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct ExternalIdentifier<'a> {
    #[serde(rename = "externalIdentifierType")]
    kind: &'static str,
    identifier: Text<'a>,
    #[serde(rename = "type")]
    ty: &'static str,
}

#[derive(Serialize)]
struct LicenseExpression<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    #[serde(rename = "simplelicensing_licenseExpression")]
    expression: &'a str,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Package<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "externalIdentifier", skip_serializing_if = "Vec::is_empty")]
    external_identifier: Vec<ExternalIdentifier<'a>>,
    #[serde(rename = "externalRef", skip_serializing_if = "Vec::is_empty")]
    external_ref: Vec<ExternalRef<'a>>,
    name: &'a str,
    #[serde(rename = "originatedBy", skip_serializing_if = "Option::is_none")]
    originated_by: Option<[Iri<'a>; 1]>,
    #[serde(
        rename = "software_downloadLocation",
        skip_serializing_if = "Option::is_none"
    )]
    download_location: Option<&'a str>,
    #[serde(rename = "software_homePage", skip_serializing_if = "Option::is_none")]
    home_page: Option<&'a str>,
    #[serde(
        rename = "software_packageUrl",
        skip_serializing_if = "Option::is_none"
    )]
    package_url: Option<&'a str>,
    #[serde(
        rename = "software_packageVersion",
        skip_serializing_if = "Option::is_none"
    )]
    package_version: Option<&'a str>,
    #[serde(rename = "software_primaryPurpose")]
    primary_purpose: &'static str,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "suppliedBy", skip_serializing_if = "Option::is_none")]
    supplied_by: Option<Iri<'a>>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "verifiedUsing", skip_serializing_if = "Option::is_none")]
    verified_using: Option<[Hash<'a>; 2]>,
}

#[derive(Serialize)]
struct ExternalRef<'a> {
    #[serde(rename = "externalRefType")]
    kind: &'static str,
    locator: [&'a str; 1],
    #[serde(rename = "type")]
    ty: &'static str,
}

#[derive(Serialize)]
struct Hash<'a> {
    algorithm: &'static str,
    #[serde(rename = "hashValue")]
    value: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct File<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    #[serde(rename = "externalRef", skip_serializing_if = "Option::is_none")]
    external_ref: Option<[ExternalRef<'a>; 1]>,
    name: &'a str,
    #[serde(rename = "software_primaryPurpose")]
    primary_purpose: &'static str,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "verifiedUsing", skip_serializing_if = "Option::is_none")]
    verified_using: Option<[Hash<'a>; 2]>,
}

/// `Relationship` and `LifecycleScopedRelationship`.
#[derive(Serialize)]
struct Relationship<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    completeness: Option<&'static str>,
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    from: Iri<'a>,
    #[serde(rename = "relationshipType")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    to: Vec<Iri<'a>>,
    #[serde(rename = "type")]
    ty: &'static str,
}

impl<'a> Relationship<'a> {
    fn new(spdx_id: Iri<'a>, from: Iri<'a>, kind: &'static str, to: Vec<Iri<'a>>) -> Self {
        Relationship {
            completeness: None,
            creation_info: CREATION,
            from,
            kind,
            scope: None,
            spdx_id,
            to,
            ty: "Relationship",
        }
    }
}

#[derive(Serialize)]
struct SbomElement<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    element: Vec<Iri<'a>>,
    name: String,
    #[serde(rename = "profileConformance")]
    profile_conformance: [&'static str; 3],
    #[serde(rename = "rootElement")]
    root_element: [Iri<'a>; 1],
    #[serde(rename = "software_sbomType")]
    sbom_type: [&'static str; 1],
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct DocumentElement<'a> {
    #[serde(rename = "creationInfo")]
    creation_info: &'static str,
    element: [Iri<'a>; 1],
    name: String,
    #[serde(rename = "profileConformance")]
    profile_conformance: [&'static str; 3],
    #[serde(rename = "rootElement")]
    root_element: [Iri<'a>; 1],
    #[serde(rename = "spdxId")]
    spdx_id: Iri<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Dependencies;
    use crate::{ComponentId, Timestamp};
    use serde_json::Value;

    /// A description holding the zero-UUID namespace itself must come out as
    /// written, and the namespace still be the UUID of the zeroed bytes.
    #[test]
    fn input_holding_the_draft_namespace_is_left_alone() {
        let draft = format!("https://spdx.org/spdxdocs/cpansec-x-{}#", crate::ZERO_UUID);
        let mut root = Component::new(ComponentId("project:x".into()), Kind::Application, "x");
        root.description = Some(format!("see {draft}Root-x"));
        let mut dependencies = BTreeMap::new();
        dependencies.insert(root.id.clone(), Dependencies::unknown());
        let sbom = Sbom {
            origin: Origin::Project,
            created: Timestamp::from_unix(0).expect("time"),
            root,
            perl: None,
            components: Vec::new(),
            dependencies,
            warnings: Vec::new(),
        };
        let bytes = render(&sbom);
        let doc: Value = serde_json::from_slice(&bytes).expect("JSON");
        let graph = doc["@graph"].as_array().expect("@graph");
        let package = graph
            .iter()
            .find(|e| e["type"] == "software_Package")
            .expect("the root package");
        assert_eq!(package["description"], format!("see {draft}Root-x"));
        let id = package["spdxId"].as_str().expect("spdxId");
        let ns = id.strip_suffix("Root-x").expect("namespace");
        assert_ne!(ns, draft);
        let text = std::str::from_utf8(&bytes).expect("UTF-8");
        let name = format!("spdx-3.0.1\0{}", text.replace(ns, &draft));
        let uuid = crate::uuid_v5(name.as_bytes());
        assert_eq!(ns, format!("https://spdx.org/spdxdocs/cpansec-x-{uuid}#"));
    }
}
