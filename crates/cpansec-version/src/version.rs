//! One Perl version value, parsed and compared exactly as `version.pm` 0.9929 does.
//!
//! The parser is a transcription of the two passes of version.pm's C core: a
//! *prescan* that accepts or rejects the string (the "lax" grammar), then a
//! *scan* that turns the accepted prefix into the list of integer components
//! version.pm stores in `$v->{version}`. Every observable result (components,
//! `numify`, `normal`, `stringify`, `is_alpha`, ordering) follows from that list
//! and two flags, so matching the list is matching version.pm.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::{Reason, VersionError};
use crate::inline::{Parts, Text};

/// The largest component version.pm stores; larger ones are clamped to it
/// ("Integer overflow in version") and the version stringifies as `v.Inf`.
pub const VERSION_MAX: u32 = 0x7FFF_FFFF;

/// A parsed Perl version.
///
/// Equality and ordering are version.pm's `<=>`: components compared one by
/// one, missing trailing components count as zero, and the alpha flag is
/// ignored (`1.02_03 == 1.0203`). `Hash` agrees with `Eq`.
#[derive(Clone)]
pub struct Version {
    parts: Parts,
    original: Text,
    qv: bool,
    alpha: bool,
}

/// What version.pm would have warned about while accepting a string.
///
/// `version->parse` only warns in these cases, but code that runs with
/// warnings fatal (CPAN::Meta::Requirements does) rejects them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseWarnings {
    /// Text after the version that was ignored (`"1.2 3"` ignores `" 3"`).
    pub ignored: Option<String>,
    /// A component was larger than [`VERSION_MAX`] and was clamped.
    pub overflow: bool,
}

impl ParseWarnings {
    /// True when version.pm would have parsed the string silently.
    pub fn is_clean(&self) -> bool {
        self.ignored.is_none() && !self.overflow
    }
}

impl Version {
    /// Parses like `version->parse($s)`: a decimal (`1.23`) or dotted
    /// (`v1.2.3`, `1.2.3`) version, lax forms included (`1.`, `.5`, `1.2_3`,
    /// leading whitespace, `undef`). Text version.pm would ignore after the
    /// version (`"1.2 foo"` is rejected, but `"1.2 3"` and `"1.2;x"` are not)
    /// is ignored here too; see [`Version::parse_with_warnings`].
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        Self::parse_with_warnings(s).map(|(v, _)| v)
    }

    /// Parses like `version->declare($s)` (also `qv()`): a string that is not
    /// already dotted is read as dotted, so `"1.2"` is `v1.2.0`, not `v1.200.0`.
    pub fn declare(s: &str) -> Result<Version, VersionError> {
        scan(s, true).map(|(v, _)| v)
    }

    /// [`Version::parse`], also returning what version.pm would warn about.
    pub fn parse_with_warnings(s: &str) -> Result<(Version, ParseWarnings), VersionError> {
        scan(s, false)
    }

    /// Parses and rejects anything version.pm would warn about (ignored
    /// trailing text, clamped components), as code running with fatal warnings
    /// does.
    pub fn parse_exact(s: &str) -> Result<Version, VersionError> {
        let (v, warnings) = scan(s, false)?;
        if let Some(ignored) = warnings.ignored {
            return Err(VersionError::new(s, Reason::TrailingData(ignored)));
        }
        if warnings.overflow {
            return Err(VersionError::new(s, Reason::Overflow));
        }
        Ok(v)
    }

    /// The version zero (what `undef` and `0` parse to).
    pub fn zero() -> Version {
        Version {
            parts: Parts::new(&[0]),
            original: Text::new("0"),
            qv: false,
            alpha: false,
        }
    }

    /// The integer components, as version.pm stores them in `$v->{version}`.
    pub fn parts(&self) -> &[u32] {
        self.parts.as_slice()
    }

    /// True for a version with an underscore (`1.02_03`, `v1.2.3_4`).
    /// An alpha version sorts exactly like the same digits without the underscore.
    pub fn is_alpha(&self) -> bool {
        self.alpha
    }

    /// True for a dotted-decimal version (`v1.2`, `1.2.3`).
    pub fn is_qv(&self) -> bool {
        self.qv
    }

    /// The string version.pm keeps (`"$v"`): the accepted text, trimmed, with a
    /// `v` added to a declared two-part version, `0` for `undef`, and `v.Inf`
    /// after a clamped component.
    pub fn as_str(&self) -> &str {
        self.original.as_str()
    }

    /// `$v->numify`: a decimal string, each component after the first as three
    /// digits (`v1.2.3` -> `1.002003`, `1.5` -> `1.500`).
    pub fn numify(&self) -> String {
        let mut out = format!("{}.", self.parts.as_slice()[0]);
        if self.parts.as_slice().len() == 1 {
            out.push_str("000");
        }
        for part in &self.parts.as_slice()[1..] {
            out.push_str(&format!("{part:03}"));
        }
        out
    }

    /// `$v->normal`: a dotted string with a leading `v` and at least three
    /// components (`1.5` -> `v1.500.0`).
    pub fn normal(&self) -> String {
        let mut out = format!("v{}", self.parts.as_slice()[0]);
        for part in &self.parts.as_slice()[1..] {
            out.push_str(&format!(".{part}"));
        }
        for _ in self.parts.as_slice().len()..3 {
            out.push_str(".0");
        }
        out
    }

    /// The components without trailing zeros: two versions are equal exactly
    /// when these are.
    fn significant(&self) -> &[u32] {
        let parts = self.parts.as_slice();
        let len = parts
            .iter()
            .rposition(|&p| p != 0)
            .map_or(0, |last| last + 1);
        &parts[..len]
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.significant().cmp(other.significant())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.significant() == other.significant()
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.significant().hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.original.as_str())
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Version({:?} = {})",
            self.original.as_str(),
            self.normal()
        )
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.original.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Perl's `isSPACE` on ASCII: space, `\t`, `\n`, `\r`, `\f` and `\v`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Bytes that may end a lax version: the end of the string, `;`, `{`, `}`
/// and (except after prescan) whitespace.
fn ends_version(c: u8) -> bool {
    matches!(c, 0 | b';' | b'{' | b'}')
}

/// The byte at `i`, or NUL past the end (the C code reads NUL-terminated strings).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// What prescan learns about an accepted string.
struct Prescan {
    qv: bool,
    saw_decimal: u32,
    alpha: bool,
    /// Index just past the version text (and trailing whitespace).
    last: usize,
}

/// version.pm's lax `prescan_version`: accept or reject `s` (leading
/// whitespace already removed). `qv` starts true for `declare`.
fn prescan(s: &[u8], mut qv: bool) -> Result<Prescan, Reason> {
    let mut d = 0usize;
    let mut saw_decimal = 0u32;
    let mut alpha = false;

    if at(s, 0) == b'v' {
        d = 1;
        if !digit(at(s, d)) {
            return Err(Reason::DottedNeedsThreeParts);
        }
        qv = true;
    }

    // The loop stands in for the C code's `goto dotted_decimal_version`: a
    // decimal that turns out to have a second period restarts as dotted.
    let mut restarted = false;
    'restart: loop {
        // The C code jumps into the dotted branch on restart without testing
        // for a leading digit again (`.5.6` restarts at the `.`).
        if restarted || (qv && digit(at(s, d))) {
            while digit(at(s, d)) {
                d += 1;
            }
            if at(s, d) == b'.' {
                saw_decimal += 1;
                d += 1;
            } else {
                break 'restart;
            }
            while digit(at(s, d)) {
                while digit(at(s, d)) {
                    d += 1;
                }
                match at(s, d) {
                    b'_' => {
                        if alpha {
                            return Err(Reason::MultipleUnderscores);
                        }
                        d += 1;
                        alpha = true;
                    }
                    b'.' => {
                        if alpha {
                            return Err(Reason::UnderscoresBeforeDecimal);
                        }
                        saw_decimal += 1;
                        d += 1;
                    }
                    _ => break,
                }
            }
            break 'restart;
        }

        // Decimal versions.
        if at(s, d) == b'-' {
            return Err(Reason::Negative);
        }
        while digit(at(s, d)) {
            d += 1;
        }
        let c = at(s, d);
        if c == b'.' {
            saw_decimal += 1;
            d += 1;
        } else if ends_version(c) || is_space(c) {
            if d == 0 {
                return Err(Reason::VersionRequired);
            }
            break 'restart;
        } else if d == 0 {
            return Err(Reason::NonNumeric);
        } else if c == b'_' {
            return Err(if digit(at(s, d + 1)) {
                Reason::AlphaWithoutDecimal
            } else {
                Reason::MisplacedUnderscore
            });
        } else {
            return Err(Reason::NonNumeric);
        }

        let c = at(s, d);
        if !(digit(c) || ends_version(c) || is_space(c)) {
            return Err(Reason::FractionalPartRequired);
        }
        while digit(at(s, d)) {
            d += 1;
            if at(s, d) == b'.' && digit(at(s, d - 1)) {
                if alpha {
                    return Err(Reason::UnderscoresBeforeDecimal);
                }
                d = 0;
                qv = true;
                restarted = true;
                continue 'restart;
            }
            if at(s, d) == b'_' {
                if alpha {
                    return Err(Reason::MultipleUnderscores);
                }
                if !digit(at(s, d + 1)) {
                    return Err(Reason::MisplacedUnderscore);
                }
                d += 1;
                alpha = true;
            }
        }
        break 'restart;
    }

    while is_space(at(s, d)) {
        d += 1;
    }
    let c = at(s, d);
    if !digit(c) && !ends_version(c) {
        return Err(Reason::NonNumeric);
    }
    if saw_decimal > 1 && d > 0 && at(s, d - 1) == b'.' {
        return Err(Reason::TrailingDecimal);
    }
    Ok(Prescan {
        qv,
        saw_decimal,
        alpha,
        last: d,
    })
}

/// What scanning learned besides the components.
pub(crate) struct Scanned<'a> {
    qv: bool,
    alpha: bool,
    /// The version text (leading whitespace removed), for `stringify`.
    text: &'a str,
    /// Whether `stringify` gains a leading `v` (a declared two-part version).
    v_prefix: bool,
    /// Text version.pm ignores after the version (it warns about it).
    rest: &'a str,
    overflow: bool,
    /// `undef`, which version.pm accepts as zero.
    undef: bool,
}

/// version.pm's `scan_version` (and `upg_version`'s check for ignored text):
/// prescan, then append the components to `parts`. Allocates nothing, so
/// callers that only need to compare can reuse one buffer.
pub(crate) fn scan_into<'a>(
    input: &'a str,
    declare: bool,
    parts: &mut Vec<u32>,
) -> Result<Scanned<'a>, Reason> {
    if !declare {
        if let Some(scanned) = scan_simple(input, parts) {
            return Ok(scanned);
        }
    }
    // Perl hands the C code a NUL-terminated buffer: nothing after a NUL is seen.
    let input = input.split('\0').next().unwrap_or("");
    let trimmed = input.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8));
    let s = trimmed.as_bytes();

    let undef = s == b"undef";
    let pre = match prescan(s, declare) {
        Ok(pre) => pre,
        Err(_) if undef => Prescan {
            qv: declare,
            saw_decimal: 0,
            alpha: false,
            last: 0,
        },
        Err(reason) => return Err(reason),
    };
    let qv = pre.qv;
    let first = parts.len();
    let mut overflow = false;
    let mut start_of_part = usize::from(at(s, 0) == b'v');
    let mut pos = start_of_part;
    let mut end_of_version = 0;

    while digit(at(s, pos)) || at(s, pos) == b'_' {
        pos += 1;
    }
    if !at(s, pos).is_ascii_alphabetic() {
        loop {
            let (rev, clamped) = if !qv && start_of_part > 0 && pre.saw_decimal == 1 {
                // A fraction of a decimal version: at most three digits,
                // scaled to hundreds, tens and units.
                let mut rev = 0u32;
                let mut mult = 100u32;
                for &c in &s[start_of_part..pos] {
                    if c != b'_' {
                        rev += u32::from(c - b'0') * mult;
                        mult /= 10;
                    }
                }
                (rev, false)
            } else {
                integer_component(&s[start_of_part..pos])
            };
            parts.push(rev);
            if clamped {
                overflow = true;
                break;
            }
            let c = at(s, pos);
            if c == b'.' {
                pos += 1;
                if qv {
                    while at(s, pos) == b'0' {
                        pos += 1;
                    }
                }
                start_of_part = pos;
            } else if (c == b'_' || c == b',') && digit(at(s, pos + 1)) {
                pos += 1;
                start_of_part = pos;
            } else if digit(c) {
                start_of_part = pos;
            } else {
                end_of_version = pos;
                break;
            }
            if qv {
                while digit(at(s, pos)) || at(s, pos) == b'_' {
                    pos += 1;
                }
            } else {
                let mut digits = 0;
                while (digit(at(s, pos)) || at(s, pos) == b'_') && digits < 3 {
                    if at(s, pos) != b'_' {
                        digits += 1;
                    }
                    pos += 1;
                }
            }
        }
    }
    if qv {
        while parts.len() - first < 3 {
            parts.push(0);
        }
    }
    if end_of_version == 0 && !overflow {
        // Only `undef` gets here: version.pm stores it as "0" with one more zero.
        parts.push(0);
    }
    // Every cut is at an ASCII byte, so these slices are on char boundaries.
    let rest = if overflow {
        &trimmed[pre.last..]
    } else if undef && end_of_version == 0 {
        ""
    } else {
        &trimmed[end_of_version..]
    };
    Ok(Scanned {
        qv,
        alpha: pre.alpha,
        text: &trimmed[..end_of_version],
        v_prefix: qv && pre.saw_decimal == 1 && at(s, 0) != b'v',
        rest,
        overflow,
        undef,
    })
}

/// Where a scan puts the components it reads: a `Vec<u32>` for a [`Version`],
/// or, for the bulk sort, a fixed record of the leading ones (so that sorting
/// allocates nothing per line).
pub(crate) trait Components {
    /// How many components have been pushed.
    fn count(&self) -> usize;
    fn push(&mut self, value: u32);
    /// Forgets every component after the first `count`.
    fn truncate(&mut self, count: usize);
}

impl Components for Vec<u32> {
    fn count(&self) -> usize {
        self.len()
    }

    fn push(&mut self, value: u32) {
        Vec::push(self, value);
    }

    fn truncate(&mut self, count: usize) {
        Vec::truncate(self, count);
    }
}

/// The common shapes in one pass: `v?D(.D)*`, optionally with one underscore
/// between two digits after the last period, every component at most nine
/// digits (so nothing can overflow), nothing else in the string. For these,
/// prescan accepts and scan produces exactly what this computes (underscores
/// are skipped inside a component, and a decimal fraction is read in groups of
/// three digits); any other string returns `None` and takes the general path.
/// The property test `simple_path_agrees_with_general_path` checks the two
/// against each other.
pub(crate) fn scan_simple<'a, C: Components>(input: &'a str, parts: &mut C) -> Option<Scanned<'a>> {
    let s = input.as_bytes();
    let body = s.strip_prefix(b"v").unwrap_or(s);
    let v_prefix = body.len() != s.len();
    let first = parts.count();
    let give_up = |parts: &mut C| {
        parts.truncate(first);
        None
    };
    let mut dots = 0;
    let mut component: u32 = 0;
    let mut digits = 0;
    let mut fraction_start = None;
    let mut alpha = false;
    let mut previous = b'.';
    for (i, &c) in body.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 9 {
                    return give_up(parts);
                }
                component = component * 10 + u32::from(c - b'0');
            }
            b'.' if previous.is_ascii_digit() && !alpha => {
                parts.push(component);
                component = 0;
                digits = 0;
                dots += 1;
                fraction_start = Some(i + 1);
            }
            b'_' if previous.is_ascii_digit() && !alpha && i > 0 => alpha = true,
            _ => return give_up(parts),
        }
        previous = c;
    }
    let qv = v_prefix || dots >= 2;
    // An underscore before any period (`1_2`, `v1_2`) is an error, and a trailing
    // period or underscore needs the general rules.
    if !previous.is_ascii_digit() || (alpha && dots == 0) {
        return give_up(parts);
    }
    if qv {
        parts.push(component);
        while parts.count() - first < 3 {
            parts.push(0);
        }
    } else if let Some(start) = fraction_start {
        // A decimal fraction, read in groups of three digits.
        let mut value = 0;
        let mut in_group = 0;
        for &c in &body[start..] {
            if c != b'_' {
                value = value * 10 + u32::from(c - b'0');
                in_group += 1;
                if in_group == 3 {
                    parts.push(value);
                    value = 0;
                    in_group = 0;
                }
            }
        }
        if in_group > 0 {
            parts.push(value * if in_group == 1 { 100 } else { 10 });
        }
    } else {
        parts.push(component);
    }
    Some(Scanned {
        qv,
        alpha,
        text: input,
        v_prefix: false,
        rest: "",
        overflow: false,
        undef: false,
    })
}

/// [`scan_into`], building a [`Version`].
fn scan(input: &str, declare: bool) -> Result<(Version, ParseWarnings), VersionError> {
    thread_local! {
        /// The components as scanned, reused: a parse allocates nothing
        /// unless the version is unusually long.
        static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|parts| {
        parts.clear();
        let scanned = scan_into(input, declare, parts).map_err(|r| VersionError::new(input, r))?;
        let original = if scanned.overflow {
            Text::new("v.Inf")
        } else if scanned.text.is_empty() {
            Text::new("0")
        } else if scanned.v_prefix {
            Text::concat("v", scanned.text)
        } else {
            Text::new(scanned.text)
        };
        debug_assert!(!scanned.undef || original.as_str() == "0");
        let warnings = ParseWarnings {
            ignored: (!scanned.rest.is_empty()).then(|| scanned.rest.to_string()),
            overflow: scanned.overflow,
        };
        Ok((
            Version {
                parts: Parts::new(parts),
                original,
                qv: scanned.qv,
                alpha: scanned.alpha,
            },
            warnings,
        ))
    })
}

/// Reads the digits of one integer component right to left, skipping
/// underscores, exactly as version.pm does, including its clamping: a digit
/// eleven or more places from the right, or a sum past [`VERSION_MAX`], clamps
/// the component to `VERSION_MAX` (returned with `true`).
fn integer_component(text: &[u8]) -> (u32, bool) {
    const MAX: u64 = VERSION_MAX as u64;
    let mut rev: u64 = 0;
    let mut mult: u64 = 1;
    for &c in text.iter().rev() {
        if c == b'_' {
            continue;
        }
        let i = u64::from(c - b'0');
        // version.pm tests `i > MAX / mult`; with i <= 9 and mult <= 10^9 the
        // product fits, and `i * mult > MAX` is the same test without a division.
        if mult == MAX || i * mult > MAX || i * mult > MAX - rev {
            return (VERSION_MAX, true);
        }
        rev += i * mult;
        mult = if mult * 10 > MAX { MAX } else { mult * 10 };
    }
    // `rev` never exceeds MAX, which fits in u32.
    (u32::try_from(rev).unwrap_or(VERSION_MAX), false)
}

#[cfg(test)]
#[path = "version_tests.rs"]
mod tests;
