//! Tarball reading: every archive of the shared corpus against `tar -tf` /
//! `unzip -Z1` as the oracle for the entry list and `tar -xf` for
//! extraction; hostile archives built here, each refused with its own error
//! and leaving the unpack target untouched.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cpansec_meta::{
    ArchiveEntryKind, ArchiveFormat, Error, ErrorKind, Limit, Static, Tarball, TarballLimits,
};

use crate::support;

fn corpus() -> PathBuf {
    support::shared().join("corpus/tarball")
}

fn corpus_archives() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(corpus())
        .expect("corpus/tarball")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_none_or(|e| e != "tsv"))
        .collect();
    out.sort();
    out
}

/// The oracle's entry list, normalised as we normalise (no `./`, no
/// trailing `/`, no archive root entry).
fn oracle_list(archive: &Path) -> Vec<String> {
    let is_zip = archive.extension().is_some_and(|e| e == "zip");
    let out = if is_zip {
        Command::new("unzip").arg("-Z1").arg(archive).output()
    } else {
        Command::new("tar").arg("-tf").arg(archive).output()
    }
    .expect("tar/unzip runs");
    assert!(
        out.status.success(),
        "oracle failed on {}",
        archive.display()
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 listing")
        .lines()
        .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty() && l != ".")
        .collect()
}

/// One line per archive: what reading it gives.
fn summary(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    match Tarball::open(path, &TarballLimits::default()) {
        Err(e) => format!("{name}: error {e}"),
        Ok(t) => {
            let kinds = |k| t.entries().iter().filter(|e| e.kind == k).count();
            let mf = t.makefile_pl().map(|m| match m.name() {
                Some(Static::Known(n)) => format!("Makefile.PL NAME={n}"),
                Some(Static::NotStatic(e)) => format!("Makefile.PL NAME=<{e}>"),
                None if m.args.is_some() => "Makefile.PL (no NAME)".to_string(),
                None => "Makefile.PL (no WriteMakefile)".to_string(),
            });
            format!(
                "{name}: {} top={} files={} dirs={} links={} meta={} modules={} {}",
                t.format(),
                t.top_dir().unwrap_or("-"),
                kinds(ArchiveEntryKind::File),
                kinds(ArchiveEntryKind::Directory),
                kinds(ArchiveEntryKind::Symlink) + kinds(ArchiveEntryKind::Hardlink),
                t.meta_bytes().map_or("-", |(n, _)| n),
                t.modules().count(),
                mf.unwrap_or_default(),
            )
            .trim_end()
            .to_string()
        }
    }
}

#[test]
fn corpus_archives_read_as_expected() {
    let got: Vec<String> = corpus_archives().iter().map(|p| summary(p)).collect();
    let expected = include_str!("tarball_corpus.txt");
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(
        got.join("\n"),
        expected.join("\n"),
        "expected (tests/tarball_corpus.txt) vs got"
    );
}

#[test]
fn corpus_entry_lists_agree_with_tar_and_unzip() {
    let mut agreed = 0;
    let archives = corpus_archives();
    for archive in &archives {
        let t = Tarball::open(archive, &TarballLimits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", archive.display()));
        let ours: Vec<String> = t.entries().iter().map(|e| e.path.clone()).collect();
        let oracle = oracle_list(archive);
        assert_eq!(ours, oracle, "{}", archive.display());
        agreed += 1;
    }
    assert_eq!(agreed, archives.len());
    assert_eq!(agreed, 29);
}

#[test]
fn corpus_files_agree_with_tar_extraction() {
    // Sizes and SHA-256 of every file, and the kept bytes, against what
    // tar writes (one extraction per archive).
    use sha2::Digest;
    let mut files = 0;
    for archive in corpus_archives() {
        if archive.extension().is_some_and(|e| e == "zip") {
            continue;
        }
        let t = Tarball::open(&archive, &TarballLimits::default()).expect("opens");
        let work = tempfile::tempdir().expect("tempdir");
        let status = Command::new("tar")
            .arg("-xf")
            .arg(&archive)
            .arg("-C")
            .arg(work.path())
            .status()
            .expect("tar runs");
        assert!(status.success());
        Command::new("chmod")
            .arg("-R")
            .arg("u+rwX")
            .arg(work.path())
            .status()
            .expect("chmod");
        for entry in t
            .entries()
            .iter()
            .filter(|e| e.kind == ArchiveEntryKind::File)
        {
            let theirs = fs::read(work.path().join(&entry.path)).expect("tar wrote it");
            assert_eq!(entry.size, theirs.len() as u64, "{}", entry.path);
            let sha: [u8; 32] = sha2::Sha256::digest(&theirs).into();
            assert_eq!(entry.sha256, Some(sha), "{}", entry.path);
            if let Some(kept) = t.rel_path(&entry.path).and_then(|rel| t.file(rel)) {
                assert_eq!(kept, theirs.as_slice(), "{}", entry.path);
            }
            files += 1;
        }
    }
    assert!(files > 1000, "{files}");
}

#[test]
fn unpack_matches_tar_and_unzip_extraction() {
    for name in [
        "XML-Tiny-DOM-1.0.tar.bz2",
        "XML-Tiny-DOM-1.0.zip",
        "Bad-Permissions-123.456.tar.gz",
        "Dist-Metadata-Test-MetaFile-Only.tar.gz",
        "MongoDB-v2.2.2.tar.gz",
    ] {
        let archive = corpus().join(name);
        let work = tempfile::tempdir().expect("tempdir");
        let ours = work.path().join("ours");
        let t = Tarball::unpack(&archive, &ours, &TarballLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = work.path().join("theirs");
        fs::create_dir(&theirs).expect("mkdir");
        let status = if name.ends_with(".zip") {
            Command::new("unzip")
                .arg("-q")
                .arg(&archive)
                .arg("-d")
                .arg(&theirs)
                .status()
        } else {
            Command::new("tar")
                .arg("-xf")
                .arg(&archive)
                .arg("-C")
                .arg(&theirs)
                .status()
        }
        .expect("extract");
        assert!(status.success());
        let theirs = match t.top_dir() {
            Some(top) => theirs.join(top),
            None => theirs,
        };
        // tar keeps mode 000 from Bad-Permissions; make it readable to compare.
        Command::new("chmod")
            .arg("-R")
            .arg("u+rwX")
            .arg(&theirs)
            .status()
            .expect("chmod");
        let diff = Command::new("diff")
            .arg("-r")
            .arg(&ours)
            .arg(&theirs)
            .output()
            .expect("diff");
        assert!(
            diff.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&diff.stdout)
        );
        let leftovers: Vec<_> = fs::read_dir(work.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .filter(|n| n.to_string_lossy().starts_with(".cpansec-unpack-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[cfg(unix)]
#[test]
fn unpacked_modes_are_sanitised() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("d");
    let t = Tarball::open(
        corpus().join("Bad-Permissions-123.456.tar.gz"),
        &TarballLimits::default(),
    )
    .expect("opens");
    let stored: Vec<(&str, u32)> = t
        .entries()
        .iter()
        .map(|e| (e.path.as_str(), e.mode))
        .collect();
    assert_eq!(
        stored,
        [
            ("Bad-Permissions-123.456", 0o755),
            ("Bad-Permissions-123.456/Permissions.pm", 0)
        ]
    );
    Tarball::unpack(
        corpus().join("Bad-Permissions-123.456.tar.gz"),
        &dir,
        &TarballLimits::default(),
    )
    .expect("unpacks");
    let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(mode(&dir.join("Permissions.pm")) & 0o600, 0o600);
    assert_eq!(mode(&dir) & 0o7777, 0o755);
}

#[test]
fn format_comes_from_magic_not_name() {
    let work = tempfile::tempdir().expect("tempdir");
    let fake = work.path().join("XML-Tiny-DOM-1.0.tar.gz");
    fs::copy(corpus().join("XML-Tiny-DOM-1.0.tar"), &fake).expect("copy");
    let t = Tarball::open(&fake, &TarballLimits::default()).expect("opens");
    assert_eq!(t.format(), ArchiveFormat::Tar);
    let zip_named_tgz = work.path().join("x.tgz");
    fs::copy(corpus().join("XML-Tiny-DOM-1.0.zip"), &zip_named_tgz).expect("copy");
    assert_eq!(
        Tarball::open(&zip_named_tgz, &TarballLimits::default())
            .expect("opens")
            .format(),
        ArchiveFormat::Zip
    );
}

#[test]
fn accessors_on_a_real_dist() {
    let t = Tarball::open(
        corpus().join("MongoDB-v2.2.2.tar.gz"),
        &TarballLimits::default(),
    )
    .expect("opens");
    assert_eq!(t.top_dir(), Some("MongoDB-v2.2.2"));
    let (name, meta) = t.meta_bytes().expect("META");
    assert_eq!(name, "META.json");
    assert!(meta.starts_with(b"{"));
    assert!(t.modules().any(|(p, _)| p == "MongoDB.pm"));
    assert!(t.modules().all(|(p, _)| p.ends_with(".pm")));
    let m = t.makefile_pl().expect("Makefile.PL");
    assert_eq!(m.name(), Some(Static::Known("MongoDB".into())));
    assert_eq!(m.min_perl_version(), Some(Static::Known("5.010001".into())));
    assert_eq!(m.license(), Some(Static::Known("apache".into())));
    let (prereqs, _) = m.prereqs();
    let moo = prereqs.get(
        &cpansec_meta::Phase::Runtime,
        &cpansec_meta::Relation::Requires,
        "Moo",
    );
    assert_eq!(moo.map(|p| p.requirement.as_str()), Some("2"));

    // META.yml only, and a top-level module.
    let t = Tarball::open(
        corpus().join("FreezeThaw-0.5001.tar.gz"),
        &TarballLimits::default(),
    )
    .expect("opens");
    assert_eq!(t.meta_bytes().map(|(n, _)| n), Some("META.yml"));
    assert!(t.file("FreezeThaw.pm").is_some());
    // No top directory: META.json at the root.
    let t = Tarball::open(
        corpus().join("Dist-Metadata-Test-MetaFile-Only.tar.gz"),
        &TarballLimits::default(),
    )
    .expect("opens");
    assert_eq!(t.top_dir(), None);
    assert_eq!(t.meta_bytes().map(|(n, _)| n), Some("META.json"));
}

// ---------------------------------------------------------------------------
// Hostile archives. Raw ustar headers are written by hand where the tar
// crate's builder (rightly) refuses the name.

fn header(name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, bytes: &[u8]| {
        for (i, b) in bytes.iter().enumerate() {
            h[at + i] = *b;
        }
    };
    put(&mut h, 0, &name[..name.len().min(100)]);
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{size:011o}\0").as_bytes());
    put(&mut h, 136, b"00000000000\0");
    h[156] = typeflag;
    put(&mut h, 157, &link[..link.len().min(100)]);
    put(&mut h, 257, b"ustar\x0000");
    put(&mut h, 148, b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    h
}

/// A raw tar entry: (name, typeflag, data, link target).
type RawEntry<'a> = (&'a [u8], u8, &'a [u8], &'a [u8]);

/// A tar of raw entries.
fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, typeflag, data, link) in entries {
        out.extend_from_slice(&header(name, *typeflag, data.len() as u64, link));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

/// Writes `archive` beside an empty place for the unpack target, tries to
/// unpack, and checks the directory holds exactly what it held before.
fn refused(archive: &[u8], limits: &TarballLimits) -> ErrorKind {
    let work = tempfile::tempdir().expect("tempdir");
    let path = work.path().join("Hostile-1.0.tar.gz");
    fs::write(&path, archive).expect("write");
    let listing = |dir: &Path| -> BTreeSet<String> {
        fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    let before = listing(work.path());
    let target = work.path().join("target");
    let error: Error = Tarball::unpack(&path, &target, limits).expect_err("must be refused");
    assert_eq!(listing(work.path()), before, "unpack left something behind");
    assert_eq!(
        error.path.as_deref(),
        Some(path.as_path()),
        "error names the archive"
    );
    // The in-memory reader agrees with the file reader.
    let again = Tarball::parse(archive.to_vec(), limits).expect_err("refused in memory too");
    assert_eq!(format!("{}", again.kind), format!("{}", error.kind));
    error.kind
}

fn defaults() -> TarballLimits {
    TarballLimits::default()
}

#[test]
fn parent_dir_traversal() {
    let tar = raw_tar(&[
        (b"D-1/../x", b'0', b"boom", b""),
        (b"D-1/a", b'0', b"", b""),
    ]);
    match refused(&gzip(&tar), &defaults()) {
        ErrorKind::ArchiveParentDir { entry } => assert_eq!(entry, "D-1/../x"),
        e => panic!("{e:?}"),
    }
    let tar = raw_tar(&[(b"../x", b'0', b"boom", b"")]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveParentDir { .. }
    ));
}

#[test]
fn absolute_path() {
    let tar = raw_tar(&[(b"/etc/x", b'0', b"boom", b"")]);
    match refused(&gzip(&tar), &defaults()) {
        ErrorKind::ArchiveAbsolutePath { entry } => assert_eq!(entry, "/etc/x"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn symlink_out_then_write_through_it() {
    // The classic: a link to /etc, then a file "inside" it.
    let tar = raw_tar(&[
        (b"D-1/", b'5', b"", b""),
        (b"D-1/etc", b'2', b"", b"/etc"),
        (b"D-1/etc/passwd", b'0', b"root::0:0::/:/bin/sh\n", b""),
    ]);
    match refused(&gzip(&tar), &defaults()) {
        ErrorKind::ArchiveLinkOutside {
            entry,
            target,
            hard,
        } => {
            assert_eq!(
                (entry.as_str(), target.as_str(), hard),
                ("D-1/etc", "/etc", false)
            );
        }
        e => panic!("{e:?}"),
    }
    // A link to a file, then a file of the same name (writes through it
    // with a naive extractor).
    let tar = raw_tar(&[
        (b"D-1/passwd", b'2', b"", b"/etc/passwd"),
        (b"D-1/passwd", b'0', b"owned\n", b""),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveDuplicate { .. }
    ));
    // Relative escapes, and escapes through another link.
    let tar = raw_tar(&[
        (b"D-1/up", b'2', b"", b"../../etc"),
        (b"D-1/a", b'0', b"", b""),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveLinkOutside { .. }
    ));
    let tar = raw_tar(&[
        (b"D-1/here", b'2', b"", b"."),
        (b"D-1/sneaky", b'2', b"", b"here/../x"),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveLinkOutside { .. }
    ));
    let tar = raw_tar(&[
        (b"D-1/loop", b'2', b"", b"loop"),
        (b"D-1/a", b'0', b"", b""),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveLinkOutside { .. }
    ));
}

#[test]
fn writing_below_an_in_tree_link_is_refused() {
    let tar = raw_tar(&[
        (b"D-1/sub/", b'5', b"", b""),
        (b"D-1/l", b'2', b"", b"sub"),
        (b"D-1/l/x", b'0', b"x", b""),
    ]);
    match refused(&tar, &defaults()) {
        ErrorKind::ArchivePathConflict { entry, prefix } => {
            assert_eq!((entry.as_str(), prefix.as_str()), ("D-1/l/x", "D-1/l"));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn hardlinks_out_or_dangling() {
    let tar = raw_tar(&[
        (b"D-1/a", b'0', b"", b""),
        (b"D-1/h", b'1', b"", b"/etc/passwd"),
    ]);
    match refused(&tar, &defaults()) {
        ErrorKind::ArchiveLinkOutside { hard, .. } => assert!(hard),
        e => panic!("{e:?}"),
    }
    let tar = raw_tar(&[
        (b"D-1/a", b'0', b"", b""),
        (b"D-1/h", b'1', b"", b"Other/x"),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveLinkOutside { .. }
    ));
    let tar = raw_tar(&[
        (b"D-1/a", b'0', b"", b""),
        (b"D-1/h", b'1', b"", b"D-1/nope"),
    ]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveHardlinkTarget { .. }
    ));
}

#[test]
fn in_tree_links_are_recorded_not_followed() {
    let tar = raw_tar(&[
        (b"D-1/lib/Real.pm", b'0', b"package Real; 1;\n", b""),
        (b"D-1/lib/Alias.pm", b'2', b"", b"Real.pm"),
        (b"D-1/lib/Copy.pm", b'1', b"", b"D-1/lib/Real.pm"),
    ]);
    let t = Tarball::parse(tar.clone(), &defaults()).expect("in-tree links are fine");
    assert_eq!(t.top_dir(), Some("D-1"));
    assert!(t.file("lib/Real.pm").is_some());
    assert!(
        t.file("lib/Alias.pm").is_none(),
        "links are never followed to read"
    );
    let kinds: Vec<_> = t.entries().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ArchiveEntryKind::File,
            ArchiveEntryKind::Symlink,
            ArchiveEntryKind::Hardlink
        ]
    );
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("out");
    t.unpack_to(&dir).expect("unpacks");
    let alias = dir.join("lib/Alias.pm");
    assert!(
        fs::symlink_metadata(&alias)
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_link(&alias).expect("readlink"),
        Path::new("Real.pm")
    );
    assert_eq!(
        fs::read(dir.join("lib/Copy.pm")).expect("read"),
        b"package Real; 1;\n"
    );
    assert!(
        !fs::symlink_metadata(dir.join("lib/Copy.pm"))
            .expect("stat")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn devices_and_fifos() {
    for (flag, kind) in [
        (b'3', "character device"),
        (b'4', "block device"),
        (b'6', "FIFO"),
    ] {
        let tar = raw_tar(&[(b"D-1/dev", flag, b"", b"")]);
        match refused(&tar, &defaults()) {
            ErrorKind::ArchiveSpecialEntry { entry, kind: k } => {
                assert_eq!((entry.as_str(), k.as_str()), ("D-1/dev", kind));
            }
            e => panic!("{e:?}"),
        }
    }
}

#[test]
fn non_utf8_names() {
    let tar = raw_tar(&[(b"D-1/caf\xe9.pm", b'0', b"", b"")]);
    match refused(&tar, &defaults()) {
        ErrorKind::ArchiveNonUtf8Name { entry } => assert_eq!(entry, "D-1/caf\u{fffd}.pm"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn duplicates() {
    let tar = raw_tar(&[(b"D-1/a", b'0', b"one", b""), (b"D-1/a", b'0', b"two", b"")]);
    match refused(&tar, &defaults()) {
        ErrorKind::ArchiveDuplicate { entry } => assert_eq!(entry, "D-1/a"),
        e => panic!("{e:?}"),
    }
    let tar = raw_tar(&[
        (b"D-1/a", b'0', b"same", b""),
        (b"D-1/a", b'0', b"same", b""),
    ]);
    let t = Tarball::parse(tar, &defaults()).expect("identical repeats are harmless");
    assert_eq!(t.entries().len(), 1);
    let tar = raw_tar(&[(b"D-1/a", b'5', b"", b""), (b"D-1/a", b'0', b"", b"")]);
    assert!(matches!(
        refused(&tar, &defaults()),
        ErrorKind::ArchiveDuplicate { .. }
    ));
}

#[test]
fn very_long_names() {
    // The tar builder writes a GNU long-name record for this.
    let mut builder = tar::Builder::new(Vec::new());
    let name = format!("D-1/{}", "a".repeat(5000));
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(1);
    builder
        .append_data(&mut h, &name, &b"x"[..])
        .expect("append");
    let tar = builder.into_inner().expect("tar");
    match refused(&gzip(&tar), &defaults()) {
        ErrorKind::ArchiveLimit { limit, max, entry } => {
            assert_eq!((limit, max), (Limit::PathLen, 1024));
            assert!(entry.is_some_and(|e| e.len() > 5000));
        }
        e => panic!("{e:?}"),
    }
    // Long link targets too.
    let long = "b".repeat(2000);
    let tar = raw_tar(&[(b"D-1/l", b'2', b"", long.as_bytes())]);
    let _ = tar; // ustar caps targets at 100 bytes; use the builder's GNU record.
    let mut builder = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_mode(0o777);
    h.set_size(0);
    builder.append_link(&mut h, "D-1/l", &long).expect("append");
    let tar = builder.into_inner().expect("tar");
    match refused(&tar, &defaults()) {
        ErrorKind::ArchiveLimit {
            limit: Limit::PathLen,
            ..
        } => {}
        e => panic!("{e:?}"),
    }
}

/// A gzip stream inflating to about `gib` GiB: a tar header for one file
/// whose size field claims it all, then zeros, as many identical gzip
/// members (each 1 MiB of zeros) as it takes. Small to hold, huge to inflate.
fn gzip_bomb(gib: u64) -> Vec<u8> {
    let claimed = gib * 1024 * 1024 * 1024;
    let mut h = tar::Header::new_gnu();
    h.set_path("Bomb-1.0/zeros").expect("path");
    h.set_size(claimed);
    h.set_mode(0o644);
    h.set_cksum();
    let mut out = gzip(h.as_bytes());
    let member = gzip(&vec![0u8; 1024 * 1024]);
    for _ in 0..gib * 1024 {
        out.extend_from_slice(&member);
    }
    out
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    let bomb = gzip_bomb(10);
    assert!(bomb.len() < 64 * 1024 * 1024, "the bomb itself is small");
    // Default limits: the entry is refused as soon as its header is read.
    let started = Instant::now();
    match refused(&bomb, &defaults()) {
        ErrorKind::ArchiveLimit { limit, entry, .. } => {
            assert_eq!(limit, Limit::FileSize);
            assert_eq!(entry.as_deref(), Some("Bomb-1.0/zeros"));
        }
        e => panic!("{e:?}"),
    }
    // Headers not trusted: with no per-file bound, the decompressed byte
    // count stops it at the total.
    let limits = TarballLimits {
        max_file_size: u64::MAX,
        max_unpacked_total: 32 * 1024 * 1024,
        ..defaults()
    };
    match refused(&bomb, &limits) {
        ErrorKind::ArchiveLimit { limit, max, .. } => {
            assert_eq!((limit, max), (Limit::UnpackedTotal, 32 * 1024 * 1024));
        }
        e => panic!("{e:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn zip_that_lies_about_its_sizes() {
    // One entry of 8 MiB of zeros whose directory claims 10 bytes.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("Bomb-1.0/zeros", options).expect("start");
    zip.write_all(&vec![0u8; 8 * 1024 * 1024]).expect("write");
    let mut bytes = zip.finish().expect("finish").into_inner();
    let patch = |bytes: &mut Vec<u8>, sig: &[u8], offset: usize| {
        let at = bytes.windows(4).position(|w| w == sig).expect("signature");
        bytes[at + offset..at + offset + 4].copy_from_slice(&10u32.to_le_bytes());
    };
    patch(&mut bytes, b"PK\x03\x04", 22);
    patch(&mut bytes, b"PK\x01\x02", 24);
    let limits = TarballLimits {
        max_file_size: 1024 * 1024,
        ..defaults()
    };
    match refused(&bytes, &limits) {
        ErrorKind::ArchiveLimit {
            limit: Limit::FileSize,
            ..
        }
        | ErrorKind::ArchiveCorrupt { .. } => {}
        e => panic!("{e:?}"),
    }
}

#[test]
fn entry_count_bomb() {
    let names: Vec<String> = (0..1001).map(|i| format!("D-1/f{i}")).collect();
    let entries: Vec<RawEntry<'_>> = names
        .iter()
        .map(|n| (n.as_bytes(), b'0', &b""[..], &b""[..]))
        .collect();
    let limits = TarballLimits {
        max_entries: 1000,
        ..defaults()
    };
    match refused(&gzip(&raw_tar(&entries)), &limits) {
        ErrorKind::ArchiveLimit { limit, entry, .. } => {
            assert_eq!(limit, Limit::Entries);
            assert_eq!(entry.as_deref(), Some("D-1/f1000"));
        }
        e => panic!("{e:?}"),
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for n in &names {
        zip.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
    }
    let bytes = zip.finish().expect("finish").into_inner();
    assert!(matches!(
        refused(&bytes, &limits),
        ErrorKind::ArchiveLimit {
            limit: Limit::Entries,
            ..
        }
    ));
}

#[test]
fn zip_traversal_and_links() {
    type Writer = zip::ZipWriter<std::io::Cursor<Vec<u8>>>;
    let build = |f: &dyn Fn(&mut Writer)| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        f(&mut zip);
        zip.finish().expect("finish").into_inner()
    };
    let options = zip::write::SimpleFileOptions::default();
    let bytes = build(&|z| z.start_file("D-1/../../x", options).expect("start"));
    assert!(matches!(
        refused(&bytes, &defaults()),
        ErrorKind::ArchiveParentDir { .. }
    ));
    let bytes = build(&|z| z.start_file("D-1\\..\\..\\x", options).expect("start"));
    assert!(matches!(
        refused(&bytes, &defaults()),
        ErrorKind::ArchiveParentDir { .. }
    ));
    let bytes = build(&|z| z.start_file("/etc/x", options).expect("start"));
    assert!(matches!(
        refused(&bytes, &defaults()),
        ErrorKind::ArchiveAbsolutePath { .. }
    ));
    let bytes = build(&|z| {
        z.add_symlink("D-1/evil", "/etc/passwd", options)
            .expect("link");
    });
    assert!(matches!(
        refused(&bytes, &defaults()),
        ErrorKind::ArchiveLinkOutside { .. }
    ));
}

#[test]
fn not_archives_and_broken_ones() {
    assert!(matches!(
        refused(b"just some text, not an archive", &defaults()),
        ErrorKind::ArchiveFormat { .. }
    ));
    assert!(matches!(
        refused(
            &gzip(b"a gzip of text, not of a tar archive, at all........"),
            &defaults()
        ),
        ErrorKind::ArchiveFormat { .. }
    ));
    let good = fs::read(corpus().join("Acme-Foo-0.01.tar.gz")).expect("read");
    let truncated = good[..good.len() / 2].to_vec();
    assert!(matches!(
        refused(&truncated, &defaults()),
        ErrorKind::ArchiveCorrupt { .. }
    ));
    let limits = TarballLimits {
        max_compressed: 1000,
        ..defaults()
    };
    assert!(matches!(
        refused(&good, &limits),
        ErrorKind::ArchiveLimit {
            limit: Limit::Compressed,
            entry: None,
            ..
        }
    ));
}

#[test]
fn unpack_refuses_an_existing_target_and_leaves_it_alone() {
    let work = tempfile::tempdir().expect("tempdir");
    let target = work.path().join("exists");
    fs::create_dir(&target).expect("mkdir");
    fs::write(target.join("keep"), b"mine").expect("write");
    let t = Tarball::open(corpus().join("Foo-123.456.tar.gz"), &defaults()).expect("opens");
    match t.unpack_to(&target).map_err(|e| e.kind) {
        Err(ErrorKind::UnpackTargetExists { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(target.join("keep")).expect("read"), b"mine");
    assert_eq!(fs::read_dir(&target).expect("ls").count(), 1);
    // A symlink as the target is refused too, and not followed.
    #[cfg(unix)]
    {
        let link = work.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(matches!(
            t.unpack_to(&link).map_err(|e| e.kind),
            Err(ErrorKind::UnpackTargetExists { .. })
        ));
        assert_eq!(fs::read_dir(&target).expect("ls").count(), 1);
    }
}
