//! Renderers: one module per output format, all behind [`Renderer`], all
//! writing to any `io::Write`. Output is deterministic: the report is
//! already sorted.

use std::io;

use crate::Report;

mod json;
mod markdown;
mod sarif;
mod table;
mod vex;

pub use json::{JSON_SCHEMA_VERSION, Json};
pub use markdown::Markdown;
pub use sarif::Sarif;
pub use table::Table;
pub use vex::CycloneDxVex;

/// Writes a report in one format.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()>;
}

/// The formats `cpansec audit --format` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table { color: bool },
    Json,
    Sarif,
    Markdown,
}

impl Format {
    pub fn renderer(self) -> Box<dyn Renderer> {
        match self {
            Format::Table { color } => Box::new(Table { color }),
            Format::Json => Box::new(Json),
            Format::Sarif => Box::new(Sarif),
            Format::Markdown => Box::new(Markdown),
        }
    }
}

pub(crate) fn severity_str(s: Option<cpansec_advisory::Severity>) -> &'static str {
    use cpansec_advisory::Severity::*;
    match s {
        Some(Critical) => "critical",
        Some(High) => "high",
        Some(Medium) => "medium",
        Some(Low) => "low",
        None => "unrated",
    }
}

pub(crate) fn fix_str(f: &crate::Fix) -> String {
    match f {
        crate::Fix::Upgrade {
            to,
            within_requirement: true,
        } => format!("upgrade to {to}"),
        crate::Fix::Upgrade {
            to,
            within_requirement: false,
        } => {
            format!("upgrade to {to} (outside the project's requirement)")
        }
        crate::Fix::NoFixedRelease => "no fixed release".to_string(),
    }
}

pub(crate) fn plan_sentence(report: &Report) -> String {
    let p = report.plan();
    let mut s = if p.upgrade.is_empty() {
        String::new()
    } else {
        format!(
            "upgrade {} distribution{} to fix {} advisor{}",
            p.upgrade.len(),
            if p.upgrade.len() == 1 { "" } else { "s" },
            p.advisories_fixed,
            if p.advisories_fixed == 1 { "y" } else { "ies" }
        )
    };
    if !p.unfixed.is_empty() {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(&format!("no fixed release for {}", p.unfixed.join(", ")));
    }
    s
}
