//! `cpansec cve`: the CNA's YAML to a CVE 5.1 record, its lint, its
//! announcement, and drafts for advisories without a CVE.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use cpansec_advisory::Id;
use cpansec_advisory::cna::{self, BuildOptions, Level};

use crate::cli::{CveArgs, CveCommand, Format, PublishedArgs};
use crate::exit::UsageError;

pub fn run(args: CveArgs) -> anyhow::Result<u8> {
    match args.command {
        CveCommand::Build {
            file,
            published,
            output,
        } => {
            let record = build(&file, &published)?;
            write_json(&record, output.as_deref())?;
            Ok(crate::exit::OK)
        }
        CveCommand::Check { file, format } => check(&file, format),
        CveCommand::Announce { file, published } => {
            let record = build(&file, &published)?;
            let mut out = std::io::stdout().lock();
            out.write_all(cna::announcement(&record).as_bytes())?;
            out.flush()?;
            Ok(crate::exit::OK)
        }
        CveCommand::Draft { id, output } => {
            let id: Id = id.parse().map_err(|e| UsageError(format!("{e}")))?;
            let (db, _) = super::db::open(args.db.as_deref())?;
            let advisory = db
                .advisory(&id)
                .with_context(|| format!("no advisory {id} in {}", db.source()))?;
            let (record, todo) = cna::draft_record(advisory, &db, &BuildOptions::default());
            for t in &todo {
                eprintln!("todo: {t}");
            }
            write_json(&record, output.as_deref())?;
            Ok(crate::exit::OK)
        }
    }
}

/// The published record to reconcile with: the one named, else one for the
/// same CVE found next to the YAML (unless `--no-published`).
fn published_path(file: &Path, p: &PublishedArgs) -> Option<PathBuf> {
    if p.no_published {
        return None;
    }
    if p.published.is_some() {
        return p.published.clone();
    }
    let stem = file.file_stem()?.to_str()?;
    let dir = file.parent().unwrap_or(Path::new(""));
    [format!("{stem}.source.json"), format!("{stem}.json")]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn build(file: &Path, p: &PublishedArgs) -> anyhow::Result<serde_json::Value> {
    let text = cna::read_text(file)?;
    let doc = cna::parse(&text).map_err(|e| match e {
        cna::CnaError::Invalid(problems) => anyhow::anyhow!(
            "{}: not a valid CNA document:\n{}",
            file.display(),
            problems
                .iter()
                .map(|p| format!("  {}:{p}", file.display()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        e => anyhow::anyhow!("{}:{e}", file.display()),
    })?;
    let mut record = cna::build_record(&doc, &BuildOptions::default());
    if let Some(path) = published_path(file, p) {
        if p.published.is_none() {
            eprintln!(
                "note: updating the published record {} found next to the YAML \
                 (--no-published builds from the YAML alone)",
                path.display()
            );
        }
        let text = cna::read_text(&path)?;
        let published: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
        let kept =
            cna::reconcile(&mut record, &published).with_context(|| path.display().to_string())?;
        for k in kept {
            eprintln!(
                "note: {} kept from {}: {}",
                k.field,
                path.display(),
                k.reason
            );
        }
    }
    Ok(record)
}

fn write_json(v: &serde_json::Value, output: Option<&Path>) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(v)?;
    text.push('\n');
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| path.display().to_string())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}

fn check(file: &Path, format: Format) -> anyhow::Result<u8> {
    let text = cna::read_text(file)?;
    let problems = cna::check(&text);
    let errors = problems.iter().filter(|p| p.level == Level::Error).count();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Text => {
            for p in &problems {
                writeln!(out, "{}:{p}", file.display())?;
            }
            writeln!(
                out,
                "{}: {errors} error(s), {} warning(s)",
                file.display(),
                problems.len() - errors
            )?;
        }
        Format::Json => {
            let doc = serde_json::json!({
                "file": file.display().to_string(),
                "errors": errors,
                "problems": problems,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    out.flush()?;
    Ok(crate::exit::findings(errors > 0))
}
