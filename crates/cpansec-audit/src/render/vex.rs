//! CycloneDX 1.6 VEX: the report's findings as a BOM whose `vulnerabilities`
//! refer to the components of the project's SBOM by their `bom-ref`.
//!
//! One vulnerability per finding (advisory, distribution, version):
//!
//! | report | CycloneDX |
//! |---|---|
//! | advisory id | `id`, `source` (CPANSA, NVD or GitHub by the id's scheme) |
//! | aliases | `references[]` (`id`, `source`) |
//! | severity | `ratings[].severity` (`method: other`; none when unrated) |
//! | title | `description` |
//! | component | `affects[].ref` = the SBOM's `bom-ref` (the purl without author when the SBOM has no such component), `versions[]` the pinned version or the admitted releases |
//! | certain finding | `analysis.state: exploitable` |
//! | range that does not parse | `analysis.state: in_triage` |
//! | ignored by policy | `exploitable`, `response: [will_not_fix]`, `detail` = the reason |
//! | fix advice | `recommendation` (and `response: [update]` when there is an upgrade) |
//!
//! When the SBOM's serial number is known, the document names it in an
//! `externalReferences` entry of type `bom` (a BOM-Link,
//! `urn:cdx:<uuid>/1`). The serial number of the VEX itself is the
//! version-5 UUID of its content, so the same report and time give the same
//! bytes.

use std::collections::BTreeMap;
use std::io;

use cpansec_advisory::{Id, IdKind};
use serde::Serialize;

use super::{Renderer, fix_str, severity_str};
use crate::{Finding, Fix, Report};

/// The VEX renderer: the SBOM's component ids, the creation time and the
/// SBOM's serial number.
#[derive(Clone, Debug, Default)]
pub struct CycloneDxVex {
    /// (distribution, version) -> bom-ref.
    pub refs: BTreeMap<(String, String), String>,
    /// RFC 3339 UTC creation time.
    pub timestamp: String,
    /// The SBOM's `serialNumber` (`urn:uuid:...`), when known.
    pub sbom_serial: Option<String>,
}

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber", skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    version: u32,
    metadata: Metadata<'a>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExtRef>,
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: &'a str,
    tools: Tools,
}

#[derive(Serialize)]
struct Tools {
    components: [Tool; 1],
}

#[derive(Serialize)]
struct Tool {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ExtRef {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct Rating {
    severity: &'static str,
    method: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: &'a str,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    recommendation: String,
    analysis: Analysis,
    affects: [Affects; 1],
}

#[derive(Serialize)]
struct Analysis {
    state: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    response: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// Where an id is published.
fn source(id: &Id) -> Source {
    let s = id.as_str();
    match id.kind() {
        IdKind::Cve => Source {
            name: "NVD",
            url: format!("https://nvd.nist.gov/vuln/detail/{s}"),
        },
        IdKind::Ghsa => Source {
            name: "GitHub",
            url: format!("https://github.com/advisories/{s}"),
        },
        IdKind::Cpansa => Source {
            name: "CPANSA",
            url: "https://github.com/briandfoy/cpan-security-advisory".to_string(),
        },
    }
}

impl CycloneDxVex {
    fn vulnerability<'r>(
        &self,
        report: &Report,
        f: &'r Finding,
        ignored: Option<&str>,
    ) -> Vulnerability<'r> {
        let reference = self
            .refs
            .get(&(f.dist.clone(), f.version.clone()))
            .cloned()
            .unwrap_or_else(|| format!("pkg:cpan/{}", f.dist));
        let versions: Vec<AffectedVersion> = if f.admitted_releases.is_empty() {
            vec![AffectedVersion {
                version: f.version.clone(),
                status: "affected",
            }]
        } else {
            f.admitted_releases
                .iter()
                .map(|v| AffectedVersion {
                    version: v.clone(),
                    status: "affected",
                })
                .collect()
        };
        let fix = report
            .remediations
            .iter()
            .find(|r| r.dist == f.dist && r.version == f.version)
            .map(|r| &r.fix);
        let recommendation = match fix {
            Some(fix) => format!("{} {}: {}", f.dist, f.version, fix_str(fix)),
            None => format!("{} {}: no advice (ignored by policy)", f.dist, f.version),
        };
        let mut response = Vec::new();
        if ignored.is_some() {
            response.push("will_not_fix");
        } else if matches!(fix, Some(Fix::Upgrade { .. })) {
            response.push("update");
        }
        let state = if f.uncertain && ignored.is_none() {
            "in_triage"
        } else {
            "exploitable"
        };
        let detail = match ignored {
            Some(reason) => Some(format!("ignored by policy: {reason}")),
            None if f.uncertain => Some(
                "an affected range of the advisory does not parse: the version may or may not be affected"
                    .to_string(),
            ),
            None => None,
        };
        let severity = severity_str(f.severity);
        Vulnerability {
            bom_ref: format!("{}:{}", f.id, reference),
            id: f.id.as_str(),
            source: source(&f.id),
            references: f
                .aliases
                .iter()
                .filter(|a| **a != f.id)
                .map(|a| Reference {
                    id: a.as_str().to_string(),
                    source: source(a),
                })
                .collect(),
            ratings: if f.severity.is_some() {
                vec![Rating {
                    severity,
                    method: "other",
                }]
            } else {
                Vec::new()
            },
            description: &f.title,
            recommendation,
            analysis: Analysis {
                state,
                response,
                detail,
            },
            affects: [Affects {
                reference,
                versions,
            }],
        }
    }

    /// The document, without its serial number.
    fn document<'r>(&'r self, report: &'r Report) -> Doc<'r> {
        let mut vulnerabilities: Vec<Vulnerability<'r>> = report
            .findings
            .iter()
            .map(|f| self.vulnerability(report, f, None))
            .collect();
        vulnerabilities.extend(
            report
                .ignored
                .iter()
                .map(|(f, reason)| self.vulnerability(report, f, Some(reason))),
        );
        // bom-refs must be unique: the same finding twice (an ignored one
        // also reported) keeps the first.
        let mut seen = std::collections::BTreeSet::new();
        vulnerabilities.retain(|v| seen.insert(v.bom_ref.clone()));
        let external_references = self
            .sbom_serial
            .as_deref()
            .and_then(|s| s.strip_prefix("urn:uuid:"))
            .map(|uuid| ExtRef {
                kind: "bom",
                url: format!("urn:cdx:{uuid}/1"),
            })
            .into_iter()
            .collect();
        Doc {
            schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
            bom_format: "CycloneDX",
            spec_version: "1.6",
            serial_number: None,
            version: 1,
            metadata: Metadata {
                timestamp: &self.timestamp,
                tools: Tools {
                    components: [Tool {
                        kind: "application",
                        name: "cpansec",
                        version: env!("CARGO_PKG_VERSION"),
                    }],
                },
            },
            external_references,
            vulnerabilities,
        }
    }
}

impl Renderer for CycloneDxVex {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let mut doc = self.document(report);
        let mut content = b"cyclonedx-vex-1.6\0".to_vec();
        serde_json::to_writer(&mut content, &doc)?;
        doc.serial_number = Some(format!("urn:uuid:{}", cpansec_sbom::uuid_v5(&content)));
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
