//! Markdown for pull-request comments: a summary line, one table row per
//! finding, and the plan.

use std::io;

use super::{Renderer, fix_str, plan_sentence, severity_str};
use crate::Report;

#[derive(Clone, Copy, Debug)]
pub struct Markdown;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Renderer for Markdown {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        writeln!(out, "## cpansec audit\n")?;
        if report.findings.is_empty() {
            writeln!(
                out,
                "No known vulnerabilities in {} distributions.",
                report.dependencies
            )?;
            return Ok(());
        }
        writeln!(
            out,
            "| Distribution | Version | Advisory | Severity | Source | Fix |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for f in &report.findings {
            let fix = report
                .remediations
                .iter()
                .find(|r| r.dist == f.dist)
                .map(|r| fix_str(&r.fix))
                .unwrap_or_default();
            let aliases: Vec<&str> = f.aliases.iter().map(|a| a.as_str()).collect();
            writeln!(
                out,
                "| {} | {} | {}{} | {} | `{}:{}` | {} |",
                cell(&f.dist),
                cell(&f.version),
                f.id,
                if aliases.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", aliases.join(", "))
                },
                severity_str(f.severity),
                cell(&f.origin.file),
                f.origin.line,
                cell(&fix)
            )?;
        }
        writeln!(out, "\n**Plan:** {}.", plan_sentence(report))
    }
}
