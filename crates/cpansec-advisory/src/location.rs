//! Which database file to use. Resolution order, first that applies:
//!
//! 1. an explicit path (`--db PATH`),
//! 2. the `CPANSEC_DB` environment variable,
//! 3. the downloaded copy in the user cache directory
//!    (`$XDG_CACHE_HOME/cpansec/`, else `$HOME/.cache/cpansec/`),
//! 4. the snapshot compiled into the program (callers warn with its age).
//!
//! An explicit value or `CPANSEC_DB` of the form `perl:MODULE` names the
//! database of an installed perl module instead of a file
//! (`perl:CPAN::Audit`, `perl:CPANSA::DB`; see [`load_perl`](crate::load_perl)).
//!
//! The environment is passed in, not read here, so resolution is a pure
//! function and testable.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cache::{CacheStatus, keyed_cache_path, sibling_cache_path};
use crate::{Database, Error, Feed, PERL_TIMEOUT, PerlModule, load_perl};

/// The name of the downloaded database inside the cache directory.
pub const CACHE_FILE: &str = "cpan-security-advisory.json";

/// Where the database will be read from, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// Given on the command line.
    Explicit(PathBuf),
    /// Given by `CPANSEC_DB`.
    Environment(PathBuf),
    /// The downloaded copy.
    Cache(PathBuf),
    /// The compiled-in snapshot (no downloaded copy exists).
    Embedded,
    /// An installed perl module's database, from `--db perl:MODULE` or
    /// `CPANSEC_DB=perl:MODULE` (the module name as given).
    Perl(String),
}

/// The prefix naming a perl module instead of a file.
pub const PERL_PREFIX: &str = "perl:";

fn perl_module(p: &Path) -> Option<String> {
    p.to_str()
        .and_then(|s| s.strip_prefix(PERL_PREFIX))
        .map(str::to_string)
}

impl Location {
    /// Resolves the location. `env` looks up an environment variable;
    /// `exists` tells whether a file exists (the cache copy is used only
    /// when it does).
    pub fn resolve(
        explicit: Option<&Path>,
        env: impl Fn(&str) -> Option<OsString>,
        exists: impl Fn(&Path) -> bool,
    ) -> Location {
        if let Some(p) = explicit {
            return match perl_module(p) {
                Some(m) => Location::Perl(m),
                None => Location::Explicit(p.to_path_buf()),
            };
        }
        if let Some(p) = env("CPANSEC_DB").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            return match perl_module(&p) {
                Some(m) => Location::Perl(m),
                None => Location::Environment(p),
            };
        }
        match cache_dir(&env).map(|d| d.join(CACHE_FILE)) {
            Some(p) if exists(&p) => Location::Cache(p),
            _ => Location::Embedded,
        }
    }

    /// The file this location names, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Explicit(p) | Location::Environment(p) | Location::Cache(p) => Some(p),
            Location::Embedded | Location::Perl(_) => None,
        }
    }

    /// Loads the database from this location, reading the JSON (no cache).
    pub fn load(&self) -> Result<Database, Error> {
        match (self, self.path()) {
            (Location::Perl(m), _) => Database::load_perl(&PerlModule::parse(m)?, PERL_TIMEOUT),
            (_, Some(p)) => Database::load_json_file(p),
            (_, None) => Database::embedded(),
        }
    }

    /// The database as a feed document, as faithfully as the source allows:
    /// a JSON file and a perl module give every entry as written; the
    /// embedded snapshot (stored as the merged model) gives
    /// [`Feed::from_database`].
    pub fn load_feed(&self) -> Result<Feed, Error> {
        match (self, self.path()) {
            (Location::Perl(m), _) => Ok(load_perl(&PerlModule::parse(m)?, PERL_TIMEOUT)?.feed),
            (_, Some(p)) => Feed::load(p),
            (_, None) => Ok(Feed::from_database(&Database::embedded()?)),
        }
    }

    /// Loads the database through its binary cache (see
    /// [`Database::load_cached`]): the downloaded copy's cache sits beside
    /// it; a `--db` or `CPANSEC_DB` file's is under `cache_dir` (without one,
    /// the JSON is read and [`CacheStatus::Disabled`] returned). The embedded
    /// snapshot is stored in the binary form already.
    pub fn load_cached(&self, cache_dir: Option<&Path>) -> Result<(Database, CacheStatus), Error> {
        match (self, cache_dir) {
            (Location::Cache(p), _) => Database::load_cached(p, &sibling_cache_path(p)),
            (Location::Explicit(p) | Location::Environment(p), Some(dir)) => {
                Database::load_cached(p, &keyed_cache_path(p, dir))
            }
            (Location::Explicit(p) | Location::Environment(p), None) => {
                Ok((Database::load_json_file(p)?, CacheStatus::Disabled))
            }
            (Location::Embedded, _) => Ok((Database::embedded()?, CacheStatus::Hit)),
            (Location::Perl(_), _) => Ok((self.load()?, CacheStatus::Disabled)),
        }
    }
}

impl Location {
    /// [`Location::load_cached`] with the cache read lazily
    /// ([`Database::load_cached_lazy`]): for callers that check
    /// [`Database::damage`] after using the database.
    pub fn load_cached_lazy(
        &self,
        cache_dir: Option<&Path>,
    ) -> Result<(Database, CacheStatus), Error> {
        match (self, cache_dir) {
            (Location::Cache(p), _) => Database::load_cached_lazy(p, &sibling_cache_path(p)),
            (Location::Explicit(p) | Location::Environment(p), Some(dir)) => {
                Database::load_cached_lazy(p, &keyed_cache_path(p, dir))
            }
            _ => self.load_cached(cache_dir),
        }
    }

    /// The cache file this location loads through, if any.
    pub fn cache_path(&self, cache_dir: Option<&Path>) -> Option<PathBuf> {
        match (self, cache_dir) {
            (Location::Cache(p), _) => Some(sibling_cache_path(p)),
            (Location::Explicit(p) | Location::Environment(p), Some(dir)) => {
                Some(keyed_cache_path(p, dir))
            }
            _ => None,
        }
    }
}

/// The cpansec cache directory: `$XDG_CACHE_HOME/cpansec` when that is an
/// absolute path, else `$HOME/.cache/cpansec`; `None` without either.
pub fn cache_dir(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(xdg) = env("XDG_CACHE_HOME").map(PathBuf::from) {
        if xdg.is_absolute() {
            return Some(xdg.join("cpansec"));
        }
    }
    let home = env("HOME").map(PathBuf::from).filter(|h| h.is_absolute())?;
    Some(home.join(".cache").join("cpansec"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn explicit_then_environment_then_cache_then_embedded() {
        let vars = [("CPANSEC_DB", "/env.json"), ("HOME", "/home/u")];
        let yes = |_: &Path| true;
        let no = |_: &Path| false;
        assert_eq!(
            Location::resolve(Some(Path::new("/x.json")), env(&vars), yes),
            Location::Explicit("/x.json".into())
        );
        assert_eq!(
            Location::resolve(None, env(&vars), yes),
            Location::Environment("/env.json".into())
        );
        let vars = [("HOME", "/home/u")];
        assert_eq!(
            Location::resolve(None, env(&vars), yes),
            Location::Cache("/home/u/.cache/cpansec/cpan-security-advisory.json".into())
        );
        assert_eq!(Location::resolve(None, env(&vars), no), Location::Embedded);
        let vars = [("XDG_CACHE_HOME", "/c"), ("HOME", "/home/u")];
        assert_eq!(
            Location::resolve(None, env(&vars), yes),
            Location::Cache("/c/cpansec/cpan-security-advisory.json".into())
        );
        let vars = [("XDG_CACHE_HOME", "relative"), ("HOME", "/h")];
        assert_eq!(cache_dir(env(&vars)), Some("/h/.cache/cpansec".into()));
        assert_eq!(cache_dir(env(&[])), None);
    }
}
