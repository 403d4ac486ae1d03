//! `cpansec patch ...`: list, show and apply the security team's patches.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use cpansec_meta::{DistPath, Meta, Tarball, TarballLimits};
use cpansec_patch::{Entry, Outcome, Plan, Registry, Status, Tree};
use serde_json::json;

use crate::cli::{Format, PatchArgs, PatchCommand};
use crate::exit::UsageError;

pub fn run(args: PatchArgs) -> anyhow::Result<u8> {
    let root = args.registry.ok_or_else(|| {
        UsageError("no patch registry: give --registry DIR or set CPANSEC_PATCHES".into())
    })?;
    let registry = Registry::load(&root)?;
    let mut out = BufWriter::new(io::stdout().lock());
    match args.command {
        PatchCommand::List {
            dist,
            version,
            all,
            format,
        } => {
            let entries: Vec<&Entry> = registry
                .entries()
                .iter()
                .filter(|e| all || !e.superseded)
                .filter(|e| dist.as_ref().is_none_or(|d| &e.dist == d))
                .filter(|e| {
                    version
                        .as_ref()
                        .is_none_or(|v| dist.as_ref().is_some_and(|d| e.is_for(d, v)))
                })
                .collect();
            list(&mut out, &entries, format)?;
        }
        PatchCommand::Show { cve, format } => {
            let entries: Vec<&Entry> = registry.by_cve(&cve).collect();
            if entries.is_empty() {
                anyhow::bail!("no patch for {cve} in {}", root.display());
            }
            show(&mut out, &entries, format)?;
        }
        PatchCommand::Apply {
            target,
            out: unpack_dir,
            dry_run,
            dist,
            release,
            format,
        } => {
            let outcome = apply(&registry, &target, unpack_dir, dry_run, dist.zip(release))?;
            report(&mut out, &outcome, dry_run, format)?;
        }
    }
    out.flush()?;
    Ok(crate::exit::OK)
}

/// What an apply did: the release, the tree, and each patch's outcome.
struct Applied {
    dist: String,
    version: String,
    tree: PathBuf,
    outcomes: Vec<Outcome>,
    changed: Vec<String>,
}

fn apply(
    registry: &Registry,
    target: &Path,
    unpack_dir: Option<PathBuf>,
    dry_run: bool,
    release: Option<(String, String)>,
) -> anyhow::Result<Applied> {
    if target.is_dir() {
        if unpack_dir.is_some() {
            return Err(UsageError(format!(
                "{} is a directory: --out is for archives",
                target.display()
            ))
            .into());
        }
        let (dist, version) = match release {
            Some(r) => r,
            None => release_of_tree(target)?,
        };
        return apply_to_tree(registry, target, dist, version, dry_run);
    }
    let out = unpack_dir.ok_or_else(|| {
        UsageError(format!(
            "{} is an archive: give --out DIR to unpack it into",
            target.display()
        ))
    })?;
    let tarball = Tarball::open(target, &TarballLimits::default())?;
    let (dist, version) = match release {
        Some(r) => r,
        None => release_of_archive(&tarball, target)?,
    };
    if dry_run {
        anyhow::bail!(
            "--dry-run needs an unpacked tree; unpack first (without --dry-run) or give a directory"
        );
    }
    tarball.unpack_to(&out)?;
    // All or nothing for the archive too: a failed patch leaves no tree behind.
    apply_to_tree(registry, &out, dist, version, false).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&out);
    })
}

fn apply_to_tree(
    registry: &Registry,
    dir: &Path,
    dist: String,
    version: String,
    dry_run: bool,
) -> anyhow::Result<Applied> {
    let patches: Vec<&Entry> = registry.for_release(&dist, &version).collect();
    let tree = Tree::new(dir)?;
    let plan = Plan::new(&tree, &patches)?;
    let changed = plan.changed_files().map(str::to_string).collect();
    let outcomes = if dry_run {
        plan.outcomes().to_vec()
    } else {
        plan.commit()?
    };
    Ok(Applied {
        dist,
        version,
        tree: dir.to_path_buf(),
        outcomes,
        changed,
    })
}

/// The release an unpacked distribution is, from its META (MYMETA too).
fn release_of_tree(dir: &Path) -> anyhow::Result<(String, String)> {
    for name in ["META.json", "META.yml", "MYMETA.json", "MYMETA.yml"] {
        let path = dir.join(name);
        if path.is_file() {
            let meta = Meta::read(&path)?;
            return Ok((meta.name, meta.version.raw));
        }
    }
    Err(UsageError(format!(
        "{} has no META.json or META.yml: give --dist NAME --release VERSION",
        dir.display()
    ))
    .into())
}

/// The release an archive is: its META, else its file name as CPAN reads it.
fn release_of_archive(tarball: &Tarball, path: &Path) -> anyhow::Result<(String, String)> {
    if let Some((name, bytes)) = tarball.meta_bytes() {
        let meta = Meta::parse_bytes(bytes, None)
            .with_context(|| format!("{} in {}", name, path.display()))?;
        return Ok((meta.name, meta.version.raw));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let info = DistPath::parse(&file_name);
    match (info.dist(), info.version()) {
        (Some(dist), Some(version)) => Ok((dist.to_string(), version.to_string())),
        _ => Err(UsageError(format!(
            "{} has no META and its name names no release: give --dist NAME --release VERSION",
            path.display()
        ))
        .into()),
    }
}

fn list(out: &mut impl Write, entries: &[&Entry], format: Format) -> io::Result<()> {
    match format {
        Format::Text => {
            for e in entries {
                let note = match (&e.patch, e.superseded) {
                    (Err(err), _) => format!("  (unusable: {err})"),
                    (Ok(_), true) => "  (superseded)".to_string(),
                    (Ok(p), false) => p
                        .subject
                        .as_deref()
                        .map(|s| format!("  {s}"))
                        .unwrap_or_default(),
                };
                writeln!(out, "{}\t{}\t{}{}", e.dist, e.version, e.name, note)?;
            }
            Ok(())
        }
        Format::Json => {
            let docs: Vec<_> = entries.iter().map(|e| entry_json(e)).collect();
            writeln!(out, "{:#}", json!(docs))
        }
    }
}

fn show(out: &mut impl Write, entries: &[&Entry], format: Format) -> io::Result<()> {
    match format {
        Format::Text => {
            for e in entries {
                writeln!(
                    out,
                    "{} for {} {}{}",
                    e.name,
                    e.dist,
                    e.version,
                    if e.superseded { " (superseded)" } else { "" }
                )?;
                writeln!(out, "  file: {}", e.path.display())?;
                match &e.patch {
                    Ok(p) => {
                        if let Some(s) = &p.subject {
                            writeln!(out, "  subject: {s}")?;
                        }
                        if let Some(f) = &p.from {
                            writeln!(out, "  author: {f}")?;
                        }
                        for f in &p.files {
                            writeln!(out, "  changes: {} ({} hunks)", f.path(), f.hunks.len())?;
                        }
                    }
                    Err(err) => writeln!(out, "  unusable: {err}")?,
                }
            }
            Ok(())
        }
        Format::Json => {
            let docs: Vec<_> = entries.iter().map(|e| entry_json(e)).collect();
            writeln!(out, "{:#}", json!(docs))
        }
    }
}

fn entry_json(e: &Entry) -> serde_json::Value {
    let (files, error) = match &e.patch {
        Ok(p) => (p.files.iter().map(|f| f.path().to_string()).collect(), None),
        Err(err) => (Vec::new(), Some(err.to_string())),
    };
    json!({
        "cve": e.name.cve,
        "revision": e.name.revision,
        "dist": e.dist,
        "version": e.version,
        "file": e.path.display().to_string(),
        "superseded": e.superseded,
        "subject": e.patch.as_ref().ok().and_then(|p| p.subject.clone()),
        "files": files,
        "error": error,
    })
}

fn report(
    out: &mut impl Write,
    applied: &Applied,
    dry_run: bool,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Text => {
            if applied.outcomes.is_empty() {
                return writeln!(out, "no patches for {} {}", applied.dist, applied.version);
            }
            let verb = if dry_run { "would apply" } else { "applied" };
            for o in &applied.outcomes {
                match o.status {
                    Status::Applied => writeln!(
                        out,
                        "{verb} {} to {} {} ({})",
                        o.id,
                        applied.dist,
                        applied.version,
                        o.files.join(", ")
                    )?,
                    Status::AlreadyApplied => writeln!(
                        out,
                        "already applied: {} ({} {})",
                        o.id, applied.dist, applied.version
                    )?,
                }
                for offset in &o.offsets {
                    writeln!(
                        out,
                        "  hunk #{} of {} found at offset {:+} lines",
                        offset.hunk, offset.file, offset.lines
                    )?;
                }
            }
            if dry_run && !applied.changed.is_empty() {
                writeln!(out, "would change: {}", applied.changed.join(", "))?;
            }
            Ok(())
        }
        Format::Json => {
            let outcomes: Vec<_> = applied
                .outcomes
                .iter()
                .map(|o| {
                    json!({
                        "patch": o.id,
                        "status": match o.status { Status::Applied => "applied", Status::AlreadyApplied => "already-applied" },
                        "files": o.files,
                        "offsets": o.offsets.iter().map(|x| json!({"file": x.file, "hunk": x.hunk, "lines": x.lines})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let doc = json!({
                "dist": applied.dist,
                "version": applied.version,
                "tree": applied.tree.display().to_string(),
                "dry_run": dry_run,
                "changed": applied.changed,
                "patches": outcomes,
            });
            writeln!(out, "{doc:#}")
        }
    }
}
