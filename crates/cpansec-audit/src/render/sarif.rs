//! SARIF 2.1.0 for code-scanning services: one rule per advisory, one result
//! per finding located at the manifest file and line that names the
//! dependency, with a fingerprint stable across runs and line moves
//! (`dist/advisory id/version`).

use std::collections::BTreeMap;
use std::io;

use serde_json::json;

use super::{Renderer, fix_str, severity_str};
use crate::Report;

#[derive(Clone, Copy, Debug)]
pub struct Sarif;

fn level(sev: &str) -> &'static str {
    match sev {
        "critical" | "high" | "unrated" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

fn security_severity(sev: &str) -> &'static str {
    match sev {
        "critical" => "9.5",
        "high" => "8.0",
        "medium" => "5.5",
        "low" => "2.0",
        _ => "7.0",
    }
}

impl Renderer for Sarif {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let mut rules = BTreeMap::new();
        let mut results = Vec::new();
        for f in &report.findings {
            let sev = severity_str(f.severity);
            rules.entry(f.id.as_str().to_string()).or_insert_with(|| {
                json!({
                    "id": f.id.as_str(),
                    "shortDescription": {"text": format!("{}: {}", f.dist, f.title)},
                    "helpUri": format!("https://security.metacpan.org/"),
                    "properties": {
                        "security-severity": security_severity(sev),
                        "tags": ["security", "cpan"],
                        "aliases": f.aliases.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                    }
                })
            });
            let fix = report
                .remediations
                .iter()
                .find(|r| r.dist == f.dist)
                .map(|r| fix_str(&r.fix))
                .unwrap_or_default();
            results.push(json!({
                "ruleId": f.id.as_str(),
                "level": level(sev),
                "message": {"text": format!("{} {} is affected by {} ({}); {}", f.dist, f.version, f.id, sev, fix)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.origin.file},
                    "region": {"startLine": f.origin.line.max(1)}
                }}],
                "partialFingerprints": {"cpansecFinding/v1": format!("{}/{}/{}", f.dist, f.id, f.version)}
            }));
        }
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "cpansec",
                    "informationUri": "https://github.com/cpansec/cpansec",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.into_values().collect::<Vec<_>>()
                }},
                "results": results
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
