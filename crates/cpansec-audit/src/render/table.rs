//! The human-readable table, grouped by distribution: each vulnerable
//! distribution with its version, source line and fix, then its advisories
//! by severity. Colour only when asked (the caller honours `NO_COLOR` and
//! TTY detection).

use std::io;

use super::{Renderer, fix_str, plan_sentence, severity_str};
use crate::Report;

#[derive(Clone, Copy, Debug)]
pub struct Table {
    pub color: bool,
}

impl Table {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Renderer for Table {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        for p in &report.problems {
            writeln!(out, "warning: {p}")?;
        }
        if report.findings.is_empty() {
            writeln!(
                out,
                "No known vulnerabilities in {} distributions.",
                report.dependencies
            )?;
            return Ok(());
        }
        for r in &report.remediations {
            let fs: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.dist == r.dist)
                .collect();
            let Some(first) = fs.first() else { continue };
            let place = match first.origin.line {
                0 => first.origin.file.clone(),
                n => format!("{}:{n}", first.origin.file),
            };
            writeln!(out, "{} {}  ({place})", self.paint("1", &r.dist), r.version)?;
            let mut sorted = fs.clone();
            sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
            for f in sorted {
                let sev = severity_str(f.severity);
                let code = match sev {
                    "critical" | "high" => "31",
                    "medium" => "33",
                    _ => "36",
                };
                let aliases: Vec<&str> = f.aliases.iter().map(|a| a.as_str()).collect();
                writeln!(
                    out,
                    "  {:<9} {}{}{}",
                    self.paint(code, sev),
                    f.id,
                    if aliases.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", aliases.join(", "))
                    },
                    if f.uncertain {
                        " [range unparseable]"
                    } else {
                        ""
                    }
                )?;
                if !f.title.is_empty() {
                    writeln!(out, "            {}", f.title)?;
                }
                if !f.admitted_releases.is_empty() {
                    writeln!(
                        out,
                        "            admits affected releases: {}",
                        f.admitted_releases.join(", ")
                    )?;
                }
            }
            writeln!(out, "  fix: {}", fix_str(&r.fix))?;
            if !r.patches.is_empty() {
                writeln!(out, "  patches: {}", r.patches.join(", "))?;
            }
        }
        writeln!(
            out,
            "\n{} finding{} in {} of {} distributions. Plan: {}.",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" },
            report.remediations.len(),
            report.dependencies,
            plan_sentence(report)
        )
    }
}
