//! Advisory identifiers: the database's own CPANSA ids and their CVE and GHSA
//! aliases.
//!
//! Grammar (one [`FromStr`] for all three; `Display` and serde go through it):
//!
//! - `CPANSA-<rest>`: `<rest>` is non-empty and made of ASCII letters, digits
//!   and `-_.+`. The canonical shape is `CPANSA-<Dist>-<year>-<n>` with an
//!   optional `-<suffix>` naming an embedded library
//!   (`CPANSA-MarpaX-ESLIF-2019-20454-libpcre2`); the data also holds ids that
//!   are not canonical (`CPANSA-MySQL-Admin-1-1`, `CPANSA--2026-3031`), so the
//!   shape is checked by `db lint`, not here. Case-sensitive.
//! - `CVE-<year>-<n>`: four-digit year, at least four digits of sequence.
//!   The prefix is accepted in any case and written upper case.
//! - `GHSA-xxxx-xxxx-xxxx`: three groups of four ASCII letters or digits,
//!   accepted in any case and written lower case after the `GHSA-` prefix.

use std::fmt;
use std::str::FromStr;

/// The longest id accepted, in bytes: longer text is not an id.
pub const MAX_ID_LEN: usize = 200;

/// Which scheme an [`Id`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    /// The CPAN security advisory database's own id (the stable key).
    Cpansa,
    /// A CVE id.
    Cve,
    /// A GitHub security advisory id.
    Ghsa,
}

impl IdKind {
    /// The scheme `text` claims by its prefix, without validating the rest.
    pub fn detect(text: &str) -> Option<IdKind> {
        let upper = |n: usize| text.get(..n).map(str::to_ascii_uppercase);
        if text.starts_with("CPANSA-") {
            Some(IdKind::Cpansa)
        } else if upper(4).as_deref() == Some("CVE-") {
            Some(IdKind::Cve)
        } else if upper(5).as_deref() == Some("GHSA-") {
            Some(IdKind::Ghsa)
        } else {
            None
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Cpansa => "CPANSA",
            IdKind::Cve => "CVE",
            IdKind::Ghsa => "GHSA",
        })
    }
}

/// Text that is not an advisory id, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid advisory id {text:?}: {reason}")]
pub struct IdError {
    pub text: String,
    pub reason: &'static str,
}

/// A validated advisory id. Ordering is by kind, then text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id {
    kind: IdKind,
    text: Box<str>,
}

/// The parts of a canonical CPANSA id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpansaParts<'a> {
    /// The distribution the id names.
    pub dist: &'a str,
    pub year: u16,
    /// The sequence number as written (may have leading zeros).
    pub number: &'a str,
    /// The embedded library suffix, if any.
    pub suffix: Option<&'a str>,
}

impl Id {
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For a CPANSA id in the canonical shape, its parts: the distribution is
    /// everything before the first `-<4 digits>-<digits>` pair.
    pub fn cpansa_parts(&self) -> Option<CpansaParts<'_>> {
        if self.kind != IdKind::Cpansa {
            return None;
        }
        let rest = self.text.strip_prefix("CPANSA-")?;
        let parts: Vec<&str> = rest.split('-').collect();
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        for i in 1..parts.len().saturating_sub(1) {
            let (year, number) = (parts.get(i)?, parts.get(i + 1)?);
            if year.len() == 4 && all_digits(year) && all_digits(number) {
                let dist_len = parts.get(..i)?.iter().map(|p| p.len() + 1).sum::<usize>() - 1;
                let dist = rest.get(..dist_len)?;
                if dist.is_empty() || dist.split('-').any(str::is_empty) {
                    return None;
                }
                let tail = parts.get(i + 2..).unwrap_or_default();
                return Some(CpansaParts {
                    dist,
                    year: year.parse().ok()?,
                    number,
                    suffix: if tail.is_empty() {
                        None
                    } else {
                        let start = dist_len + 1 + year.len() + 1 + number.len() + 1;
                        rest.get(start..)
                    },
                });
            }
        }
        None
    }
}

fn invalid(text: &str, reason: &'static str) -> IdError {
    IdError {
        text: text.chars().take(MAX_ID_LEN).collect(),
        reason,
    }
}

fn is_cve_body(body: &str) -> bool {
    let Some((year, seq)) = body.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && seq.len() >= 4
        && seq.len() <= 19
        && seq.bytes().all(|b| b.is_ascii_digit())
}

fn is_ghsa_body(body: &str) -> bool {
    let groups: Vec<&str> = body.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl FromStr for Id {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Id, IdError> {
        if text.len() > MAX_ID_LEN {
            return Err(invalid(text, "too long"));
        }
        let kind = IdKind::detect(text).ok_or_else(|| {
            invalid(
                text,
                "expected CPANSA-..., CVE-YYYY-NNNN or GHSA-xxxx-xxxx-xxxx",
            )
        })?;
        let canonical = match kind {
            IdKind::Cpansa => {
                let rest = text.get("CPANSA-".len()..).unwrap_or_default();
                if rest.is_empty() {
                    return Err(invalid(text, "nothing after CPANSA-"));
                }
                if !rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b))
                {
                    return Err(invalid(text, "characters other than letters, digits, -_.+"));
                }
                text.to_string()
            }
            IdKind::Cve => {
                let body = text.get(4..).unwrap_or_default();
                if !is_cve_body(body) {
                    return Err(invalid(text, "expected CVE-YYYY-NNNN"));
                }
                format!("CVE-{body}")
            }
            IdKind::Ghsa => {
                let body = text.get(5..).unwrap_or_default();
                if !is_ghsa_body(body) {
                    return Err(invalid(text, "expected GHSA-xxxx-xxxx-xxxx"));
                }
                format!("GHSA-{}", body.to_ascii_lowercase())
            }
        };
        Ok(Id {
            kind,
            text: canonical.into(),
        })
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.text)
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        s.parse().unwrap()
    }

    #[test]
    fn kinds_are_detected_and_normalised() {
        assert_eq!(id("cve-2013-4407").as_str(), "CVE-2013-4407");
        assert_eq!(id("CVE-2013-4407").kind(), IdKind::Cve);
        assert_eq!(id("ghsa-8V7W-j6g2-p6j2").as_str(), "GHSA-8v7w-j6g2-p6j2");
        assert_eq!(id("CPANSA-HTTP-Body-2013-4407").kind(), IdKind::Cpansa);
        assert_eq!(IdKind::detect("X-CVE-2018-vue-001"), None);
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "X-CVE-2018-vue-001",
            "CVE-18-1234",
            "CVE-2018-12",
            "GHSA-1234-1234",
            "CPANSA-",
            "CPANSA-a b",
            "",
        ] {
            assert!(bad.parse::<Id>().is_err(), "{bad}");
        }
        assert!("C".repeat(MAX_ID_LEN + 1).parse::<Id>().is_err());
    }

    #[test]
    fn cpansa_parts_split_the_dist_from_year_and_number() {
        let i = id("CPANSA-MarpaX-ESLIF-2019-20454-libpcre2");
        let p = i.cpansa_parts().unwrap();
        assert_eq!(
            (p.dist, p.year, p.number, p.suffix),
            ("MarpaX-ESLIF", 2019, "20454", Some("libpcre2"))
        );
        let i = id("CPANSA-CPAN-2023-01");
        assert_eq!(i.cpansa_parts().unwrap().dist, "CPAN");
        for odd in [
            "CPANSA-MySQL-Admin-1-1",
            "CPANSA--2026-3031",
            "CPANSA-Plack-Middleware-XSRFBlock-20230714-01",
        ] {
            assert_eq!(id(odd).cpansa_parts(), None, "{odd}");
        }
    }
}
