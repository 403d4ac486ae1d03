//! The hand-curated YAML sources (`CPANSA-<Dist>.yml`, `cpansa_version: 2`),
//! one file per distribution, read into the same model as the JSON.
//!
//! ```yaml
//! advisories:
//! - id: CPANSA-HTTP-Body-2013-4407
//!   cves: [CVE-2013-4407]
//!   github_security_advisory: [GHSA-8v7w-j6g2-p6j2]
//!   affected_versions: ['>=1.08,<1.23']
//!   fixed_versions: ['>=1.23']
//!   description: ...
//!   references: [...]
//!   reported: 2013-09-02
//!   severity: moderate
//! cpansa_version: 2
//! distribution: HTTP-Body
//! last_checked: 1785398914
//! latest_version: '1.23'
//! ```
//!
//! The YAML has no release lists and no module map. Plain scalars are read
//! as the text written (`- 1.10` stays `1.10`, not the float `1.1`).
//! Unknown fields and a `cpansa_version` other than 2 are errors naming the
//! file and line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::advisory::{EmbeddedLibrary, Reviewer};
use crate::database::{Entry, Metadata, RawRelease, build, read_bounded};
use crate::{Database, Error, Source};

/// The largest number of YAML files read from one directory.
pub const MAX_YAML_FILES: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    advisories: Vec<RawAdvisory>,
    cpansa_version: u32,
    distribution: String,
    #[serde(rename = "last_checked")]
    _last_checked: Option<i64>,
    #[serde(rename = "latest_version")]
    _latest_version: Option<String>,
    #[serde(rename = "metacpan")]
    _metacpan: Option<String>,
    #[serde(rename = "repo")]
    _repo: Option<String>,
    #[serde(rename = "darkpan")]
    _darkpan: Option<bool>,
    #[serde(rename = "comment")]
    _comment: Option<String>,
    main_module: Option<String>,
    #[serde(rename = "url")]
    _url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvisory {
    id: String,
    cves: Vec<String>,
    #[serde(default)]
    github_security_advisory: Vec<String>,
    affected_versions: Vec<String>,
    fixed_versions: Vec<String>,
    severity: Option<String>,
    description: String,
    #[serde(default)]
    references: Vec<String>,
    reported: Option<String>,
    embedded_vulnerability: Option<RawEmbedded>,
    external_vulnerability: Option<RawEmbedded>,
    reviewed_by: Option<Vec<RawReviewer>>,
    comment: Option<String>,
    previous_id: Option<Vec<String>>,
    #[serde(rename = "x-commit")]
    _x_commit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmbedded {
    name: String,
    distributed_version: Option<String>,
    affected_versions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReviewer {
    name: String,
    email: Option<String>,
    date: Option<String>,
}

fn embedded(e: RawEmbedded) -> EmbeddedLibrary {
    EmbeddedLibrary {
        name: e.name,
        distributed_version: e.distributed_version,
        affected_versions: e.affected_versions,
    }
}

/// Reads one YAML source file.
fn read_file(path: &Path) -> Result<RawFile, Error> {
    let source_name = path.display().to_string();
    let bytes = read_bounded(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| Error::Format {
        source_name: source_name.clone(),
        json_path: String::new(),
        line: 0,
        column: 0,
        message: format!("not UTF-8: {e}"),
    })?;
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| {
            (
                usize::try_from(l.line()).unwrap_or(0),
                usize::try_from(l.column()).unwrap_or(0),
            )
        });
        Error::Format {
            source_name: source_name.clone(),
            json_path: String::new(),
            line,
            column,
            message: e.to_string(),
        }
    })?;
    if raw.cpansa_version != 2 {
        return Err(Error::Invalid {
            source_name,
            json_path: "cpansa_version".into(),
            message: format!("cpansa_version {} is not 2", raw.cpansa_version),
        });
    }
    Ok(raw)
}

impl Database {
    /// Loads every `*.yml` file of `dir` (the YAML sources), in name order.
    /// Entries are filed under the file's `distribution`.
    pub fn load_yaml_dir(dir: &Path) -> Result<Database, Error> {
        let io = |err| Error::Io {
            source_name: dir.display().to_string(),
            err,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                files.push(path);
            }
            if files.len() > MAX_YAML_FILES {
                return Err(Error::TooLarge {
                    source_name: dir.display().to_string(),
                    size: files.len() as u64,
                    limit: MAX_YAML_FILES as u64,
                });
            }
        }
        files.sort();
        let mut dists: BTreeMap<String, (Option<String>, Option<Vec<RawRelease>>)> =
            BTreeMap::new();
        let mut entries = Vec::new();
        for path in &files {
            let raw = read_file(path)?;
            for (n, a) in raw.advisories.into_iter().enumerate() {
                entries.push((
                    raw.distribution.clone(),
                    format!("{}: advisories[{n}]", path.display()),
                    Entry {
                        id: a.id,
                        distribution: raw.distribution.clone(),
                        cves: a.cves,
                        ghsas: a.github_security_advisory,
                        affected: a.affected_versions,
                        fixed: a.fixed_versions,
                        severity: a.severity,
                        description: a.description,
                        references: a.references,
                        reported: a.reported,
                        embedded: a.embedded_vulnerability.map(embedded),
                        external: a.external_vulnerability.map(embedded),
                        comment: a.comment,
                        previous_ids: a.previous_id.unwrap_or_default(),
                        reviewed_by: a
                            .reviewed_by
                            .unwrap_or_default()
                            .into_iter()
                            .map(|r| Reviewer {
                                name: r.name,
                                email: r.email,
                                date: r.date,
                            })
                            .collect(),
                    },
                ));
            }
            dists.insert(raw.distribution, (raw.main_module, None));
        }
        build(
            Source::Yaml(dir.to_path_buf()),
            Metadata::default(),
            BTreeMap::new(),
            dists,
            entries,
        )
    }
}
