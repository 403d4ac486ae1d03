//! Carton's `cpanfile.snapshot`: the exact distributions a project installed.
//!
//! The format (Carton::Snapshot::Parser and ::Emitter, format version 1.0):
//!
//! ```text
//! # carton snapshot format: version 1.0
//! DISTRIBUTIONS
//!   Plack-1.0048
//!     pathname: M/MI/MIYAGAWA/Plack-1.0048.tar.gz
//!     provides:
//!       Plack 1.0048
//!       Plack::Util undef
//!     requirements:
//!       ExtUtils::MakeMaker 0
//!       perl 5.008001
//! ```
//!
//! Lines end in `\n` or `\r\n`; blank lines are not allowed except at the
//! end. A distribution (its "distvname") is indented by exactly two spaces,
//! its fields by four, the entries of `provides:` and `requirements:` by six.
//! An entry is a module name of `[0-9A-Za-z_:]` characters, one space, and a
//! version made of `v 0-9 . _ , = ! < >` and white space, or `undef`. Carton
//! counts any Unicode white space as indentation where its parser uses `\s`;
//! this reader does the same, so both accept the same lines.
//!
//! Where Carton is lenient this reader is strict, so that nothing in the file
//! is silently dropped:
//! - text after an entry's version (Carton ignores it) is an error;
//! - a distribution without a `pathname:` (Carton keeps an undefined one),
//!   with two pathnames, or naming a module twice in one list (Carton keeps
//!   the last, or merges requirements) is an error;
//! - a header whose version is not exactly `1.0` (Carton accepts
//!   `version 1.0anything`) and a `__EOF__` line between sections are errors;
//! - a line that still ends in `\r` once its `\n` or `\r\n` is removed is
//!   an error (Carton keeps the `\r` in the pathname or version, where no
//!   snapshot can write it back).
//!
//! Distributions stay in file order (Carton's order when it reads a file);
//! [`Snapshot::to_snapshot_string`] writes them sorted by name, as Carton's
//! emitter does.

// The crate's one `Error` is over clippy's size threshold because of a
// variant shared by all readers; shrinking it is a crate-wide change.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use crate::module_map::ModuleMap;
use crate::{Error, ErrorKind, Location};

/// The largest snapshot [`Snapshot::read`] accepts.
pub const MAX_SNAPSHOT_SIZE: u64 = 64 * 1024 * 1024;

const HEADER_PREFIX: &str = "# carton snapshot format: version ";
const FORMAT_VERSION: &str = "1.0";

/// A whole `cpanfile.snapshot`.
///
/// [`Snapshot::parse`] borrows every name and version from the text it reads
/// (no allocation per line); [`Snapshot::read`] and
/// [`Snapshot::into_owned`] give a `Snapshot<'static>` that owns them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot<'a> {
    /// In file order. Names may repeat (Carton keeps both).
    pub distributions: Vec<SnapshotDist<'a>>,
}

/// One distribution of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotDist<'a> {
    /// The distvname, e.g. `Plack-1.0048`.
    pub name: Cow<'a, str>,
    /// The path below `authors/id/`, e.g. `M/MI/MIYAGAWA/Plack-1.0048.tar.gz`.
    pub pathname: Cow<'a, str>,
    /// The 1-based line of the name.
    pub line: u32,
    /// Module -> version; `None` where the file says `undef`.
    pub provides: ModuleMap<'a, Option<Cow<'a, str>>>,
    /// Module -> requirement string, as written (CPAN::Meta::Requirements
    /// syntax; read it with [`cpansec_version::Requirement::parse`]).
    pub requirements: ModuleMap<'a, Cow<'a, str>>,
}

fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

impl SnapshotDist<'_> {
    /// The same distribution owning its strings.
    pub fn into_owned(self) -> SnapshotDist<'static> {
        SnapshotDist {
            name: owned(self.name),
            pathname: owned(self.pathname),
            line: self.line,
            provides: self
                .provides
                .into_iter()
                .map(|(m, v)| (owned(m), v.map(owned)))
                .collect(),
            requirements: self
                .requirements
                .into_iter()
                .map(|(m, r)| (owned(m), owned(r)))
                .collect(),
        }
    }

    /// The PAUSE id of the uploader when the pathname has the
    /// `A/AU/AUTHOR/...` form (each prefix of the id repeated), else `None`.
    pub fn author(&self) -> Option<&str> {
        author_of(&self.pathname)
    }

    /// The distribution name and version read from the pathname's file name
    /// (`Plack-1.0048.tar.gz` -> (`Plack`, `1.0048`)): the archive extension
    /// is removed and the name split at the last `-` that is followed by a
    /// digit or by `v` and a digit. `None` when there is no such `-`.
    pub fn dist_name_version(&self) -> Option<(&str, &str)> {
        dist_name_version(&self.pathname)
    }
}

impl<'a> Snapshot<'a> {
    /// Reads snapshot text, borrowing from it. Errors carry the 1-based line
    /// and column. Linear in the size of the text.
    pub fn parse(text: &'a str) -> Result<Snapshot<'a>, Error> {
        Parser::default().run(text, true)
    }

    /// [`Snapshot::parse`] for a reader that needs only the releases: the
    /// whole text is checked the same way (the same errors), but every
    /// distribution's `provides` and `requirements` are left empty, which
    /// saves building a few thousand entries.
    pub fn parse_releases(text: &'a str) -> Result<Snapshot<'a>, Error> {
        Parser {
            releases_only: true,
            ..Parser::default()
        }
        .run(text, true)
    }

    /// The same snapshot owning its strings.
    pub fn into_owned(self) -> Snapshot<'static> {
        Snapshot {
            distributions: self
                .distributions
                .into_iter()
                .map(SnapshotDist::into_owned)
                .collect(),
        }
    }

    /// Reads the snapshot at `path`, refusing files over
    /// [`MAX_SNAPSHOT_SIZE`]; errors name the path.
    pub fn read(path: impl AsRef<Path>) -> Result<Snapshot<'static>, Error> {
        let path = path.as_ref();
        let text = Snapshot::read_text(path)?;
        Snapshot::parse(&text)
            .map(Snapshot::into_owned)
            .map_err(|e| e.in_file(path))
    }

    /// The text of the snapshot at `path`, for [`Snapshot::parse`] or
    /// [`Snapshot::parse_releases`] to borrow from: at most
    /// [`MAX_SNAPSHOT_SIZE`] bytes, UTF-8 (else an error at the line and
    /// column of the first bad byte); errors name the path.
    pub fn read_text(path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref();
        let bytes = crate::bounded::read_capped(path, MAX_SNAPSHOT_SIZE, "cpanfile.snapshot")?;
        String::from_utf8(bytes).map_err(|e| {
            let bytes = e.into_bytes();
            match crate::bounded::utf8(&bytes, "cpanfile.snapshot") {
                Err(e) => e.in_file(path),
                // Not reached: the same bytes were just found not to be UTF-8.
                Ok(_) => Error::new(ErrorKind::NotUtf8 {
                    what: "cpanfile.snapshot",
                })
                .in_file(path),
            }
        })
    }

    /// The first distribution that provides `module` (Carton's `find`).
    pub fn find(&self, module: &str) -> Option<&SnapshotDist<'a>> {
        self.distributions
            .iter()
            .find(|d| d.provides.contains_key(module))
    }

    /// The snapshot as Carton's emitter writes it: distributions sorted by
    /// name (stable for equal names), modules sorted, `undef` for unknown
    /// versions, an empty requirement written as `0`. Carton reads the
    /// result back into the same distributions, and so does
    /// [`Snapshot::parse`] (in name order).
    pub fn to_snapshot_string(&self) -> String {
        let mut dists: Vec<&SnapshotDist<'a>> = self.distributions.iter().collect();
        dists.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out = String::with_capacity(64 + 256 * dists.len());
        out.push_str(HEADER_PREFIX);
        out.push_str(FORMAT_VERSION);
        out.push_str("\nDISTRIBUTIONS\n");
        for d in dists {
            let _ = write!(
                out,
                "  {}\n    pathname: {}\n    provides:\n",
                d.name, d.pathname
            );
            for (module, version) in &d.provides {
                let _ = writeln!(
                    out,
                    "      {module} {}",
                    version.as_deref().unwrap_or("undef")
                );
            }
            out.push_str("    requirements:\n");
            for (module, req) in &d.requirements {
                let req = if req.is_empty() { "0" } else { req };
                let _ = writeln!(out, "      {module} {req}");
            }
        }
        out
    }
}

/// `X/XY/XYZ/...` -> `XYZ`.
pub(crate) fn author_of(pathname: &str) -> Option<&str> {
    let mut parts = pathname.split('/');
    let (a, ab, id) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next()?;
    let ok = a.len() == 1
        && ab.len() == 2
        && id.len() >= 2
        && id.starts_with(ab)
        && ab.starts_with(a)
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(id)
}

const ARCHIVE_EXTENSIONS: &[&str] = &[
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tgz", ".tbz", ".tbz2", ".txz", ".tar", ".zip",
];

pub(crate) fn dist_name_version(pathname: &str) -> Option<(&str, &str)> {
    let file = pathname.rsplit('/').next()?;
    let stem = ARCHIVE_EXTENSIONS
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(file);
    let bytes = stem.as_bytes();
    let cut = (0..bytes.len()).rev().find(|&i| {
        bytes[i] == b'-'
            && match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(d), _) if d.is_ascii_digit() => true,
                (Some(b'v'), Some(d)) => d.is_ascii_digit(),
                _ => false,
            }
    })?;
    Some((stem.get(..cut)?, stem.get(cut + 1..)?))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Init,
    Section,
    Dists,
    DistMeta,
    Provides,
    Requirements,
}

#[derive(Debug, Default)]
struct Parser<'a> {
    out: Vec<SnapshotDist<'a>>,
    current: Option<Pending<'a>>,
    /// The current distribution's lists as read, turned into maps when it
    /// ends (building a map from sorted entries is much cheaper than
    /// inserting them one by one). Reused from one distribution to the next.
    provides: List<'a, Option<&'a str>>,
    requirements: List<'a, &'a str>,
    /// Check the lists but keep them empty ([`Snapshot::parse_releases`]).
    releases_only: bool,
}

/// One `provides:` or `requirements:` list as read: (module, value, line)
/// in file order, and whether the modules came strictly increasing so far
/// (they do in every file Carton writes).
#[derive(Debug)]
struct List<'a, V> {
    entries: Vec<(&'a str, V, u32)>,
    sorted: bool,
}

impl<V> Default for List<'_, V> {
    fn default() -> Self {
        List {
            entries: Vec::new(),
            sorted: true,
        }
    }
}

impl<'a, V: Copy> List<'a, V> {
    /// Adds an entry; a module equal to the one before it is returned as a
    /// duplicate at once (others are found by [`List::drain_into`]).
    fn push(&mut self, module: &'a str, value: V, line: u32) -> Result<(), (&'a str, u32)> {
        if let Some(&(last, _, _)) = self.entries.last() {
            match module.cmp(last) {
                std::cmp::Ordering::Greater => {}
                std::cmp::Ordering::Equal => return Err((module, line)),
                std::cmp::Ordering::Less => self.sorted = false,
            }
        }
        self.entries.push((module, value, line));
        Ok(())
    }

    /// Empties the list into a map, or returns the first repeated module (by
    /// the line of its second appearance).
    fn drain_into<W>(
        &mut self,
        value: impl Fn(V) -> W,
    ) -> Result<ModuleMap<'a, W>, (&'a str, u32)> {
        if !self.sorted {
            self.sorted = true;
            self.entries.sort_by(|a, b| a.0.cmp(b.0));
            let dup = self
                .entries
                .windows(2)
                .filter_map(|w| match w {
                    [a, b] if a.0 == b.0 => Some((b.0, a.2.max(b.2))),
                    _ => None,
                })
                .min_by_key(|&(_, line)| line);
            if let Some(dup) = dup {
                self.entries.clear();
                return Err(dup);
            }
        }
        // Exactly sized: the buffer is reused, the result kept.
        let mut entries = Vec::with_capacity(self.entries.len());
        entries.extend(
            self.entries
                .drain(..)
                .map(|(m, v, _)| (Cow::Borrowed(m), value(v))),
        );
        Ok(ModuleMap::from_sorted_unique(entries))
    }
}

#[derive(Debug)]
struct Pending<'a> {
    dist: SnapshotDist<'a>,
    has_pathname: bool,
}

/// True for what Perl's `\s` matches in a decoded string (Unicode
/// White_Space, the same set as `char::is_whitespace`).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// True when `s` has a white-space character (ASCII checked bytewise).
fn has_space(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| char::from(b).is_whitespace())
    } else {
        s.contains(is_space)
    }
}

/// The number of leading white-space characters before the first other one,
/// or `None` for a line of only white space.
fn indent(line: &str) -> Option<usize> {
    line.chars().position(|c| !is_space(c))
}

/// `line` without its first `n` characters when they are all white space.
fn after_spaces(line: &str, n: usize) -> Option<&str> {
    // Fast path: ASCII spaces, the only indentation real files use.
    if line
        .as_bytes()
        .get(..n)
        .is_some_and(|p| p.iter().all(|&b| b == b' '))
    {
        return line.get(n..);
    }
    let mut chars = line.char_indices();
    for _ in 0..n {
        let (_, c) = chars.next()?;
        if !is_space(c) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// Byte classes as lookup tables: the entry scans are the parser's inner
/// loops. `MODULE`: `[0-9A-Za-z_:]`. `VERSION`: the ASCII part of
/// `[v0-9._,=!<>\s]`.
const MODULE: [bool; 256] =
    byte_class(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_:");
const VERSION: [bool; 256] = byte_class(b"v0123456789._,=!<> \t\n\x0b\x0c\r");

const fn byte_class(members: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < members.len() {
        table[members[i] as usize] = true;
        i += 1;
    }
    table
}

fn is_module_byte(b: u8) -> bool {
    MODULE[usize::from(b)]
}

fn is_version_char(c: char) -> bool {
    matches!(c, 'v' | '0'..='9' | '.' | '_' | ',' | '=' | '!' | '<' | '>') || is_space(c)
}

/// The 1-based character column of byte offset `at` in `line`.
fn char_column(line: &str, at: usize) -> usize {
    line.get(..at).map_or(at, |p| p.chars().count()) + 1
}

fn loc(line: u32, column: usize) -> Location {
    Location {
        line,
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

impl<'a> Parser<'a> {
    /// `plain_fast_path`: read plain entry lines in one pass (off only in the
    /// tests that check it changes nothing).
    fn run(mut self, text: &'a str, plain_fast_path: bool) -> Result<Snapshot<'a>, Error> {
        let mut state = State::Init;
        let mut lines = Lines::new(text);
        loop {
            if plain_fast_path
                && matches!(state, State::Provides | State::Requirements)
                && let Some((n, module, version)) = lines.next_plain_entry()
            {
                state = self.entry(state, n, module, version)?;
                continue;
            }
            let Some((n, line)) = lines.next_line() else {
                break;
            };
            if line.ends_with('\r') {
                // Carton keeps it in the value, but no snapshot written
                // with it can carry it back: the reader strips it as part of
                // the line end.
                return Err(unexpected(
                    n,
                    line,
                    "no carriage return before the line end (other than one in \\r\\n)",
                ));
            }
            loop {
                match self.step(state, n, line)? {
                    Step::Next(s) => {
                        state = s;
                        break;
                    }
                    Step::Redo(s) => state = s,
                }
            }
        }
        match state {
            State::Init => Err(Error::at(
                ErrorKind::SnapshotHeader {
                    found: String::new(),
                },
                loc(1, 1),
            )),
            _ => {
                self.finish()?;
                Ok(Snapshot {
                    distributions: self.out,
                })
            }
        }
    }

    fn finish(&mut self) -> Result<(), Error> {
        if let Some(p) = self.current.take() {
            if !p.has_pathname {
                return Err(Error::at(
                    ErrorKind::SnapshotMissingPathname {
                        dist: p.dist.name.into_owned(),
                    },
                    loc(p.dist.line, 3),
                ));
            }
            let mut dist = p.dist;
            let provides = self
                .provides
                .drain_into(|v| v.map(Cow::Borrowed))
                .map_err(|d| duplicate(&dist.name, "provides", d))?;
            let requirements = self
                .requirements
                .drain_into(Cow::Borrowed)
                .map_err(|d| duplicate(&dist.name, "requirements", d))?;
            // Dropped at once when not kept: the next distribution's lists
            // reuse the memory.
            if !self.releases_only {
                dist.provides = provides;
                dist.requirements = requirements;
            }
            self.out.push(dist);
        }
        Ok(())
    }

    fn step(&mut self, state: State, n: u32, line: &'a str) -> Result<Step, Error> {
        match state {
            State::Init => {
                let Some(version) = line.strip_prefix(HEADER_PREFIX) else {
                    return Err(Error::at(
                        ErrorKind::SnapshotHeader {
                            found: line.to_string(),
                        },
                        loc(n, 1),
                    ));
                };
                if version.trim_end_matches(is_space) != FORMAT_VERSION {
                    return Err(Error::at(
                        ErrorKind::SnapshotFormatVersion {
                            found: version.to_string(),
                        },
                        loc(n, HEADER_PREFIX.len() + 1),
                    ));
                }
                Ok(Step::Next(State::Section))
            }
            State::Section => {
                if line == "DISTRIBUTIONS" {
                    Ok(Step::Next(State::Dists))
                } else {
                    Err(Error::at(
                        ErrorKind::SnapshotSection {
                            found: line.to_string(),
                        },
                        loc(n, 1),
                    ))
                }
            }
            State::Dists => {
                if let Some(name) = line.strip_prefix("  ")
                    && !name.is_empty()
                    && !has_space(name)
                {
                    self.current = Some(Pending {
                        dist: SnapshotDist {
                            name: Cow::Borrowed(name),
                            pathname: Cow::Borrowed(""),
                            line: n,
                            provides: ModuleMap::default(),
                            requirements: ModuleMap::default(),
                        },
                        has_pathname: false,
                    });
                    return Ok(Step::Next(State::DistMeta));
                }
                if indent(line) == Some(0) {
                    return Ok(Step::Redo(State::Section));
                }
                Err(unexpected(
                    n,
                    line,
                    "expected a distribution name indented by two spaces",
                ))
            }
            State::DistMeta => {
                if let Some(path) = line.strip_prefix("    pathname: ") {
                    let Some(p) = self.current.as_mut() else {
                        return Err(unexpected(n, line, "expected a distribution name"));
                    };
                    if p.has_pathname {
                        return Err(Error::at(
                            ErrorKind::SnapshotDuplicate {
                                dist: p.dist.name.to_string(),
                                what: "pathname".to_string(),
                            },
                            loc(n, 5),
                        ));
                    }
                    if path.is_empty() {
                        return Err(Error::at(
                            ErrorKind::SnapshotMissingPathname {
                                dist: p.dist.name.to_string(),
                            },
                            loc(n, 15),
                        ));
                    }
                    p.dist.pathname = Cow::Borrowed(path);
                    p.has_pathname = true;
                    return Ok(Step::Next(State::DistMeta));
                }
                match after_spaces(line, 4) {
                    Some("provides:") => return Ok(Step::Next(State::Provides)),
                    Some("requirements:") => return Ok(Step::Next(State::Requirements)),
                    _ => {}
                }
                if indent(line).is_some_and(|i| i <= 2) {
                    self.finish()?;
                    return Ok(Step::Redo(State::Dists));
                }
                Err(unexpected(
                    n,
                    line,
                    "expected `pathname: `, `provides:` or `requirements:` indented by four spaces",
                ))
            }
            State::Provides | State::Requirements => {
                if let Some(rest) = after_spaces(line, 6) {
                    let m = rest.bytes().take_while(|&b| is_module_byte(b)).count();
                    if m > 0
                        && let (Some(module), Some(after)) = (rest.get(..m), rest.get(m..))
                        && let Some(after) = after.strip_prefix(' ')
                        && let Some(version) = version_token(after)
                    {
                        let trailing = &after[version.len()..];
                        if !trailing.is_empty() {
                            let column = char_column(line, line.len() - after.len());
                            return Err(Error::at(
                                ErrorKind::SnapshotTrailingText {
                                    module: module.to_string(),
                                    text: trailing.to_string(),
                                },
                                loc(n, column + version.chars().count()),
                            ));
                        }
                        return self.entry(state, n, module, version).map(Step::Next);
                    }
                }
                if indent(line).is_some_and(|i| i <= 4) {
                    return Ok(Step::Redo(State::DistMeta));
                }
                Err(unexpected(
                    n,
                    line,
                    "expected `Module version` indented by six spaces",
                ))
            }
        }
    }

    fn entry(
        &mut self,
        state: State,
        n: u32,
        module: &'a str,
        version: &'a str,
    ) -> Result<State, Error> {
        let Some(p) = self.current.as_ref() else {
            return Err(unexpected(n, module, "expected a distribution name"));
        };
        if state == State::Provides {
            let v = (version != "undef").then_some(version);
            self.provides
                .push(module, v, n)
                .map_err(|d| duplicate(&p.dist.name, "provides", d))?;
        } else {
            self.requirements
                .push(module, version, n)
                .map_err(|d| duplicate(&p.dist.name, "requirements", d))?;
        }
        Ok(state)
    }
}

fn duplicate(dist: &str, list: &str, (module, line): (&str, u32)) -> Error {
    Error::at(
        ErrorKind::SnapshotDuplicate {
            dist: dist.to_string(),
            what: format!("{module} in {list}"),
        },
        loc(line, 7),
    )
}

/// The version Carton's `([v0-9\._,=\!<>\s]+|undef)` captures at the start
/// of `s`, if any.
fn version_token(s: &str) -> Option<&str> {
    // Bytes first: ASCII decides alone; at the first non-ASCII byte, go on
    // by characters (Unicode white space belongs to the class).
    let ascii_end = s
        .bytes()
        .position(|b| !VERSION[usize::from(b)])
        .unwrap_or(s.len());
    let end = match s.get(ascii_end..) {
        Some(rest) if rest.as_bytes().first().is_some_and(|b| !b.is_ascii()) => {
            ascii_end
                + rest
                    .char_indices()
                    .find(|&(_, c)| !is_version_char(c))
                    .map_or(rest.len(), |(i, _)| i)
        }
        _ => ascii_end,
    };
    if end > 0 {
        s.get(..end)
    } else if s.starts_with("undef") {
        s.get(..5)
    } else {
        None
    }
}

fn unexpected(n: u32, line: &str, expected: &'static str) -> Error {
    Error::at(
        ErrorKind::SnapshotLine {
            expected,
            found: line.to_string(),
        },
        loc(n, 1),
    )
}

enum Step {
    /// Go on with the next line in this state.
    Next(State),
    /// Read the same line again in this state.
    Redo(State),
}

/// Lines as Carton's `split /\r?\n/` yields them: `\n` ends a line, a `\r`
/// right before it is dropped, and blank lines at the very end are ignored.
struct Lines<'a> {
    rest: &'a str,
    line: u32,
    done: bool,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        // Drop the trailing empty lines (`\n` or `\r\n` at the end) first.
        let mut end = text.len();
        let b = text.as_bytes();
        while end > 0 && b[end - 1] == b'\n' {
            end -= 1;
            if end > 0 && b[end - 1] == b'\r' {
                end -= 1;
            }
        }
        Lines {
            rest: text.get(..end).unwrap_or(""),
            line: 0,
            done: end == 0,
        }
    }

    /// The next line when it is an entry in the plain form Carton writes
    /// (six spaces, module, one space, an ASCII version or `undef`, the end
    /// of the line), as (line number, module, version); else `None` and
    /// nothing is consumed. One pass over the bytes, for the lines that make
    /// up nearly all of a snapshot; anything else goes through
    /// [`Lines::next_line`] and the general rules, which read these lines
    /// the same way.
    fn next_plain_entry(&mut self) -> Option<(u32, &'a str, &'a str)> {
        if self.done {
            return None;
        }
        let b = self.rest.as_bytes();
        if b.get(..6)? != b"      " {
            return None;
        }
        let m_end = 6 + b.get(6..)?.iter().position(|&c| !MODULE[usize::from(c)])?;
        if m_end == 6 || b.get(m_end) != Some(&b' ') {
            return None;
        }
        let v_start = m_end + 1;
        let tail = b.get(v_start..)?;
        let v_len = tail
            .iter()
            .position(|&c| c == b'\n' || !VERSION[usize::from(c)])
            .unwrap_or(tail.len());
        let (mut v_end, stop) = (v_start + v_len, b.get(v_start + v_len).copied());
        if v_len == 0 && tail.starts_with(b"undef") {
            v_end = v_start + 5;
            if !matches!(b.get(v_end), None | Some(b'\n' | b'\r')) {
                return None;
            }
        } else if !matches!(stop, None | Some(b'\n')) {
            return None;
        }
        let next = match b.get(v_end) {
            None => None,
            Some(b'\n') => Some(v_end + 1),
            Some(b'\r') if b.get(v_end + 1) == Some(&b'\n') => Some(v_end + 2),
            Some(_) => return None,
        };
        // A `\r` right before the `\n` ends the line, it is not version.
        if stop == Some(b'\n') && v_end > v_start && b.get(v_end - 1) == Some(&b'\r') {
            v_end -= 1;
        }
        if v_end == v_start || b.get(v_end - 1) == Some(&b'\r') {
            return None;
        }
        let module = self.rest.get(6..m_end)?;
        let version = self.rest.get(v_start..v_end)?;
        match next {
            Some(i) => self.rest = self.rest.get(i..)?,
            None => self.done = true,
        }
        self.line = self.line.saturating_add(1);
        Some((self.line, module, version))
    }

    fn next_line(&mut self) -> Option<(u32, &'a str)> {
        if self.done {
            return None;
        }
        self.line = self.line.saturating_add(1);
        // Lines are short (about 30 bytes): a plain scan beats memchr's setup.
        match self.rest.bytes().position(|b| b == b'\n') {
            Some(i) => {
                let line = self.rest.get(..i).unwrap_or_default();
                self.rest = self.rest.get(i + 1..).unwrap_or_default();
                Some((self.line, line.strip_suffix('\r').unwrap_or(line)))
            }
            None => {
                self.done = true;
                Some((self.line, self.rest))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_and_dist() {
        assert_eq!(
            author_of("M/MI/MIYAGAWA/Plack-1.0048.tar.gz"),
            Some("MIYAGAWA")
        );
        assert_eq!(
            author_of("M/MI/MIYAGAWA/sub/Plack-1.0048.tar.gz"),
            Some("MIYAGAWA")
        );
        assert_eq!(author_of("Plack-1.0048.tar.gz"), None);
        assert_eq!(author_of("M/MX/MIYAGAWA/Plack-1.0048.tar.gz"), None);
        assert_eq!(
            dist_name_version("M/MI/MIYAGAWA/Plack-1.0048.tar.gz"),
            Some(("Plack", "1.0048"))
        );
        assert_eq!(
            dist_name_version("X/XY/XYZ/App-runscript-v1.0.0_02.tgz"),
            Some(("App-runscript", "v1.0.0_02"))
        );
        assert_eq!(dist_name_version("X/XY/XYZ/Foo.tar.gz"), None);
    }

    #[test]
    fn lines_follow_perl_split() {
        let collect = |t: &str| {
            let mut l = Lines::new(t);
            let mut v = Vec::new();
            while let Some((n, s)) = l.next_line() {
                v.push((n, s.to_string()));
            }
            v
        };
        assert_eq!(collect(""), vec![]);
        assert_eq!(collect("\n\n"), vec![]);
        assert_eq!(collect("a\r\n\r\n"), vec![(1, "a".into())]);
        assert_eq!(collect("\r"), vec![(1, "\r".into())]);
        assert_eq!(
            collect("a\r\r\nb"),
            vec![(1, "a\r".into()), (2, "b".into())]
        );
        assert_eq!(
            collect("a\n\nb\n"),
            vec![(1, "a".into()), (2, "".into()), (3, "b".into())]
        );
    }

    proptest::proptest! {
        /// The one-pass reading of plain entry lines agrees with the general
        /// rules, on lines near that form.
        #[test]
        fn fast_path_changes_nothing(
            entries in proptest::collection::vec(
                "[ \t]{5,7}[A-Za-z_:]{0,4}[ -]{0,2}(undef|[v0-9._, <=!>\ra-z]{0,6}|\u{a0}1)[\r]{0,2}",
                0..6,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("# carton snapshot format: version 1.0{nl}DISTRIBUTIONS{nl}  A-1{nl}    pathname: x{nl}    provides:{nl}");
            for e in &entries {
                text.push_str(e);
                text.push_str(nl);
            }
            for t in [text.as_str(), text.trim_end_matches(['\r', '\n']), text.trim_end_matches('\n')] {
                let fast = Parser::default().run(t, true).map_err(|e| e.to_string());
                let general = Parser::default().run(t, false).map_err(|e| e.to_string());
                proptest::prop_assert_eq!(fast, general);
            }
        }
    }

    #[test]
    fn version_tokens() {
        assert_eq!(version_token("1.0"), Some("1.0"));
        assert_eq!(version_token(">= 1.0, < 2"), Some(">= 1.0, < 2"));
        assert_eq!(version_token("undef"), Some("undef"));
        assert_eq!(version_token("undefined"), Some("undef"));
        assert_eq!(version_token("1.0-TRIAL"), Some("1.0"));
        assert_eq!(version_token("x"), None);
    }
}
