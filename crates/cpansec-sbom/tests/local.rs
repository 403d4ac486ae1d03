//! Hashes and metadata of archives found on this machine (Carton cache,
//! CPAN mirror directories), against coreutils' sha256sum/sha512sum; SBOMs of
//! archives; determinism.

use std::path::{Path, PathBuf};
use std::process::Command;

use cpansec_sbom::{Format, Sbom, Scope, Timestamp};

use crate::support;

fn coreutils(tool: &str, file: &Path) -> String {
    let out = Command::new(tool)
        .arg(file)
        .output()
        .expect("coreutils runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

fn tarball(name: &str) -> PathBuf {
    support::shared().join("corpus/tarball").join(name)
}

/// A project whose snapshot names two corpus archives and whose cpanfile
/// requires one at runtime and one for tests.
fn project_with(cache: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("cpanfile.snapshot"),
        "# carton snapshot format: version 1.0\nDISTRIBUTIONS\n  IPC-Run3-0.044\n    pathname: R/RJ/RJBS/IPC-Run3-0.044.tar.gz\n    provides:\n      IPC::Run3 0.044\n    requirements:\n      Test::More 0.31\n  common-sense-3.4\n    pathname: M/ML/MLEHMANN/common-sense-3.4.tar.gz\n    provides:\n      common::sense 3.4\n    requirements:\n      ExtUtils::MakeMaker 0\n",
    )
    .expect("snapshot");
    std::fs::write(
        dir.path().join("cpanfile"),
        "requires 'common::sense';\non test => sub { requires 'IPC::Run3'; };\n",
    )
    .expect("cpanfile");
    if let Some(root) = cache {
        for (p, f) in [
            ("R/RJ/RJBS", "IPC-Run3-0.044.tar.gz"),
            ("M/ML/MLEHMANN", "common-sense-3.4.tar.gz"),
        ] {
            let d = root.join("authors/id").join(p);
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::copy(tarball(f), d.join(f)).expect("copy archive");
        }
    }
    dir
}

#[test]
fn carton_cache_archives_are_hashed_and_read() {
    let dir = project_with(None);
    let cache = dir.path().join("local/cache");
    let dir = {
        // Same project, archives in its own Carton cache.
        let _ = project_with(Some(&cache));
        dir
    };
    let sbom = Sbom::from_project(dir.path(), &support::options()).expect("sbom");
    assert_eq!(sbom.components.len(), 2);
    for c in &sbom.components {
        let file = tarball(
            c.pathname
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .expect("path"),
        );
        let h = c.hashes.as_ref().expect("hashed");
        assert_eq!(h.sha256, coreutils("sha256sum", &file), "{}", c.name);
        assert_eq!(h.sha512, coreutils("sha512sum", &file), "{}", c.name);
        // IPC-Run3's META says open_source; common-sense's says "unknown", which
        // is no licence to declare.
        assert_eq!(
            c.license.as_ref().map(|l| l.expression.as_str()),
            (c.name == "IPC-Run3").then_some("LicenseRef-open-source"),
            "{}: licence from the archive's META",
            c.name
        );
        // common-sense's META has no abstract ("unknown").
        assert_eq!(
            c.description.is_some(),
            c.name == "IPC-Run3",
            "{}: abstract",
            c.name
        );
    }
    let scope = |n: &str| {
        sbom.components
            .iter()
            .find(|c| c.name == n)
            .and_then(|c| c.scope)
    };
    assert_eq!(scope("common-sense"), Some(Scope::Required));
    assert_eq!(scope("IPC-Run3"), Some(Scope::Excluded));
    let cdx = Format::CycloneDx16.document(&sbom);
    let hashes = &cdx["components"][0]["hashes"];
    assert_eq!(hashes[0]["alg"], "SHA-256");
    assert_eq!(hashes[1]["alg"], "SHA-512");
}

#[test]
fn mirror_archives_are_hashed() {
    let mirror = tempfile::tempdir().expect("mirror");
    let dir = project_with(None);
    let _ = project_with(Some(mirror.path()));
    let mut options = support::options();
    let none = Sbom::from_project(dir.path(), &options).expect("sbom");
    assert!(none.components.iter().all(|c| c.hashes.is_none()));
    options.cpan_mirrors = vec![mirror.path().to_path_buf()];
    let sbom = Sbom::from_project(dir.path(), &options).expect("sbom");
    assert!(sbom.components.iter().all(|c| c.hashes.is_some()));
}

#[test]
fn a_tarball_is_its_own_root_with_hashes() {
    let file = tarball("IPC-Run3-0.044.tar.gz");
    let sbom = Sbom::from_tarball(&file, &support::options()).expect("sbom");
    assert_eq!(sbom.root.name, "IPC-Run3");
    assert_eq!(sbom.root.version.as_deref(), Some("0.044"));
    assert_eq!(
        sbom.root.hashes.as_ref().map(|h| h.sha256.clone()),
        Some(coreutils("sha256sum", &file))
    );
    assert!(sbom.root.license.is_some());
}

#[test]
fn every_corpus_tarball_that_opens_gives_a_valid_sbom() {
    let dir = support::shared().join("corpus/tarball");
    let out = tempfile::tempdir().expect("out");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "tsv"))
        .collect();
    names.sort();
    let (mut ok, mut refused) = (Vec::new(), 0);
    for p in names {
        match Sbom::from_tarball(&p, &support::options()) {
            Ok(s) => ok.push(s),
            Err(e) => {
                // Hostile or odd archives the archive reader refuses.
                eprintln!("refused {}: {e}", p.display());
                refused += 1;
            }
        }
    }
    eprintln!("{} archives described, {refused} refused", ok.len());
    assert!(ok.len() >= 20);
    for (format, tag) in support::FORMATS {
        let files: Vec<PathBuf> = ok
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let f = out.path().join(format!("{i}.{tag}.json"));
                std::fs::write(&f, support::render(s, format)).expect("write");
                f
            })
            .collect();
        let failures = support::schema_failures(tag, &files, 20);
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

#[test]
fn output_is_byte_identical_for_the_same_time_and_differs_for_another() {
    let (stem, path) = support::snapshots()
        .into_iter()
        .find(|(s, _)| s == "metacpan__metacpan-api")
        .expect("largest snapshot");
    let project = support::project(&stem, &path);
    for (format, tag) in support::FORMATS {
        let a = support::render(
            &Sbom::from_project(project.path(), &support::options()).expect("a"),
            format,
        );
        let b = support::render(
            &Sbom::from_project(project.path(), &support::options()).expect("b"),
            format,
        );
        assert!(a == b, "{tag}: two runs differ");
        let mut later = support::options();
        later.created = Timestamp::from_unix(1_700_000_001).expect("time");
        let c = support::render(
            &Sbom::from_project(project.path(), &later).expect("c"),
            format,
        );
        assert!(a != c, "{tag}: another time gives the same document");
    }
    let doc = Format::CycloneDx16
        .document(&Sbom::from_project(project.path(), &support::options()).expect("sbom"));
    let serial = doc["serialNumber"].as_str().expect("serial");
    assert!(
        serial.starts_with("urn:uuid:") && serial.as_bytes()[23] == b'5',
        "{serial}"
    );
    assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
}
