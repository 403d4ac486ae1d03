//! `cpansec patch ...` on the real registry and on real distribution archives.

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::support::{cpansec, shared};

fn registry() -> std::path::PathBuf {
    shared().join("data/patches")
}

#[test]
fn list_shows_every_cve_of_the_real_registry() {
    let out = cpansec()
        .args(["patch", "list", "--registry"])
        .arg(registry())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for entry in walk(&registry()) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".patch") {
            let cve = stem.rsplit_once("-r").unwrap().0;
            assert!(out.contains(cve), "{cve} missing from:\n{out}");
        }
    }
    assert!(
        out.contains("unusable"),
        "the malformed real patch is flagged:\n{out}"
    );
}

#[test]
fn the_registry_comes_from_the_environment_or_an_alias_and_is_required() {
    cpansec()
        .args(["patch", "list", "Protocol-HTTP2"])
        .env("CPANSEC_PATCHES", registry())
        .assert()
        .success()
        .stdout("Protocol-HTTP2\t1.12\tCVE-2026-10725-r2  [PATCH] Security fix for CVE-2026-10725 (http2 bomb)\n");
    cpansec()
        .args(["patch", "--patches"])
        .arg(registry())
        .args(["list", "Protocol-HTTP2", "--all", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"superseded\": true"));
    cpansec()
        .args(["patch", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--registry"));
}

#[test]
fn show_names_every_revision() {
    cpansec()
        .args(["patch", "show", "CVE-2026-10725", "--registry"])
        .arg(registry())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "CVE-2026-10725-r1 for Protocol-HTTP2 1.12 (superseded)",
        ))
        .stdout(predicate::str::contains(
            "CVE-2026-10725-r2 for Protocol-HTTP2 1.12\n",
        ));
    cpansec()
        .args(["patch", "show", "CVE-1999-0001", "--registry"])
        .arg(registry())
        .assert()
        .code(3);
}

/// A registry with one patch for Config-Tiny 2.26, made against the real
/// archive's lib/Config/Tiny.pm.
fn config_tiny_registry(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("registry");
    let patch_dir = root.join("C/Config-Tiny/2.26");
    fs::create_dir_all(&patch_dir).unwrap();
    let tarball = shared().join("corpus/tarball/Config-Tiny-2.26.tgz");
    let pristine = dir.join("pristine");
    cpansec_meta::Tarball::open(&tarball, &Default::default())
        .unwrap()
        .unpack_to(&pristine)
        .unwrap();
    let text = fs::read_to_string(pristine.join("lib/Config/Tiny.pm")).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("use strict"))
        .unwrap()
        + 1;
    let patch = format!(
        "From: CPAN Security <security@example.org>\nSubject: [PATCH] harden\n\n---\n--- a/lib/Config/Tiny.pm\n+++ b/lib/Config/Tiny.pm\n@@ -{line},1 +{line},2 @@\n use strict;\n+use warnings; # hardened\n"
    );
    fs::write(patch_dir.join("CVE-2026-0001-r1.patch"), patch).unwrap();
    root
}

#[test]
fn an_archive_is_unpacked_safely_then_patched_and_a_second_apply_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = config_tiny_registry(dir.path());
    let tarball = shared().join("corpus/tarball/Config-Tiny-2.26.tgz");
    let out = dir.path().join("Config-Tiny-2.26");
    cpansec()
        .args(["patch", "apply"])
        .arg(&tarball)
        .arg("-o")
        .arg(&out)
        .arg("--registry")
        .arg(&root)
        .assert()
        .success()
        .stdout("applied CVE-2026-0001-r1 to Config-Tiny 2.26 (lib/Config/Tiny.pm)\n");
    let patched = fs::read_to_string(out.join("lib/Config/Tiny.pm")).unwrap();
    assert!(patched.contains("use strict;\nuse warnings; # hardened\n"));
    let record = fs::read_to_string(out.join(".cpansec-patches.json")).unwrap();
    assert!(record.contains("\"cve\": \"CVE-2026-0001\""), "{record}");
    // The installer flow: the patched tree is an ordinary distribution.
    let makefile = std::process::Command::new("perl")
        .arg("Makefile.PL")
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        makefile.status.success(),
        "{}",
        String::from_utf8_lossy(&makefile.stderr)
    );
    let before = fs::read(out.join("lib/Config/Tiny.pm")).unwrap();
    cpansec()
        .args(["patch", "apply"])
        .arg(&out)
        .arg("--registry")
        .arg(&root)
        .assert()
        .success()
        .stdout("already applied: CVE-2026-0001-r1 (Config-Tiny 2.26)\n");
    assert_eq!(fs::read(out.join("lib/Config/Tiny.pm")).unwrap(), before);
}

#[test]
fn a_failing_hunk_exits_3_names_the_file_and_leaves_no_tree_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = config_tiny_registry(dir.path());
    let patch = root.join("C/Config-Tiny/2.26/CVE-2026-0001-r1.patch");
    let text = fs::read_to_string(&patch)
        .unwrap()
        .replace(" use strict;", " use stricter;");
    fs::write(&patch, text).unwrap();
    let out = dir.path().join("unpacked");
    cpansec()
        .args(["patch", "apply"])
        .arg(shared().join("corpus/tarball/Config-Tiny-2.26.tgz"))
        .arg("-o")
        .arg(&out)
        .arg("--registry")
        .arg(&root)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("hunk #1 of lib/Config/Tiny.pm"))
        .stderr(predicate::str::contains("nothing was changed"));
    assert!(!out.exists());
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = config_tiny_registry(dir.path());
    let tree = dir.path().join("pristine");
    let before = fs::read(tree.join("lib/Config/Tiny.pm")).unwrap();
    cpansec()
        .args(["patch", "apply", "--dry-run", "--format", "json"])
        .arg(&tree)
        .arg("--registry")
        .arg(&root)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"status\": \"applied\""))
        .stdout(predicate::str::contains("\"dry_run\": true"));
    assert_eq!(fs::read(tree.join("lib/Config/Tiny.pm")).unwrap(), before);
    assert!(!tree.join(".cpansec-patches.json").exists());
}

#[test]
fn a_tree_without_meta_needs_the_release_named() {
    let dir = tempfile::tempdir().unwrap();
    cpansec()
        .args(["patch", "apply"])
        .arg(dir.path())
        .arg("--registry")
        .arg(registry())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--dist NAME --release VERSION"));
    cpansec()
        .args([
            "patch",
            "apply",
            "--dist",
            "Nothing-Here",
            "--release",
            "1.0",
        ])
        .arg(dir.path())
        .arg("--registry")
        .arg(registry())
        .assert()
        .success()
        .stdout("no patches for Nothing-Here 1.0\n");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
