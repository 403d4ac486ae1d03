//! SPDX 2.3 JSON.
//!
//! <https://spdx.github.io/spdx-spec/v2.3/>. The mapping:
//!
//! | model | SPDX 2.3 |
//! |---|---|
//! | root | the package the document `DESCRIBES` |
//! | component | a package: `SPDXRef-Package-<name>-<version>` (a `-2`, `-3`... suffix where two differ only in author or archive type), purl and CPE as `externalRefs` |
//! | supplier | `supplier: Person: <PAUSE id>` (the root: its first META author; perl: `Organization: Perl 5 Porters`) |
//! | hashes | `checksums` SHA256 and SHA512 |
//! | licence | `licenseDeclared`; each `LicenseRef-` in it declared in `hasExtractedLicensingInfos` |
//! | distribution edges | `A DEPENDS_ON B` |
//! | project prerequisites | `root DEPENDS_ON B` and `B RUNTIME_DEPENDENCY_OF root` (`BUILD_`, `TEST_`, `DEV_`, `OPTIONAL_` by phase) |
//! | completeness | a node known to have no dependencies `DEPENDS_ON NONE`; incomplete or unknown edges add `DEPENDS_ON NOASSERTION` (SPDX 2.3 clause 11.1) |
//!
//! The document namespace ends in the version-5 UUID of the document's
//! content: of `spdx-2.3`, a NUL and the document's bytes with that UUID
//! zeroed (the document is written once, then the zeros overwritten).
//!
//! The document is a tree of typed structs borrowing from the model,
//! serialized straight to the output; every struct declares its fields in
//! byte order of their JSON names (the order of a sorted map).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::ids::{push_idstring, spdx_idstring};
use crate::model::{Completeness, Component, ComponentId, Edge, Kind, Need, RefKind, Sbom, Scope};
use crate::{TOOL_NAME, TOOL_VERSION};

/// The SPDX element id of each component: unique, derived from name and
/// version, stable for a given SBOM.
pub(crate) fn element_ids<'s>(sbom: &'s Sbom, prefix: &str) -> ElementIds<'s> {
    let n = sbom.components.len() + 2;
    let mut ids: ElementIds<'s> = HashMap::with_capacity(n);
    let mut used: HashSet<String> = HashSet::with_capacity(n);
    let mut assign = |c: &'s Component, base: String| {
        let id = if used.contains(&base) {
            let mut n = 2;
            loop {
                let id = format!("{base}-{n}");
                if !used.contains(&id) {
                    break id;
                }
                n += 1;
            }
        } else {
            base
        };
        used.insert(id.clone());
        ids.insert(&c.id, id);
    };
    let label = |kind: &str, c: &Component| {
        let version = c.version.as_deref().unwrap_or_default();
        let mut s =
            String::with_capacity(prefix.len() + kind.len() + c.name.len() + version.len() + 2);
        s.push_str(prefix);
        s.push_str(kind);
        if !push_idstring(&mut s, &c.name) {
            s.push_str("unnamed");
        }
        s.push('-');
        if !push_idstring(&mut s, version) {
            s.pop();
        }
        s
    };
    assign(&sbom.root, label("Root-", &sbom.root));
    for c in sbom.perl.iter().chain(sbom.components.iter()) {
        assign(c, label("Package-", c));
    }
    ids
}

/// Component id -> element id.
pub(crate) type ElementIds<'s> = HashMap<&'s ComponentId, String>;

/// The SPDX 2.3 document of `sbom` as indented JSON and a final newline.
///
/// Written once with a zero UUID ending the namespace, which the content
/// UUID then overwrites.
pub fn render(sbom: &Sbom) -> Vec<u8> {
    let ids = element_ids(sbom, "SPDXRef-");
    let doc = typed(sbom, &ids);
    let capacity = 16 * 1024 + 2048 * (sbom.components.len() + 2);
    let mut out = crate::pretty(&doc, capacity);
    if let Some(at) =
        crate::top_level_value(&out, "documentNamespace", &doc.document_namespace, false)
    {
        let uuid = crate::content_uuid("spdx-2.3", &out);
        let uuid_at = at + doc.document_namespace.len() - uuid.len();
        crate::overwrite(&mut out, uuid_at, &uuid);
    }
    out
}

fn typed<'a>(sbom: &'a Sbom, ids: &'a ElementIds<'a>) -> Doc<'a> {
    let id = |c: &ComponentId| ids.get(c).map_or("", String::as_str);
    let mut license_refs: BTreeMap<&'a str, String> = BTreeMap::new();
    let packages: Vec<Package<'a>> = sbom
        .all_components()
        .map(|c| package(c, id(&c.id), &mut license_refs))
        .collect();

    let edges: usize = sbom.dependencies.values().map(|d| d.on.len() + 1).sum();
    let mut relationships = Vec::with_capacity(edges + 1);
    relationships.push(Rel {
        related: id(&sbom.root.id),
        kind: "DESCRIBES",
        element: "SPDXRef-DOCUMENT",
    });
    for (from, deps) in &sbom.dependencies {
        let from_id = id(from);
        for Edge { to, needs } in &deps.on {
            let to_id = id(to);
            // The plain edge lets graph walkers (which follow DEPENDS_ON
            // from the described package) reach it; the typed ones say in
            // which phases.
            relationships.push(Rel::new(from_id, "DEPENDS_ON", to_id));
            if !needs.is_empty() {
                let kinds: BTreeSet<&str> = needs.iter().map(dependency_of).collect();
                for k in kinds {
                    relationships.push(Rel::new(to_id, k, from_id));
                }
            }
        }
        match deps.completeness {
            Completeness::Complete if deps.on.is_empty() => {
                relationships.push(Rel::new(from_id, "DEPENDS_ON", "NONE"));
            }
            Completeness::Complete => {}
            Completeness::Incomplete | Completeness::Unknown => {
                relationships.push(Rel::new(from_id, "DEPENDS_ON", "NOASSERTION"));
            }
        }
    }

    let name = match &sbom.root.version {
        Some(v) => format!("{}-{v}", sbom.root.name),
        None => sbom.root.name.clone(),
    };
    let extracted = license_refs
        .into_iter()
        .map(|(id, text)| Extracted {
            extracted_text: text,
            license_id: id,
            name: id.trim_start_matches("LicenseRef-"),
        })
        .collect();
    let document_namespace = format!(
        "https://spdx.org/spdxdocs/{TOOL_NAME}-{}-{}",
        spdx_idstring(&name),
        crate::ZERO_UUID
    );
    Doc {
        spdxid: "SPDXRef-DOCUMENT",
        creation_info: CreationInfo {
            created: sbom.created.to_string(),
            creators: [format!("Tool: {TOOL_NAME}-{TOOL_VERSION}")],
        },
        data_license: "CC0-1.0",
        document_namespace,
        extracted,
        name,
        packages,
        relationships,
        spdx_version: "SPDX-2.3",
    }
}

/// The `*_DEPENDENCY_OF` relationship for a phase.
fn dependency_of(n: &Need) -> &'static str {
    match (&*n.phase, n.optional) {
        ("runtime", false) => "RUNTIME_DEPENDENCY_OF",
        ("runtime", true) => "OPTIONAL_DEPENDENCY_OF",
        ("test", _) => "TEST_DEPENDENCY_OF",
        ("build" | "configure", _) => "BUILD_DEPENDENCY_OF",
        ("develop", _) => "DEV_DEPENDENCY_OF",
        _ => "DEPENDENCY_OF",
    }
}

fn package<'a>(
    c: &'a Component,
    id: &'a str,
    license_refs: &mut BTreeMap<&'a str, String>,
) -> Package<'a> {
    let supplier = match (&c.pause_id, &c.supplier, c.kind) {
        (Some(id), _, _) => Supplier::Person(id),
        (None, Some(s), Kind::Platform) => Supplier::Organization(s),
        (None, Some(s), _) => Supplier::Person(s),
        (None, None, _) => Supplier::NoAssertion,
    };
    let declared = match &c.license {
        Some(l) => {
            for token in l
                .expression
                .split(|ch: char| ch.is_whitespace() || ch == '(' || ch == ')')
            {
                if token.starts_with("LicenseRef-") && !license_refs.contains_key(token) {
                    let from: Vec<&str> = l
                        .meta
                        .iter()
                        .filter(|s| cpansec_meta::license::spdx_for(s) == token)
                        .map(String::as_str)
                        .collect();
                    let text = if from.is_empty() {
                        format!("{token} (a licence not in the SPDX list)")
                    } else {
                        format!("META license: {}", from.join(", "))
                    };
                    license_refs.insert(token, text);
                }
            }
            l.expression.as_str()
        }
        None => "NOASSERTION",
    };
    let mut refs = Vec::new();
    if let Some(p) = &c.purl {
        refs.push(ExternalRef {
            category: "PACKAGE-MANAGER",
            locator: p,
            kind: "purl",
        });
    }
    if let Some(cpe) = &c.cpe {
        refs.push(ExternalRef {
            category: "SECURITY",
            locator: cpe,
            kind: "cpe23Type",
        });
    }
    let comment = (c.scope.is_some() || !c.patches.is_empty()).then(|| {
        let mut notes: Vec<String> = Vec::with_capacity(1 + c.patches.len());
        if let Some(s) = c.scope {
            notes.push(
                match s {
                    Scope::Required => "scope: required",
                    Scope::Optional => "scope: optional",
                    Scope::Excluded => "scope: excluded",
                }
                .to_string(),
            );
        }
        for p in &c.patches {
            notes.push(format!(
                "patched for {} with {} (sha256 {})",
                p.cve, p.file, p.sha256
            ));
        }
        notes.join("; ")
    });
    Package {
        spdxid: id,
        checksums: c.hashes.as_ref().map(|h| {
            [
                Checksum {
                    algorithm: "SHA256",
                    value: &h.sha256,
                },
                Checksum {
                    algorithm: "SHA512",
                    value: &h.sha512,
                },
            ]
        }),
        comment,
        copyright_text: "NOASSERTION",
        description: c.description.as_deref(),
        download_location: c.download.as_deref().unwrap_or("NOASSERTION"),
        external_refs: refs,
        files_analyzed: false,
        homepage: c
            .references
            .iter()
            .find(|r| r.kind == RefKind::Website)
            .map(|r| r.url.as_str()),
        license_concluded: "NOASSERTION",
        license_declared: declared,
        name: &c.name,
        primary_package_purpose: match c.kind {
            Kind::Application | Kind::Platform => "APPLICATION",
            Kind::Library => "LIBRARY",
        },
        supplier,
        version_info: c.version.as_deref(),
    }
}

// ---------------------------------------------------------------------------
// The document as typed structs, fields in byte order of their JSON names.

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "SPDXID")]
    spdxid: &'static str,
    #[serde(rename = "creationInfo")]
    creation_info: CreationInfo,
    #[serde(rename = "dataLicense")]
    data_license: &'static str,
    #[serde(rename = "documentNamespace")]
    document_namespace: String,
    #[serde(
        rename = "hasExtractedLicensingInfos",
        skip_serializing_if = "Vec::is_empty"
    )]
    extracted: Vec<Extracted<'a>>,
    name: String,
    packages: Vec<Package<'a>>,
    relationships: Vec<Rel<'a>>,
    #[serde(rename = "spdxVersion")]
    spdx_version: &'static str,
}

#[derive(Serialize)]
struct CreationInfo {
    created: String,
    creators: [String; 1],
}

#[derive(Serialize)]
struct Extracted<'a> {
    #[serde(rename = "extractedText")]
    extracted_text: String,
    #[serde(rename = "licenseId")]
    license_id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Package<'a> {
    #[serde(rename = "SPDXID")]
    spdxid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksums: Option<[Checksum<'a>; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(rename = "copyrightText")]
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "downloadLocation")]
    download_location: &'a str,
    #[serde(rename = "externalRefs", skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef<'a>>,
    #[serde(rename = "filesAnalyzed")]
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'a str>,
    #[serde(rename = "licenseConcluded")]
    license_concluded: &'static str,
    #[serde(rename = "licenseDeclared")]
    license_declared: &'a str,
    name: &'a str,
    #[serde(rename = "primaryPackagePurpose")]
    primary_package_purpose: &'static str,
    supplier: Supplier<'a>,
    #[serde(rename = "versionInfo", skip_serializing_if = "Option::is_none")]
    version_info: Option<&'a str>,
}

/// `Person: X`, `Organization: X` or `NOASSERTION`, written without an
/// intermediate string.
enum Supplier<'a> {
    Person(&'a str),
    Organization(&'a str),
    NoAssertion,
}

impl Serialize for Supplier<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Supplier::Person(n) => crate::serialize_joined(s, &["Person: ", n]),
            Supplier::Organization(n) => crate::serialize_joined(s, &["Organization: ", n]),
            Supplier::NoAssertion => s.serialize_str("NOASSERTION"),
        }
    }
}

#[derive(Serialize)]
struct Checksum<'a> {
    algorithm: &'static str,
    #[serde(rename = "checksumValue")]
    value: &'a str,
}

#[derive(Serialize)]
struct ExternalRef<'a> {
    #[serde(rename = "referenceCategory")]
    category: &'static str,
    #[serde(rename = "referenceLocator")]
    locator: &'a str,
    #[serde(rename = "referenceType")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Rel<'a> {
    #[serde(rename = "relatedSpdxElement")]
    related: &'a str,
    #[serde(rename = "relationshipType")]
    kind: &'static str,
    #[serde(rename = "spdxElementId")]
    element: &'a str,
}

impl<'a> Rel<'a> {
    fn new(from: &'a str, kind: &'static str, to: &'a str) -> Rel<'a> {
        Rel {
            related: to,
            kind,
            element: from,
        }
    }
}
