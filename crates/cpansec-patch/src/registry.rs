//! The patch registry: a directory laid out as
//! `<L>/<Dist-Name>/<version>/<CVE-YYYY-NNNN>-r<N>.patch`, where `<L>` is the
//! distribution's first letter, upper-cased, and `r<N>` the revision of the
//! patch for that CVE and release. A later revision supersedes an earlier one
//! for the same distribution, version and CVE.
//!
//! Loading reads and parses every patch. A file that does not fit the layout
//! is an error naming it. A patch that does not parse stays in the registry
//! with its error, so that listing shows it and applying it refuses with the
//! reason; one bad patch never hides the others. Dot files (such as
//! `.gitkeep`) are not patches and are ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpansec_version::Version;

use crate::{Patch, PatchError};

/// The largest patch file read.
const MAX_PATCH_BYTES: u64 = 16 * 1024 * 1024;
/// The most patch files a registry may hold: a bound on work, far above need.
const MAX_PATCHES: usize = 100_000;

/// `CVE-YYYY-NNNN` and a revision, as in the file name `CVE-YYYY-NNNN-rN.patch`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatchName {
    pub cve: String,
    pub revision: u32,
}

impl PatchName {
    /// Reads `CVE-2025-40906-r2.patch`.
    pub fn parse(file_name: &str) -> Option<PatchName> {
        let stem = file_name.strip_suffix(".patch")?;
        let (cve, revision) = stem.rsplit_once("-r")?;
        let revision: u32 = revision.parse().ok().filter(|r| *r > 0)?;
        let mut parts = cve.split('-');
        let ok = parts.next() == Some("CVE")
            && parts
                .next()
                .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
            && parts
                .next()
                .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none();
        ok.then(|| PatchName {
            cve: cve.to_string(),
            revision,
        })
    }
}

impl fmt::Display for PatchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-r{}", self.cve, self.revision)
    }
}

/// One patch of the registry, parsed.
#[derive(Clone, Debug)]
pub struct Entry {
    pub dist: String,
    /// The release the patch is for, as its directory is named.
    pub version: String,
    pub name: PatchName,
    pub path: PathBuf,
    /// The parsed patch, or why it does not parse (GNU patch would call it
    /// malformed, or it asks for something refused).
    pub patch: Result<Patch, Arc<PatchError>>,
    /// The exact bytes of the file, for recording what was applied.
    pub text: String,
    /// A later revision for the same dist, version and CVE exists.
    pub superseded: bool,
}

impl Entry {
    /// The parsed patch, or the parse error as an error to return.
    pub fn parsed(&self) -> Result<&Patch, PatchError> {
        self.patch
            .as_ref()
            .map_err(|e| PatchError::Unusable(Arc::clone(e)))
    }

    /// True when this patch is for `dist` at `version` (version.pm equality,
    /// so `1.10` and `1.1` are the same release; otherwise exact text).
    pub fn is_for(&self, dist: &str, version: &str) -> bool {
        self.dist == dist && same_version(&self.version, version)
    }
}

fn same_version(a: &str, b: &str) -> bool {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Every patch of a registry directory, sorted by distribution, version
/// (version.pm order), CVE and revision.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub root: PathBuf,
    entries: Vec<Entry>,
}

impl Registry {
    /// Loads and parses every patch under `root`.
    pub fn load(root: &Path) -> Result<Registry, PatchError> {
        let mut entries = Vec::new();
        let letters = read_dir_sorted(root)?;
        for letter_dir in letters {
            let letter = file_name(&letter_dir);
            if letter.starts_with('.') || !letter_dir.is_dir() {
                continue;
            }
            for dist_dir in read_dir_sorted(&letter_dir)? {
                let dist = file_name(&dist_dir);
                if dist.starts_with('.') {
                    continue;
                }
                check_dist_dir(&dist_dir, &letter, &dist)?;
                for version_dir in read_dir_sorted(&dist_dir)? {
                    let version = file_name(&version_dir);
                    if version.starts_with('.') {
                        continue;
                    }
                    if !version_dir.is_dir() {
                        return Err(layout(&version_dir, "expected a version directory"));
                    }
                    for file in read_dir_sorted(&version_dir)? {
                        let name = file_name(&file);
                        if name.starts_with('.') {
                            continue;
                        }
                        let patch_name = PatchName::parse(&name).ok_or_else(|| {
                            layout(&file, "expected a file named CVE-YYYY-NNNN-rN.patch")
                        })?;
                        if entries.len() >= MAX_PATCHES {
                            return Err(layout(root, "more patches than the limit of 100000"));
                        }
                        entries.push(load_entry(&file, &dist, &version, patch_name)?);
                    }
                }
            }
        }
        mark_superseded(&mut entries);
        entries.sort_by(|a, b| {
            (a.dist.as_str(), version_key(&a.version), &a.name).cmp(&(
                b.dist.as_str(),
                version_key(&b.version),
                &b.name,
            ))
        });
        Ok(Registry {
            root: root.to_path_buf(),
            entries,
        })
    }

    /// Every patch, superseded revisions included.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The current patches (latest revision of each) for a release.
    pub fn for_release<'a>(
        &'a self,
        dist: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a Entry> {
        self.entries
            .iter()
            .filter(move |e| !e.superseded && e.is_for(dist, version))
    }

    /// Every revision of every patch for `cve`.
    pub fn by_cve<'a>(&'a self, cve: &'a str) -> impl Iterator<Item = &'a Entry> {
        self.entries
            .iter()
            .filter(move |e| e.name.cve.eq_ignore_ascii_case(cve))
    }
}

/// Sorts by version.pm order where the directory name is a version, after
/// every unparseable name otherwise.
fn version_key(v: &str) -> (Option<Version>, &str) {
    (Version::parse(v).ok(), v)
}

fn load_entry(
    path: &Path,
    dist: &str,
    version: &str,
    name: PatchName,
) -> Result<Entry, PatchError> {
    let text = read_text(path)?;
    let patch = Patch::parse(&text, path).map_err(Arc::new);
    Ok(Entry {
        dist: dist.to_string(),
        version: version.to_string(),
        name,
        path: path.to_path_buf(),
        patch,
        text,
        superseded: false,
    })
}

fn mark_superseded(entries: &mut [Entry]) {
    let mut latest: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for e in entries.iter() {
        let key = (e.dist.clone(), e.version.clone(), e.name.cve.clone());
        let r = latest.entry(key).or_default();
        *r = (*r).max(e.name.revision);
    }
    for e in entries.iter_mut() {
        let key = (e.dist.clone(), e.version.clone(), e.name.cve.clone());
        e.superseded = latest.get(&key).is_some_and(|&r| r > e.name.revision);
    }
}

fn check_dist_dir(dir: &Path, letter: &str, dist: &str) -> Result<(), PatchError> {
    if !dir.is_dir() {
        return Err(layout(dir, "expected a distribution directory"));
    }
    if dist.contains("::") || dist.is_empty() {
        return Err(layout(
            dir,
            "a distribution name (Foo-Bar), not a module name, is expected",
        ));
    }
    let first = dist
        .chars()
        .next()
        .map(|c| c.to_ascii_uppercase().to_string());
    if first.as_deref() != Some(letter) {
        return Err(layout(
            dir,
            &format!(
                "{dist} belongs under the directory {}",
                first.unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// Reads a patch file, bounded, as UTF-8 (patches of Perl sources are text).
pub(crate) fn read_text(path: &Path) -> Result<String, PatchError> {
    use std::io::Read;
    let file = fs::File::open(path).map_err(|e| PatchError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_PATCH_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PatchError::io(path, e))?;
    if bytes.len() as u64 > MAX_PATCH_BYTES {
        return Err(PatchError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_PATCH_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| PatchError::Malformed {
        path: path.to_path_buf(),
        line: 0,
        reason: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, PatchError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| PatchError::io(dir, e))? {
        out.push(entry.map_err(|e| PatchError::io(dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn layout(path: &Path, reason: &str) -> PatchError {
    PatchError::Registry {
        path: path.to_path_buf(),
        reason: format!("{reason} (registry layout: <L>/<Dist>/<version>/CVE-YYYY-NNNN-rN.patch)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_names() {
        assert_eq!(
            PatchName::parse("CVE-2025-40906-r2.patch"),
            Some(PatchName {
                cve: "CVE-2025-40906".into(),
                revision: 2
            })
        );
        for bad in [
            "CVE-2025-40906.patch",
            "CVE-25-1234-r1.patch",
            "CVE-2025-40906-r0.patch",
            "x-r1.patch",
            "CVE-2025-40906-r1.diff",
        ] {
            assert_eq!(PatchName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn versions_compare_as_perl_does() {
        assert!(same_version("1.10", "1.1"));
        assert!(!same_version("1.10", "1.01"));
        assert!(same_version("not-a-version", "not-a-version"));
    }
}
