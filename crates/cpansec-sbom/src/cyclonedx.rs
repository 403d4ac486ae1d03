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
//! The serial number is the version-5 UUID of the document's content, so it
//! changes exactly when the content (or the creation time) does.

use serde_json::{Map, Value, json};

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
}

/// The CycloneDX document of `sbom`.
pub fn document(sbom: &Sbom, version: Version) -> Value {
    let v = version.as_str();
    let phase = match sbom.origin {
        Origin::Project | Origin::Tarball => "pre-build",
        Origin::Installed => "post-build",
    };
    let tool = json!({
        "type": "application",
        "name": TOOL_NAME,
        "version": TOOL_VERSION,
        "externalReferences": [{"type": "vcs", "url": TOOL_URL}],
    });
    let mut metadata = json!({
        "timestamp": sbom.created.to_string(),
        "lifecycles": [{"phase": phase}],
        "tools": {"components": [tool]},
        "component": component(&sbom.root, version),
    });
    if let Some(m) = metadata.as_object_mut() {
        m.retain(|_, v| !v.is_null());
    }
    let components: Vec<Value> = sbom
        .perl
        .iter()
        .chain(sbom.components.iter())
        .map(|c| component(c, version))
        .collect();
    let mut dependencies = Vec::new();
    let mut groups: [(Completeness, &str, Vec<&str>); 3] = [
        (Completeness::Complete, "complete", Vec::new()),
        (Completeness::Incomplete, "incomplete", Vec::new()),
        (Completeness::Unknown, "unknown", Vec::new()),
    ];
    for (id, deps) in &sbom.dependencies {
        if deps.completeness != Completeness::Unknown || !deps.on.is_empty() {
            let on: Vec<&str> = deps.on.keys().map(|k| k.as_str()).collect();
            dependencies.push(json!({"ref": id.as_str(), "dependsOn": on}));
        }
        if let Some(g) = groups.iter_mut().find(|g| g.0 == deps.completeness) {
            g.2.push(id.as_str());
        }
    }
    let compositions: Vec<Value> = groups
        .iter()
        .filter(|g| !g.2.is_empty())
        .map(|(_, aggregate, refs)| json!({"aggregate": aggregate, "dependencies": refs}))
        .collect();
    let mut doc = json!({
        "$schema": format!("http://cyclonedx.org/schema/bom-{v}.schema.json"),
        "bomFormat": "CycloneDX",
        "specVersion": v,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
        "compositions": compositions,
    });
    let uuid = crate::content_uuid(&format!("cyclonedx-{v}"), &doc);
    if let Some(m) = doc.as_object_mut() {
        m.insert(
            "serialNumber".to_string(),
            Value::String(format!("urn:uuid:{uuid}")),
        );
    }
    doc
}

fn component(c: &Component, version: Version) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    };
    put(
        "type",
        json!(match c.kind {
            Kind::Application => "application",
            Kind::Library => "library",
            Kind::Platform => "platform",
        }),
    );
    put("bom-ref", json!(c.id.as_str()));
    match (&c.pause_id, &c.supplier) {
        (Some(id), _) => put(
            "supplier",
            json!({"name": id, "url": [format!("https://metacpan.org/author/{id}")]}),
        ),
        (None, Some(name)) => put("supplier", json!({"name": name})),
        (None, None) => {}
    }
    if !c.authors.is_empty() {
        match version {
            Version::V1_6 => put(
                "authors",
                Value::Array(c.authors.iter().map(|a| contact(a)).collect()),
            ),
            Version::V1_5 => put("author", json!(c.authors.join(", "))),
        }
    }
    put("name", json!(c.name));
    put("version", json!(c.version));
    put("description", json!(c.description));
    put(
        "scope",
        json!(c.scope.map(|s| match s {
            Scope::Required => "required",
            Scope::Optional => "optional",
            Scope::Excluded => "excluded",
        })),
    );
    let hashes = c.hashes.as_ref().map(|h| {
        json!([
            {"alg": "SHA-256", "content": h.sha256},
            {"alg": "SHA-512", "content": h.sha512},
        ])
    });
    put("hashes", json!(hashes));
    if let Some(l) = &c.license {
        put("licenses", json!([{"expression": l.expression}]));
    }
    put("cpe", json!(c.cpe));
    put("purl", json!(c.purl));
    let refs: Vec<Value> = c
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
            let mut v = json!({"type": kind, "url": r.url});
            if let (RefKind::Distribution, Some(h), Some(o)) = (r.kind, &hashes, v.as_object_mut())
            {
                o.insert("hashes".to_string(), h.clone());
            }
            v
        })
        .collect();
    if !refs.is_empty() {
        put("externalReferences", Value::Array(refs));
    }
    let mut props: Vec<Value> = c
        .needs
        .iter()
        .map(|n| {
            let value = if n.optional {
                format!("{} (optional)", n.phase)
            } else {
                n.phase.clone()
            };
            json!({"name": "cpansec:phase", "value": value})
        })
        .collect();
    if let Some(p) = &c.pathname {
        props.push(json!({"name": "cpansec:pathname", "value": p}));
    }
    for p in &c.patches {
        props.push(
            json!({"name": "cpansec:patch", "value": format!("{} sha256:{}", p.file, p.sha256)}),
        );
    }
    if !props.is_empty() {
        put("properties", Value::Array(props));
    }
    if !c.patches.is_empty() {
        let patches: Vec<Value> = c
            .patches
            .iter()
            .map(|p| {
                json!({
                    "type": "unofficial",
                    "resolves": [{
                        "type": "security",
                        "id": p.cve,
                        "source": {"name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{}", p.cve)},
                    }],
                })
            })
            .collect();
        put("pedigree", json!({"patches": patches}));
    }
    Value::Object(m)
}

/// `Name <mail@host>` as an organizational contact; the whole string as the
/// name when it has no plausible address.
fn contact(author: &str) -> Value {
    if let Some((name, rest)) = author.rsplit_once('<') {
        if let Some(mail) = rest.strip_suffix('>').map(str::trim) {
            let plausible = mail.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !mail.contains(char::is_whitespace)
            });
            let name = name.trim();
            if plausible && !name.is_empty() {
                return json!({"name": name, "email": mail});
            }
        }
    }
    json!({"name": author.trim()})
}

#[cfg(test)]
mod tests {
    use super::*;

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
