//! A distribution archive as the audit target (`cpansec audit
//! Foo-1.0.tar.gz`): what the distribution asks for, read from the archive
//! in memory through `cpansec_meta::Tarball` (never unpacked to disk).
//!
//! The requirements are the distribution's META file (`META.json`, else
//! `META.yml`; else `MYMETA.json`, else `MYMETA.yml`) and, when the archive
//! ships one, its `cpanfile`; a requirement named in both keeps the first
//! line that named it (META first). The distribution's own modules (META
//! `provides`, and every `lib/**/*.pm` of the archive) and the distribution
//! itself are not dependencies of it. Origins are written
//! `ARCHIVE!/FILE` (`Foo-1.0.tar.gz!/META.json`), the file inside the
//! archive relative to its top directory.

use std::collections::BTreeSet;
use std::path::Path;

use cpansec_advisory::Database;
use cpansec_meta::{Cpanfile, Meta, Tarball, TarballLimits};

use crate::Error;
use crate::deps::{DependencySet, LoadOptions, cpanfile_wanted, display, meta_wanted};

/// The archive names `cpansec audit FILE` reads as a distribution archive.
pub const ARCHIVE_SUFFIXES: [&str; 7] = [
    ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tbz2", ".zip",
];

/// True when `name` ends like a distribution archive.
pub fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// The META files of an archive, in the order they are preferred.
const META_NAMES: [&str; 4] = ["META.json", "META.yml", "MYMETA.json", "MYMETA.yml"];

impl DependencySet {
    /// Reads the requirements of the distribution archive at `path`.
    pub fn from_tarball(
        path: &Path,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let tarball =
            Tarball::open(path, &TarballLimits::DEFAULT).map_err(|source| Error::Input {
                path: path.to_path_buf(),
                source: Box::new(source),
            })?;
        Self::from_tarball_parsed(&tarball, &display(path), db, opts)
    }

    /// [`DependencySet::from_tarball`] of an archive already read; `label`
    /// names it in origins and errors.
    pub fn from_tarball_parsed(
        tarball: &Tarball,
        label: &str,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        let inner = |file: &str| format!("{label}!/{file}");
        let input_err = |file: &str, source: cpansec_meta::Error| Error::Input {
            path: inner(file).into(),
            source: Box::new(source),
        };
        let mut wanted = Vec::new();
        let mut inputs = Vec::new();
        let mut own_dist = None;
        let mut own_modules: BTreeSet<String> = tarball
            .modules()
            .filter_map(|(rel, _)| rel.strip_suffix(".pm"))
            .map(|m| m.replace('/', "::"))
            .collect();
        if let Some((name, bytes)) = META_NAMES
            .iter()
            .find_map(|n| tarball.file(n).map(|b| (*n, b)))
        {
            let meta = Meta::parse_bytes(bytes, None).map_err(|e| input_err(name, e))?;
            let file = inner(name);
            wanted.extend(meta_wanted(&file, &meta, opts));
            if let Some(p) = &meta.provides {
                own_modules.extend(p.keys().cloned());
            }
            own_dist = Some(meta.name.clone());
            inputs.push(file);
        }
        if let Some(bytes) = tarball.file("cpanfile") {
            // As `Cpanfile::read`: invalid UTF-8 is replaced, never fatal.
            let text = String::from_utf8_lossy(bytes);
            let c = Cpanfile::parse(&text).map_err(|e| input_err("cpanfile", e))?;
            let file = inner("cpanfile");
            wanted.extend(cpanfile_wanted(&file, &c, opts));
            inputs.push(file);
        }
        if inputs.is_empty() {
            return Err(Error::NothingInArchive(label.into()));
        }
        wanted.retain(|w| !own_modules.contains(&w.module));
        let first = inputs.remove(0);
        let mut set = Self::from_ranges(first, wanted, db, opts);
        set.inputs.extend(inputs);
        if let Some(own) = own_dist {
            set.dependencies.retain(|d| d.dist != own);
        }
        Ok(set)
    }
}
