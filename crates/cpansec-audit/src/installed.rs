//! Installed environments, the perl interpreter and its core modules as
//! audit inputs.
//!
//! # Installed modules (`cpansec audit --installed [DIR...]`, `--perl PATH`)
//!
//! `cpansec_meta::Installation` walks library directories (local::lib and
//! Carton `local/` layouts expanded) or a perl's `@INC`. Each installed
//! distribution becomes an exact-version dependency:
//!
//! - distributions named by `install.json` / `.packlist`: the name from the
//!   CPAN path cpanm recorded, else the database's module map of the main
//!   module, else the metadata's own name; the version as the metadata says
//!   (`install.json`, else the main module's static `$VERSION`);
//! - every other module file: its distribution from the database's module
//!   map (then `--packages`); the distribution's version is the static
//!   `$VERSION` of its main module (the database's `main_module`, else the
//!   module named like the distribution, else the only module found). When
//!   no such module is installed, or its `$VERSION` is computed at run time,
//!   the distribution is a `problems` line, never a guess.
//!
//! The origin of each dependency is the module file the version was read
//! from, with the line of its `$VERSION` assignment, so every finding says
//! where the vulnerable code is installed. Modules the database gives to
//! the `perl` distribution (`strict`, `warnings`, ...) are the interpreter's
//! and are audited through [`PerlTarget`] instead.
//!
//! # perl and its core modules (`--perl-version`, or detected)
//!
//! [`DependencySet::add_perl`] adds the interpreter (the database's `perl`
//! distribution) at that version, and the distributions of the core modules
//! that release ships (Module::CoreList's table, `cpansec_meta::CoreList`) at
//! the versions it ships, except a distribution already in the set: an
//! installed or pinned copy is found before the core one in `@INC`, so it is
//! the one audited. A perl release the table does not know gives a
//! `problems` line (the interpreter is still audited).
//!
//! # Running perl
//!
//! [`query_perl`] runs the given perl once, with no standard input, under a
//! timeout ([`PERL_TIMEOUT`]) and reading at most [`MAX_PERL_OUTPUT`] bytes,
//! for its `$]` and its `@INC`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cpansec_advisory::Database;
use cpansec_meta::{CoreList, Installation, InstalledModule, ModuleInfo, VersionValue};
use cpansec_version::Version;

use crate::Error;
use crate::deps::{DepVersion, Dependency, DependencySet, LoadOptions, Origin, Reached, is_perl};

/// How long [`query_perl`] waits for perl.
pub const PERL_TIMEOUT: Duration = Duration::from_secs(20);
/// The most output [`query_perl`] reads from perl (stdout and stderr each).
pub const MAX_PERL_OUTPUT: u64 = 1024 * 1024;

/// What a perl says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerlInfo {
    /// The perl that was run.
    pub path: PathBuf,
    /// `$]`, as perl prints it (`5.036000`).
    pub version: String,
    /// `@INC`, in order; entries that are not directories are left out, as
    /// `require` skips them.
    pub inc: Vec<PathBuf>,
}

/// The code run: the marker line, `$]`, then each plain `@INC` entry (code
/// hooks are not directories).
const PERL_SCRIPT: &str =
    r#"print qq{cpansec-perl-info 1\n$]\n}; print qq{$_\n} for grep { !ref } @INC"#;

/// Reads what [`PERL_SCRIPT`] prints: `(version, @INC entries)`.
pub fn parse_perl_output(text: &str) -> Result<(String, Vec<String>), String> {
    let mut lines = text.lines();
    if lines.next() != Some("cpansec-perl-info 1") {
        return Err("perl's output does not start with the expected marker line".to_string());
    }
    let version = lines
        .next()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or("perl printed no version")?;
    Version::parse(version)
        .map_err(|e| format!("perl's version '{version}' does not parse: {e}"))?;
    let inc = lines
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Ok((version.to_string(), inc))
}

/// Reads at most `limit` bytes, then drains (and drops) the rest so the
/// child never blocks on a full pipe. Returns the bytes and whether
/// anything was dropped.
fn read_bounded(mut r: impl Read, limit: u64) -> (Vec<u8>, bool) {
    let mut buf = Vec::new();
    let _ = (&mut r).take(limit).read_to_end(&mut buf);
    let dropped = std::io::copy(&mut r, &mut std::io::sink()).unwrap_or(0);
    (buf, dropped > 0)
}

/// Runs `perl` for its version and `@INC` (see the module documentation).
pub fn query_perl(perl: &Path, timeout: Duration) -> Result<PerlInfo, Error> {
    let resolved = which(perl);
    let perl = resolved.as_path();
    let fail = |message: String| Error::Perl {
        perl: perl.to_path_buf(),
        message,
    };
    let mut child = Command::new(perl)
        .args(["-e", PERL_SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail("no stdout".into()))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| fail("no stderr".into()))?;
    let out = std::thread::spawn(move || read_bounded(stdout, MAX_PERL_OUTPUT));
    let err = std::thread::spawn(move || read_bounded(stderr, MAX_PERL_OUTPUT));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "did not finish within {} s; stopped",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(fail(format!("cannot wait for it: {e}"))),
        }
    };
    let (stdout, truncated) = out.join().unwrap_or_default();
    let (stderr, _) = err.join().unwrap_or_default();
    if !status.success() {
        return Err(fail(format!(
            "exited with {status}: {}",
            String::from_utf8_lossy(&stderr).trim()
        )));
    }
    if truncated {
        return Err(fail(format!(
            "printed more than {MAX_PERL_OUTPUT} bytes; not read"
        )));
    }
    let (version, inc) = parse_perl_output(&String::from_utf8_lossy(&stdout)).map_err(fail)?;
    Ok(PerlInfo {
        path: perl.to_path_buf(),
        version,
        inc: inc
            .into_iter()
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .collect(),
    })
}

/// A bare name (`perl`) found in `PATH`, so reports name the binary run;
/// anything else, or a name not found, as given.
fn which(perl: &Path) -> PathBuf {
    if perl.components().count() != 1 {
        return perl.to_path_buf();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(perl))
        .find(|p| p.is_file())
        .unwrap_or_else(|| perl.to_path_buf())
}

/// The perl an audit covers: its version, and what named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerlTarget {
    /// Dotted, as perl releases are named (`5.36.0`).
    pub text: String,
    pub version: Version,
    /// What named it: the perl binary's path, or `--perl-version`.
    pub origin: String,
}

impl PerlTarget {
    /// `given` is `5.36.0`, `v5.36.0` or `5.036000` (`$]`).
    pub fn new(given: &str, origin: &str) -> Result<PerlTarget, Error> {
        let version = Version::parse(given.trim()).map_err(|e| Error::PerlVersion {
            given: given.to_string(),
            message: e.to_string(),
        })?;
        let text = version.normal().trim_start_matches('v').to_string();
        Ok(PerlTarget {
            text,
            version,
            origin: origin.to_string(),
        })
    }
}

/// The static `$VERSION` of `module` in an installed file, and its line.
fn module_version(module: &str, m: &InstalledModule) -> Result<(String, u32), String> {
    let line = || {
        ModuleInfo::read(&m.path)
            .ok()
            .and_then(|i| i.packages.get(module).and_then(|p| p.version.clone()))
            .map_or(0, |d| d.line)
    };
    match &m.version {
        Some(VersionValue::Static(v)) => Ok((v.clone(), line())),
        Some(VersionValue::Dynamic(text)) => Err(format!(
            "{}: the $VERSION of {module} is computed at run time ({text}); not read",
            m.path.display()
        )),
        None => Err(format!(
            "{}: {module} assigns no $VERSION",
            m.path.display()
        )),
    }
}

/// The module whose version stands for `dist`'s: the database's main
/// module, else the module named like the distribution, else the only one,
/// else (a distribution whose main module is only a name, as `IO::Compress`)
/// the first module in the main module's namespace when all of those with a
/// version agree on it, else the first module when all modules agree.
fn main_module<'a, T>(
    db: &Database,
    dist: &str,
    modules: &'a BTreeMap<&'a str, T>,
    version: impl Fn(&T) -> Option<String>,
) -> Option<&'a str> {
    let named = dist.replace('-', "::");
    let by_name = db
        .distribution(dist)
        .and_then(|d| d.main_module.as_deref())
        .into_iter()
        .chain(std::iter::once(named.as_str()))
        .find_map(|m| modules.get_key_value(m).map(|(k, _)| *k))
        .or_else(|| {
            modules
                .keys()
                .next()
                .copied()
                .filter(|_| modules.len() == 1)
        });
    if by_name.is_some() {
        return by_name;
    }
    // The modules in the main module's namespace, else all of them.
    let prefix = format!(
        "{}::",
        db.distribution(dist)
            .and_then(|d| d.main_module.as_deref())
            .unwrap_or(&named)
    );
    let agreeing = |inside: bool| {
        let mut versioned = modules
            .iter()
            .filter(|(m, _)| !inside || m.starts_with(&prefix))
            .filter_map(|(m, t)| Some((*m, version(t)?)));
        let (first, v) = versioned.next()?;
        versioned.all(|(_, w)| w == v).then_some(first)
    };
    agreeing(true).or_else(|| agreeing(false))
}

fn exact(
    dist: &str,
    text: &str,
    origin: Origin,
    module: &str,
    problems: &mut Vec<String>,
) -> Option<Dependency> {
    let version = match Version::parse(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!(
                "{}:{}: version '{text}' of {dist} does not parse: {e}",
                origin.file, origin.line
            ));
            return None;
        }
    };
    Some(Dependency {
        dist: dist.to_string(),
        version: DepVersion::Exact {
            text: text.to_string(),
            version,
        },
        reached: vec![Reached {
            direct: false,
            module: Some(module.to_string()),
            phase: None,
            feature: None,
            origin: Some(origin.clone()),
            via: Vec::new(),
        }],
        origin,
        requirement: None,
        requirement_text: None,
    })
}

impl DependencySet {
    /// The installed distributions of `inst` (see the module documentation).
    /// Walk warnings become `problems`. [`Error::NothingInstalled`] when no
    /// module was found at all.
    pub fn from_installation(
        inst: &Installation,
        db: &Database,
        opts: &LoadOptions,
    ) -> Result<DependencySet, Error> {
        if inst.modules.is_empty() {
            return Err(Error::NothingInstalled(inst.libraries.clone()));
        }
        let mut set = DependencySet {
            inputs: inst
                .libraries
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            ..Default::default()
        };
        for w in &inst.warnings {
            set.problems
                .push(format!("{}: {:?}", w.path.display(), w.kind));
        }
        let mut by_dist: BTreeMap<String, Dependency> = BTreeMap::new();
        // Distributions their install metadata names.
        for (key, d) in &inst.distributions {
            let name = d
                .pathname
                .as_deref()
                .and_then(|p| p.rsplit('/').next())
                .and_then(cpansec_meta::distname_info)
                .map(|i| i.dist)
                .or_else(|| {
                    db.distribution_of_module(&d.main_module)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| key.clone());
            if is_perl(&d.main_module, Some(&name)) || by_dist.contains_key(&name) {
                continue;
            }
            let source = match &d.source {
                cpansec_meta::DistSource::InstallJson(p)
                | cpansec_meta::DistSource::Packlist(p) => p,
            };
            let main = inst.modules.get(&d.main_module);
            let Some(text) = d.version.as_deref() else {
                set.problems.push(format!(
                    "{}: the version of {name} is unknown (its main module {} has no static $VERSION)",
                    source.display(),
                    d.main_module
                ));
                continue;
            };
            let origin = match main {
                Some(m) => Origin {
                    file: m.path.display().to_string(),
                    line: module_version(&d.main_module, m).map_or(0, |(_, l)| l),
                },
                None => Origin {
                    file: source.display().to_string(),
                    line: 0,
                },
            };
            if let Some(dep) = exact(&name, text, origin, &d.main_module, &mut set.problems) {
                by_dist.insert(name, dep);
            }
        }
        // Every other module, through the module map.
        let mut groups: BTreeMap<String, BTreeMap<&str, &InstalledModule>> = BTreeMap::new();
        for (module, m) in &inst.modules {
            if m.dist.is_some() {
                continue;
            }
            let dist = opts.dist_of(db, module);
            if is_perl(module, dist.as_deref()) {
                continue;
            }
            let Some(dist) = dist.filter(|d| !by_dist.contains_key(d)) else {
                continue;
            };
            groups.entry(dist).or_default().insert(module, m);
        }
        for (dist, modules) in groups {
            let Some(main) = main_module(db, &dist, &modules, |m| {
                m.version
                    .as_ref()
                    .and_then(VersionValue::as_static)
                    .map(str::to_string)
            }) else {
                let Some((first, m)) = modules.iter().next() else {
                    continue;
                };
                set.problems.push(format!(
                    "{}: {dist} is installed ({} modules, {first} first) without its main module, and its modules' versions differ: its version is unknown, not audited",
                    m.path.display(),
                    modules.len(),
                ));
                continue;
            };
            let m = modules[main];
            match module_version(main, m) {
                Ok((text, line)) => {
                    let origin = Origin {
                        file: m.path.display().to_string(),
                        line,
                    };
                    if let Some(dep) = exact(&dist, &text, origin, main, &mut set.problems) {
                        by_dist.insert(dist, dep);
                    }
                }
                Err(p) => set.problems.push(format!("{p}; {dist} is not audited")),
            }
        }
        set.dependencies = by_dist.into_values().collect();
        Ok(set)
    }

    /// Adds the interpreter and the distributions of its core modules (see
    /// the module documentation); a distribution already in the set is
    /// kept as it is.
    pub fn add_perl(&mut self, perl: &PerlTarget, db: &Database, opts: &LoadOptions) {
        let origin = Origin {
            file: perl.origin.clone(),
            line: 0,
        };
        let mut added: BTreeMap<String, Dependency> = BTreeMap::new();
        if !self.dependencies.iter().any(|d| d.dist == "perl") {
            if let Some(d) = exact(
                "perl",
                &perl.text,
                origin.clone(),
                "perl",
                &mut self.problems,
            ) {
                added.insert("perl".to_string(), d);
            }
        }
        self.inputs
            .push(format!("perl {} ({})", perl.text, perl.origin));
        let corelist = match CoreList::builtin() {
            Ok(c) => c,
            Err(e) => {
                self.problems
                    .push(format!("the core-module table does not load: {e}"));
                return self.merge(added);
            }
        };
        let Some(core) = corelist.modules_in(&perl.version) else {
            self.problems.push(format!(
                "perl {} is not in the core-module table (Module::CoreList {}): its core modules are not audited, only the interpreter",
                perl.text,
                corelist.corelist_version()
            ));
            return self.merge(added);
        };
        let mut groups: BTreeMap<String, BTreeMap<&str, &cpansec_meta::CoreVersion>> =
            BTreeMap::new();
        for (module, v) in core {
            let dist = opts.dist_of(db, module);
            if is_perl(module, dist.as_deref()) {
                continue;
            }
            let Some(dist) = dist.filter(|d| !self.dependencies.iter().any(|x| &x.dist == d))
            else {
                continue;
            };
            groups.entry(dist).or_default().insert(module, v);
        }
        for (dist, modules) in groups {
            let Some(main) = main_module(db, &dist, &modules, |v| v.raw().map(str::to_string))
            else {
                self.problems.push(format!(
                    "perl {}: {} core modules belong to {dist}, without its main module and with differing versions: not audited",
                    perl.text,
                    modules.len()
                ));
                continue;
            };
            let Some(text) = modules[main].raw() else {
                self.problems.push(format!(
                    "perl {}: core module {main} ({dist}) has no version in Module::CoreList; not audited",
                    perl.text
                ));
                continue;
            };
            if let Some(d) = exact(&dist, text, origin.clone(), main, &mut self.problems) {
                added.insert(dist, d);
            }
        }
        self.merge(added);
    }

    fn merge(&mut self, added: BTreeMap<String, Dependency>) {
        self.dependencies.extend(added.into_values());
        self.dependencies.sort_by(|a, b| a.dist.cmp(&b.dist));
    }
}
