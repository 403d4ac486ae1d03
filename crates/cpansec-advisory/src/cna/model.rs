//! The CNA YAML document (`cpansec-cna-schema-01.yaml`): its model, read
//! with every value's line and column, and its validation against the
//! schema. A [`CnaDocument`] exists only when the document satisfies the
//! schema; [`check`](super::check) reports the same problems (and house-style
//! warnings) without stopping at the first.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{CnaError, Level, Problem};

/// The largest CNA YAML document read (a record is a few kilobytes).
pub const MAX_CNA_YAML_LEN: usize = 1 << 20;

/// The reference tags the CNA schema allows.
pub const REFERENCE_TAGS: &[&str] = &[
    "exploit",
    "mailing-list",
    "advisory",
    "vendor-advisory",
    "article",
    "misc",
    "patch",
    "related",
    "issue-tracking",
    "release-notes",
    "technical-description",
    "mitigation",
    "third-party-advisory",
    "vdb-entry",
];

/// A string with the place it was written (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    pub line: u64,
    pub column: u64,
}

impl From<Spanned<String>> for Located {
    fn from(s: Spanned<String>) -> Located {
        Located {
            value: s.value,
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }
}

/// One entry of `affected`: the three forms the schema allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AffectedRange {
    /// `"1.05"`: exactly this version.
    Exact(String),
    /// `"<= 0.8.4"` / `"< 2.0"`: every version up to the bound.
    UpTo { bound: String, inclusive: bool },
    /// `"0.19 <= 0.201"` / `"0.19 < 0.3"`: from the first version to the bound.
    Between {
        from: String,
        bound: String,
        inclusive: bool,
    },
}

impl AffectedRange {
    /// Parses one `affected` string exactly as the schema's pattern reads
    /// it; `None` when the pattern does not match.
    pub fn parse(text: &str) -> Option<AffectedRange> {
        let t = text.trim();
        if t.is_empty() || t != text {
            return None;
        }
        let (op_at, op_len, inclusive) = match t.find('<') {
            Some(i) if t[i + 1..].starts_with('=') => (i, 2, true),
            Some(i) => (i, 1, false),
            None => {
                return (!t.contains(char::is_whitespace)).then(|| AffectedRange::Exact(t.into()));
            }
        };
        let from = t[..op_at].trim_end();
        let bound = t[op_at + op_len..].trim_start();
        let word = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
        if !word(bound) {
            return None;
        }
        if from.is_empty() {
            Some(AffectedRange::UpTo {
                bound: bound.into(),
                inclusive,
            })
        } else if word(from) {
            Some(AffectedRange::Between {
                from: from.into(),
                bound: bound.into(),
                inclusive,
            })
        } else {
            None
        }
    }
}

/// A `references` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub link: Located,
    pub name: Option<Located>,
    pub tags: Vec<Located>,
}

/// A `credits` entry (`type` is a CVE credit type such as `finder`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    pub lang: Option<Located>,
    pub kind: Located,
    pub value: Located,
}

/// A `timeline` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    pub time: Located,
    pub value: Located,
}

/// A validated CNA document (the `cpansec:` mapping). Invariant: every
/// field satisfies the schema's type, pattern, `minItems` and
/// `uniqueItems` rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CnaDocument {
    pub cve: Located,
    pub distribution: Located,
    pub module: Located,
    pub author: Located,
    pub repo: Option<Located>,
    /// Parallel to the YAML list; each parsed.
    pub affected: Vec<(Located, AffectedRange)>,
    pub title: Located,
    pub cwes: Vec<Located>,
    pub files: Vec<Located>,
    pub routines: Vec<Located>,
    pub description: Located,
    /// `solution` as a list (a single string is one item).
    pub solution: Vec<Located>,
    pub mitigation: Vec<Located>,
    pub credits: Vec<Credit>,
    pub impacts: Vec<Located>,
    pub timeline: Vec<TimelineEvent>,
    pub references: Vec<Reference>,
}

type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTop {
    cpansec: RawCna,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(S),
    Many(Vec<S>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCna {
    cve: S,
    distribution: S,
    module: S,
    author: S,
    repo: Option<S>,
    affected: Vec<S>,
    title: S,
    #[serde(default)]
    cwes: Vec<S>,
    #[serde(default)]
    files: Vec<S>,
    #[serde(default)]
    routines: Vec<S>,
    description: S,
    solution: Option<OneOrMany>,
    mitigation: Option<OneOrMany>,
    #[serde(default)]
    credits: Vec<RawCredit>,
    #[serde(default)]
    impacts: Vec<S>,
    #[serde(default)]
    timeline: Vec<RawTimeline>,
    references: Vec<RawReference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredit {
    lang: Option<S>,
    #[serde(rename = "type")]
    kind: S,
    value: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeline {
    time: S,
    value: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReference {
    link: S,
    name: Option<S>,
    tags: Option<Vec<S>>,
}

fn many(v: Option<OneOrMany>) -> Vec<Located> {
    match v {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s.into()],
        Some(OneOrMany::Many(v)) => v.into_iter().map(Located::from).collect(),
    }
}

fn locs(v: Vec<S>) -> Vec<Located> {
    v.into_iter().map(Located::from).collect()
}

/// Reads the YAML into the unvalidated model: syntax, types, required and
/// unknown fields. Errors carry the line and column serde-saphyr reports.
pub(super) fn read(text: &str) -> Result<(CnaDocument, Vec<Problem>), CnaError> {
    if text.len() > MAX_CNA_YAML_LEN {
        return Err(CnaError::TooLarge {
            size: text.len(),
            limit: MAX_CNA_YAML_LEN,
        });
    }
    let raw: RawTop = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        CnaError::Yaml {
            line,
            column,
            message: e.to_string(),
        }
    })?;
    let r = raw.cpansec;
    let mut problems = Vec::new();
    let mut affected = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, a) in r.affected.into_iter().enumerate() {
        let a = Located::from(a);
        if !seen.insert(a.value.clone()) {
            problems.push(Problem::at(
                Level::Error,
                "duplicate",
                format!("cpansec.affected[{i}]"),
                &a,
                format!("{:?} is listed twice", a.value),
            ));
        }
        match AffectedRange::parse(&a.value) {
            Some(p) => affected.push((a, p)),
            None => problems.push(Problem::at(
                Level::Error,
                "affected-syntax",
                format!("cpansec.affected[{i}]"),
                &a,
                format!(
                    "{:?} is not a version, `<= V`, `< V`, `A <= B` or `A < B`",
                    a.value
                ),
            )),
        }
    }
    let doc = CnaDocument {
        cve: r.cve.into(),
        distribution: r.distribution.into(),
        module: r.module.into(),
        author: r.author.into(),
        repo: r.repo.map(Located::from),
        affected,
        title: r.title.into(),
        cwes: locs(r.cwes),
        files: locs(r.files),
        routines: locs(r.routines),
        description: r.description.into(),
        solution: many(r.solution),
        mitigation: many(r.mitigation),
        credits: r
            .credits
            .into_iter()
            .map(|c| Credit {
                lang: c.lang.map(Located::from),
                kind: c.kind.into(),
                value: c.value.into(),
            })
            .collect(),
        impacts: locs(r.impacts),
        timeline: r
            .timeline
            .into_iter()
            .map(|t| TimelineEvent {
                time: t.time.into(),
                value: t.value.into(),
            })
            .collect(),
        references: r
            .references
            .into_iter()
            .map(|x| Reference {
                link: x.link.into(),
                name: x.name.map(Located::from),
                tags: x.tags.map(locs).unwrap_or_default(),
            })
            .collect(),
    };
    Ok((doc, problems))
}

/// `^CVE-[0-9]{4}-[0-9]{4,19}$`
pub(super) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `CWE-123 Name` / `CWE-123: Name` into id and name, per the
/// schema's pattern `^CWE-[0-9]+(?:\s*:\s*|\s+).*\S.*$`.
pub fn split_cwe(s: &str) -> Option<(&str, &str)> {
    split_tagged(s, "CWE-", true)
}

/// Splits `CAPEC-115 Name` per `^CAPEC-[0-9]+ [A-Za-z0-9 -.,]+$`. Note
/// that ` -.` in that class is the byte range space..`.`, which admits
/// `!"#$%&'()*+` too; the check follows the schema as written.
pub fn split_capec(s: &str) -> Option<(&str, &str)> {
    let (id, name) = split_tagged(s, "CAPEC-", false)?;
    let ok = s.as_bytes().get(id.len()) == Some(&b' ')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || (b' '..=b'.').contains(&b));
    ok.then_some((id, name))
}

fn split_tagged<'a>(s: &'a str, prefix: &str, colon: bool) -> Option<(&'a str, &'a str)> {
    let digits = s
        .strip_prefix(prefix)?
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    let id_len = prefix.len() + digits;
    let id = s.get(..id_len)?;
    let rest = s.get(id_len..)?;
    let trimmed = rest.trim_start();
    let name = if colon && trimmed.starts_with(':') {
        trimmed.get(1..)?.trim_start()
    } else if trimmed.len() < rest.len() {
        trimmed
    } else {
        return None;
    };
    (!name.trim().is_empty()).then_some((id, name.trim_end()))
}

/// The schema's date-time pattern for `timeline[].time`.
pub(super) fn is_timeline_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.len() == r.len() && x.iter().all(u8::is_ascii_digit))
    };
    let date = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10);
    if !date {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    let time = b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !time {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    match b.get(i) {
        None => true,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            b.len() == i + 6
                && digits(i + 1..i + 3)
                && b.get(i + 3) == Some(&b':')
                && digits(i + 4..i + 6)
        }
        Some(_) => false,
    }
}

/// A URI as `format: uri` demands: a scheme, `:`, and no whitespace.
pub(super) fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.chars();
    sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sc.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affected_forms() {
        assert_eq!(
            AffectedRange::parse("1.05"),
            Some(AffectedRange::Exact("1.05".into()))
        );
        assert_eq!(
            AffectedRange::parse("<= 0.8.4"),
            Some(AffectedRange::UpTo {
                bound: "0.8.4".into(),
                inclusive: true
            })
        );
        assert_eq!(
            AffectedRange::parse("0.19 <= 0.201"),
            Some(AffectedRange::Between {
                from: "0.19".into(),
                bound: "0.201".into(),
                inclusive: true
            })
        );
        assert_eq!(
            AffectedRange::parse("0.19<0.3"),
            Some(AffectedRange::Between {
                from: "0.19".into(),
                bound: "0.3".into(),
                inclusive: false
            })
        );
        assert_eq!(AffectedRange::parse("1 2"), None);
        assert_eq!(AffectedRange::parse("<="), None);
        assert_eq!(AffectedRange::parse(" 1.0"), None);
        assert_eq!(AffectedRange::parse(""), None);
    }

    #[test]
    fn patterns() {
        assert!(is_cve_id("CVE-2025-40906"));
        assert!(!is_cve_id("CVE-25-40906"));
        assert!(!is_cve_id("CVE-2025-123"));
        assert_eq!(
            split_cwe("CWE-338 Weak PRNG"),
            Some(("CWE-338", "Weak PRNG"))
        );
        assert_eq!(
            split_cwe("CWE-338: Weak PRNG"),
            Some(("CWE-338", "Weak PRNG"))
        );
        assert_eq!(split_cwe("CWE-338"), None);
        assert_eq!(split_cwe("CWE-338Weak"), None);
        assert_eq!(
            split_capec("CAPEC-115 Authentication Bypass"),
            Some(("CAPEC-115", "Authentication Bypass"))
        );
        assert_eq!(split_capec("CAPEC-115 Bypass?"), None);
        assert!(is_timeline_time("2025-05-01"));
        assert!(is_timeline_time("2025-05-01T10:00:00Z"));
        assert!(is_timeline_time("2025-05-01T10:00:00.5+02:00"));
        assert!(!is_timeline_time("2025-5-01"));
        assert!(!is_timeline_time("2025-05-01T10:00Z"));
        assert!(is_uri("https://example.org/x"));
        assert!(!is_uri("example.org"));
        assert!(!is_uri("https://a b"));
    }
}
