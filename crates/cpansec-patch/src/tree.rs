//! Safe access to the files of an unpacked distribution: every path is
//! relative, stays inside the tree, and never passes through or ends at a
//! symbolic link; reads are bounded; writes go to a temporary file beside the
//! target and are renamed into place only once every write has succeeded.

use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::PatchError;

/// The largest file of a tree that is read to be patched.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// An unpacked distribution directory.
#[derive(Clone, Debug)]
pub struct Tree {
    root: PathBuf,
}

impl Tree {
    pub fn new(root: &Path) -> Result<Tree, PatchError> {
        let meta = fs::metadata(root).map_err(|e| PatchError::io(root, e))?;
        if !meta.is_dir() {
            return Err(PatchError::UnsafePath {
                path: root.to_path_buf(),
                reason: "not a directory".into(),
            });
        }
        Ok(Tree {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The absolute path of `rel`, after checking that it is a plain relative
    /// path and that no existing directory on the way is a link.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, PatchError> {
        let unsafe_path = |reason: &str| PatchError::UnsafePath {
            path: PathBuf::from(rel),
            reason: reason.to_string(),
        };
        let path = Path::new(rel);
        if rel.is_empty() || rel.contains('\0') {
            return Err(unsafe_path("empty path or NUL byte"));
        }
        let mut full = self.root.clone();
        for component in path.components() {
            match component {
                Component::Normal(part) => {
                    full.push(part);
                    if let Ok(meta) = fs::symlink_metadata(&full) {
                        if meta.file_type().is_symlink() {
                            return Err(unsafe_path("passes through or is a symbolic link"));
                        }
                    }
                }
                Component::ParentDir => return Err(unsafe_path("leaves the tree (`..`)")),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(unsafe_path("is absolute"));
                }
                Component::CurDir => {}
            }
        }
        Ok(full)
    }

    /// The bytes of `rel`, or `None` when it does not exist. Anything but a
    /// regular file is refused.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, PatchError> {
        let full = self.resolve(rel)?;
        let meta = match fs::symlink_metadata(&full) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(PatchError::io(&full, e)),
        };
        if !meta.is_file() {
            return Err(PatchError::UnsafePath {
                path: PathBuf::from(rel),
                reason: "not a regular file".into(),
            });
        }
        let mut bytes = Vec::new();
        fs::File::open(&full)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| PatchError::io(&full, e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(PatchError::TooLarge {
                path: full,
                limit: MAX_FILE_BYTES,
            });
        }
        Ok(Some(bytes))
    }

    /// Writes every change, all or nothing as far as the file system allows:
    /// each new content first goes to a temporary file beside its target; if
    /// any of those writes fails, the temporaries are removed and the tree is
    /// as it was. Only then are they renamed into place and deletions done.
    pub fn write_all(&self, changes: &[(String, Option<Vec<u8>>)]) -> Result<(), PatchError> {
        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut created_dirs: Vec<PathBuf> = Vec::new();
        let result = (|| {
            for (rel, content) in changes {
                let Some(content) = content else { continue };
                let target = self.resolve(rel)?;
                let parent = target.parent().unwrap_or(&self.root).to_path_buf();
                self.create_parents(&parent, &mut created_dirs)?;
                let temp = temp_name(&target);
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&temp)
                    .map_err(|e| PatchError::io(&temp, e))?;
                staged.push((temp.clone(), target.clone()));
                if let Ok(meta) = fs::metadata(&target) {
                    file.set_permissions(meta.permissions())
                        .map_err(|e| PatchError::io(&temp, e))?;
                }
                file.write_all(content)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| PatchError::io(&temp, e))?;
            }
            Ok(())
        })();
        if let Err(err) = result {
            for (temp, _) in &staged {
                let _ = fs::remove_file(temp);
            }
            for dir in created_dirs.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
            return Err(err);
        }
        for (temp, target) in &staged {
            fs::rename(temp, target).map_err(|e| PatchError::io(target, e))?;
        }
        for (rel, content) in changes {
            if content.is_none() {
                let target = self.resolve(rel)?;
                fs::remove_file(&target).map_err(|e| PatchError::io(&target, e))?;
            }
        }
        Ok(())
    }

    /// Creates the missing directories of `dir` (inside the tree), noting each
    /// so a failed write can remove them again.
    fn create_parents(&self, dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), PatchError> {
        let mut missing = Vec::new();
        let mut at = dir.to_path_buf();
        while !at.exists() && at.starts_with(&self.root) && at != self.root {
            missing.push(at.clone());
            if !at.pop() {
                break;
            }
        }
        for d in missing.into_iter().rev() {
            fs::create_dir(&d).map_err(|e| PatchError::io(&d, e))?;
            created.push(d);
        }
        Ok(())
    }
}

fn temp_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.cpansec-{}.tmp", std::process::id()))
}
