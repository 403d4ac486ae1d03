//! Safe extraction of a checked archive, for tools that must patch or build
//! a distribution on disk.
//!
//! Guarantees, on top of everything [`Tarball::parse`] already refused:
//! - nothing is written outside `dir`, and `dir` must not exist beforehand;
//! - the archive is walked again from the bytes that were checked (not
//!   re-read from disk), so what lands on disk is what was checked;
//! - extraction goes into a fresh directory created beside `dir` (same
//!   parent, so the final rename is atomic) and is renamed to `dir` only at
//!   the end; on any error that directory is removed and `dir` never appears;
//! - files are created with `O_CREAT|O_EXCL` (never opening an existing
//!   file or following a symlink), parent directories are checked to be
//!   real directories, and symlinks are created last, after every file, so
//!   no write can pass through one;
//! - hard links become independent copies (patching one must not change
//!   the other);
//! - permissions are sanitised: directories 0755, files 0644, or 0755 when
//!   any execute bit was set; set-id and sticky bits are dropped, and
//!   unreadable modes (`----------`) become readable.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{ArchiveEntryKind, Tarball, read};
use crate::ErrorKind;

pub(super) fn unpack(tarball: &Tarball, dir: &Path) -> Result<(), ErrorKind> {
    if fs::symlink_metadata(dir).is_ok() {
        return Err(ErrorKind::UnpackTargetExists {
            target: dir.to_path_buf(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".cpansec-unpack-")
        .tempdir_in(parent)?;
    let root = staging.path().to_path_buf();

    let planned: BTreeMap<&str, &super::ArchiveEntry> = tarball
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    let mut written: BTreeMap<String, ()> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut hardlinks: Vec<(String, String)> = Vec::new();

    read::walk(
        &tarball.raw,
        tarball.format,
        &tarball.limits,
        &mut |entry, data| {
            let Some(plan) = planned.get(entry.path.as_str()) else {
                return Err(changed(&entry.path));
            };
            let Some(rel) = tarball.rel_path(&entry.path) else {
                return Err(changed(&entry.path));
            };
            if rel.is_empty() {
                return Ok(());
            }
            match entry.kind {
                ArchiveEntryKind::Directory => {
                    make_dirs(&root, rel)?;
                }
                ArchiveEntryKind::File => {
                    if written.contains_key(rel) {
                        // An identical repeat (checked when parsing).
                        io::copy(data, &mut io::sink())
                            .map_err(|e| super::corrupt(&entry.path, e))?;
                        return Ok(());
                    }
                    let path = file_path(&root, rel)?;
                    let sha = write_new(&path, data, plan.mode, &entry.path)?;
                    if Some(sha) != plan.sha256 {
                        return Err(changed(&entry.path));
                    }
                    written.insert(rel.to_string(), ());
                }
                ArchiveEntryKind::Symlink => {
                    links.push((rel.to_string(), entry.link_target.unwrap_or_default()));
                }
                ArchiveEntryKind::Hardlink => {
                    let target = entry.link_target.unwrap_or_default();
                    let to = match super::paths::normalize(&target) {
                        Ok(super::paths::Name::Path(p)) => p,
                        _ => return Err(changed(&entry.path)),
                    };
                    let to = tarball.rel_path(&to).ok_or_else(|| changed(&entry.path))?;
                    hardlinks.push((rel.to_string(), to.to_string()));
                }
            }
            Ok(())
        },
    )?;

    for (rel, to) in &hardlinks {
        let mode = tarball
            .entries
            .iter()
            .find(|e| tarball.rel_path(&e.path) == Some(to.as_str()))
            .map_or(0o644, |e| e.mode);
        let mut source = fs::File::open(root.join(to))?;
        let path = file_path(&root, rel)?;
        write_new(&path, &mut source, mode, rel)?;
    }
    for (rel, target) in &links {
        let path = file_path(&root, rel)?;
        symlink(target, &path)?;
    }
    set_dir_mode(&root)?;
    fs::rename(&root, dir)?;
    // Renamed away: nothing is left for the guard to clean up.
    let _ = staging.keep();
    Ok(())
}

/// The archive no longer reads as it did when checked (it cannot, as the
/// bytes are held in memory; kept as a guard for the invariant).
fn changed(entry: &str) -> ErrorKind {
    ErrorKind::ArchiveCorrupt {
        entry: Some(entry.to_string()),
        detail: "the archive reads differently the second time".to_string(),
    }
}

/// Creates `root/rel` and any missing parents, each a real directory.
fn make_dirs(root: &Path, rel: &str) -> Result<PathBuf, ErrorKind> {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(_) => {
                return Err(ErrorKind::ArchivePathConflict {
                    entry: rel.to_string(),
                    prefix: path.display().to_string(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut builder = fs::DirBuilder::new();
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
                builder.create(&path)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(path)
}

/// `root/rel`, with its parent directories made.
fn file_path(root: &Path, rel: &str) -> Result<PathBuf, ErrorKind> {
    match rel.rsplit_once('/') {
        Some((parent, name)) => Ok(make_dirs(root, parent)?.join(name)),
        None => Ok(root.join(rel)),
    }
}

/// Creates `path` (which must not exist) with `data`, returning its SHA-256.
fn write_new(
    path: &Path,
    data: &mut dyn Read,
    mode: u32,
    entry: &str,
) -> Result<[u8; 32], ErrorKind> {
    use sha2::Digest;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(
        &mut options,
        if mode & 0o111 != 0 { 0o755 } else { 0o644 },
    );
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match data.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(super::corrupt(entry, e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        file.write_all(chunk)?;
    }
    Ok(hasher.finalize().into())
}

#[cfg(unix)]
fn symlink(target: &str, path: &Path) -> Result<(), ErrorKind> {
    Ok(std::os::unix::fs::symlink(target, path)?)
}

#[cfg(not(unix))]
fn symlink(target: &str, path: &Path) -> Result<(), ErrorKind> {
    Err(ErrorKind::ArchiveSpecialEntry {
        entry: format!("{} -> {target}", path.display()),
        kind: "symlink (not supported on this platform)".to_string(),
    })
}

/// The staging directory is created 0700; the result is an ordinary 0755
/// directory like the ones inside it.
fn set_dir_mode(root: &Path) -> Result<(), ErrorKind> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = root;
    Ok(())
}
