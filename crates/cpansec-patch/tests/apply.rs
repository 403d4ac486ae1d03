//! Applying every real patch, checked against GNU patch on the same trees:
//! pre-images built from the patches themselves, then offsets, re-application,
//! failing hunks and hostile paths.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use cpansec_patch::{Entry, FilePatch, PatchError, Plan, RECORD_FILE, Registry, Status, Tree};

use crate::support::shared;

fn registry() -> Registry {
    Registry::load(&shared().join("data/patches")).expect("the real registry loads")
}

/// The real patches that parse (the malformed ones are tested on their own).
fn usable() -> Vec<Entry> {
    registry()
        .entries()
        .iter()
        .filter(|e| e.patch.is_ok())
        .cloned()
        .collect()
}

/// The pre- and post-image of a file section: each hunk at its stated line,
/// the gaps filled with numbered lines; `None` where the file does not exist.
fn images(section: &FilePatch, shift: usize) -> (Option<String>, Option<String>) {
    let (mut pre, mut post) = (String::new(), String::new());
    let mut lines = 0;
    for _ in 0..shift {
        lines += 1;
        let filler = format!("# shifted line {lines}\n");
        pre.push_str(&filler);
        post.push_str(&filler);
    }
    for hunk in &section.hunks {
        let before = if hunk.old_len == 0 {
            hunk.old_start
        } else {
            hunk.old_start - 1
        };
        while lines < before + shift {
            lines += 1;
            let filler = format!("# filler line {lines}\n");
            pre.push_str(&filler);
            post.push_str(&filler);
        }
        for line in hunk.old_lines() {
            pre.push_str(line);
            lines += 1;
        }
        post.extend(hunk.new_lines());
    }
    (
        section.old_path.as_ref().map(|_| pre),
        section.new_path.as_ref().map(|_| post),
    )
}

/// Writes the pre-image of `entry` under `dir`; returns the post-image.
fn build_tree(entry: &Entry, dir: &Path, shift: usize) -> BTreeMap<String, String> {
    let mut post = BTreeMap::new();
    for section in &entry.parsed().unwrap().files {
        // GNU patch anchors a hunk at line 1 to the start of the file: shift
        // only sections that start further down.
        let movable = section.old_path.is_some() && section.hunks[0].old_start > 1;
        let (before, after) = images(section, if movable { shift } else { 0 });
        if let Some(before) = before {
            let path = dir.join(section.path());
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, before).unwrap();
        }
        if let Some(after) = after {
            post.insert(section.path().to_string(), after);
        }
    }
    post
}

/// Every file under `dir`, by relative path (as text, so failures print readably).
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(
                    rel,
                    String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn without_record(mut files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files.remove(RECORD_FILE);
    files
}

/// GNU patch, as the oracle; returns its output.
fn gnu_patch(patch: &Path, dir: &Path) -> String {
    let out = Command::new("patch")
        .args(["-p1", "--batch", "--no-backup-if-mismatch", "-i"])
        .arg(patch)
        .arg("-d")
        .arg(dir)
        .output()
        .expect("GNU patch runs (Debian package `patch`)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "GNU patch failed on {}: {text}",
        patch.display()
    );
    text
}

fn apply(dir: &Path, entry: &Entry) -> Result<Vec<cpansec_patch::Outcome>, PatchError> {
    let tree = Tree::new(dir)?;
    Plan::new(&tree, &[entry])?.commit()
}

#[test]
fn every_real_patch_applies_as_gnu_patch_applies_it() {
    let dir = tempfile::tempdir().unwrap();
    for (n, entry) in usable().iter().enumerate() {
        let (ours, gnu) = (
            dir.path().join(format!("{n}/ours")),
            dir.path().join(format!("{n}/gnu")),
        );
        let post = build_tree(entry, &ours, 0);
        build_tree(entry, &gnu, 0);
        gnu_patch(&entry.path, &gnu);
        let outcomes = apply(&ours, entry).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            outcomes[0].status,
            Status::Applied,
            "{}",
            entry.path.display()
        );
        assert!(outcomes[0].offsets.is_empty(), "{}", entry.path.display());
        let got = snapshot(&ours);
        assert_eq!(
            without_record(got.clone()),
            snapshot(&gnu),
            "{}",
            entry.path.display()
        );
        assert_eq!(
            without_record(got.clone()),
            post,
            "{}",
            entry.path.display()
        );
        assert!(got.contains_key(RECORD_FILE));
    }
}

#[test]
fn a_second_apply_changes_nothing_with_or_without_the_record() {
    let dir = tempfile::tempdir().unwrap();
    for (n, entry) in usable().iter().enumerate() {
        let tree = dir.path().join(n.to_string());
        build_tree(entry, &tree, 0);
        apply(&tree, entry).unwrap();
        let once = snapshot(&tree);
        let again = apply(&tree, entry).unwrap();
        assert_eq!(
            again[0].status,
            Status::AlreadyApplied,
            "{}",
            entry.path.display()
        );
        assert_eq!(snapshot(&tree), once, "{}", entry.path.display());
        // Without the record, the patched lines themselves show it.
        fs::remove_file(tree.join(RECORD_FILE)).unwrap();
        let detected = apply(&tree, entry).unwrap();
        assert_eq!(
            detected[0].status,
            Status::AlreadyApplied,
            "{}",
            entry.path.display()
        );
        assert_eq!(snapshot(&tree), once, "{}", entry.path.display());
    }
}

#[test]
fn hunks_found_at_an_offset_are_applied_and_reported_like_gnu_patch() {
    let dir = tempfile::tempdir().unwrap();
    for (n, entry) in usable().iter().enumerate() {
        let (ours, gnu) = (
            dir.path().join(format!("{n}/ours")),
            dir.path().join(format!("{n}/gnu")),
        );
        build_tree(entry, &ours, 7);
        build_tree(entry, &gnu, 7);
        let gnu_says = gnu_patch(&entry.path, &gnu);
        let outcomes = apply(&ours, entry).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            without_record(snapshot(&ours)),
            snapshot(&gnu),
            "{}",
            entry.path.display()
        );
        let modified_hunks: usize = entry
            .parsed()
            .unwrap()
            .files
            .iter()
            .filter(|f| f.old_path.is_some() && f.new_path.is_some() && f.hunks[0].old_start > 1)
            .map(|f| f.hunks.len())
            .sum();
        assert_eq!(
            outcomes[0].offsets.len(),
            modified_hunks,
            "{}",
            entry.path.display()
        );
        assert!(outcomes[0].offsets.iter().all(|o| o.lines == 7));
        assert_eq!(
            gnu_says.matches("(offset 7 lines)").count(),
            modified_hunks,
            "{gnu_says}"
        );
    }
}

#[test]
fn a_failing_hunk_leaves_the_tree_byte_identical_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    for (n, entry) in usable().iter().enumerate() {
        let Some((section, hunk)) = entry.parsed().unwrap().files.iter().rev().find_map(|f| {
            let k = f.hunks.iter().rposition(|h| h.old_len > 0)?;
            f.old_path.as_ref().map(|_| (f, k))
        }) else {
            continue;
        };
        let tree = dir.path().join(n.to_string());
        build_tree(entry, &tree, 0);
        // Corrupt every old line of that hunk in the file.
        let path = tree.join(section.path());
        let mut text = fs::read_to_string(&path).unwrap();
        for line in section.hunks[hunk].old_lines() {
            if !line.trim().is_empty() {
                text = text.replacen(line, "# corrupted\n", 1);
            }
        }
        fs::write(&path, text).unwrap();
        let before = snapshot(&tree);
        let err = apply(&tree, entry).unwrap_err();
        match &err {
            PatchError::HunkFailed { file, .. } => assert_eq!(file, section.path()),
            other => panic!(
                "{}: expected a failed hunk, got {other}",
                entry.path.display()
            ),
        }
        assert!(err.to_string().contains("nothing was changed"));
        assert_eq!(snapshot(&tree), before, "{}", entry.path.display());
    }
}

#[test]
fn malformed_real_patches_are_the_ones_gnu_patch_calls_malformed_and_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry();
    let mut malformed = 0;
    for entry in registry.entries() {
        let out = Command::new("patch")
            .args(["-p1", "--batch", "--dry-run", "-i"])
            .arg(&entry.path)
            .arg("-d")
            .arg(dir.path())
            .output()
            .unwrap();
        let gnu = String::from_utf8_lossy(&out.stderr).into_owned();
        let gnu_line = gnu
            .split("malformed patch at line ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .map(str::to_string);
        match (&entry.patch, gnu_line) {
            (Ok(_), None) => {}
            (Err(err), Some(line)) => {
                malformed += 1;
                assert!(
                    err.to_string().contains(&format!("line {line}")),
                    "{err} / GNU: {gnu}"
                );
                let tree = dir.path().join("tree");
                fs::create_dir_all(&tree).unwrap();
                let refused = apply(&tree, entry).unwrap_err();
                assert!(matches!(refused, PatchError::Unusable(_)), "{refused}");
                assert!(snapshot(&tree).is_empty());
            }
            (ours, gnu) => panic!(
                "{}: ours {:?}, GNU {gnu:?}",
                entry.path.display(),
                ours.as_ref().err()
            ),
        }
    }
    assert!(
        malformed > 0,
        "the real registry has a malformed patch to test with"
    );
}

/// A registry entry made from patch text, for hand-written cases.
fn entry_from(text: &str) -> Entry {
    named_entry_from("CVE-2026-0001", text)
}

fn named_entry_from(cve: &str, text: &str) -> Entry {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("T/Tst/1.0/{cve}-r1.patch"));
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    Registry::load(dir.path()).unwrap().entries()[0].clone()
}

#[test]
fn paths_leaving_the_tree_are_refused_and_nothing_is_written() {
    for (patch, why) in [
        (
            "--- a/../outside\n+++ b/../outside\n@@ -1 +1 @@\n-a\n+b\n",
            "leaves the tree",
        ),
        (
            "--- a//etc/passwd\n+++ b//etc/passwd\n@@ -1 +1 @@\n-a\n+b\n",
            "is absolute",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("keep"), "a\n").unwrap();
        let before = snapshot(dir.path());
        let err = apply(dir.path(), &entry_from(patch)).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
        assert_eq!(snapshot(dir.path()), before);
    }
}

#[test]
fn links_in_the_tree_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("X.pm"), "a\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("lib")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("X.pm"), dir.path().join("Y.pm")).unwrap();
    for patch in [
        "--- a/lib/X.pm\n+++ b/lib/X.pm\n@@ -1 +1 @@\n-a\n+b\n",
        "--- a/Y.pm\n+++ b/Y.pm\n@@ -1 +1 @@\n-a\n+b\n",
    ] {
        let err = apply(dir.path(), &entry_from(patch)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
    assert_eq!(
        fs::read_to_string(outside.path().join("X.pm")).unwrap(),
        "a\n"
    );
}

#[test]
fn a_patch_creating_an_existing_file_fails_unless_it_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let patch = entry_from("--- /dev/null\n+++ b/t/new.t\n@@ -0,0 +1,2 @@\n+one\n+two\n");
    fs::create_dir(dir.path().join("t")).unwrap();
    fs::write(dir.path().join("t/new.t"), "other\n").unwrap();
    let err = apply(dir.path(), &patch).unwrap_err();
    assert!(
        err.to_string().contains("creates the file, but it exists"),
        "{err}"
    );
    fs::write(dir.path().join("t/new.t"), "one\ntwo\n").unwrap();
    assert_eq!(
        apply(dir.path(), &patch).unwrap()[0].status,
        Status::AlreadyApplied
    );
}

#[test]
fn several_patches_apply_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a"), "1\n2\n3\n").unwrap();
    fs::write(dir.path().join("b"), "x\n").unwrap();
    let first = entry_from("--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n");
    let second = named_entry_from(
        "CVE-2026-0002",
        "--- a/b\n+++ b/b\n@@ -1 +1 @@\n-not there\n+y\n",
    );
    let before = snapshot(dir.path());
    let tree = Tree::new(dir.path()).unwrap();
    assert!(Plan::new(&tree, &[&first, &second]).is_err());
    assert_eq!(snapshot(dir.path()), before);
    let plan = Plan::new(&tree, &[&first]).unwrap();
    assert_eq!(plan.changed_files().collect::<Vec<_>>(), [RECORD_FILE, "a"]);
    plan.commit().unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("a")).unwrap(),
        "1\ntwo\n3\n"
    );
}
