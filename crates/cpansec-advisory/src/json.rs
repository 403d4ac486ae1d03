//! The published JSON format (`cpan-security-advisory.json`, written by the
//! upstream `util/generate`), read into private raw structs that reject
//! anything the format does not have: unknown fields, wrong types, strings
//! longer than [`MAX_STRING_LEN`], trailing data. Errors carry the JSON path
//! and line; nothing is returned from a file that has one.
//!
//! ```text
//! { "meta": { "commit", "repo", "date", "epoch", "generator", ... },
//!   "module2dist": { "Module::Name": "Dist-Name", ... },
//!   "dists": { "Dist-Name": { "main_module", "versions": [ {"version", "date",
//!              "perl_release"?, "dual_lived"?} ], "advisories": [ {...} ] } } }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::Error;
use crate::advisory::{EmbeddedLibrary, Reviewer};
use crate::database::{Entry, Metadata, RawRelease};

/// The longest string value accepted anywhere in the file, in bytes.
pub const MAX_STRING_LEN: usize = 1 << 20;

/// A string no longer than [`MAX_STRING_LEN`].
#[derive(Debug, Default)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() > MAX_STRING_LEN {
            return Err(de::Error::custom(format!(
                "string of {} bytes is longer than the limit of {MAX_STRING_LEN}",
                s.len()
            )));
        }
        Ok(Text(s))
    }
}

fn texts(v: Vec<Text>) -> Vec<String> {
    v.into_iter().map(|t| t.0).collect()
}

fn opt(v: Option<Text>) -> Option<String> {
    v.map(|t| t.0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    meta: RawMeta,
    module2dist: BTreeMap<String, Text>,
    dists: BTreeMap<String, RawDist>,
}

/// The metadata block is free-form upstream (old files carry stray counters),
/// so only the known keys are read and typed.
#[derive(Deserialize)]
struct RawMeta {
    commit: Option<Text>,
    repo: Option<Text>,
    date: Option<Text>,
    epoch: Option<i64>,
    generator: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    main_module: Option<Text>,
    versions: Option<Vec<RawVersionEntry>>,
    advisories: Vec<RawAdvisory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersionEntry {
    version: VersionText,
    date: Text,
    perl_release: Option<Text>,
    #[serde(rename = "dual_lived")]
    _dual_lived: Option<u8>,
}

/// A release version: a string, a JSON number (kept as its shortest decimal
/// text, which is how Perl wrote it) or `null`.
struct VersionText(Option<String>);

impl<'de> Deserialize<'de> for VersionText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VersionText, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VersionText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string, number or null")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<VersionText, E> {
                if s.len() > MAX_STRING_LEN {
                    return Err(E::custom("version string too long"));
                }
                Ok(VersionText(Some(s.to_string())))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<VersionText, E> {
                Ok(VersionText(Some(n.to_string())))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<VersionText, E> {
                Ok(VersionText(Some(n.to_string())))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<VersionText, E> {
                Ok(VersionText(Some(n.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<VersionText, E> {
                Ok(VersionText(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<VersionText, E> {
                Ok(VersionText(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvisory {
    id: Text,
    distribution: Text,
    cves: Vec<Text>,
    affected_versions: Vec<Text>,
    fixed_versions: Vec<Text>,
    severity: Option<Text>,
    description: Text,
    #[serde(default)]
    references: Vec<Text>,
    reported: Option<Text>,
    embedded_vulnerability: Option<RawEmbedded>,
    external_vulnerability: Option<RawEmbedded>,
    reviewed_by: Option<Vec<RawReviewer>>,
    comment: Option<Text>,
    previous_id: Option<Vec<Text>>,
    #[serde(rename = "x-commit")]
    _x_commit: Option<Text>,
    /// Older files: a note on darkpan-only code.
    #[serde(rename = "darkpan")]
    _darkpan: Option<Text>,
    /// Older files: a single reference.
    url: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmbedded {
    name: Text,
    distributed_version: Option<Text>,
    affected_versions: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReviewer {
    name: Text,
    email: Option<Text>,
    date: Option<Text>,
}

impl RawEmbedded {
    fn into_model(self) -> EmbeddedLibrary {
        EmbeddedLibrary {
            name: self.name.0,
            distributed_version: opt(self.distributed_version),
            affected_versions: opt(self.affected_versions),
        }
    }
}

/// What a JSON file holds, before ids are validated and entries merged.
pub(crate) struct Parsed {
    pub meta: Metadata,
    pub modules: BTreeMap<String, String>,
    /// Per distribution key: main module and release list.
    pub dists: BTreeMap<String, (Option<String>, Option<Vec<RawRelease>>)>,
    /// Every advisory entry, with the distribution key it was filed under
    /// and its JSON path.
    pub entries: Vec<(String, String, Entry)>,
}

/// Parses `bytes` as the published JSON format. `source_name` names the
/// input in errors.
pub(crate) fn parse(bytes: &[u8], source_name: &str) -> Result<Parsed, Error> {
    let format_error = |json_path: String, inner: serde_json::Error| Error::Format {
        source_name: source_name.to_string(),
        json_path,
        line: inner.line(),
        column: inner.column(),
        message: inner.to_string(),
    };
    // The fast path tracks no JSON path; only a file that fails is parsed a
    // second time, with path tracking, to say where.
    let raw: RawDatabase = match serde_json::from_slice(bytes) {
        Ok(raw) => raw,
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let located = serde_path_to_error::deserialize::<_, RawDatabase>(&mut de)
                .map_err(|err| {
                    let json_path = err.path().to_string();
                    format_error(json_path, err.into_inner())
                })
                .and_then(|_| {
                    de.end()
                        .map_err(|e| format_error("(after the document)".to_string(), e))
                });
            return Err(match located {
                Err(e) => e,
                Ok(()) => format_error(String::new(), first),
            });
        }
    };
    let meta = Metadata {
        commit: opt(raw.meta.commit),
        repo: opt(raw.meta.repo),
        date: opt(raw.meta.date),
        epoch: raw.meta.epoch,
        generator: opt(raw.meta.generator),
    };
    let modules = raw.module2dist.into_iter().map(|(m, d)| (m, d.0)).collect();
    let mut dists = BTreeMap::new();
    let mut entries = Vec::new();
    for (name, dist) in raw.dists {
        for (n, a) in dist.advisories.into_iter().enumerate() {
            let path = format!("dists.{name}.advisories[{n}]");
            let mut references = texts(a.references);
            references.extend(opt(a.url));
            entries.push((
                name.clone(),
                path,
                Entry {
                    id: a.id.0,
                    distribution: a.distribution.0,
                    cves: texts(a.cves),
                    ghsas: Vec::new(),
                    affected: texts(a.affected_versions),
                    fixed: texts(a.fixed_versions),
                    severity: opt(a.severity),
                    description: a.description.0,
                    references,
                    reported: opt(a.reported),
                    embedded: a.embedded_vulnerability.map(RawEmbedded::into_model),
                    external: a.external_vulnerability.map(RawEmbedded::into_model),
                    comment: opt(a.comment),
                    previous_ids: a.previous_id.map(texts).unwrap_or_default(),
                    reviewed_by: a
                        .reviewed_by
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| Reviewer {
                            name: r.name.0,
                            email: opt(r.email),
                            date: opt(r.date),
                        })
                        .collect(),
                },
            ));
        }
        let releases = dist.versions.map(|vs| {
            vs.into_iter()
                .map(|v| RawRelease {
                    version: v.version.0,
                    date: v.date.0,
                    perl_release: opt(v.perl_release),
                })
                .collect()
        });
        dists.insert(name, (opt(dist.main_module), releases));
    }
    Ok(Parsed {
        meta,
        modules,
        dists,
        entries,
    })
}
