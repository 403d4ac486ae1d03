//! Discovery of installed Perl modules and the distributions they came from.
//!
//! # Where modules are
//!
//! A *library directory* is a directory in `@INC`: `Foo/Bar.pm` under it is
//! module `Foo::Bar`. We walk the directories given (or a perl's own `@INC`,
//! see [`perl_inc`]) in order; as with `require`, the first file for a module
//! wins and later ones are recorded as [`InstalledModule::shadowed`].
//! A directory given to [`Installation::discover`] is expanded the way
//! local::lib and Carton lay things out:
//!
//! - `DIR/local/lib/perl5` (a Carton project), else `DIR/lib/perl5`
//!   (a local::lib root), else `DIR` itself;
//! - in each, a top-level subdirectory whose name contains `-` (an
//!   architecture directory such as `x86_64-linux`; no package name contains
//!   `-`) is a library directory of its own and comes first, as local::lib
//!   puts `$archname` before the base in `@INC`.
//!
//! # Where distributions are
//!
//! - `install.json`, written by cpanm at
//!   `<lib>/<archname>/.meta/<Dist-Version>/install.json` with `name`
//!   (main module), `version`, `dist` (`Dist-Version`), `pathname`
//!   (`A/AU/AUTHOR/Dist-Version.tar.gz`) and `provides` (package → file,
//!   version).
//! - `.packlist`, written by ExtUtils::Install at `<archlib>/auto/<Main/Module>/.packlist`:
//!   one installed file per line, absolute, optionally followed by
//!   ` key=value` pairs. It names no version: the distribution's version is
//!   its main module's `$VERSION`.
//!
//! cpanm writes both for one distribution: they are merged (matched by the
//! main module name), the `install.json` naming the distribution.
//!
//! # Bounds
//!
//! Symbolic links are followed, but a directory is walked once: a link back
//! to a directory being walked is a [`WarningKind::SymlinkLoop`], another path
//! to one already walked is [`WarningKind::AlreadyWalked`]. Each library
//! directory is walked at most [`WalkLimits::max_depth`] levels deep (default
//! 64) and the whole discovery looks at most [`WalkLimits::max_entries`]
//! directory entries (default 1,000,000); what is cut off is a warning.
//! Metadata files are read up to 16 MiB, modules up to
//! [`MAX_MODULE_SIZE`](crate::MAX_MODULE_SIZE). Nothing that fails is
//! dropped silently: every unreadable file or directory is a [`Warning`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::module_version::{ModuleInfo, VersionValue, read_limited};
use crate::{Error, ErrorKind};

/// The largest `install.json` or `.packlist` read (16 MiB).
pub const MAX_METADATA_SIZE: u64 = 16 * 1024 * 1024;

/// How far a discovery walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkLimits {
    /// Directory levels below each library directory.
    pub max_depth: usize,
    /// Directory entries looked at, over the whole discovery.
    pub max_entries: usize,
}

impl Default for WalkLimits {
    fn default() -> WalkLimits {
        WalkLimits {
            max_depth: 64,
            max_entries: 1_000_000,
        }
    }
}

/// Everything found installed.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Installation {
    /// The library directories walked, in `@INC` order.
    pub libraries: Vec<PathBuf>,
    /// Distributions by name (`Foo-Bar`).
    pub distributions: BTreeMap<String, InstalledDist>,
    /// Modules by name (`Foo::Bar`).
    pub modules: BTreeMap<String, InstalledModule>,
    /// What could not be read or was cut off, in the order met.
    pub warnings: Vec<Warning>,
}

/// An installed distribution.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InstalledDist {
    /// The version: `install.json`'s, else the main module's static `$VERSION`.
    pub version: Option<String>,
    /// The CPAN path it was installed from (`A/AU/AUTHOR/Foo-Bar-1.0.tar.gz`),
    /// known from `install.json` only.
    pub pathname: Option<String>,
    /// The main module (`install.json` `name`, or the `.packlist` directory).
    pub main_module: String,
    /// Installed modules that belong to it.
    pub modules: BTreeSet<String>,
    /// The file that names it.
    pub source: DistSource,
    /// Its `.packlist`, when it has one besides an `install.json`.
    pub packlist: Option<PathBuf>,
}

/// The metadata file a distribution is known from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
pub enum DistSource {
    Packlist(PathBuf),
    InstallJson(PathBuf),
}

/// An installed module file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InstalledModule {
    /// The `$VERSION` of the package the file is named after, if assigned.
    pub version: Option<VersionValue>,
    /// The file `require` loads.
    pub path: PathBuf,
    /// The distribution it belongs to, when a `.packlist` or `install.json` says.
    pub dist: Option<String>,
    /// Files for the same module in later library directories, never loaded.
    pub shadowed: Vec<PathBuf>,
}

/// Something the discovery could not read or did not finish.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub path: PathBuf,
    pub kind: WarningKind,
}

/// Why a [`Warning`] was raised.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum WarningKind {
    /// A file or directory could not be read (the I/O error, or the size limit).
    Unreadable(String),
    /// A directory link leads back to a directory being walked.
    SymlinkLoop,
    /// A directory reached again by another path; walked once only.
    AlreadyWalked,
    /// Deeper than [`WalkLimits::max_depth`]; not walked.
    TooDeep,
    /// [`WalkLimits::max_entries`] reached; the rest of the discovery was not walked.
    TooManyEntries,
    /// A `.pm` file whose path is not a module name (`Foo-Bar/X.pm`).
    NotAModulePath,
    /// An `install.json` that is not the JSON object cpanm writes.
    BadInstallJson(String),
    /// A `.packlist` line naming no file.
    BadPacklist { line: u32 },
    /// Two metadata files name the same distribution; the first is kept.
    DuplicateDist(String),
}

impl Installation {
    /// Walks `dirs` (each expanded for local::lib and Carton layouts) with
    /// the default limits.
    pub fn discover(dirs: &[PathBuf]) -> Installation {
        Installation::discover_with(dirs, WalkLimits::default())
    }

    /// [`Installation::discover`] with explicit limits.
    pub fn discover_with(dirs: &[PathBuf], limits: WalkLimits) -> Installation {
        let libraries: Vec<PathBuf> = dirs.iter().flat_map(|d| library_dirs(d)).collect();
        Installation::walk_libraries(libraries, limits)
    }

    /// Walks the `@INC` of the perl at `perl`, as it is (no expansion).
    #[allow(clippy::result_large_err)] // the crate's one error type
    pub fn from_perl(perl: &Path) -> Result<Installation, Error> {
        Ok(Installation::walk_libraries(
            perl_inc(perl)?,
            WalkLimits::default(),
        ))
    }

    /// Walks exactly these library directories, in order.
    pub fn walk_libraries(libraries: Vec<PathBuf>, limits: WalkLimits) -> Installation {
        let mut walk = Walk::new(&libraries, limits);
        for lib in &libraries {
            walk.library(lib);
        }
        let mut inst = Installation {
            libraries,
            ..Installation::default()
        };
        walk.finish(&mut inst);
        inst
    }
}

/// A perl's `@INC`, from `PERL -e 'print join "\n", @INC'`. Entries that are
/// not directories (hooks, missing paths) are left out, as `require` skips them.
#[allow(clippy::result_large_err)] // the crate's one error type
pub fn perl_inc(perl: &Path) -> Result<Vec<PathBuf>, Error> {
    let out = Command::new(perl)
        .args(["-e", "print join qq{\\n}, @INC"])
        .output()
        .map_err(|e| Error::new(ErrorKind::Io(e)).in_file(perl))?;
    if !out.status.success() {
        return Err(Error::new(ErrorKind::PerlFailed {
            perl: perl.display().to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
        .in_file(perl));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect())
}

/// The library directories a user-given directory stands for: its
/// architecture subdirectories first, then itself, under the Carton or
/// local::lib prefix when there is one.
pub fn library_dirs(dir: &Path) -> Vec<PathBuf> {
    let base = [dir.join("local/lib/perl5"), dir.join("lib/perl5")]
        .into_iter()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| dir.to_path_buf());
    let mut arch: Vec<PathBuf> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains('-') && e.path().is_dir())
        .map(|e| e.path())
        .collect();
    arch.sort();
    arch.push(base);
    arch
}

/// A `.packlist` found, with the main module its directory names.
struct Packlist {
    path: PathBuf,
    main_module: String,
}

struct Walk {
    limits: WalkLimits,
    entries: usize,
    stopped: bool,
    /// Canonical library directories: not descended into from another one.
    roots: BTreeSet<PathBuf>,
    /// Canonical directories walked so far.
    walked: BTreeSet<PathBuf>,
    modules: BTreeMap<String, InstalledModule>,
    /// Canonical module path -> module name, to resolve `.packlist` entries.
    by_path: BTreeMap<PathBuf, String>,
    install_json: Vec<PathBuf>,
    packlists: Vec<Packlist>,
    warnings: Vec<Warning>,
}

impl Walk {
    fn new(libraries: &[PathBuf], limits: WalkLimits) -> Walk {
        Walk {
            limits,
            entries: 0,
            stopped: false,
            roots: libraries
                .iter()
                .filter_map(|l| std::fs::canonicalize(l).ok())
                .collect(),
            walked: BTreeSet::new(),
            modules: BTreeMap::new(),
            by_path: BTreeMap::new(),
            install_json: Vec::new(),
            packlists: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn warn(&mut self, path: &Path, kind: WarningKind) {
        self.warnings.push(Warning {
            path: path.to_path_buf(),
            kind,
        });
    }

    fn library(&mut self, lib: &Path) {
        let canonical = match std::fs::canonicalize(lib) {
            Ok(c) => c,
            Err(e) => return self.warn(lib, WarningKind::Unreadable(e.to_string())),
        };
        let mut stack = Vec::new();
        self.dir(lib, &canonical, &mut Vec::new(), &mut stack, 0);
    }

    /// Walks `dir` (canonically `canonical`); `namespace` is the package
    /// prefix its path spells, `None` once a component is not an identifier;
    /// `ancestors` are the canonical directories being walked.
    fn dir(
        &mut self,
        dir: &Path,
        canonical: &Path,
        namespace: &mut Vec<String>,
        ancestors: &mut Vec<PathBuf>,
        depth: usize,
    ) {
        if ancestors.iter().any(|a| a == canonical) {
            return self.warn(dir, WarningKind::SymlinkLoop);
        }
        if !self.walked.insert(canonical.to_path_buf()) {
            return self.warn(dir, WarningKind::AlreadyWalked);
        }
        let mut entries: Vec<(std::ffi::OsString, PathBuf)> = match std::fs::read_dir(dir) {
            Ok(rd) => {
                let mut out = Vec::new();
                for e in rd {
                    match e {
                        Ok(e) => out.push((e.file_name(), e.path())),
                        Err(err) => self.warn(dir, WarningKind::Unreadable(err.to_string())),
                    }
                }
                out
            }
            Err(e) => return self.warn(dir, WarningKind::Unreadable(e.to_string())),
        };
        entries.sort();
        ancestors.push(canonical.to_path_buf());
        for (name, path) in entries {
            if self.stopped {
                break;
            }
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                self.stopped = true;
                self.warn(&path, WarningKind::TooManyEntries);
                break;
            }
            let name = name.to_string_lossy().into_owned();
            // `metadata` follows links: a link is what it points to.
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.warn(&path, WarningKind::Unreadable(e.to_string()));
                    continue;
                }
            };
            if meta.is_dir() {
                let canon = match std::fs::canonicalize(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        self.warn(&path, WarningKind::Unreadable(e.to_string()));
                        continue;
                    }
                };
                if ancestors.contains(&canon) {
                    self.warn(&path, WarningKind::SymlinkLoop);
                    continue;
                }
                if self.roots.contains(&canon) {
                    continue; // walked as a library directory of its own
                }
                if depth + 1 > self.limits.max_depth {
                    self.warn(&path, WarningKind::TooDeep);
                    continue;
                }
                namespace.push(name);
                self.dir(&path, &canon, namespace, ancestors, depth + 1);
                namespace.pop();
            } else if name == "install.json" && in_meta_dir(namespace) {
                self.install_json.push(path);
            } else if name == ".packlist" && namespace.first().is_some_and(|n| n == "auto") {
                self.packlists.push(Packlist {
                    path,
                    main_module: namespace.get(1..).unwrap_or_default().join("::"),
                });
            } else if let Some(stem) = name.strip_suffix(".pm") {
                if namespace
                    .first()
                    .is_some_and(|n| n == "auto" || n == ".meta")
                {
                    continue; // AutoLoader and cpanm bookkeeping, never `require`d by name
                }
                let parts: Vec<&str> = namespace.iter().map(String::as_str).chain([stem]).collect();
                let valid = parts
                    .iter()
                    .enumerate()
                    .all(|(i, p)| is_package_word(p, i == 0));
                if valid {
                    self.module(parts.join("::"), &path);
                } else {
                    self.warn(&path, WarningKind::NotAModulePath);
                }
            }
        }
        ancestors.pop();
    }

    fn module(&mut self, name: String, path: &Path) {
        if let Some(m) = self.modules.get_mut(&name) {
            m.shadowed.push(path.to_path_buf());
            return;
        }
        let version = match ModuleInfo::read(path) {
            Ok(info) => info.version(&name).cloned(),
            Err(e) => {
                self.warn(path, WarningKind::Unreadable(e.kind.to_string()));
                None
            }
        };
        if let Ok(c) = std::fs::canonicalize(path) {
            self.by_path.insert(c, name.clone());
        }
        self.modules.insert(
            name,
            InstalledModule {
                version,
                path: path.to_path_buf(),
                dist: None,
                shadowed: Vec::new(),
            },
        );
    }

    fn finish(mut self, inst: &mut Installation) {
        let mut dists: BTreeMap<String, InstalledDist> = BTreeMap::new();
        for path in std::mem::take(&mut self.install_json) {
            match read_install_json(&path) {
                Ok(j) => {
                    let name = j.name.replace("::", "-");
                    if dists.contains_key(&name) {
                        self.warn(&path, WarningKind::DuplicateDist(name));
                        continue;
                    }
                    let modules = j
                        .provides
                        .iter()
                        .filter(|p| self.modules.contains_key(*p))
                        .cloned()
                        .collect();
                    dists.insert(
                        name,
                        InstalledDist {
                            version: j.version,
                            pathname: j.pathname,
                            main_module: j.name,
                            modules,
                            source: DistSource::InstallJson(path),
                            packlist: None,
                        },
                    );
                }
                Err(kind) => self.warn(&path, kind),
            }
        }
        for pl in std::mem::take(&mut self.packlists) {
            let files = match self.packlist_modules(&pl.path) {
                Some(f) => f,
                None => continue,
            };
            let name = pl.main_module.replace("::", "-");
            match dists.get_mut(&name) {
                Some(d)
                    if d.packlist.is_none() && matches!(d.source, DistSource::InstallJson(_)) =>
                {
                    d.packlist = Some(pl.path);
                    d.modules.extend(files);
                }
                Some(_) => self.warn(&pl.path, WarningKind::DuplicateDist(name)),
                None => {
                    let version = self
                        .modules
                        .get(&pl.main_module)
                        .and_then(|m| m.version.as_ref())
                        .and_then(VersionValue::as_static)
                        .map(str::to_string);
                    dists.insert(
                        name,
                        InstalledDist {
                            version,
                            pathname: None,
                            main_module: pl.main_module,
                            modules: files,
                            source: DistSource::Packlist(pl.path),
                            packlist: None,
                        },
                    );
                }
            }
        }
        for (name, d) in &dists {
            for m in &d.modules {
                if let Some(module) = self.modules.get_mut(m) {
                    module.dist.get_or_insert_with(|| name.clone());
                }
            }
        }
        inst.distributions = dists;
        inst.modules = self.modules;
        inst.warnings = self.warnings;
    }

    /// The installed modules a `.packlist` lists.
    fn packlist_modules(&mut self, path: &Path) -> Option<BTreeSet<String>> {
        let bytes = match read_limited(path, MAX_METADATA_SIZE) {
            Ok(b) => b,
            Err(e) => {
                self.warn(path, WarningKind::Unreadable(e.kind.to_string()));
                return None;
            }
        };
        let mut out = BTreeSet::new();
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            let file = packlist_file(line);
            if file.is_empty() {
                let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                self.warn(path, WarningKind::BadPacklist { line });
                continue;
            }
            if !file.ends_with(".pm") {
                continue;
            }
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| PathBuf::from(&file));
            if let Some(m) = self.by_path.get(&canonical) {
                out.insert(m.clone());
            }
        }
        Some(out)
    }
}

/// The file a `.packlist` line names: the line without trailing ` key=value`
/// pairs (ExtUtils::Packlist: `/^(.*?)( \w+=.*)$/`), `/./` collapsed.
fn packlist_file(line: &str) -> String {
    let mut file = line;
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices(' ') {
        let rest = &bytes[i + 1..];
        let word = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        if word > 0 && rest.get(word) == Some(&b'=') {
            file = &line[..i];
            break;
        }
    }
    let mut file = file.to_string();
    while file.contains("/./") {
        file = file.replace("/./", "/");
    }
    file
}

/// `…/.meta/<Dist-Version>/`: cpanm's metadata directory for one distribution.
fn in_meta_dir(namespace: &[String]) -> bool {
    namespace.len() >= 2
        && namespace
            .get(namespace.len() - 2)
            .is_some_and(|n| n == ".meta")
}

/// One `::`-separated word of a package name: word characters, and only
/// the first word may not start with a digit (`Debconf::Format::822` is a
/// package).
fn is_package_word(s: &str, first: bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (!first && c.is_ascii_digit()))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The fields of cpanm's `install.json` we use.
struct InstallJson {
    name: String,
    version: Option<String>,
    pathname: Option<String>,
    provides: Vec<String>,
}

fn read_install_json(path: &Path) -> Result<InstallJson, WarningKind> {
    let bytes = read_limited(path, MAX_METADATA_SIZE)
        .map_err(|e| WarningKind::Unreadable(e.kind.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| WarningKind::BadInstallJson(e.to_string()))?;
    let obj = value
        .as_object()
        .ok_or_else(|| WarningKind::BadInstallJson("not a JSON object".into()))?;
    let text = |key: &str| match obj.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let name = text("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| WarningKind::BadInstallJson("no \"name\"".into()))?;
    let provides = match obj.get("provides") {
        Some(serde_json::Value::Object(p)) => p.keys().cloned().collect(),
        None => Vec::new(),
        Some(_) => {
            return Err(WarningKind::BadInstallJson(
                "\"provides\" is not an object".into(),
            ));
        }
    };
    Ok(InstallJson {
        name,
        version: text("version"),
        pathname: text("pathname"),
        provides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packlist_lines() {
        assert_eq!(packlist_file("/a/b/Foo.pm"), "/a/b/Foo.pm");
        assert_eq!(packlist_file("/a/b c/Foo.pm type=file"), "/a/b c/Foo.pm");
        assert_eq!(
            packlist_file("/a/./b/Foo.pm from=/x type=link"),
            "/a/b/Foo.pm"
        );
    }

    #[test]
    fn package_words() {
        assert!(is_package_word("Foo_2", true));
        assert!(!is_package_word("2Foo", true));
        assert!(is_package_word("822", false));
        assert!(!is_package_word("Foo-Bar", false));
        assert!(!is_package_word("", false));
    }
}
