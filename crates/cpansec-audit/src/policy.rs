//! The ignore policy: `.cpansec.toml` (or `--config`).
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2020-1234"        # a CPANSA, CVE or GHSA id
//! reason = "not reachable"    # required
//! expires = "2027-01-31"      # optional; after it the ignore stops applying
//! ```
//!
//! Unknown keys are an error. An expired ignore warns and no longer applies;
//! an ignore that matched nothing warns.

use std::path::Path;

use crate::{Error, Report};

/// The name looked for in the project directory.
pub const CONFIG_FILE: &str = ".cpansec.toml";
const MAX_CONFIG_LEN: u64 = 1 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub ignore: Vec<Ignore>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub id: String,
    pub reason: String,
    /// `YYYY-MM-DD`, compared as text with today's date.
    pub expires: Option<String>,
}

/// What applying a policy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOutcome {
    pub warnings: Vec<String>,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

impl Policy {
    pub fn parse(text: &str, path: &Path) -> Result<Policy, Error> {
        let p: Policy = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        for i in &p.ignore {
            let bad = |m: String| Error::Config {
                path: path.to_path_buf(),
                message: m,
            };
            if i.reason.trim().is_empty() {
                return Err(bad(format!("ignore of '{}' has an empty reason", i.id)));
            }
            if let Some(e) = &i.expires {
                if !valid_date(e) {
                    return Err(bad(format!(
                        "ignore of '{}': expires '{e}' is not YYYY-MM-DD",
                        i.id
                    )));
                }
            }
        }
        Ok(p)
    }

    pub fn read(path: &Path) -> Result<Policy, Error> {
        use std::io::Read;
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let f = std::fs::File::open(path).map_err(io)?;
        let mut text = String::new();
        f.take(MAX_CONFIG_LEN)
            .read_to_string(&mut text)
            .map_err(io)?;
        Self::parse(&text, path)
    }

    /// Removes ignored findings from `report` (moving them to
    /// `report.ignored`); `today` is `YYYY-MM-DD`.
    pub fn apply(&self, report: &mut Report, today: &str) -> PolicyOutcome {
        let mut out = PolicyOutcome::default();
        for ig in &self.ignore {
            if ig.expires.as_deref().is_some_and(|e| e < today) {
                out.warnings.push(format!(
                    "ignore of {} expired on {}; it no longer applies",
                    ig.id,
                    ig.expires.as_deref().unwrap_or_default()
                ));
                continue;
            }
            let before = report.findings.len();
            let matches = |f: &crate::Finding| {
                f.id.as_str() == ig.id || f.aliases.iter().any(|a| a.as_str() == ig.id)
            };
            let (hit, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut report.findings)
                .into_iter()
                .partition(|f| matches(f));
            report.findings = keep;
            if report.findings.len() == before {
                out.warnings
                    .push(format!("ignore of {} matched no finding", ig.id));
            }
            report
                .ignored
                .extend(hit.into_iter().map(|f| (f, ig.reason.clone())));
        }
        report.retain_remediations();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_missing_reason_are_errors() {
        let p = Path::new("x.toml");
        assert!(Policy::parse("[[ignore]]\nid='CVE-1'\nreason='r'\nfoo=1\n", p).is_err());
        assert!(Policy::parse("[[ignore]]\nid='CVE-1'\n", p).is_err());
        assert!(Policy::parse("[[ignore]]\nid='CVE-1'\nreason=' '\n", p).is_err());
        assert!(
            Policy::parse(
                "[[ignore]]\nid='CVE-1'\nreason='r'\nexpires='2026-1-1'\n",
                p
            )
            .is_err()
        );
        assert!(Policy::parse("bogus = 1\n", p).is_err());
        let ok = Policy::parse(
            "[[ignore]]\nid='CVE-1'\nreason='r'\nexpires='2026-01-01'\n",
            p,
        );
        assert_eq!(ok.map(|p| p.ignore.len()).ok(), Some(1));
    }
}
