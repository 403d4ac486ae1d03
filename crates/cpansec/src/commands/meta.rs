//! `cpansec meta show FILE`: how cpansec reads a metadata file, as JSON — the
//! same reading `audit` and `sbom` build on, so a surprising finding can be
//! traced to its input.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use cpansec_meta::{
    ArchiveEntryKind, Checksums, Cpanfile, DistPath, Meta, Packages, Purl, Snapshot, Tarball,
    TarballLimits,
};
use serde_json::{Value, json};

use crate::cli::{MetaCommand, MetaKind};
use crate::exit::UsageError;

pub fn run(cmd: MetaCommand) -> anyhow::Result<u8> {
    let doc = match cmd {
        MetaCommand::Show {
            path,
            kind,
            allow_perl,
        } => show(&path, kind, allow_perl)?,
        MetaCommand::Distpath { paths } => {
            Value::Array(paths.iter().map(|p| distpath(p)).collect())
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "{doc:#}")?;
    out.flush()?;
    Ok(crate::exit::OK)
}

/// The kind of file, from its name as the Perl tools name them.
fn detect(path: &Path) -> anyhow::Result<MetaKind> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let kind = if name.ends_with("cpanfile.snapshot") {
        MetaKind::Snapshot
    } else if name == "cpanfile" || name.ends_with(".cpanfile") {
        MetaKind::Cpanfile
    } else if name.contains("meta.json") || name.contains("meta.yml") {
        MetaKind::Meta
    } else if name.contains("packages.details") {
        MetaKind::Packages
    } else if name == "checksums" || name.ends_with("checksums") {
        MetaKind::Checksums
    } else if [".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".zip"]
        .iter()
        .any(|ext| name.ends_with(ext))
    {
        MetaKind::Tarball
    } else {
        return Err(UsageError(format!(
            "{}: cannot tell what kind of file this is from its name; give --kind",
            path.display()
        ))
        .into());
    };
    Ok(kind)
}

fn show(path: &Path, kind: MetaKind, allow_perl: bool) -> anyhow::Result<Value> {
    Ok(match kind {
        MetaKind::Meta => {
            let meta = Meta::read(path)?;
            json!({ "kind": "meta", "meta": meta.to_v2_json(), "license_spdx": meta.license_spdx })
        }
        MetaKind::Cpanfile => cpanfile(path, allow_perl)?,
        MetaKind::Snapshot => snapshot(&Snapshot::read(path)?),
        MetaKind::Packages => packages(&Packages::read(path)?),
        MetaKind::Checksums => {
            let checksums = Checksums::read(path)?;
            json!({
                "kind": "checksums",
                "signed": checksums.signature.is_some(),
                "entries": checksums.entries_json(),
            })
        }
        MetaKind::Tarball => tarball(path)?,
        // `detect` never answers `Auto`.
        MetaKind::Auto => return show(path, detect(path)?, allow_perl),
    })
}

fn cpanfile(path: &Path, allow_perl: bool) -> anyhow::Result<Value> {
    let (cpanfile, evaluated) = if allow_perl {
        let outcome = Cpanfile::read_or_eval(path)?;
        if let Some(err) = &outcome.static_error {
            eprintln!(
                "warning: {}: read by running it with perl (Module::CPANfile): {err}",
                path.display()
            );
        }
        let evaluated = outcome.static_error.is_some();
        (outcome.cpanfile, evaluated)
    } else {
        (Cpanfile::read(path)?, false)
    };
    let mut requirements = Vec::new();
    for (phase, relation, module, prereq) in cpanfile.prereqs.iter() {
        requirements.push(json!({
            "phase": phase.as_str(),
            "relation": relation.as_str(),
            "module": module,
            "requirement": prereq.requirement,
            "line": prereq.location.map(|l| l.line),
            "column": prereq.location.map(|l| l.column),
        }));
    }
    Ok(json!({
        "kind": "cpanfile",
        "evaluated_by_perl": evaluated,
        "requirements": requirements,
        "module_cpanfile": cpanfile.to_meta_json()?,
    }))
}

fn snapshot(snapshot: &Snapshot<'_>) -> Value {
    let dists: Vec<Value> = snapshot
        .distributions
        .iter()
        .map(|d| {
            let path = DistPath::parse(&d.pathname);
            json!({
                "name": d.name,
                "line": d.line,
                "pathname": d.pathname,
                "dist": path.dist(),
                "version": path.version(),
                "author": path.cpanid(),
                "purl": purl_of(&path),
                "provides": d.provides,
                "requirements": d.requirements,
            })
        })
        .collect();
    json!({ "kind": "snapshot", "distributions": dists })
}

fn packages(packages: &Packages) -> Value {
    let header: serde_json::Map<String, Value> = packages
        .header()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    let rows: Vec<Value> = packages
        .iter()
        .map(|p| json!({ "module": p.module, "version": p.version, "path": p.path }))
        .collect();
    json!({
        "kind": "packages",
        "header": header,
        "line_count_matches": packages.check_line_count().is_ok(),
        "packages": rows,
    })
}

fn tarball(path: &Path) -> anyhow::Result<Value> {
    let tarball = Tarball::open(path, &TarballLimits::default())?;
    let entries: Vec<Value> = tarball
        .entries()
        .iter()
        .map(|e| {
            json!({
                "path": e.path,
                "kind": match e.kind {
                    ArchiveEntryKind::File => "file",
                    ArchiveEntryKind::Directory => "directory",
                    ArchiveEntryKind::Symlink => "symlink",
                    ArchiveEntryKind::Hardlink => "hardlink",
                },
                "size": e.size,
                "mode": format!("{:04o}", e.mode),
                "link_target": e.link_target,
                "sha256": e.sha256.map(|h| h.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            })
        })
        .collect();
    let meta = match tarball.meta_bytes() {
        Some((_, bytes)) => Some(Meta::parse_bytes(bytes, None)?.to_v2_json()),
        None => None,
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(json!({
        "kind": "tarball",
        "format": tarball.format().to_string(),
        "top_dir": tarball.top_dir(),
        "name": distpath(&file_name),
        "meta": meta,
        "entries": entries,
    }))
}

/// A dist path read as CPAN::DistnameInfo reads it, with its purl.
fn distpath(path: &str) -> Value {
    let info = DistPath::parse(path);
    json!({
        "pathname": info.pathname(),
        "cpanid": info.cpanid(),
        "dist": info.dist(),
        "version": info.version(),
        "maturity": format!("{:?}", info.maturity()).to_ascii_lowercase(),
        "distvname": info.distvname(),
        "extension": info.extension(),
        "purl": purl_of(&info),
    })
}

fn purl_of(path: &DistPath) -> Option<String> {
    Purl::from_dist_path(path)?.ok().map(|p| p.to_string())
}
