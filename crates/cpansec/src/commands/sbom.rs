//! `cpansec sbom`: build the SBOM model from the input, write one format.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use cpansec_patch::{RECORD_FILE, Record};
use cpansec_sbom::{Format, Options, Patch, Sbom, Timestamp};

use crate::cli::{SbomArgs, SbomFormat};
use crate::exit::UsageError;

/// The creation time of a document: `SOURCE_DATE_EPOCH` when set, else now.
pub(crate) fn created() -> Result<Timestamp, UsageError> {
    Ok(match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Timestamp::from_source_date_epoch(&v).ok_or_else(|| {
            UsageError(format!(
                "SOURCE_DATE_EPOCH={v:?} is not a number of seconds since 1970 (up to year 9999)"
            ))
        })?,
        Err(_) => Timestamp::now(),
    })
}

pub fn run(args: SbomArgs) -> anyhow::Result<u8> {
    let created = created()?;
    let options = Options {
        created,
        perl_version: args.perl_version,
        cpan_mirrors: args.cpan_mirrors,
    };
    let format = match args.format {
        SbomFormat::Cyclonedx => Format::CycloneDx16,
        SbomFormat::Cyclonedx15 => Format::CycloneDx15,
        SbomFormat::Spdx23 => Format::Spdx23,
        SbomFormat::Spdx30 => Format::Spdx301,
    };
    let sbom = if !args.installed.is_empty() {
        Sbom::from_installed(&args.installed, &options)?
    } else {
        let path = args.path.unwrap_or_else(|| PathBuf::from("."));
        if path.is_dir() {
            let mut sbom = Sbom::from_project(&path, &options)?;
            sbom.root.patches = patches_of_tree(&path)?;
            sbom
        } else if path.is_file() {
            Sbom::from_tarball(&path, &options)?
        } else {
            return Err(
                UsageError(format!("{}: no such directory or archive", path.display())).into(),
            );
        }
    };
    for w in &sbom.warnings {
        eprintln!("warning: {w}");
    }
    // The whole document in memory first (a few megabytes at most for the
    // largest snapshots), then one write.
    let document = format.render(&sbom);
    match &args.output {
        Some(file) => write_atomically(file, &document)?,
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&document)?;
            out.flush()?;
        }
    }
    // The process ends here: freeing the model and the document piece by
    // piece would only cost time.
    std::mem::forget(sbom);
    std::mem::forget(document);
    Ok(crate::exit::OK)
}

/// The patches a tree's record says were applied to it.
fn patches_of_tree(dir: &Path) -> anyhow::Result<Vec<Patch>> {
    let path = dir.join(RECORD_FILE);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(&path).with_context(|| format!("{}", path.display()))?;
    let record = Record::parse(&bytes, &path)?;
    let mut patches: Vec<Patch> = record
        .applied
        .into_iter()
        .map(|a| Patch {
            cve: a.cve,
            revision: a.revision,
            file: a.file,
            sha256: a.sha256,
            files: a.files,
        })
        .collect();
    patches.sort();
    Ok(patches)
}

/// Writes through a temporary file in the same directory, renamed over
/// `path` once complete: readers never see half a document. What is not a
/// regular file (`/dev/null`, `/dev/stdout`, a pipe) is written to in place:
/// renaming over it would replace the device or pipe with a file. A symbolic
/// link stays a link: the file it points to is the one replaced.
fn write_atomically(path: &Path, document: &[u8]) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out.write_all(document)
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(());
        }
        _ => {}
    }
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = std::fs::canonicalize(path)
                .with_context(|| format!("cannot resolve the link {}", path.display()))?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.as_file_mut()
        .write_all(document)
        .with_context(|| format!("writing {}", path.display()))?;
    // A temporary file is private (0600); the SBOM is not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
