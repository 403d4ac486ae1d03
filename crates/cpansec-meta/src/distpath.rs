//! CPAN distribution paths read the way CPAN::DistnameInfo 0.12 reads them.
//!
//! PAUSE, the CPAN indexer, MetaCPAN, Carton and cpanm all name an upload by its
//! path (`authors/id/G/GB/GBARR/CPAN-DistnameInfo-0.12.tar.gz`,
//! `G/GB/GBARR/...`, or a bare file name) and recover the distribution name and
//! version from it with CPAN::DistnameInfo's heuristics. Agreeing with those
//! heuristics byte for byte is what lets a snapshot line, an index row and an
//! advisory name the same release, so this module reproduces them exactly,
//! including their odd corners; a "cleaner" reading would be a different answer.
//!
//! # The rules, surprising ones first
//!
//! - Only `.tar.gz`, `.tar.z`, `.tar.bz2`, `.zip` and `.tgz` (any case) are
//!   archives. `Foo-1.0.tar`, `Foo-1.0.tbz` and `Foo.pm.gz` have no
//!   `distvname`, hence no `dist` or `version` either.
//! - The name ends at the last name-like piece: a run of letters, digits and
//!   `_`, optionally led by `-`, `+` or `.`, that ends in a letter not followed
//!   by a letter, or in a digit followed by `-`; but a piece ending in `-v`,
//!   `.v` or `_v` never ends the name (so `Foo-v1.2` is `Foo` version `v1.2`).
//!   The rest is the version, less its leading `-`/`_` (and `.` when the
//!   version contains digit-dot-digit): `Foo-Bar-1.23` is `Foo-Bar` `1.23`,
//!   `Foo-1.2b` is `Foo` `1.2b`, `perl5.005_03` is `perl` `5.005_03`.
//! - `-V3_1_1-0.1` style suffixes join the name
//!   (`Unicode-Collate-Standard-V3_1_1-0.1` is that name, version `0.1`), and so
//!   does a piece with an underscore before the last `-digit`
//!   (`Task-Deprecations5_14-1.00` is `Task-Deprecations5_14`, `1.00`).
//! - `Dist.pm-1.23` loses its `.pm`; `-withoutworldwriteables` is dropped from
//!   the version; a dist ending in `-undef` with no version loses it.
//! - With no version left, a last `-<digits><word char>` becomes the version
//!   (`Foo-12b` is `Foo`, `12b`); a version of bare digits glued to the name
//!   takes the name's last word with it (`Foo-Bar12` is `Foo`, `Bar12`).
//! - Maturity is `developer` when the version has `<digit><non-digit><digits>_<digit>`
//!   (`1.2_01`) or contains `-TRIAL`; for perl itself (`perl-5.x.y`) instead when
//!   the minor is odd and above 6, the patch level is 50 or more, or the file
//!   ends in `-TRIALn`/`-RCn`.
//! - `//` runs collapse to `/` first. The author directory is recognised
//!   (`[[…/]authors/]id/]A/AU/AUTHOR/`, upper case only) and stripped from
//!   `filename`; anything else is left in `filename` as given.
//!
//! Like CPAN::DistnameInfo, reading never fails: every string has a reading.
//! Strings are treated as bytes, as perl treats an undecoded path (`\d` and
//! letters are ASCII only), and `.`/`$` keep their Perl meanings around a
//! newline, so even hostile input reads the same as in perl.

use std::fmt;

/// Whether a release is a stable one or a developer (trial) one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Maturity {
    Released,
    Developer,
}

impl Maturity {
    /// The word CPAN::DistnameInfo uses: `released` or `developer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Maturity::Released => "released",
            Maturity::Developer => "developer",
        }
    }
}

impl fmt::Display for Maturity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One dist path and everything CPAN::DistnameInfo reads from it.
///
/// Invariants: `pathname` has no `//`; `cpanid` is set exactly when an author
/// directory prefix was stripped from `filename`; `dist` is set exactly when
/// `distvname` is (and is not `"0"`, which Perl treats as false); `version` is
/// never empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DistPath {
    pathname: String,
    filename: String,
    cpanid: Option<String>,
    distvname: Option<String>,
    extension: Option<String>,
    dist: Option<String>,
    version: Option<String>,
    maturity: Maturity,
}

impl DistPath {
    /// Reads a path as `CPAN::DistnameInfo->new($path)` does. Never fails;
    /// costs time linear in the length of `path` (quadratic at worst).
    pub fn parse(path: &str) -> DistPath {
        let pathname = collapse_slashes(path);
        let (filename, cpanid) = match author_prefix(pathname.as_bytes()) {
            Some((end, id)) => (
                slice(&pathname, end, pathname.len()).to_string(),
                Some(slice(&pathname, id.0, id.1).to_string()),
            ),
            None => (pathname.clone(), None),
        };
        let (distvname, extension) = match archive_name(pathname.as_bytes()) {
            Some((name, ext)) => (
                Some(slice(&pathname, name.0, name.1).to_string()),
                Some(slice(&pathname, ext.0, ext.1).to_string()),
            ),
            None => (None, None),
        };
        let (dist, version, maturity) = match distvname.as_deref().and_then(distname_info) {
            Some(info) => (Some(info.dist), info.version, info.maturity),
            None => (None, None, Maturity::Released),
        };
        DistPath {
            pathname,
            filename,
            cpanid,
            distvname,
            extension,
            dist,
            version,
            maturity,
        }
    }

    /// The path as given, with runs of `/` collapsed.
    pub fn pathname(&self) -> &str {
        &self.pathname
    }
    /// The path below the author directory, or the whole path when there is none.
    pub fn filename(&self) -> &str {
        &self.filename
    }
    /// The PAUSE id of the author directory (`GBARR`), when the path has one.
    /// Always upper case: `[A-Z]{2}[-A-Z0-9]*`, as the author directories
    /// are matched.
    pub fn cpanid(&self) -> Option<&str> {
        self.cpanid.as_deref()
    }
    /// The file name without directories and archive extension (`Foo-1.23`).
    pub fn distvname(&self) -> Option<&str> {
        self.distvname.as_deref()
    }
    /// The archive extension as written (`tar.gz`, `TGZ`, ...).
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }
    /// The distribution name (`Foo-Bar`).
    pub fn dist(&self) -> Option<&str> {
        self.dist.as_deref()
    }
    /// The version as written in the file name (`1.23`, `v1.2.3`, `1.2-TRIAL`);
    /// not necessarily one version.pm accepts.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// Whether this is a developer release.
    pub fn maturity(&self) -> Maturity {
        self.maturity
    }
}

/// What `CPAN::DistnameInfo::distname_info` returns for a `distvname`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistnameInfo {
    pub dist: String,
    /// Never empty.
    pub version: Option<String>,
    pub maturity: Maturity,
}

/// Splits a file name without extension (`Foo-Bar-1.23`) into distribution
/// name, version and maturity, as `CPAN::DistnameInfo::distname_info` does.
/// `None` for the two strings Perl treats as false, `""` and `"0"`.
pub fn distname_info(file: &str) -> Option<DistnameInfo> {
    if file.is_empty() || file == "0" {
        return None;
    }
    let Some(split) = name_end(file.as_bytes()) else {
        return Some(DistnameInfo {
            dist: file.to_string(),
            version: None,
            maturity: Maturity::Released,
        });
    };
    let mut dist = slice(file, 0, split).to_string();
    let mut version = slice(file, split, file.len()).to_string();

    if version.is_empty() && dist.ends_with("-undef") {
        dist.truncate(dist.len() - "-undef".len());
    }
    strip_world_writeables(&mut version);
    move_v_suffix(&mut dist, &mut version);
    move_underscore_part(&mut dist, &mut version);
    if dist.ends_with(".pm") {
        dist.truncate(dist.len() - ".pm".len());
    }
    if version.is_empty() {
        if let Some(k) = trailing_digits_word(&dist) {
            version = slice(&dist, k + 1, dist.len()).to_string();
            dist.truncate(k);
        }
    }
    if all_digits_line(&version) {
        if let Some(k) = trailing_word(&dist) {
            version = format!("{}{version}", slice(&dist, k + 1, dist.len()));
            dist.truncate(k);
        }
    }
    let strip: &[u8] = if has_digit_dot_digit(version.as_bytes()) {
        b"-_."
    } else {
        b"-_"
    };
    let lead = version.bytes().take_while(|c| strip.contains(c)).count();
    version.drain(..lead);

    if version.is_empty() {
        return Some(DistnameInfo {
            dist,
            version: None,
            maturity: Maturity::Released,
        });
    }
    let developer = match perl_release(file.as_bytes()) {
        Some(p) => p.is_developer(),
        None => has_dev_underscore(version.as_bytes()) || version.contains("-TRIAL"),
    };
    Some(DistnameInfo {
        dist,
        version: Some(version),
        maturity: if developer {
            Maturity::Developer
        } else {
            Maturity::Released
        },
    })
}

/// `s[a..b]`; every cut this module makes is next to an ASCII byte, so this
/// never lands inside a UTF-8 sequence (and yields "" if it ever did).
fn slice(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or_default()
}

fn byte(b: &[u8], i: usize) -> Option<u8> {
    b.get(i).copied()
}

fn is_digit(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

fn is_alpha(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic())
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `s,//+,/,g`.
fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut prev_slash = false;
    for c in path.chars() {
        if c == '/' && prev_slash {
            continue;
        }
        prev_slash = c == '/';
        out.push(c);
    }
    out
}

/// `^(((.*?/)?authors/)?id/)?([A-Z])/(\4[A-Z])/(\5[-A-Z0-9]*)/`: the end of the
/// author-directory prefix and the span of the PAUSE id, tried in the order
/// Perl's backtracking tries them (lazy `.*?` stops at the first `/` that works).
fn author_prefix(b: &[u8]) -> Option<(usize, (usize, usize))> {
    let at = |p: usize, lit: &[u8]| b.get(p..p + lit.len()) == Some(lit);
    // `(.*?/)` then `authors/id/`: `.` does not match a newline.
    for (q, &c) in b.iter().enumerate() {
        if c == b'\n' {
            break;
        }
        if c == b'/' && at(q + 1, b"authors/id/") {
            if let Some(m) = author_dirs(b, q + 12) {
                return Some(m);
            }
        }
    }
    if at(0, b"authors/id/") {
        if let Some(m) = author_dirs(b, 11) {
            return Some(m);
        }
    }
    if at(0, b"id/") {
        if let Some(m) = author_dirs(b, 3) {
            return Some(m);
        }
    }
    author_dirs(b, 0)
}

/// `([A-Z])/(\4[A-Z])/(\5[-A-Z0-9]*)/` at `p`.
fn author_dirs(b: &[u8], p: usize) -> Option<(usize, (usize, usize))> {
    let upper = |i: usize| byte(b, i).filter(u8::is_ascii_uppercase);
    let c1 = upper(p)?;
    let c2 = upper(p + 3)?;
    let ok = byte(b, p + 1) == Some(b'/')
        && byte(b, p + 2) == Some(c1)
        && byte(b, p + 4) == Some(b'/')
        && byte(b, p + 5) == Some(c1)
        && byte(b, p + 6) == Some(c2);
    if !ok {
        return None;
    }
    let mut i = p + 7;
    while byte(b, i).is_some_and(|c| c == b'-' || c.is_ascii_uppercase() || c.is_ascii_digit()) {
        i += 1;
    }
    (byte(b, i) == Some(b'/')).then_some((i + 1, (p + 5, i)))
}

/// `([^/]+)\.(tar\.(?:g?z|bz2)|zip|tgz)$` (case-insensitive): the spans of the
/// name and the extension. `$` also matches before a final newline.
fn archive_name(b: &[u8]) -> Option<((usize, usize), (usize, usize))> {
    let start = b.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    let seg = b.get(start..)?;
    // The greedy `[^/]+` wants the shortest suffix: try short extensions first.
    let mut best: Option<(usize, usize)> = None; // (dot position in seg, ext len)
    for ext in [&b"zip"[..], b"tgz", b"tar.z", b"tar.gz", b"tar.bz2"] {
        for nl in [0, 1] {
            let suffix = 1 + ext.len() + nl;
            if seg.len() <= suffix {
                continue;
            }
            let dot = seg.len() - suffix;
            let tail = seg.get(dot..)?;
            let matches = tail.first() == Some(&b'.')
                && tail
                    .get(1..1 + ext.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(ext))
                && (nl == 0 || tail.last() == Some(&b'\n'));
            if matches && best.is_none_or(|(d, _)| dot > d) {
                best = Some((dot, ext.len()));
            }
        }
    }
    let (dot, len) = best?;
    Some((
        (start, start + dot),
        (start + dot + 1, start + dot + 1 + len),
    ))
}

/// Where the distribution name ends: the greedy match of
/// `^((?:[-+.]*(?:[A-Za-z0-9]+|(?<=\D)_|_(?=\D))*(?:[A-Za-z](?=[^A-Za-z]|$)|\d(?=-))(?<![._-][vV]))+)`.
///
/// Each repetition skips `[-+.]*` (backing off never helps: the next byte
/// would be one of those, not the letter or digit that must end the piece),
/// and its inner `*` can stop anywhere in the following stretch of
/// alphanumerics and admissible underscores, trying the longest first. So a
/// repetition ends after the last byte of that stretch that can end a piece;
/// the whole pattern stops at the first repetition that has none.
fn name_end(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    let mut matched = false;
    while let Some(end) = name_piece(b, pos) {
        pos = end;
        matched = true;
    }
    matched.then_some(pos)
}

fn name_piece(b: &[u8], pos: usize) -> Option<usize> {
    let mut q = pos;
    while byte(b, q).is_some_and(|c| matches!(c, b'-' | b'+' | b'.')) {
        q += 1;
    }
    let mut z = q;
    while let Some(c) = byte(b, z) {
        let admissible_underscore = c == b'_'
            && ((z > 0 && !is_digit(byte(b, z - 1)))
                || byte(b, z + 1).is_some_and(|n| !n.is_ascii_digit()));
        if c.is_ascii_alphanumeric() || admissible_underscore {
            z += 1;
        } else {
            break;
        }
    }
    (q..z).rev().find(|&r| ends_piece(b, r)).map(|r| r + 1)
}

/// Can the byte at `r` end a name piece: a letter before a non-letter (or the
/// end), or a digit before `-`; and not a `v`/`V` after `.`, `_` or `-`.
fn ends_piece(b: &[u8], r: usize) -> bool {
    let c = byte(b, r);
    let ends =
        (is_alpha(c) && !is_alpha(byte(b, r + 1))) || (is_digit(c) && byte(b, r + 1) == Some(b'-'));
    let v_after_sep = matches!(c, Some(b'v' | b'V'))
        && r >= 1
        && matches!(byte(b, r - 1), Some(b'.' | b'_' | b'-'));
    ends && !v_after_sep
}

/// `s/-withoutworldwriteables$//`.
fn strip_world_writeables(version: &mut String) {
    const SUFFIX: &str = "-withoutworldwriteables";
    // `$` before a final newline is the leftmost candidate, so it is tried first.
    if let Some(body) = version.strip_suffix('\n') {
        if body.ends_with(SUFFIX) {
            let start = body.len() - SUFFIX.len();
            version.replace_range(start..body.len(), "");
            return;
        }
    }
    if version.ends_with(SUFFIX) {
        version.truncate(version.len() - SUFFIX.len());
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .and_then(|t| t.iter().position(|&c| c == b'\n'))
        .map_or(b.len(), |i| from + i)
}

/// `if ($version =~ /^(-[Vv].*)-(\d.*)/) { $dist .= $1; $version = $2 }`.
fn move_v_suffix(dist: &mut String, version: &mut String) {
    let b = version.as_bytes();
    if byte(b, 0) != Some(b'-') || !matches!(byte(b, 1), Some(b'V' | b'v')) {
        return;
    }
    let end = line_end(b, 2);
    let Some(i) = (2..end)
        .rev()
        .find(|&i| byte(b, i) == Some(b'-') && is_digit(byte(b, i + 1)))
    else {
        return;
    };
    dist.push_str(slice(version, 0, i));
    *version = slice(version, i + 1, end).to_string();
}

/// `if ($version =~ /(.+_.*)-(\d.*)/) { $dist .= $1; $version = $2 }`: the
/// first line with an underscore (not at its start) before a `-digit`, cut at
/// the last such `-digit` of that line.
fn move_underscore_part(dist: &mut String, version: &mut String) {
    let b = version.as_bytes();
    let mut start = 0;
    while start < b.len() {
        let end = line_end(b, start);
        let first_underscore = (start + 1..end).find(|&u| byte(b, u) == Some(b'_'));
        if let Some(u) = first_underscore {
            if let Some(i) = (u + 1..end)
                .rev()
                .find(|&i| byte(b, i) == Some(b'-') && is_digit(byte(b, i + 1)))
            {
                dist.push_str(slice(version, start, i));
                *version = slice(version, i + 1, end).to_string();
                return;
            }
        }
        start = end + 1;
    }
}

/// `$dist =~ s/-(\d+\w)$//`: the position of the `-` when the name ends in
/// `-<digits><word char>`.
fn trailing_digits_word(dist: &str) -> Option<usize> {
    let k = dist.rfind('-')?;
    let t = dist.as_bytes().get(k + 1..)?;
    let (last, init) = t.split_last()?;
    (!init.is_empty() && init.iter().all(u8::is_ascii_digit) && is_word(*last)).then_some(k)
}

/// `$dist =~ s/-(\w+)$//`.
fn trailing_word(dist: &str) -> Option<usize> {
    let k = dist.rfind('-')?;
    let t = dist.as_bytes().get(k + 1..)?;
    (!t.is_empty() && t.iter().all(|&c| is_word(c))).then_some(k)
}

/// `/^\d+$/` (so a final newline is allowed).
fn all_digits_line(version: &str) -> bool {
    let body = version.strip_suffix('\n').unwrap_or(version);
    !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit())
}

/// `/\d\.\d/`.
fn has_digit_dot_digit(b: &[u8]) -> bool {
    b.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
}

/// `/\d\D\d+_\d/`.
fn has_dev_underscore(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        if !is_digit(byte(b, i)) || byte(b, i + 1).is_none_or(|c| c.is_ascii_digit()) {
            return false;
        }
        let digits = b
            .get(i + 2..)
            .map_or(0, |t| t.iter().take_while(|c| c.is_ascii_digit()).count());
        let j = i + 2 + digits;
        digits > 0 && byte(b, j) == Some(b'_') && is_digit(byte(b, j + 1))
    })
}

/// The captures of `^perl-?\d+\.(\d+)(?:\D(\d+))?(-(?:TRIAL|RC)\d+)?$`.
struct PerlRelease<'a> {
    minor: &'a [u8],
    patch: Option<&'a [u8]>,
    trial: bool,
}

impl PerlRelease<'_> {
    /// `($1 > 6 and $1 & 1) or ($2 and $2 >= 50) or $3`.
    fn is_developer(&self) -> bool {
        let odd_minor = match perl_uv(self.minor) {
            Some(n) => n > 6 && n & 1 == 1,
            // Beyond 2**64 Perl holds a float, and `& 1` sees it clamped to
            // the largest (odd) integer.
            None => true,
        };
        let late_patch = self
            .patch
            .is_some_and(|p| perl_uv(p).is_none_or(|n| n >= 50));
        odd_minor || late_patch || self.trial
    }
}

/// A digit string as Perl's integer value, `None` when it does not fit.
fn perl_uv(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &c| {
        n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

fn perl_release(b: &[u8]) -> Option<PerlRelease<'_>> {
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |t| t.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    if !b.starts_with(b"perl") {
        return None;
    }
    let mut i = 4;
    if byte(b, i) == Some(b'-') {
        i += 1;
    }
    let major = digits(i);
    if major == 0 || byte(b, i + major) != Some(b'.') {
        return None;
    }
    i += major + 1;
    let minor_len = digits(i);
    if minor_len == 0 {
        return None;
    }
    let minor = b.get(i..i + minor_len)?;
    i += minor_len;
    let mut patch = None;
    if byte(b, i).is_some_and(|c| !c.is_ascii_digit()) {
        let n = digits(i + 1);
        if n > 0 {
            patch = b.get(i + 1..i + 1 + n);
            i += 1 + n;
        }
    }
    let mut trial = false;
    for tag in [&b"-TRIAL"[..], b"-RC"] {
        if b.get(i..).is_some_and(|t| t.starts_with(tag)) {
            let n = digits(i + tag.len());
            if n > 0 {
                trial = true;
                i += tag.len() + n;
            }
            break;
        }
    }
    let at_end = i == b.len() || (i + 1 == b.len() && byte(b, i) == Some(b'\n'));
    at_end.then_some(PerlRelease {
        minor,
        patch,
        trial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> (Option<String>, Option<String>, Maturity) {
        let d = DistPath::parse(path);
        (
            d.dist().map(str::to_string),
            d.version().map(str::to_string),
            d.maturity(),
        )
    }

    fn dv(
        dist: &str,
        version: Option<&str>,
        m: Maturity,
    ) -> (Option<String>, Option<String>, Maturity) {
        (Some(dist.to_string()), version.map(str::to_string), m)
    }

    use Maturity::{Developer as D, Released as R};

    #[test]
    fn documented_examples() {
        let d = DistPath::parse("authors/id/G/GB/GBARR/CPAN-DistnameInfo-0.02.tar.gz");
        assert_eq!(d.dist(), Some("CPAN-DistnameInfo"));
        assert_eq!(d.version(), Some("0.02"));
        assert_eq!(d.maturity(), R);
        assert_eq!(d.filename(), "CPAN-DistnameInfo-0.02.tar.gz");
        assert_eq!(d.cpanid(), Some("GBARR"));
        assert_eq!(d.distvname(), Some("CPAN-DistnameInfo-0.02"));
        assert_eq!(d.extension(), Some("tar.gz"));
    }

    #[test]
    fn name_version_splits() {
        assert_eq!(read("Foo-v1.2.3.tar.gz"), dv("Foo", Some("v1.2.3"), R));
        assert_eq!(read("Foo-1.2_01.tar.gz"), dv("Foo", Some("1.2_01"), D));
        assert_eq!(read("Foo-1.2-TRIAL.tgz"), dv("Foo", Some("1.2-TRIAL"), D));
        assert_eq!(read("CGI.pm-3.49.tar.gz"), dv("CGI", Some("3.49"), R));
        assert_eq!(read("perl5.005_03.tar.gz"), dv("perl", Some("5.005_03"), R));
        assert_eq!(read("perl-5.9.5.tar.gz"), dv("perl", Some("5.9.5"), D));
        assert_eq!(read("perl-5.8.51.tar.gz"), dv("perl", Some("5.8.51"), D));
        assert_eq!(
            read("perl-5.36.0-RC2.tar.gz"),
            dv("perl", Some("5.36.0-RC2"), D)
        );
        assert_eq!(
            read("Unicode-Collate-Standard-V3_1_1-0.1.tar.gz"),
            dv("Unicode-Collate-Standard-V3_1_1", Some("0.1"), R)
        );
        assert_eq!(
            read("Task-Deprecations5_14-1.00.tar.gz"),
            dv("Task-Deprecations5_14", Some("1.00"), R)
        );
        assert_eq!(read("Foo-12b.zip"), dv("Foo", Some("12b"), R));
        assert_eq!(read("Foo-Bar12.zip"), dv("Foo", Some("Bar12"), R));
        assert_eq!(read("Foo.v1.zip"), dv("Foo", Some(".v1"), R));
        assert_eq!(
            read("libao-perl_0.03-1.tar.gz"),
            dv("libao-perl", Some("0.03-1"), R)
        );
        assert_eq!(read("Foo-Bar.tar.gz"), dv("Foo-Bar", None, R));
        assert_eq!(read("Foo.tar"), (None, None, R));
        assert_eq!(read("0.tar.gz"), (None, None, R));
    }

    /// Inputs that make a backtracking regex engine work hard read in
    /// linear time here.
    #[test]
    fn long_hostile_names_are_fast() {
        let start = std::time::Instant::now();
        for unit in [
            "a1",
            "_1",
            "-v",
            "a_",
            "1_a-1",
            "x.v1",
            "authors/id/A/AB/A",
            "-V1_2-3",
        ] {
            let name = format!("{}.tar.gz", unit.repeat(50_000));
            let d = DistPath::parse(&name);
            assert!(d.dist().is_some());
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn author_directories() {
        let d = DistPath::parse("x//authors/id/A/AB/ABC-D/sub/F-1.zip");
        assert_eq!(d.pathname(), "x/authors/id/A/AB/ABC-D/sub/F-1.zip");
        assert_eq!(d.cpanid(), Some("ABC-D"));
        assert_eq!(d.filename(), "sub/F-1.zip");
        let d = DistPath::parse("a/b/F-1.zip");
        assert_eq!(d.cpanid(), None);
        assert_eq!(d.filename(), "a/b/F-1.zip");
        assert_eq!(DistPath::parse("A/AB/ABCD/F-1.zip").cpanid(), Some("ABCD"));
        assert_eq!(DistPath::parse("a/AB/ABCD/F-1.zip").cpanid(), None);
    }
}
