//! Applying patches to a tree, all or nothing.
//!
//! Every patch is first applied in memory. A hunk is looked for at the line
//! its header names (shifted by the offset the previous hunk of the file was
//! found at), then ever further above and below, as GNU patch looks; it must
//! match exactly (no fuzz: a security fix applied to the wrong lines is worse
//! than none) and after the previous hunk. A patch whose hunks are all found
//! in their *new* form is already applied and is left alone. If any hunk of
//! any patch is found in neither form, nothing is written and the error names
//! the patch, file and hunk. Only when every patch is settled are the changed
//! files written, through [`Tree::write_all`], with the tree's record of
//! applied patches.

use std::collections::BTreeMap;

use crate::diff::{FilePatch, Hunk, LineKind, Patch};
use crate::record::{Applied, RECORD_FILE, Record, sha256_hex};
use crate::registry::Entry;
use crate::{PatchError, Tree};

/// What happened to one patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Applied,
    /// Every hunk is already in the tree in its patched form.
    AlreadyApplied,
}

/// A hunk found away from the line its header names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offset {
    pub file: String,
    /// 1-based hunk number within the file section.
    pub hunk: usize,
    /// Lines below (positive) or above (negative) the stated line.
    pub lines: isize,
}

/// The result of one patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `CVE-YYYY-NNNN-rN`.
    pub id: String,
    pub status: Status,
    pub files: Vec<String>,
    pub offsets: Vec<Offset>,
}

/// Patches applied in memory, ready to be written.
#[derive(Debug)]
pub struct Plan {
    tree: Tree,
    outcomes: Vec<Outcome>,
    /// Changed files: new content, or `None` for a deletion.
    changes: BTreeMap<String, Option<Vec<u8>>>,
}

impl Plan {
    /// Applies `patches`, in order, to an in-memory copy of `tree`.
    pub fn new(tree: &Tree, patches: &[&Entry]) -> Result<Plan, PatchError> {
        let mut files = Files::new(tree);
        let mut record = Record::read(tree)?;
        let original_record = record.clone();
        let mut outcomes = Vec::new();
        for entry in patches {
            let id = entry.name.to_string();
            let patch = entry.parsed()?;
            let touched: Vec<String> = patch.files.iter().map(|f| f.path().to_string()).collect();
            let outcome = if record.find(&entry.name.cve, entry.name.revision).is_some() {
                Outcome {
                    id,
                    status: Status::AlreadyApplied,
                    files: touched.clone(),
                    offsets: Vec::new(),
                }
            } else {
                apply_patch(&mut files, entry, patch, id, touched.clone())?
            };
            record.add(Applied {
                cve: entry.name.cve.clone(),
                revision: entry.name.revision,
                dist: entry.dist.clone(),
                version: entry.version.clone(),
                file: format!("{}.patch", entry.name),
                sha256: sha256_hex(entry.text.as_bytes()),
                files: touched,
            });
            outcomes.push(outcome);
        }
        let mut changes = files.changes();
        if record != original_record {
            changes.insert(RECORD_FILE.to_string(), Some(record.to_json()));
        }
        Ok(Plan {
            tree: tree.clone(),
            outcomes,
            changes,
        })
    }

    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The files that writing the plan changes (the record included).
    pub fn changed_files(&self) -> impl Iterator<Item = &str> {
        self.changes.keys().map(String::as_str)
    }

    /// Writes the changed files and the record.
    pub fn commit(self) -> Result<Vec<Outcome>, PatchError> {
        let changes: Vec<(String, Option<Vec<u8>>)> = self.changes.into_iter().collect();
        self.tree.write_all(&changes)?;
        Ok(self.outcomes)
    }
}

/// Forward if every file section applies; else "already applied" if every
/// section applies in reverse; else the first forward failure.
fn apply_patch(
    files: &mut Files,
    entry: &Entry,
    patch: &Patch,
    id: String,
    touched: Vec<String>,
) -> Result<Outcome, PatchError> {
    let snapshot = files.clone_contents();
    let mut offsets = Vec::new();
    let mut failure = None;
    for section in &patch.files {
        match apply_section(files, section, false) {
            Ok(found) => offsets.extend(found),
            Err(f) => {
                failure = Some((section, f));
                break;
            }
        }
    }
    let Some((section, failed)) = failure else {
        return Ok(Outcome {
            id,
            status: Status::Applied,
            files: touched,
            offsets,
        });
    };
    files.restore(snapshot.clone());
    let reversed_all = patch
        .files
        .iter()
        .rev()
        .all(|s| apply_section(files, s, true).is_ok());
    files.restore(snapshot);
    if reversed_all {
        return Ok(Outcome {
            id,
            status: Status::AlreadyApplied,
            files: touched,
            offsets: Vec::new(),
        });
    }
    if let Some(err) = failed.error {
        return Err(err);
    }
    let hunk = section.hunks.get(failed.hunk);
    Err(PatchError::HunkFailed {
        patch: entry.path.display().to_string(),
        file: section.path().to_string(),
        hunk: failed.hunk + 1,
        line: hunk.map_or(section.line, |h| h.line),
        reason: failed.reason,
    })
}

/// Why a section did not apply: the hunk (0-based) and a reason, or an error
/// that is not about matching at all (an unsafe path, an unreadable file).
struct Failure {
    hunk: usize,
    reason: String,
    error: Option<PatchError>,
}

/// Applies one file section to the working copy; `reverse` applies it
/// backwards (new lines to old).
fn apply_section(
    files: &mut Files,
    section: &FilePatch,
    reverse: bool,
) -> Result<Vec<Offset>, Failure> {
    let (from, to) = if reverse {
        (&section.new_path, &section.old_path)
    } else {
        (&section.old_path, &section.new_path)
    };
    let path = section.path().to_string();
    let current = files.get(&path).map_err(|error| Failure {
        hunk: 0,
        reason: String::new(),
        error: Some(error),
    })?;
    let fail = |hunk: usize, reason: &str| Failure {
        hunk,
        reason: reason.to_string(),
        error: None,
    };
    let (content, offsets) = match (from, current) {
        (None, Some(_)) => return Err(fail(0, "the patch creates the file, but it exists")),
        (None, None) => (Vec::new(), Vec::new()),
        (Some(_), None) => return Err(fail(0, "the file does not exist")),
        (Some(_), Some(bytes)) => {
            let mut offsets = Vec::new();
            let patched = apply_hunks(bytes, &section.hunks, reverse, |k, lines| {
                offsets.push(Offset {
                    file: path.clone(),
                    hunk: k + 1,
                    lines,
                })
            })
            .map_err(|(k, reason)| fail(k, &reason))?;
            (patched, offsets)
        }
    };
    let new_content = match to {
        None if content.is_empty() => None,
        None => return Err(fail(0, "the file is not empty after its lines are removed")),
        Some(_) if from.is_none() => {
            // A created file is exactly the added lines.
            let mut bytes = Vec::new();
            for hunk in &section.hunks {
                for line in side(hunk, reverse) {
                    bytes.extend_from_slice(line.as_bytes());
                }
            }
            Some(bytes)
        }
        Some(_) => Some(content),
    };
    files.set(&path, new_content);
    Ok(offsets)
}

/// The lines a hunk expects (`old`) or leaves (`!old`) in the file.
fn side(hunk: &Hunk, old: bool) -> impl Iterator<Item = &str> {
    let skip = if old { LineKind::Add } else { LineKind::Remove };
    hunk.lines
        .iter()
        .filter(move |l| l.kind != skip)
        .map(|l| l.text.as_str())
}

/// Applies `hunks` to `bytes`; on failure, the hunk index and why.
fn apply_hunks(
    bytes: &[u8],
    hunks: &[Hunk],
    reverse: bool,
    mut found_at_offset: impl FnMut(usize, isize),
) -> Result<Vec<u8>, (usize, String)> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 1024);
    let mut cursor = 0usize;
    let mut drift = 0isize;
    for (k, hunk) in hunks.iter().enumerate() {
        let want: Vec<&[u8]> = side(hunk, !reverse).map(str::as_bytes).collect();
        let (start, len) = if reverse {
            (hunk.new_start, hunk.new_len)
        } else {
            (hunk.old_start, hunk.old_len)
        };
        // For an empty side the header names the line *after which* to insert.
        let stated = if len == 0 {
            start
        } else {
            start.saturating_sub(1)
        };
        let expected = (stated as isize + drift).max(0) as usize;
        let at = find(&lines, &want, expected, cursor).ok_or_else(|| {
            (
                k,
                format!(
                    "its {} lines are not in the file at or after line {}",
                    want.len(),
                    cursor + 1
                ),
            )
        })?;
        let offset = at as isize - stated as isize;
        if offset != 0 {
            found_at_offset(k, offset);
        }
        drift = offset;
        for line in &lines[cursor..at] {
            out.extend_from_slice(line);
        }
        for line in side(hunk, reverse) {
            out.extend_from_slice(line.as_bytes());
        }
        cursor = at + want.len();
    }
    for line in &lines[cursor..] {
        out.extend_from_slice(line);
    }
    Ok(out)
}

/// The position nearest to `expected`, not before `min`, where `want` occurs
/// line for line; below is tried before above at each distance.
fn find(lines: &[&[u8]], want: &[&[u8]], expected: usize, min: usize) -> Option<usize> {
    let last = lines.len().checked_sub(want.len())?;
    if min > last {
        return None;
    }
    let matches = |at: usize| {
        lines[at..at + want.len()]
            .iter()
            .zip(want)
            .all(|(a, b)| a == b)
    };
    let expected = expected.clamp(min, last);
    let reach = (expected - min).max(last - expected);
    (0..=reach).find_map(|d| {
        let below = expected + d;
        if below <= last && matches(below) {
            return Some(below);
        }
        let above = expected.checked_sub(d).filter(|&a| a >= min && d > 0)?;
        matches(above).then_some(above)
    })
}

/// The working copy of the files patches touch: read once from the tree,
/// changed in memory.
struct Files<'a> {
    tree: &'a Tree,
    original: BTreeMap<String, Option<Vec<u8>>>,
    current: BTreeMap<String, Option<Vec<u8>>>,
}

impl<'a> Files<'a> {
    fn new(tree: &'a Tree) -> Files<'a> {
        Files {
            tree,
            original: BTreeMap::new(),
            current: BTreeMap::new(),
        }
    }

    fn get(&mut self, path: &str) -> Result<Option<&[u8]>, PatchError> {
        if !self.current.contains_key(path) {
            let bytes = self.tree.read(path)?;
            self.original.insert(path.to_string(), bytes.clone());
            self.current.insert(path.to_string(), bytes);
        }
        Ok(self.current.get(path).and_then(|c| c.as_deref()))
    }

    fn set(&mut self, path: &str, content: Option<Vec<u8>>) {
        self.current.insert(path.to_string(), content);
    }

    fn clone_contents(&self) -> BTreeMap<String, Option<Vec<u8>>> {
        self.current.clone()
    }

    fn restore(&mut self, contents: BTreeMap<String, Option<Vec<u8>>>) {
        self.current = contents;
    }

    /// Files whose content differs from the tree's.
    fn changes(&self) -> BTreeMap<String, Option<Vec<u8>>> {
        self.current
            .iter()
            .filter(|(path, content)| self.original.get(*path) != Some(content))
            .map(|(path, content)| (path.clone(), content.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<&[u8]> {
        s.as_bytes().split_inclusive(|&b| b == b'\n').collect()
    }

    #[test]
    fn find_prefers_the_stated_line_then_nearest_below() {
        let file = lines("a\nx\nb\nx\nc\nx\n");
        let want = lines("x\n");
        assert_eq!(find(&file, &want, 3, 0), Some(3));
        assert_eq!(find(&file, &want, 2, 0), Some(3));
        assert_eq!(find(&file, &want, 4, 0), Some(5));
        assert_eq!(find(&file, &want, 0, 0), Some(1));
        assert_eq!(find(&file, &want, 0, 4), Some(5));
        assert_eq!(find(&file, &lines("y\n"), 0, 0), None);
    }

    #[test]
    fn find_handles_empty_wants_and_short_files() {
        assert_eq!(find(&lines("a\n"), &[], 1, 0), Some(1));
        assert_eq!(find(&lines("a\n"), &lines("a\nb\n"), 0, 0), None);
        assert_eq!(find(&[], &[], 5, 0), Some(0));
    }
}
