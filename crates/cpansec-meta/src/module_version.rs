//! The packages a Perl module file declares and their `$VERSION`s, read
//! statically the way Module::Metadata 1.000037 reads them, without running
//! Perl.
//!
//! # The rules (Module::Metadata's, line by line)
//!
//! The file is read line by line (`\n`; a `\r` stays part of the line). A
//! UTF-8 or UTF-16 byte-order mark is skipped (UTF-16 is decoded).
//!
//! - A line starting `=` + letter starts POD; `=cut` ends it. POD is skipped.
//! - Lines whose first non-blank is `#` are skipped; so is everything after a
//!   line `__END__`, and reading stops at a line `__DATA__`.
//! - `package NAME;`, `package NAME VERSION;`, `package NAME {`, … at the start
//!   of a line (after blanks, `{` or `;`) switches the current package; a
//!   version written there is that package's version unless one is known.
//!   The rest of such a line is not looked at (so `package Foo; $VERSION = 1;`
//!   on one line gives `Foo` no version: Module::Metadata's rule).
//! - Else a line assigning `$Pkg::VERSION` (or `*Pkg::VERSION`) sets `Pkg`'s
//!   version unless it has one; `Pkg` is not counted as declared.
//! - Else, before any `package` line, the first `$VERSION` assignment is the
//!   version of `main`, and the first line with code declares `main`.
//! - Else the *first* `$VERSION` assignment after a `package` line is that
//!   package's version; later ones are ignored.
//!
//! A version assignment is found anywhere on the line (`… $VERSION = X`, not
//! `==`, `=~`, `=>`); Module::Metadata then `eval`s the whole line. We
//! evaluate the line statically (see `eval`): literal strings and numbers,
//! `qv`/`version->declare`/`parse`, the `eval $VERSION` idiom and the common
//! RCS keyword idioms. Anything else is [`VersionValue::Dynamic`] with the
//! line, never a guess. Versions are strings exactly as version.pm would
//! stringify the object Module::Metadata builds (`1.10` written as a number
//! is `1.1`; `'1.23-TRIAL'` is `1.23`).
//!
//! One deliberate difference: the bodies of here-documents (`<<"EOT"`,
//! `<<~EOT`, …) are not code, so we skip them; Module::Metadata reads them as
//! code lines.

mod eval;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::{Error, ErrorKind};

/// The largest module file [`ModuleInfo::read`] reads (16 MiB; the largest
/// `.pm` on CPAN is a few MiB).
pub const MAX_MODULE_SIZE: u64 = 16 * 1024 * 1024;

/// What a module file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ModuleInfo {
    /// Every package with a `package` statement or a `$Pkg::VERSION`
    /// assignment, by name.
    pub packages: BTreeMap<String, PackageVersion>,
    /// Declared packages in order of first appearance (Module::Metadata's
    /// `packages_inside`): excludes packages only seen as `$Pkg::VERSION`.
    pub packages_inside: Vec<String>,
    /// The package the file is named after (Module::Metadata's `name`): for
    /// `Foo/Bar.pm`, the first declared package that is `Bar` or ends in
    /// `::Bar`. `None` when no package matches or the name is unknown.
    pub name: Option<String>,
}

/// One package of a module file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PackageVersion {
    /// Line of the first `package` statement (or, for an undeclared package,
    /// of the `$Pkg::VERSION` assignment; for `main`, its first code line).
    pub line: u32,
    /// True when the package has a `package` statement (or is an implicit `main`).
    pub declared: bool,
    /// The version, when the file assigns one.
    pub version: Option<DeclaredVersion>,
}

/// A version assignment and where it is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeclaredVersion {
    /// 1-based line of the assignment (or `package NAME VERSION` statement).
    pub line: u32,
    pub value: VersionValue,
}

/// A package's version as far as it is known without running Perl.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum VersionValue {
    /// The version string, as version.pm stringifies it: one version.pm
    /// parses back, except its renderings starting `v.`: `v.Inf` for a
    /// component past 2^31-1 (`'99999999999'`), `v.12` for `qv('.12')`.
    Static(String),
    /// Computed by code we do not run (`$VERSION = $Other::VERSION`,
    /// `do { … }`): the line's text (lossily UTF-8, trimmed).
    Dynamic(String),
}

impl VersionValue {
    /// The version string when statically known.
    pub fn as_static(&self) -> Option<&str> {
        match self {
            VersionValue::Static(s) => Some(s),
            VersionValue::Dynamic(_) => None,
        }
    }
}

impl ModuleInfo {
    /// Reads module text whose file name is unknown: `name` is then the first
    /// declared package other than `main`. Never fails: every line is either
    /// understood or recorded as [`VersionValue::Dynamic`].
    pub fn parse(bytes: &[u8]) -> ModuleInfo {
        let mut info = scan(bytes);
        info.name = info.packages_inside.iter().find(|p| *p != "main").cloned();
        info
    }

    /// Reads module text from a file called `file_name` (only its last path
    /// component matters), choosing `name` as Module::Metadata does.
    pub fn parse_named(bytes: &[u8], file_name: &str) -> ModuleInfo {
        let mut info = scan(bytes);
        info.name = main_name(&info, file_name);
        info
    }

    /// Reads a module file, at most [`MAX_MODULE_SIZE`] bytes.
    #[allow(clippy::result_large_err)] // the crate's one error type
    pub fn read(path: &Path) -> Result<ModuleInfo, Error> {
        let bytes = read_limited(path, MAX_MODULE_SIZE)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(ModuleInfo::parse_named(&bytes, &name))
    }

    /// The version of `package`, if the file assigns one.
    pub fn version(&self, package: &str) -> Option<&VersionValue> {
        self.packages
            .get(package)
            .and_then(|p| p.version.as_ref())
            .map(|d| &d.value)
    }

    /// The version of the package the file is named after.
    pub fn name_version(&self) -> Option<&VersionValue> {
        self.name.as_deref().and_then(|n| self.version(n))
    }
}

/// Reads at most `limit` bytes of `path`; a longer file is [`ErrorKind::TooLarge`].
#[allow(clippy::result_large_err)] // the crate's one error type
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(ErrorKind::TooLarge {
            what: path.display().to_string(),
            limit,
        })
        .in_file(path));
    }
    Ok(bytes)
}

/// Module::Metadata's choice of `name`: for a `.pm` file, the first declared
/// package equal to the file stem or ending in `::stem`; for other files,
/// `main` if any package name contains `main`, else the first package.
fn main_name(info: &ModuleInfo, file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    if base.ends_with(".pm") {
        let stem = base.split('.').next().unwrap_or(base);
        let suffix = format!("::{stem}");
        info.packages_inside
            .iter()
            .find(|p| *p == stem || p.ends_with(&suffix))
            .cloned()
    } else if info.packages.keys().any(|p| p.contains("main")) {
        Some("main".to_string())
    } else {
        info.packages_inside.first().cloned()
    }
}

static PKG_RE: LazyLock<Regex> = LazyLock::new(|| {
    let first = r"[a-zA-Z_](?:[\w']?\w)*";
    let addl = r"\w(?:[\w']?\w)*";
    let name = format!(r"(?:::)?{first}(?:(?:::)+{addl})*(?:::)?");
    compile(&format!(
        r"^[\s\{{;]*package\s+({name})\s*(v?[0-9._]+)?\s*[;\{{]"
    ))
});

static VERS_RE: LazyLock<Regex> = LazyLock::new(|| {
    let var = r"([\$*])(((?:::|')?(?:\w+(?:::|'))*)?VERSION)\b";
    compile(&format!(r"(?:\(\s*{var}\s*\)|{var})\s*=[^=~>]"))
});

static HEREDOC_RE: LazyLock<Regex> =
    LazyLock::new(|| compile(r#"<<(~?)(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z_]\w*))"#));

static WORD_RE: LazyLock<Regex> = LazyLock::new(|| compile(r"\w"));

fn compile(pattern: &str) -> Regex {
    // The patterns are constants, exercised by every test.
    #[allow(clippy::expect_used)]
    Regex::new(&format!("(?-u){pattern}")).expect("constant pattern compiles")
}

/// What the version slot of a package holds (Module::Metadata's `%vers`).
#[derive(Clone, Debug)]
enum Slot {
    /// `main` has code but no version (Module::Metadata stores `''`).
    Empty,
    Set(DeclaredVersion),
}

#[derive(Default)]
struct Scanner {
    packages: Vec<(String, u32)>,
    vers: BTreeMap<String, (u32, Slot)>,
}

impl Scanner {
    fn declare(&mut self, name: &str, line: u32) {
        if !self.packages.iter().any(|(p, _)| p == name) {
            self.packages.push((name.to_string(), line));
        }
    }

    fn has_value(&self, name: &str) -> bool {
        matches!(self.vers.get(name), Some((_, Slot::Set(_))))
    }

    fn set(&mut self, name: &str, line: u32, value: DeclaredVersion) {
        let first = self.vers.get(name).map_or(line, |(l, _)| *l);
        self.vers
            .insert(name.to_string(), (first, Slot::Set(value)));
    }
}

/// Splits off a byte-order mark; UTF-16 text is decoded to UTF-8.
fn strip_bom(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let utf16 = |be: bool, body: &[u8]| {
        let units = body.chunks_exact(2).map(|c| match c {
            [a, b] if be => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => 0,
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
            .into_bytes()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest.into(),
        [0xFE, 0xFF, rest @ ..] => utf16(true, rest).into(),
        [0xFF, 0xFE, rest @ ..] => utf16(false, rest).into(),
        _ => bytes.into(),
    }
}

fn scan(bytes: &[u8]) -> ModuleInfo {
    let text = strip_bom(bytes);
    let lines: Vec<&[u8]> = split_lines(&text);
    // A final "\n" does not start another line.
    let count = if text.ends_with(b"\n") {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };

    let mut s = Scanner::default();
    let mut package = "main".to_string();
    let mut in_pod = false;
    let mut in_end = false;
    let mut need_vers = false;
    let mut heredocs: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut later_lines: Option<LaterLines> = None;

    for (index, line) in lines.iter().take(count).enumerate() {
        let line_num = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some((terminator, indented)) = heredocs.first() {
            let body = if *indented { trim_start(line) } else { line };
            if body == terminator.as_slice() {
                heredocs.remove(0);
            }
            continue;
        }
        let mut is_cut = false;
        if let [b'=', c, rest @ ..] = line {
            if c.is_ascii_alphabetic() {
                is_cut = *c == b'c'
                    && rest.starts_with(b"ut")
                    && !rest.get(2).is_some_and(u8::is_ascii_alphabetic);
                in_pod = !is_cut;
            }
        }
        if in_pod || is_cut || in_end {
            continue;
        }
        if trim_start(line).starts_with(b"#") {
            continue;
        }
        if *line == b"__END__" {
            in_end = true;
            continue;
        }
        if *line == b"__DATA__" {
            break;
        }

        let version_match = if memfind(line, b"VERSION").is_some_and(|i| i >= 1) {
            VERS_RE.captures(line)
        } else {
            None
        };
        let assignment = version_match.as_ref().map(|c| {
            let paren = c.get(2).is_some();
            let (sigil, full, pkg) = if paren { (1, 2, 3) } else { (4, 5, 6) };
            let bytes_of = |i: usize| c.get(i).map(|m| m.as_bytes()).unwrap_or_default();
            let var = String::from_utf8_lossy(bytes_of(sigil)).into_owned()
                + &String::from_utf8_lossy(bytes_of(full));
            let pkg = c.get(pkg).map(|m| {
                let p = String::from_utf8_lossy(m.as_bytes()).into_owned();
                if p == "::" {
                    "main".to_string()
                } else {
                    p.strip_suffix("::").map(str::to_string).unwrap_or(p)
                }
            });
            let end = c.get(0).map_or(0, |m| m.end());
            // The match ends one character past the `=`.
            let rhs_start = end.saturating_sub(1);
            (var, pkg.filter(|p| !p.is_empty()), paren, rhs_start)
        });
        let evaluate = |(var, _, paren, rhs_start): &(String, Option<String>, bool, usize)| {
            let rhs = String::from_utf8_lossy(line.get(*rhs_start..).unwrap_or_default());
            let value = match eval::evaluate(&rhs, var, *paren) {
                Some(v) => VersionValue::Static(v),
                None => VersionValue::Dynamic(String::from_utf8_lossy(line).trim().to_string()),
            };
            DeclaredVersion {
                line: line_num,
                value,
            }
        };

        // The word is a cheap filter before the (allocating) capture.
        let package_line = if memfind(line, b"package").is_some() {
            PKG_RE.captures(line)
        } else {
            None
        };
        if let Some(c) = package_line {
            package = c
                .get(1)
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                .unwrap_or_default();
            s.declare(&package, line_num);
            let version = c.get(2);
            need_vers = version.is_none();
            if let Some(v) = version {
                if !s.vers.contains_key(&package) {
                    let text = String::from_utf8_lossy(v.as_bytes());
                    let value = eval::evaluate(&format!("'{text}'"), "$VERSION", false)
                        .map_or_else(
                            || {
                                VersionValue::Dynamic(
                                    String::from_utf8_lossy(line).trim().to_string(),
                                )
                            },
                            VersionValue::Static,
                        );
                    s.set(
                        &package,
                        line_num,
                        DeclaredVersion {
                            line: line_num,
                            value,
                        },
                    );
                }
            }
        } else if let Some(a @ (_, Some(vpkg), _, _)) = &assignment {
            if *vpkg == package {
                need_vers = false;
            }
            if !s.has_value(vpkg) {
                let v = evaluate(a);
                s.set(vpkg, line_num, v);
            }
        } else if package == "main" && assignment.is_some() && !s.vers.contains_key("main") {
            need_vers = false;
            if let Some(a) = &assignment {
                let v = evaluate(a);
                s.set("main", line_num, v);
            }
            s.packages.push(("main".to_string(), line_num));
        } else if package == "main" && !s.vers.contains_key("main") && WORD_RE.is_match(line) {
            need_vers = true;
            s.vers.insert("main".to_string(), (line_num, Slot::Empty));
            s.packages.push(("main".to_string(), line_num));
        } else if let (Some(a), true) = (&assignment, need_vers) {
            need_vers = false;
            let v = evaluate(a);
            if !s.has_value(&package) {
                let p = package.clone();
                s.set(&p, line_num, v);
            }
        }

        if memfind(line, b"<<").is_some() {
            let later = later_lines.get_or_insert_with(|| LaterLines::new(&lines[..count]));
            heredocs.extend(heredoc_terminators(line, index, later));
        }
    }
    finish(s)
}

/// The most distinct here-document terminators looked up in one file; past
/// it, a new `<<ID` is taken as a shift, not a here-document (bounds the
/// cost of hostile input at this many passes over the lines).
const MAX_HEREDOC_IDS: usize = 256;

/// Answers "does a terminator line follow?": for each terminator asked
/// about, the last line it occurs on, found by one pass over the file.
struct LaterLines<'a> {
    lines: &'a [&'a [u8]],
    last: HashMap<(Vec<u8>, bool), Option<usize>>,
}

impl<'a> LaterLines<'a> {
    fn new(lines: &'a [&'a [u8]]) -> LaterLines<'a> {
        LaterLines {
            lines,
            last: HashMap::new(),
        }
    }

    fn follows(&mut self, id: &[u8], indented: bool, after: usize) -> bool {
        let key = (id.to_vec(), indented);
        if !self.last.contains_key(&key) {
            if self.last.len() >= MAX_HEREDOC_IDS {
                return false;
            }
            let found = self.lines.iter().rposition(|l| {
                let l = if indented { trim_start(l) } else { l };
                l == id
            });
            self.last.insert(key.clone(), found);
        }
        self.last
            .get(&key)
            .copied()
            .flatten()
            .is_some_and(|i| i > after)
    }
}

/// Here-document operators on code line `index`, in order, whose terminator
/// line exists further down. A `<<` after a `#` is not looked at (it may be
/// in a comment), nor is one whose terminator never comes (then it is a
/// shift, or broken code).
fn heredoc_terminators(
    line: &[u8],
    index: usize,
    later: &mut LaterLines<'_>,
) -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    for c in HEREDOC_RE.captures_iter(line) {
        let Some(whole) = c.get(0) else { continue };
        if line
            .get(..whole.start())
            .is_some_and(|before| before.contains(&b'#'))
        {
            break;
        }
        let indented = c.get(1).is_some_and(|m| !m.as_bytes().is_empty());
        let Some(id) = c.get(2).or(c.get(3)).or(c.get(4)) else {
            continue;
        };
        if later.follows(id.as_bytes(), indented, index) {
            out.push((id.as_bytes().to_vec(), indented));
        }
    }
    out
}

fn finish(s: Scanner) -> ModuleInfo {
    let mut info = ModuleInfo::default();
    let mut seen = std::collections::BTreeSet::new();
    for (name, line) in &s.packages {
        if seen.insert(name.clone()) {
            info.packages_inside.push(name.clone());
            info.packages.insert(
                name.clone(),
                PackageVersion {
                    line: *line,
                    declared: true,
                    version: None,
                },
            );
        }
    }
    for (name, (line, slot)) in s.vers {
        let entry = info.packages.entry(name).or_insert(PackageVersion {
            line,
            declared: false,
            version: None,
        });
        if let Slot::Set(v) = slot {
            entry.version = Some(v);
        }
    }
    info
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .take_while(|b| b.is_ascii_whitespace() || **b == 0x0b)
        .count();
    line.get(n..).unwrap_or_default()
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // Building a searcher costs more than searching one line: keep one per
    // word the scanner looks for.
    static FINDERS: LazyLock<[memchr::memmem::Finder<'static>; 3]> = LazyLock::new(|| {
        [b"VERSION".as_slice(), b"package", b"<<"].map(memchr::memmem::Finder::new)
    });
    match FINDERS.iter().find(|f| f.needle() == needle) {
        Some(f) => f.find(hay),
        None => memchr::memmem::find(hay, needle),
    }
}

/// `text` split at every `\n` (the last piece is empty when it ends in one).
fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text) {
        lines.push(text.get(start..end).unwrap_or_default());
        start = end + 1;
    }
    lines.push(text.get(start..).unwrap_or_default());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(info: &ModuleInfo, p: &str) -> Option<String> {
        info.version(p).map(|v| match v {
            VersionValue::Static(s) => s.clone(),
            VersionValue::Dynamic(code) => format!("dynamic: {code}"),
        })
    }

    #[test]
    fn package_forms() {
        let i = ModuleInfo::parse_named(
            b"package Foo;\nour $VERSION = '1.23';\npackage Foo::Bar 2.0;\npackage Baz v1.2.3 {\n}\n",
            "Foo.pm",
        );
        assert_eq!(i.packages_inside, ["Foo", "Foo::Bar", "Baz"]);
        assert_eq!(v(&i, "Foo").as_deref(), Some("1.23"));
        assert_eq!(v(&i, "Foo::Bar").as_deref(), Some("2.0"));
        assert_eq!(v(&i, "Baz").as_deref(), Some("v1.2.3"));
        assert_eq!(i.name.as_deref(), Some("Foo"));
    }

    #[test]
    fn pod_end_comments_heredocs() {
        let src = b"package Foo;\n# $VERSION = '9';\n=head1 X\n\npackage Pod;\n$VERSION = '8';\n=cut\nmy $x = <<\"EOT\";\npackage Here;\nEOT\n$VERSION = '1.0';\n__END__\npackage End;\n";
        let i = ModuleInfo::parse(src);
        assert_eq!(i.packages_inside, ["Foo"]);
        assert_eq!(v(&i, "Foo").as_deref(), Some("1.0"));
    }

    #[test]
    fn first_version_only_and_qualified() {
        let i = ModuleInfo::parse(
            b"package Foo;\n$VERSION = '1';\n$VERSION = '2';\n$Other::VERSION = '3';\n",
        );
        assert_eq!(v(&i, "Foo").as_deref(), Some("1"));
        assert_eq!(v(&i, "Other").as_deref(), Some("3"));
        assert!(!i.packages["Other"].declared);
    }

    #[test]
    fn dynamic_is_reported_with_the_line() {
        let i = ModuleInfo::parse(b"package Foo;\nour $VERSION = $Bar::VERSION;\n");
        assert_eq!(
            v(&i, "Foo").as_deref(),
            Some("dynamic: our $VERSION = $Bar::VERSION;")
        );
    }
}
