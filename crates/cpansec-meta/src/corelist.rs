//! Which modules, at which versions, ship with which perl release: the table
//! Module::CoreList keeps, built into the binary.
//!
//! # Coverage
//!
//! `data/corelist.txt` is written by `scripts/gen-corelist` from
//! Module::CoreList 5.20220520 (the one perl 5.36.0 ships): all 226 perl
//! releases it knows, 5.000 (1994) to 5.036000 (2022-05-27), stable and
//! development ones, 923 modules, and its `%upstream` table (429 modules, all
//! `cpan`). Later perls are not in the table: [`CoreList::modules_in`] knows
//! nothing of them, while [`CoreList::is_core`] answers for them as
//! Module::CoreList would (a module not removed by 5.36 is still core). Refresh
//! by running the script under a newer perl.
//!
//! # Format
//!
//! Text, one record a line, like Module::CoreList's own `%delta`: each release
//! lists only what changed against the release it derives from
//! (`perl 5.036000 2022-05-28 5.035011`, then `+Module 1.23`, `+Module` for a
//! module without a version, `-Module` for one removed), so a regenerated file
//! diffs by release and the whole table is about 460 KB. It is parsed once, on
//! first use, and expanded in memory (about 135,000 module/release pairs).
//!
//! # Rules, as Module::CoreList's
//!
//! - Releases are perl numbers (`5.008001`), read as versions (`v5.8.1`) and
//!   matched with version.pm equality, so `5.8.1`, `v5.8.1` and `5.008001` all
//!   name the same release.
//! - `first_release`: the numerically first release that lists the module.
//! - `removed_from`: the first release numerically after the *last* one that
//!   lists it (releases form a tree, not a line: a module can be gone from a
//!   development branch while maintenance releases still ship it).
//! - `is_core(m, perl)`: `first_release(m) <= perl` and, if removed,
//!   `perl < removed_from(m)`; that is a range test, not a lookup in that
//!   release's list, exactly as `Module::CoreList::is_core` without a module
//!   version.
//! - Dual life: a module is dual-life when `%Module::CoreList::upstream` names
//!   CPAN as where it is maintained (`cpan`) or as one of two equal places
//!   (`first-come`); such modules are also released to CPAN as distributions
//!   and can be upgraded over the copy perl ships. `blead` (maintained in the
//!   perl repository only) and absent entries are not dual-life.
//! - Module versions are the strings Module::CoreList records; four of them
//!   are not versions version.pm accepts (`CGI::Fast` `1.00a` in 5.004 to
//!   5.005, `File::Spec::AmigaOS` `;.64` in 5.023009): they are kept as
//!   [`CoreVersion::Unparseable`], never read as 0.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use cpansec_version::Version;

use crate::{Error, ErrorKind, Location};

const BUILTIN: &str = include_str!("../data/corelist.txt");

/// The largest table [`CoreList::read`] accepts.
pub const MAX_CORELIST_BYTES: u64 = 64 * 1024 * 1024;

/// One perl release of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerlRelease {
    name: String,
    version: Version,
    date: String,
}

impl PerlRelease {
    /// The release as Module::CoreList numbers it, six decimals (`5.036000`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The release as a version (`v5.36.0`).
    pub fn version(&self) -> &Version {
        &self.version
    }
    /// Release date, `YYYY-MM-DD` as Module::CoreList records it.
    pub fn date(&self) -> &str {
        &self.date
    }
}

/// The version of a module in a perl release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreVersion {
    /// The module has no `$VERSION` (Module::CoreList's `undef`).
    Undef,
    Known(Version),
    /// Recorded, but not a version version.pm accepts.
    Unparseable(String),
}

impl CoreVersion {
    fn from_raw(raw: Option<&str>) -> CoreVersion {
        match raw {
            None => CoreVersion::Undef,
            Some(s) => match Version::parse(s) {
                Ok(v) => CoreVersion::Known(v),
                Err(_) => CoreVersion::Unparseable(s.to_string()),
            },
        }
    }

    /// The version, when there is one version.pm accepts.
    pub fn version(&self) -> Option<&Version> {
        match self {
            CoreVersion::Known(v) => Some(v),
            _ => None,
        }
    }

    /// The string Module::CoreList records (`None` for undef).
    pub fn raw(&self) -> Option<&str> {
        match self {
            CoreVersion::Undef => None,
            CoreVersion::Known(v) => Some(v.as_str()),
            CoreVersion::Unparseable(s) => Some(s),
        }
    }
}

/// Where a core module is maintained (`%Module::CoreList::upstream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Upstream {
    /// In the perl repository only.
    Blead,
    /// On CPAN; perl imports its releases.
    Cpan,
    /// In either place, fed back to the other.
    FirstCome,
}

impl Upstream {
    pub fn as_str(self) -> &'static str {
        match self {
            Upstream::Blead => "blead",
            Upstream::Cpan => "cpan",
            Upstream::FirstCome => "first-come",
        }
    }
}

/// The core-module table: releases, each release's modules, upstreams.
///
/// Invariants: releases are in ascending version order with distinct
/// versions; `contents[i]` is sorted by module id; `history[m]` lists the
/// releases containing module `m` in ascending order.
#[derive(Debug)]
pub struct CoreList {
    corelist_version: String,
    releases: Vec<PerlRelease>,
    /// Module names, sorted; a module's id is its index.
    modules: Vec<String>,
    /// Distinct version values; `None` is undef.
    versions: Vec<CoreVersion>,
    /// Per release: (module id, version id).
    contents: Vec<Vec<(u32, u32)>>,
    /// Per module: (release index, version id).
    history: Vec<Vec<(u32, u32)>>,
    upstream: BTreeMap<String, Upstream>,
}

enum Change<'a> {
    Set(&'a str, Option<&'a str>),
    Remove(&'a str),
}

struct RawRelease<'a> {
    base: Option<usize>,
    changes: Vec<Change<'a>>,
}

// The crate's `Error` is large (the `Requirement` variant); boxing it is a
// crate-wide decision, not this module's.
#[allow(clippy::result_large_err)]
impl CoreList {
    /// The table built into this crate, parsed on first use. The error case
    /// is a broken build (the file is checked by this crate's tests).
    pub fn builtin() -> Result<&'static CoreList, &'static Error> {
        static TABLE: OnceLock<Result<CoreList, Error>> = OnceLock::new();
        TABLE
            .get_or_init(|| CoreList::parse(BUILTIN).map_err(|e| e.in_file("data/corelist.txt")))
            .as_ref()
    }

    /// Reads a table file written by `scripts/gen-corelist`.
    pub fn read(path: &Path) -> Result<CoreList, Error> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| Error::new(e.into()).in_file(path))?;
        let mut text = String::new();
        file.take(MAX_CORELIST_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| Error::new(e.into()).in_file(path))?;
        if text.len() as u64 > MAX_CORELIST_BYTES {
            return Err(Error::new(ErrorKind::TooLarge {
                what: "core-module table".to_string(),
                limit: MAX_CORELIST_BYTES,
            })
            .in_file(path));
        }
        CoreList::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Parses the text format described in the module documentation.
    pub fn parse(text: &str) -> Result<CoreList, Error> {
        let mut corelist_version = None;
        let mut raw: Vec<RawRelease<'_>> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut upstream = BTreeMap::new();
        let mut releases: Vec<PerlRelease> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let at = Location {
                line: u32::try_from(n + 1).unwrap_or(u32::MAX),
                column: 1,
            };
            let bad = |expected: &'static str| {
                Error::at(
                    ErrorKind::CoreListLine {
                        text: line.to_string(),
                        expected,
                    },
                    at,
                )
            };
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[..] {
                [] | [""] => {}
                ["corelist", v] if corelist_version.is_none() && raw.is_empty() => {
                    corelist_version = Some(v.to_string());
                }
                ["perl", name, date, base] => {
                    let version = Version::parse(name)
                        .map_err(|_| bad("a perl release number such as 5.036000"))?;
                    if releases.last().is_some_and(|r| r.version >= version) {
                        return Err(bad("releases in ascending order"));
                    }
                    let base = match base {
                        "-" => None,
                        b => Some(*index.get(b).ok_or_else(|| {
                            Error::at(
                                ErrorKind::CoreListBase {
                                    release: name.to_string(),
                                    base: b.to_string(),
                                },
                                at,
                            )
                        })?),
                    };
                    index.insert(name, raw.len());
                    raw.push(RawRelease {
                        base,
                        changes: Vec::new(),
                    });
                    releases.push(PerlRelease {
                        name: name.to_string(),
                        version,
                        date: date.to_string(),
                    });
                }
                ["upstream", module, place] => {
                    let place = match place {
                        "blead" => Upstream::Blead,
                        "cpan" => Upstream::Cpan,
                        "first-come" => Upstream::FirstCome,
                        _ => return Err(bad("an upstream of blead, cpan or first-come")),
                    };
                    upstream.insert(module.to_string(), place);
                }
                [change] | [change, _] => {
                    let current = raw
                        .last_mut()
                        .ok_or_else(|| bad("a perl line before module lines"))?;
                    let version = fields.get(1).copied();
                    if let Some(m) = change.strip_prefix('+').filter(|m| !m.is_empty()) {
                        current.changes.push(Change::Set(m, version));
                    } else if let Some(m) = change.strip_prefix('-').filter(|m| !m.is_empty()) {
                        if version.is_some() {
                            return Err(bad("a removal without a version"));
                        }
                        current.changes.push(Change::Remove(m));
                    } else {
                        return Err(bad("+Module [version] or -Module"));
                    }
                }
                _ => return Err(bad("a corelist, perl, upstream or module line")),
            }
        }
        let corelist_version = corelist_version.ok_or_else(|| {
            Error::new(ErrorKind::CoreListLine {
                text: String::new(),
                expected: "a first line \"corelist <version>\"",
            })
        })?;
        Ok(CoreList::expand(corelist_version, releases, &raw, upstream))
    }

    fn expand(
        corelist_version: String,
        releases: Vec<PerlRelease>,
        raw: &[RawRelease<'_>],
        upstream: BTreeMap<String, Upstream>,
    ) -> CoreList {
        let mut module_ids: BTreeMap<&str, u32> = BTreeMap::new();
        let mut version_ids: BTreeMap<Option<&str>, u32> = BTreeMap::new();
        for r in raw {
            for c in &r.changes {
                let (m, v) = match *c {
                    Change::Set(m, v) => (m, Some(v)),
                    Change::Remove(m) => (m, None),
                };
                module_ids.insert(m, 0);
                if let Some(v) = v {
                    version_ids.insert(v, 0);
                }
            }
        }
        for (i, id) in module_ids.values_mut().enumerate() {
            *id = u32::try_from(i).unwrap_or(u32::MAX);
        }
        for (i, id) in version_ids.values_mut().enumerate() {
            *id = u32::try_from(i).unwrap_or(u32::MAX);
        }
        let modules: Vec<String> = module_ids.keys().map(|m| m.to_string()).collect();
        let versions: Vec<CoreVersion> = version_ids
            .keys()
            .map(|v| CoreVersion::from_raw(*v))
            .collect();

        let mut contents: Vec<Vec<(u32, u32)>> = Vec::with_capacity(raw.len());
        for r in raw {
            let mut full: BTreeMap<u32, u32> = r
                .base
                .and_then(|b| contents.get(b))
                .map(|base| base.iter().copied().collect())
                .unwrap_or_default();
            for c in &r.changes {
                match *c {
                    Change::Set(m, v) => {
                        if let (Some(&m), Some(&v)) = (module_ids.get(m), version_ids.get(&v)) {
                            full.insert(m, v);
                        }
                    }
                    Change::Remove(m) => {
                        if let Some(m) = module_ids.get(m) {
                            full.remove(m);
                        }
                    }
                }
            }
            contents.push(full.into_iter().collect());
        }
        let mut history: Vec<Vec<(u32, u32)>> = vec![Vec::new(); modules.len()];
        for (ri, list) in contents.iter().enumerate() {
            let ri = u32::try_from(ri).unwrap_or(u32::MAX);
            for &(m, v) in list {
                if let Some(h) = usize::try_from(m).ok().and_then(|m| history.get_mut(m)) {
                    h.push((ri, v));
                }
            }
        }
        CoreList {
            corelist_version,
            releases,
            modules,
            versions,
            contents,
            history,
            upstream,
        }
    }

    /// The Module::CoreList version the table was generated from.
    pub fn corelist_version(&self) -> &str {
        &self.corelist_version
    }

    /// Every perl release of the table, in ascending order.
    pub fn perl_releases(&self) -> &[PerlRelease] {
        &self.releases
    }

    /// The release equal to `perl` (version.pm equality), if the table has it.
    pub fn release(&self, perl: &Version) -> Option<&PerlRelease> {
        self.release_index(perl).and_then(|i| self.releases.get(i))
    }

    fn release_index(&self, perl: &Version) -> Option<usize> {
        self.releases.binary_search_by(|r| r.version.cmp(perl)).ok()
    }

    fn module_id(&self, module: &str) -> Option<usize> {
        self.modules
            .binary_search_by(|m| m.as_str().cmp(module))
            .ok()
    }

    fn version_of(&self, id: u32) -> &CoreVersion {
        static UNDEF: CoreVersion = CoreVersion::Undef;
        usize::try_from(id)
            .ok()
            .and_then(|i| self.versions.get(i))
            .unwrap_or(&UNDEF)
    }

    fn release_at(&self, i: u32) -> Option<&PerlRelease> {
        usize::try_from(i).ok().and_then(|i| self.releases.get(i))
    }

    /// The modules `perl` ships and their versions, sorted by name; `None`
    /// when the table does not have that release.
    pub fn modules_in(
        &self,
        perl: &Version,
    ) -> Option<impl Iterator<Item = (&str, &CoreVersion)> + '_> {
        let list = self.contents.get(self.release_index(perl)?)?;
        Some(list.iter().filter_map(move |&(m, v)| {
            let name = self.modules.get(usize::try_from(m).ok()?)?;
            Some((name.as_str(), self.version_of(v)))
        }))
    }

    /// Every module any release of the table ships, sorted.
    pub fn modules(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(String::as_str)
    }

    fn history(&self, module: &str) -> &[(u32, u32)] {
        self.module_id(module)
            .and_then(|m| self.history.get(m))
            .map_or(&[], Vec::as_slice)
    }

    /// The first release that ships `module`, and the module's version there.
    pub fn first_release(&self, module: &str) -> Option<(&PerlRelease, &CoreVersion)> {
        let &(r, v) = self.history(module).first()?;
        Some((self.release_at(r)?, self.version_of(v)))
    }

    /// The first release after the last one that ships `module`; `None` when
    /// the newest release still ships it, or no release ever did.
    pub fn removed_from(&self, module: &str) -> Option<&PerlRelease> {
        let &(last, _) = self.history(module).last()?;
        self.release_at(last.checked_add(1)?)
    }

    /// Whether `module` is core in `perl` by Module::CoreList's range rule
    /// (see the module documentation); `perl` need not be in the table.
    pub fn is_core(&self, module: &str, perl: &Version) -> bool {
        let Some((first, _)) = self.first_release(module) else {
            return false;
        };
        if first.version() > perl {
            return false;
        }
        self.removed_from(module)
            .is_none_or(|removed| perl < removed.version())
    }

    /// Where `module` is maintained, when Module::CoreList says.
    pub fn upstream(&self, module: &str) -> Option<Upstream> {
        self.upstream.get(module).copied()
    }

    /// Whether `module` is dual-life: maintained on CPAN as well as shipped
    /// with perl (upstream `cpan` or `first-come`).
    pub fn is_dual_life(&self, module: &str) -> bool {
        matches!(
            self.upstream(module),
            Some(Upstream::Cpan | Upstream::FirstCome)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn builtin_table_loads() {
        let t = CoreList::builtin().unwrap();
        assert_eq!(t.corelist_version(), "5.20220520");
        assert_eq!(t.perl_releases().len(), 226);
        assert_eq!(t.perl_releases().first().unwrap().name(), "5.000000");
        assert_eq!(t.perl_releases().last().unwrap().date(), "2022-05-27");
        let (first, ver) = t.first_release("Module::CoreList").unwrap();
        assert_eq!(first.name(), "5.008009");
        assert_eq!(ver.raw(), Some("2.17"));
        assert_eq!(t.removed_from("Switch").unwrap().name(), "5.013001");
        assert!(t.is_core("Switch", &v("5.10.1")));
        assert!(!t.is_core("Switch", &v("5.14.0")));
        assert!(t.is_core("Carp", &v("5.40.0")));
        assert!(!t.is_core("Moose", &v("5.36.0")));
        assert!(t.is_dual_life("Archive::Tar"));
        assert!(!t.is_dual_life("strict"));
        let mods: Vec<_> = t.modules_in(&v("v5.36.0")).unwrap().collect();
        assert_eq!(mods.len(), 647);
        assert!(t.modules_in(&v("5.36.1")).is_none());
        let amiga = t
            .modules_in(&v("5.023009"))
            .unwrap()
            .find(|(m, _)| *m == "File::Spec::AmigaOS")
            .unwrap();
        assert_eq!(amiga.1, &CoreVersion::Unparseable(";.64".to_string()));
    }

    #[test]
    fn errors_name_the_line() {
        let e = CoreList::parse("corelist 1\nperl 5.008 2002-07-19 5.006\n").unwrap_err();
        assert_eq!(e.location.unwrap().line, 2);
        assert!(e.to_string().contains("5.006"), "{e}");
        let e = CoreList::parse("corelist 1\n+Foo 1\n").unwrap_err();
        assert!(e.to_string().contains("+Foo 1"), "{e}");
        let e = CoreList::parse("corelist 1\nperl 5.010 d -\nperl 5.008 d -\n").unwrap_err();
        assert!(e.to_string().contains("ascending"), "{e}");
        assert!(CoreList::parse("").is_err());
    }
}
