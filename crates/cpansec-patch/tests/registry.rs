//! Loading the real registry of the CPAN security team.

use std::fs;

use cpansec_patch::{PatchError, Registry};

use crate::support::shared;

#[test]
fn every_real_patch_loads_and_parses() {
    let root = shared().join("data/patches");
    let registry = Registry::load(&root).expect("the real registry loads");
    let on_disk = walk(&root).iter().filter(|p| p.ends_with(".patch")).count();
    assert_eq!(registry.entries().len(), on_disk);
    assert!(
        on_disk >= 40,
        "expected the 40 real patches, found {on_disk}"
    );
    for entry in registry.entries() {
        let Ok(patch) = &entry.patch else { continue };
        assert!(!patch.files.is_empty(), "{}", entry.path.display());
        for file in &patch.files {
            assert!(
                !file.hunks.is_empty(),
                "{}: {}",
                entry.path.display(),
                file.path()
            );
            for hunk in &file.hunks {
                assert_eq!(
                    hunk.old_lines().count(),
                    hunk.old_len,
                    "{}",
                    entry.path.display()
                );
                assert_eq!(
                    hunk.new_lines().count(),
                    hunk.new_len,
                    "{}",
                    entry.path.display()
                );
            }
        }
    }
}

#[test]
fn later_revisions_supersede_earlier_ones() {
    let registry = Registry::load(&shared().join("data/patches")).unwrap();
    let revisions: Vec<(u32, bool)> = registry
        .by_cve("CVE-2026-10725")
        .map(|e| (e.name.revision, e.superseded))
        .collect();
    assert_eq!(revisions, [(1, true), (2, false)]);
    let current: Vec<String> = registry
        .for_release("Protocol-HTTP2", "1.12")
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(current, ["CVE-2026-10725-r2"]);
    // Two CVEs for one release, each at its own revision.
    let lpm: Vec<String> = registry
        .for_release("Net-IP-LPM", "1.10")
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(lpm, ["CVE-2025-40910-r1", "CVE-2026-56015-r2"]);
    // version.pm equality: 1.1 is 1.10.
    assert_eq!(registry.for_release("Net-IP-LPM", "1.1").count(), 2);
    assert_eq!(registry.for_release("Net-IP-LPM", "1.01").count(), 0);
}

#[test]
fn a_misplaced_or_misnamed_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = shared().join("data/patches/G/Gazelle/0.49/CVE-2026-40562-r1.patch");
    for (place, expect) in [
        ("G/Gazelle/0.49/fix.patch", "CVE-YYYY-NNNN-rN.patch"),
        (
            "X/Gazelle/0.49/CVE-2026-40562-r1.patch",
            "belongs under the directory G",
        ),
        (
            "G/Gazelle/CVE-2026-40562-r1.patch",
            "expected a version directory",
        ),
    ] {
        let root = dir.path().join(place.replace('/', "_"));
        let target = root.join(place);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(&good, &target).unwrap();
        let err = Registry::load(&root).unwrap_err();
        assert!(matches!(err, PatchError::Registry { .. }), "{err}");
        assert!(err.to_string().contains(expect), "{err}");
    }
}

#[test]
fn a_malformed_patch_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("F/Foo/1.0/CVE-2026-0001-r1.patch");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(
        &target,
        "--- a/x\n+++ b/x\n@@ -1,4 +1,2 @@\n-a\n+b\nnot a hunk line\n",
    )
    .unwrap();
    let registry = Registry::load(dir.path()).unwrap();
    let text = registry.entries()[0].parsed().unwrap_err().to_string();
    assert!(text.contains("CVE-2026-0001-r1.patch:3"), "{text}");
    assert!(text.contains("hunk ends early at line 6"), "{text}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
