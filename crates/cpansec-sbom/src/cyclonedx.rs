//! CycloneDX 1.6 (and 1.5) JSON.
//!
//! <https://cyclonedx.org/docs/1.6/json/>. The mapping:
//!
//! | model | CycloneDX |
//! |---|---|
//! | root | `metadata.component` (`application`) |
//! | perl | a `platform` component with purl `pkg:generic/perl@V` and its CPE |
//! | distribution | a `library` component; `bom-ref` = purl; `supplier` = the PAUSE id |
//! | META authors | `authors` (1.6), `author` joined by `, ` (1.5) |
//! | archive hashes | `hashes` SHA-256 and SHA-512, also on the `distribution` reference |
//! | scope | `scope`; the phases that reach it as `cpansec:phase` properties |
//! | edges | `dependencies`: every node whose edges are known, `[]` when it has none |
//! | completeness | `compositions`: `complete`, `incomplete`, `unknown` per node |
//! | patches | `pedigree.patches` (`unofficial`, resolving the CVE) |
//!
//! The serial number is the version-5 UUID of the document's content: of
//! `cyclonedx-1.6` (or `-1.5`), a NUL and the document's bytes with that UUID
//! zeroed (the document is written once, then the zeros overwritten). It
//! changes exactly when the content (or the creation time) does.

use crate::model::{Completeness, Component, Kind, Origin, RefKind, Sbom, Scope};
use crate::{TOOL_NAME, TOOL_URL, TOOL_VERSION};

/// The specification version written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1_5,
    V1_6,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_5 => "1.5",
            Version::V1_6 => "1.6",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Version::V1_5 => "http://cyclonedx.org/schema/bom-1.5.schema.json",
            Version::V1_6 => "http://cyclonedx.org/schema/bom-1.6.schema.json",
        }
    }
}

/// The CycloneDX document of `sbom` as indented JSON and a final newline.
///
/// Written once with a zero serial number, whose digits the content UUID
/// then overwrites.
pub fn render(sbom: &Sbom, version: Version) -> Vec<u8> {
    let doc = typed(sbom, version);
    let capacity = 16 * 1024 + 2048 * (sbom.components.len() + 2);
    let mut out = crate::pretty(&doc, capacity);
    if let Some(at) = crate::top_level_value(&out, "serialNumber", &doc.serial_number, true) {
        let uuid = crate::content_uuid(&format!("cyclonedx-{}", version.as_str()), &out);
        crate::overwrite(&mut out, at + URN.len(), &uuid);
    }
    out
}

/// The `serialNumber` (`urn:uuid:...`) of the CycloneDX document of `sbom`.
pub fn serial_number(sbom: &Sbom, version: Version) -> String {
    let out = render(sbom, version);
    crate::top_level_value(&out, "serialNumber", URN, true)
        .and_then(|at| out.get(at..at + URN.len() + crate::ZERO_UUID.len()))
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default()
}

const URN: &str = "urn:uuid:";

fn typed(sbom: &Sbom, version: Version) -> Doc<'_> {
    let phase = match sbom.origin {
        Origin::Project | Origin::Tarball => "pre-build",
        Origin::Installed => "post-build",
    };
    let components: Vec<Comp<'_>> = sbom
        .perl
        .iter()
        .chain(sbom.components.iter())
        .map(|c| component(c, version))
        .collect();
    let mut dependencies = Vec::with_capacity(sbom.dependencies.len());
    let mut groups: [(Completeness, &str, Vec<&str>); 3] = [
        (Completeness::Complete, "complete", Vec::new()),
        (Completeness::Incomplete, "incomplete", Vec::new()),
        (Completeness::Unknown, "unknown", Vec::new()),
    ];
    for (id, deps) in &sbom.dependencies {
        if deps.completeness != Completeness::Unknown || !deps.on.is_empty() {
            dependencies.push(Dependency {
                depends_on: deps.on.iter().map(|e| e.to.as_str()).collect(),
                reference: id.as_str(),
            });
        }
        if let Some(g) = groups.iter_mut().find(|g| g.0 == deps.completeness) {
            g.2.push(id.as_str());
        }
    }
    let compositions = groups
        .into_iter()
        .filter(|g| !g.2.is_empty())
        .map(|(_, aggregate, dependencies)| Composition {
            aggregate,
            dependencies,
        })
        .collect();
    Doc {
        schema: version.schema(),
        bom_format: "CycloneDX",
        components,
        compositions,
        dependencies,
        metadata: Metadata {
            component: component(&sbom.root, version),
            lifecycles: [Lifecycle { phase }],
            timestamp: sbom.created.to_string(),
            tools: Tools {
                components: [Tool {
                    external_references: [ExtRef {
                        hashes: None,
                        kind: "vcs",
                        url: TOOL_URL,
                    }],
                    name: TOOL_NAME,
                    kind: "application",
                    version: TOOL_VERSION,
                }],
            },
        },
        serial_number: format!("{URN}{}", crate::ZERO_UUID),
        spec_version: version.as_str(),
        version: 1,
    }
}

fn component(c: &Component, version: Version) -> Comp<'_> {
    let supplier = match (&c.pause_id, &c.supplier) {
        (Some(id), _) => Some(Supplier {
            name: id,
            url: Some([["https://metacpan.org/author/", id].concat()]),
        }),
        (None, Some(name)) => Some(Supplier { name, url: None }),
        (None, None) => None,
    };
    let (author, authors) = match version {
        _ if c.authors.is_empty() => (None, Vec::new()),
        Version::V1_6 => (None, c.authors.iter().map(|a| contact(a)).collect()),
        Version::V1_5 => (Some(c.authors.join(", ")), Vec::new()),
    };
    let hashes = c.hashes.as_ref().map(|h| {
        [
            HashEntry {
                alg: "SHA-256",
                content: &h.sha256,
            },
            HashEntry {
                alg: "SHA-512",
                content: &h.sha512,
            },
        ]
    });
    let external_references = c
        .references
        .iter()
        .map(|r| {
            let kind = match r.kind {
                RefKind::Website => "website",
                RefKind::Vcs => "vcs",
                RefKind::IssueTracker => "issue-tracker",
                RefKind::SecurityContact => "security-contact",
                RefKind::Distribution => "distribution",
            };
            ExtRef {
                hashes: if r.kind == RefKind::Distribution {
                    hashes
                } else {
                    None
                },
                kind,
                url: &r.url,
            }
        })
        .collect();
    let mut properties: Vec<Property<'_>> = Vec::with_capacity(c.needs.len() + 1 + c.patches.len());
    for n in &c.needs {
        let value = if n.optional {
            PropValue::Owned(format!("{} (optional)", n.phase))
        } else {
            PropValue::Borrowed(&n.phase)
        };
        properties.push(Property {
            name: "cpansec:phase",
            value,
        });
    }
    if let Some(p) = &c.pathname {
        properties.push(Property {
            name: "cpansec:pathname",
            value: PropValue::Borrowed(p),
        });
    }
    for p in &c.patches {
        properties.push(Property {
            name: "cpansec:patch",
            value: PropValue::Owned(format!("{} sha256:{}", p.file, p.sha256)),
        });
    }
    let pedigree = (!c.patches.is_empty()).then(|| Pedigree {
        patches: c
            .patches
            .iter()
            .map(|p| PatchEntry {
                resolves: [Resolves {
                    id: &p.cve,
                    source: ResolveSource {
                        name: "NVD",
                        url: format!("https://nvd.nist.gov/vuln/detail/{}", p.cve),
                    },
                    kind: "security",
                }],
                kind: "unofficial",
            })
            .collect(),
    });
    Comp {
        author,
        authors,
        bom_ref: c.id.as_str(),
        cpe: c.cpe.as_deref(),
        description: c.description.as_deref(),
        external_references,
        hashes,
        licenses: c.license.as_ref().map(|l| {
            [LicenseEntry {
                expression: &l.expression,
            }]
        }),
        name: &c.name,
        pedigree,
        properties,
        purl: c.purl.as_deref(),
        scope: c.scope.map(|s| match s {
            Scope::Required => "required",
            Scope::Optional => "optional",
            Scope::Excluded => "excluded",
        }),
        supplier,
        kind: match c.kind {
            Kind::Application => "application",
            Kind::Library => "library",
            Kind::Platform => "platform",
        },
        version: c.version.as_deref(),
    }
}

/// `Name <mail@host>` as an organizational contact; the whole string as the
/// name when it has no plausible address.
fn contact(author: &str) -> Contact<'_> {
    if let Some((name, rest)) = author.rsplit_once('<') {
        if let Some(mail) = rest.strip_suffix('>').map(str::trim) {
            let plausible = mail.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !mail.contains(char::is_whitespace)
            });
            let name = name.trim();
            if plausible && !name.is_empty() {
                return Contact {
                    email: Some(mail),
                    name,
                };
            }
        }
    }
    Contact {
        email: None,
        name: author.trim(),
    }
}

// ---------------------------------------------------------------------------
// The document as typed structs, written directly.
//
// Every struct's fields are declared in byte order of their JSON names (the
// order `serde_json::Value` objects, which are sorted maps, write them), so
// the output is the same bytes the sorted-map form gives. Strings are
// borrowed from the model wherever they exist there.

use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    components: Vec<Comp<'a>>,
    compositions: Vec<Composition<'a>>,
    dependencies: Vec<Dependency<'a>>,
    metadata: Metadata<'a>,
    #[serde(rename = "serialNumber")]
    serial_number: String,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    version: u32,
}

#[derive(Serialize)]
struct Metadata<'a> {
    component: Comp<'a>,
    lifecycles: [Lifecycle; 1],
    timestamp: String,
    tools: Tools,
}

#[derive(Serialize)]
struct Lifecycle {
    phase: &'static str,
}

#[derive(Serialize)]
struct Tools {
    components: [Tool; 1],
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "externalReferences")]
    external_references: [ExtRef<'static>; 1],
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Dependency<'a> {
    #[serde(rename = "dependsOn")]
    depends_on: Vec<&'a str>,
    #[serde(rename = "ref")]
    reference: &'a str,
}

#[derive(Serialize)]
struct Composition<'a> {
    aggregate: &'static str,
    dependencies: Vec<&'a str>,
}

#[derive(Serialize)]
struct Comp<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Contact<'a>>,
    #[serde(rename = "bom-ref")]
    bom_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExtRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hashes: Option<[HashEntry<'a>; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    licenses: Option<[LicenseEntry<'a>; 1]>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pedigree: Option<Pedigree<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Supplier<'a>>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct Contact<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct Supplier<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<[String; 1]>,
}

#[derive(Clone, Copy, Serialize)]
struct HashEntry<'a> {
    alg: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct LicenseEntry<'a> {
    expression: &'a str,
}

#[derive(Serialize)]
struct ExtRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    hashes: Option<[HashEntry<'a>; 2]>,
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Property<'a> {
    name: &'static str,
    value: PropValue<'a>,
}

/// A property value: borrowed, or made for the occasion.
#[derive(Serialize)]
#[serde(untagged)]
enum PropValue<'a> {
    Borrowed(&'a str),
    Owned(String),
}

#[derive(Serialize)]
struct Pedigree<'a> {
    patches: Vec<PatchEntry<'a>>,
}

#[derive(Serialize)]
struct PatchEntry<'a> {
    resolves: [Resolves<'a>; 1],
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Resolves<'a> {
    id: &'a str,
    source: ResolveSource,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct ResolveSource {
    name: &'static str,
    url: String,
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn contact(a: &str) -> Value {
        serde_json::to_value(super::contact(a)).unwrap()
    }

    #[test]
    fn contacts() {
        assert_eq!(
            contact("Tatsuhiko Miyagawa <miyagawa@bulknews.net>"),
            json!({"name": "Tatsuhiko Miyagawa", "email": "miyagawa@bulknews.net"})
        );
        assert_eq!(
            contact("someone <at home>"),
            json!({"name": "someone <at home>"})
        );
        assert_eq!(contact("plain"), json!({"name": "plain"}));
    }
}
