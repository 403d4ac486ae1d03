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

use super::Renderer;
use crate::Report;

pub const JSON_SCHEMA_VERSION: &str = "cpansec-audit/1";

#[derive(Clone, Copy, Debug)]
pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let ignored: Vec<_> = report
            .ignored
            .iter()
            .map(|(f, r)| serde_json::json!({"finding": f, "reason": r}))
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("schema".into(), JSON_SCHEMA_VERSION.into());
        doc.insert("inputs".into(), serde_json::to_value(&report.inputs)?);
        doc.insert("dependencies".into(), report.dependencies.into());
        doc.insert("problems".into(), serde_json::to_value(&report.problems)?);
        doc.insert("findings".into(), serde_json::to_value(&report.findings)?);
        doc.insert(
            "remediations".into(),
            serde_json::to_value(&report.remediations)?,
        );
        doc.insert("ignored".into(), ignored.into());
        doc.insert("plan".into(), serde_json::to_value(report.plan())?);
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
