//! Arbitrary bytes as a distribution archive: reading never panics, and
//! whatever is accepted respects the limits and the path invariants.
#![no_main]

use cpansec_meta::{ArchiveEntryKind, Tarball, TarballLimits};
use libfuzzer_sys::fuzz_target;

const LIMITS: TarballLimits = TarballLimits {
    max_compressed: 1024 * 1024,
    max_unpacked_total: 8 * 1024 * 1024,
    max_file_size: 2 * 1024 * 1024,
    max_entries: 2_000,
    max_path_len: 512,
};

fuzz_target!(|data: &[u8]| {
    let Ok(tarball) = Tarball::parse(data.to_vec(), &LIMITS) else {
        return;
    };
    let entries = tarball.entries();
    assert!(entries.len() as u64 <= LIMITS.max_entries);
    let mut total = 0u64;
    for entry in entries {
        let path = &entry.path;
        assert!(!path.is_empty() && !path.starts_with('/') && !path.ends_with('/'));
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..")
        );
        assert!(path.len() as u64 <= LIMITS.max_path_len);
        assert!(entry.size <= LIMITS.max_file_size);
        assert_eq!(entry.sha256.is_some(), entry.kind == ArchiveEntryKind::File);
        assert_eq!(
            entry.link_target.is_some(),
            matches!(
                entry.kind,
                ArchiveEntryKind::Symlink | ArchiveEntryKind::Hardlink
            )
        );
        assert!(
            tarball.rel_path(path).is_some(),
            "{path} outside the top dir"
        );
        total += entry.size;
    }
    assert!(total <= LIMITS.max_unpacked_total);
    // Kept files are files of the archive, byte for byte the size recorded.
    for (rel, bytes) in tarball.files() {
        let entry = entries
            .iter()
            .find(|e| tarball.rel_path(&e.path) == Some(rel))
            .expect("a kept file is an entry");
        assert_eq!(entry.kind, ArchiveEntryKind::File);
        assert_eq!(entry.size, bytes.len() as u64);
    }
    if let Some(makefile) = tarball.makefile_pl() {
        let _ = makefile.prereqs();
    }
});
