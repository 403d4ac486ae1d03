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
//! document's content (computed with a placeholder namespace first).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::ids::spdx_idstring;
use crate::model::{Completeness, Component, Kind, Need, Origin, RefKind, Sbom};
use crate::{TOOL_NAME, TOOL_VERSION};

const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION: &str = "_:creationinfo";

/// The SPDX 3.0.1 document of `sbom`.
pub fn document(sbom: &Sbom) -> Value {
    let name = match &sbom.root.version {
        Some(v) => format!("{}-{v}", sbom.root.name),
        None => sbom.root.name.clone(),
    };
    let draft = graph(sbom, "urn:cpansec:placeholder#");
    let uuid = crate::content_uuid("spdx-3.0.1", &draft);
    let ns = format!(
        "https://spdx.org/spdxdocs/{TOOL_NAME}-{}-{uuid}#",
        spdx_idstring(&name)
    );
    graph(sbom, &ns)
}

fn graph(sbom: &Sbom, ns: &str) -> Value {
    let ids = crate::spdx2::element_ids(sbom, "");
    let iri = |id: &crate::ComponentId| format!("{ns}{}", ids.get(id).map_or("", |s| s.as_str()));
    let tool = format!("{ns}Tool-{TOOL_NAME}");
    let agent = format!("{ns}SoftwareAgent-{TOOL_NAME}");
    let doc_id = format!("{ns}SpdxDocument");
    let sbom_id = format!("{ns}Sbom");
    let mut elements: Vec<Value> = vec![
        json!({"type": "CreationInfo", "@id": CREATION, "specVersion": "3.0.1",
               "created": sbom.created.to_string(), "createdBy": [agent], "createdUsing": [tool]}),
        json!({"type": "SoftwareAgent", "spdxId": agent, "creationInfo": CREATION,
               "name": format!("{TOOL_NAME} {TOOL_VERSION}")}),
        json!({"type": "Tool", "spdxId": tool, "creationInfo": CREATION,
               "name": format!("{TOOL_NAME} {TOOL_VERSION}")}),
    ];
    let mut members: Vec<String> = vec![agent.clone(), tool.clone()];

    // Suppliers and licences, one element each.
    let mut suppliers: BTreeMap<String, String> = BTreeMap::new();
    let mut licenses: BTreeMap<String, String> = BTreeMap::new();
    for c in sbom.all_components() {
        if let Some(s) = &c.supplier {
            suppliers
                .entry(s.clone())
                .or_insert_with(|| format!("{ns}Agent-{}", spdx_idstring(s)));
        }
        if let Some(l) = &c.license {
            licenses
                .entry(l.expression.clone())
                .or_insert_with(|| format!("{ns}License-{}", spdx_idstring(&l.expression)));
        }
    }
    // A PAUSE id is a person (or group) with a CPAN address and a MetaCPAN
    // page; other suppliers are known by name only.
    let pause_ids: BTreeSet<&str> = sbom
        .all_components()
        .filter_map(|c| c.pause_id.as_deref())
        .collect();
    for (name, id) in &suppliers {
        let el = if pause_ids.contains(name.as_str()) {
            json!({"type": "Person", "spdxId": id, "creationInfo": CREATION, "name": name,
            "externalIdentifier": [
                {"type": "ExternalIdentifier", "externalIdentifierType": "email",
                 "identifier": format!("{name}@cpan.org")},
                {"type": "ExternalIdentifier", "externalIdentifierType": "urlScheme",
                 "identifier": format!("https://metacpan.org/author/{name}")},
            ]})
        } else {
            json!({"type": "Agent", "spdxId": id, "creationInfo": CREATION, "name": name})
        };
        elements.push(el);
        members.push(id.clone());
    }
    for (expr, id) in &licenses {
        elements.push(
            json!({"type": "simplelicensing_LicenseExpression", "spdxId": id,
                             "creationInfo": CREATION, "simplelicensing_licenseExpression": expr}),
        );
        members.push(id.clone());
    }

    let mut relationships: Vec<Value> = Vec::new();
    for c in sbom.all_components() {
        let id = iri(&c.id);
        elements.push(package(c, &id, &suppliers));
        members.push(id.clone());
        // The release archive: its file name, download location and hashes.
        if let Some(file_name) = c.pathname.as_deref().and_then(|p| p.rsplit('/').next()) {
            let file_id = format!("{id}-archive");
            let mut file = json!({"type": "software_File", "spdxId": file_id, "creationInfo": CREATION,
                "name": file_name, "software_primaryPurpose": "archive"});
            if let Some(o) = file.as_object_mut() {
                if let Some(url) = &c.download {
                    o.insert(
                        "externalRef".into(),
                        json!([{"type": "ExternalRef",
                        "externalRefType": "binaryArtifact", "locator": [url]}]),
                    );
                }
                if let Some(h) = hashes(c) {
                    o.insert("verifiedUsing".into(), h);
                }
            }
            elements.push(file);
            members.push(file_id.clone());
            relationships.push(json!({"type": "Relationship", "spdxId": format!("{id}-hasDistributionArtifact"),
                "creationInfo": CREATION, "from": id, "relationshipType": "hasDistributionArtifact", "to": [file_id]}));
        }
        if let Some(l) = c.license.as_ref().and_then(|l| licenses.get(&l.expression)) {
            relationships.push(json!({"type": "Relationship", "spdxId": format!("{id}-hasDeclaredLicense"),
                "creationInfo": CREATION, "from": id, "relationshipType": "hasDeclaredLicense", "to": [l]}));
        }
    }

    for (from, deps) in &sbom.dependencies {
        let from_iri = iri(from);
        let completeness = match deps.completeness {
            Completeness::Complete => "complete",
            Completeness::Incomplete => "incomplete",
            Completeness::Unknown => "noAssertion",
        };
        // Edges between distributions carry no phase; the project's carry one
        // or more.
        let mut plain: Vec<String> = Vec::new();
        let mut scoped: BTreeMap<(&'static str, bool), BTreeSet<String>> = BTreeMap::new();
        for (to, needs) in &deps.on {
            if needs.is_empty() {
                plain.push(iri(to));
            }
            for n in needs {
                scoped
                    .entry((lifecycle(n), n.optional))
                    .or_default()
                    .insert(iri(to));
            }
        }
        if !plain.is_empty() || scoped.is_empty() {
            let (to, completeness) = if plain.is_empty() {
                match deps.completeness {
                    Completeness::Complete => (vec![json!("NoneElement")], completeness),
                    _ => (vec![json!("NoAssertionElement")], completeness),
                }
            } else {
                (plain.into_iter().map(Value::String).collect(), completeness)
            };
            relationships.push(
                json!({"type": "Relationship", "spdxId": format!("{from_iri}-dependsOn"),
                "creationInfo": CREATION, "from": from_iri, "relationshipType": "dependsOn",
                "to": to, "completeness": completeness}),
            );
        }
        for ((scope, optional), to) in scoped {
            let kind = if optional {
                "hasOptionalDependency"
            } else {
                "dependsOn"
            };
            let mut r = json!({"type": "LifecycleScopedRelationship",
                "spdxId": format!("{from_iri}-{kind}-{scope}"),
                "creationInfo": CREATION, "from": from_iri, "relationshipType": kind,
                "to": to.into_iter().collect::<Vec<_>>(), "scope": scope});
            if !optional {
                if let Some(o) = r.as_object_mut() {
                    o.insert("completeness".into(), json!(completeness));
                }
            }
            relationships.push(r);
        }
    }
    for r in &relationships {
        if let Some(Value::String(id)) = r.get("spdxId") {
            members.push(id.clone());
        }
    }
    elements.extend(relationships);

    let sbom_type = match sbom.origin {
        Origin::Project | Origin::Tarball => "source",
        Origin::Installed => "deployed",
    };
    elements.push(
        json!({"type": "software_Sbom", "spdxId": sbom_id, "creationInfo": CREATION,
        "name": format!("SBOM of {}", sbom.root.name),
        "software_sbomType": [sbom_type],
        "profileConformance": ["core", "software", "simpleLicensing"],
        "rootElement": [iri(&sbom.root.id)], "element": members}),
    );
    elements.push(
        json!({"type": "SpdxDocument", "spdxId": doc_id, "creationInfo": CREATION,
        "name": format!("SBOM of {}", sbom.root.name),
        "profileConformance": ["core", "software", "simpleLicensing"],
        "rootElement": [sbom_id], "element": [sbom_id]}),
    );
    json!({"@context": CONTEXT, "@graph": elements})
}

/// The SPDX lifecycle scope of a CPAN phase.
fn lifecycle(n: &Need) -> &'static str {
    match n.phase.as_str() {
        "runtime" => "runtime",
        "configure" | "build" => "build",
        "test" => "test",
        "develop" => "development",
        _ => "other",
    }
}

fn package(c: &Component, id: &str, suppliers: &BTreeMap<String, String>) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    };
    put("type", json!("software_Package"));
    put("spdxId", json!(id));
    put("creationInfo", json!(CREATION));
    put("name", json!(c.name));
    put("software_packageVersion", json!(c.version));
    put("description", json!(c.description));
    let supplier = c.supplier.as_ref().and_then(|s| suppliers.get(s));
    put("suppliedBy", json!(supplier));
    if c.pause_id.is_some() {
        // The uploader made the release.
        put("originatedBy", json!(supplier.map(|s| [s])));
    }
    put(
        "software_primaryPurpose",
        json!(match c.kind {
            Kind::Application => "application",
            Kind::Library => "library",
            Kind::Platform => "platform",
        }),
    );
    put("software_packageUrl", json!(c.purl));
    put("software_downloadLocation", json!(c.download));
    let homepage = c.references.iter().find(|r| r.kind == RefKind::Website);
    put("software_homePage", json!(homepage.map(|r| &r.url)));
    let mut idents = Vec::new();
    if let Some(p) = &c.purl {
        idents.push(json!({"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": p}));
    }
    if let Some(cpe) = &c.cpe {
        idents.push(json!({"type": "ExternalIdentifier", "externalIdentifierType": "cpe23", "identifier": cpe}));
    }
    if !idents.is_empty() {
        put("externalIdentifier", Value::Array(idents));
    }
    let refs: Vec<Value> = c
        .references
        .iter()
        .filter_map(|r| {
            let kind = match r.kind {
                RefKind::Website => return None,
                RefKind::Vcs => "vcs",
                RefKind::IssueTracker => "issueTracker",
                RefKind::SecurityContact => "securityOther",
                RefKind::Distribution => return None,
            };
            Some(json!({"type": "ExternalRef", "externalRefType": kind, "locator": [r.url]}))
        })
        .collect();
    if !refs.is_empty() {
        put("externalRef", Value::Array(refs));
    }
    if let Some(h) = hashes(c) {
        put("verifiedUsing", h);
    }
    if !c.patches.is_empty() {
        let notes: Vec<String> = c
            .patches
            .iter()
            .map(|p| {
                format!(
                    "patched for {} with {} (sha256 {})",
                    p.cve, p.file, p.sha256
                )
            })
            .collect();
        put("comment", json!(notes.join("; ")));
    }
    Value::Object(m)
}

fn hashes(c: &Component) -> Option<Value> {
    c.hashes.as_ref().map(|h| {
        json!([
            {"type": "Hash", "algorithm": "sha256", "hashValue": h.sha256},
            {"type": "Hash", "algorithm": "sha512", "hashValue": h.sha512},
        ])
    })
}
