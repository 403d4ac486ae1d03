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
//! The document namespace ends in the version-5 UUID of the document's content.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::ids::spdx_idstring;
use crate::model::{Completeness, Component, ComponentId, Kind, Need, RefKind, Sbom};
use crate::{TOOL_NAME, TOOL_VERSION};

/// The SPDX element id of each component: unique, derived from name and
/// version, stable for a given SBOM.
pub(crate) fn element_ids(sbom: &Sbom, prefix: &str) -> BTreeMap<ComponentId, String> {
    let mut ids = BTreeMap::new();
    let mut used = BTreeSet::new();
    let mut assign = |c: &Component, base: String| {
        let mut id = base.clone();
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.insert(c.id.clone(), id);
    };
    let label = |c: &Component| {
        let v = c.version.as_deref().map(spdx_idstring).unwrap_or_default();
        let n = spdx_idstring(&c.name);
        let n = if n.is_empty() {
            "unnamed".to_string()
        } else {
            n
        };
        if v.is_empty() { n } else { format!("{n}-{v}") }
    };
    assign(&sbom.root, format!("{prefix}Root-{}", label(&sbom.root)));
    for c in sbom.perl.iter().chain(sbom.components.iter()) {
        assign(c, format!("{prefix}Package-{}", label(c)));
    }
    ids
}

/// The SPDX 2.3 document of `sbom`.
pub fn document(sbom: &Sbom) -> Value {
    let ids = element_ids(sbom, "SPDXRef-");
    let id = |c: &ComponentId| ids.get(c).cloned().unwrap_or_default();
    let mut license_refs: BTreeMap<String, String> = BTreeMap::new();
    let packages: Vec<Value> = sbom
        .all_components()
        .map(|c| package(c, &id(&c.id), &mut license_refs))
        .collect();

    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": id(&sbom.root.id),
    })];
    for (from, deps) in &sbom.dependencies {
        let from_id = id(from);
        for (to, needs) in &deps.on {
            let to_id = id(to);
            if needs.is_empty() {
                relationships.push(rel(&from_id, "DEPENDS_ON", &to_id));
            } else {
                // The plain edge lets graph walkers (which follow DEPENDS_ON
                // from the described package) reach it; the typed ones say
                // in which phases.
                relationships.push(rel(&from_id, "DEPENDS_ON", &to_id));
                let kinds: BTreeSet<&str> = needs.iter().map(dependency_of).collect();
                for k in kinds {
                    relationships.push(rel(&to_id, k, &from_id));
                }
            }
        }
        match deps.completeness {
            Completeness::Complete if deps.on.is_empty() => {
                relationships.push(rel(&from_id, "DEPENDS_ON", "NONE"));
            }
            Completeness::Complete => {}
            Completeness::Incomplete | Completeness::Unknown => {
                relationships.push(rel(&from_id, "DEPENDS_ON", "NOASSERTION"));
            }
        }
    }

    let name = match &sbom.root.version {
        Some(v) => format!("{}-{v}", sbom.root.name),
        None => sbom.root.name.clone(),
    };
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "creationInfo": {
            "created": sbom.created.to_string(),
            "creators": [format!("Tool: {TOOL_NAME}-{TOOL_VERSION}")],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if let Some(m) = doc.as_object_mut() {
        if !license_refs.is_empty() {
            let infos: Vec<Value> = license_refs
                .iter()
                .map(|(id, text)| json!({"licenseId": id, "name": id.trim_start_matches("LicenseRef-"), "extractedText": text}))
                .collect();
            m.insert("hasExtractedLicensingInfos".into(), Value::Array(infos));
        }
    }
    let uuid = crate::content_uuid("spdx-2.3", &doc);
    let ns = format!(
        "https://spdx.org/spdxdocs/{TOOL_NAME}-{}-{uuid}",
        spdx_idstring(&name)
    );
    if let Some(m) = doc.as_object_mut() {
        m.insert("documentNamespace".into(), Value::String(ns));
    }
    doc
}

fn rel(from: &str, kind: &str, to: &str) -> Value {
    json!({"spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to})
}

/// The `*_DEPENDENCY_OF` relationship for a phase.
fn dependency_of(n: &Need) -> &'static str {
    match (n.phase.as_str(), n.optional) {
        ("runtime", false) => "RUNTIME_DEPENDENCY_OF",
        ("runtime", true) => "OPTIONAL_DEPENDENCY_OF",
        ("test", _) => "TEST_DEPENDENCY_OF",
        ("build" | "configure", _) => "BUILD_DEPENDENCY_OF",
        ("develop", _) => "DEV_DEPENDENCY_OF",
        _ => "DEPENDENCY_OF",
    }
}

fn package(c: &Component, id: &str, license_refs: &mut BTreeMap<String, String>) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    };
    put("SPDXID", json!(id));
    put("name", json!(c.name));
    put("versionInfo", json!(c.version));
    put(
        "downloadLocation",
        json!(c.download.as_deref().unwrap_or("NOASSERTION")),
    );
    put("filesAnalyzed", json!(false));
    let supplier = match (&c.pause_id, &c.supplier, c.kind) {
        (Some(id), _, _) => format!("Person: {id}"),
        (None, Some(s), Kind::Platform) => format!("Organization: {s}"),
        (None, Some(s), _) => format!("Person: {s}"),
        (None, None, _) => "NOASSERTION".to_string(),
    };
    put("supplier", json!(supplier));
    if let Some(h) = &c.hashes {
        put(
            "checksums",
            json!([
                {"algorithm": "SHA256", "checksumValue": h.sha256},
                {"algorithm": "SHA512", "checksumValue": h.sha512},
            ]),
        );
    }
    put("licenseConcluded", json!("NOASSERTION"));
    let declared = match &c.license {
        Some(l) => {
            for token in l
                .expression
                .split(|ch: char| ch.is_whitespace() || ch == '(' || ch == ')')
            {
                if token.starts_with("LicenseRef-") {
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
                    license_refs.entry(token.to_string()).or_insert(text);
                }
            }
            l.expression.clone()
        }
        None => "NOASSERTION".to_string(),
    };
    put("licenseDeclared", json!(declared));
    put("copyrightText", json!("NOASSERTION"));
    put("description", json!(c.description));
    let homepage = c
        .references
        .iter()
        .find(|r| r.kind == RefKind::Website)
        .map(|r| r.url.clone());
    put("homepage", json!(homepage));
    put(
        "primaryPackagePurpose",
        json!(match c.kind {
            Kind::Application => "APPLICATION",
            Kind::Library => "LIBRARY",
            Kind::Platform => "APPLICATION",
        }),
    );
    let mut refs = Vec::new();
    if let Some(p) = &c.purl {
        refs.push(json!({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p}));
    }
    if let Some(cpe) = &c.cpe {
        refs.push(json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": cpe}));
    }
    if !refs.is_empty() {
        put("externalRefs", Value::Array(refs));
    }
    let mut notes: Vec<String> = Vec::new();
    if let Some(s) = c.scope {
        notes.push(format!("scope: {s:?}").to_lowercase());
    }
    for p in &c.patches {
        notes.push(format!(
            "patched for {} with {} (sha256 {})",
            p.cve, p.file, p.sha256
        ));
    }
    if !notes.is_empty() {
        put("comment", json!(notes.join("; ")));
    }
    Value::Object(m)
}
