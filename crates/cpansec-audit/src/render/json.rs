//! JSON output, schema version 1:
//!
//! ```text
//! { "schema": "cpansec-audit/1",
//!   "inputs": [file...], "dependencies": N, "problems": [text...],
//!   "findings": [{ dist, version, match_kind: exact|range, id, aliases[],
//!                  severity: low|medium|high|critical|null, title,
//!                  affected_ranges[], fixed_ranges[], admitted_releases[],
//!                  uncertain, origin: {file, line},
//!                  reached: [{direct, module, phase, feature, origin}] }],
//!   "remediations": [{ dist, version, advisories[], patches[],
//!                      fix: {kind: upgrade, to, within_requirement} | {kind: no_fixed_release} }],
//!   "ignored": [{ finding, reason }],
//!   "plan": { upgrade: [[dist, from, to]], advisories_fixed, unfixed[] } }
//! ```
//! Arrays are sorted; keys appear in the order above.
//!
//! `origin.file` is the manifest that names the dependency (`cpanfile.snapshot`,
//! `cpanfile`, a META file), an archive member (`Foo-1.0.tar.gz!/META.json`),
//! an installed module file (`--installed`, with the line of its `$VERSION`),
//! or, for perl and its core modules, the perl binary or `--perl-version`;
//! `reached[].module` then names the module the version was read from.

use std::io;

use cpansec_advisory::{Id, Severity};
use serde::Serialize;

use super::Renderer;
use crate::Report;
use crate::deps::{Origin, Reached};
use crate::scan::{Finding, Fix, Plan, Remediation};

pub const JSON_SCHEMA_VERSION: &str = "cpansec-audit/1";

#[derive(Clone, Copy, Debug)]
pub struct Json;

// The document is written straight from the report through these views,
// whose fields are declared in the byte order of their keys: the order
// `serde_json`'s maps give, which is the documented output (schema 1). No
// intermediate `serde_json::Value` tree is built.

#[derive(Serialize)]
struct Doc<'a> {
    dependencies: usize,
    findings: Vec<FindingView<'a>>,
    ignored: Vec<IgnoredView<'a>>,
    inputs: &'a [String],
    plan: PlanView,
    problems: &'a [String],
    remediations: Vec<RemediationView<'a>>,
    schema: &'static str,
}

#[derive(Serialize)]
struct FindingView<'a> {
    admitted_releases: &'a [String],
    affected_ranges: &'a [String],
    aliases: &'a [Id],
    dist: &'a str,
    fixed_ranges: &'a [String],
    id: &'a Id,
    match_kind: &'static str,
    origin: &'a Origin,
    reached: Vec<ReachedView<'a>>,
    severity: Option<Severity>,
    title: &'a str,
    uncertain: bool,
    version: &'a str,
}

impl<'a> From<&'a Finding> for FindingView<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingView {
            admitted_releases: &f.admitted_releases,
            affected_ranges: &f.affected_ranges,
            aliases: &f.aliases,
            dist: &f.dist,
            fixed_ranges: &f.fixed_ranges,
            id: &f.id,
            match_kind: f.match_kind,
            origin: &f.origin,
            reached: f.reached.iter().map(ReachedView::from).collect(),
            severity: f.severity,
            title: &f.title,
            uncertain: f.uncertain,
            version: &f.version,
        }
    }
}

#[derive(Serialize)]
struct ReachedView<'a> {
    direct: bool,
    feature: Option<&'a str>,
    module: Option<&'a str>,
    origin: Option<&'a Origin>,
    phase: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    via: &'a [String],
}

impl<'a> From<&'a Reached> for ReachedView<'a> {
    fn from(r: &'a Reached) -> Self {
        ReachedView {
            direct: r.direct,
            feature: r.feature.as_deref(),
            module: r.module.as_deref(),
            origin: r.origin.as_ref(),
            phase: r.phase.as_deref(),
            via: &r.via,
        }
    }
}

#[derive(Serialize)]
struct IgnoredView<'a> {
    finding: FindingView<'a>,
    reason: &'a str,
}

#[derive(Serialize)]
struct RemediationView<'a> {
    advisories: &'a [Id],
    dist: &'a str,
    fix: &'a Fix,
    patches: &'a [String],
    version: &'a str,
}

impl<'a> From<&'a Remediation> for RemediationView<'a> {
    fn from(r: &'a Remediation) -> Self {
        RemediationView {
            advisories: &r.advisories,
            dist: &r.dist,
            fix: &r.fix,
            patches: &r.patches,
            version: &r.version,
        }
    }
}

#[derive(Serialize)]
struct PlanView {
    advisories_fixed: usize,
    unfixed: Vec<String>,
    upgrade: Vec<(String, String, String)>,
}

impl From<Plan> for PlanView {
    fn from(p: Plan) -> Self {
        PlanView {
            advisories_fixed: p.advisories_fixed,
            unfixed: p.unfixed,
            upgrade: p.upgrade,
        }
    }
}

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let doc = Doc {
            dependencies: report.dependencies,
            findings: report.findings.iter().map(FindingView::from).collect(),
            ignored: report
                .ignored
                .iter()
                .map(|(f, reason)| IgnoredView {
                    finding: f.into(),
                    reason,
                })
                .collect(),
            inputs: &report.inputs,
            plan: report.plan().into(),
            problems: &report.problems,
            remediations: report
                .remediations
                .iter()
                .map(RemediationView::from)
                .collect(),
            schema: JSON_SCHEMA_VERSION,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
