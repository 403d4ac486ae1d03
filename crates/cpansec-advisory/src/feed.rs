//! The cpansa feed (`cpan-security-advisory.json`) as a document: every
//! entry as written, in file order, with the fields the merged
//! [`Database`] model does not keep (per-entry descriptions, severities and
//! references of entries that share an id, `cves` in their written order,
//! absent versus `null`, release versions written as JSON numbers, release
//! order, `dual_lived`, `x-commit`, `darkpan`, `url`, free-form `meta` keys).
//!
//! The published JSON is always read through this type ([`Feed::parse`],
//! strict: unknown fields, wrong types and over-long strings are errors with
//! the JSON path and line), and the [`Database`] is built from it. Writing a
//! feed ([`Feed::to_json`]) is deterministic: keys sorted, entries and
//! releases in document order, compact like the upstream file, one final
//! newline. A feed parsed from a file writes back to a file that perl's
//! JSON::PP reads as the same structure, and that loads into the same
//! database.
//!
//! A database loaded from elsewhere (YAML sources, the binary cache, the
//! embedded snapshot) converts with [`Feed::from_database`]: one entry per
//! [`RangeGroup`](crate::RangeGroup), each carrying the merged advisory's
//! fields. That form loads back into the same database except for
//! [`Advisory::conflicts`] (entries that disagreed now agree), see the
//! crate README.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::advisory::{EmbeddedLibrary, ReleaseVersion, Reviewer};
use crate::database::{Entry, Metadata, RawRelease, build, read_bounded};
use crate::{Advisory, Database, Error, IdKind, Source};

/// The longest string value accepted anywhere in the file, in bytes.
pub const MAX_STRING_LEN: usize = 1 << 20;

/// The file name [`export_feed`] writes inside its directory.
pub const FEED_FILE: &str = "cpan-security-advisory.json";

/// A string no longer than [`MAX_STRING_LEN`] bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.to_string())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A field that may be absent (`None`), present as `null` (`Some(None)`) or
/// present with a value. JSON::PP tells the first two apart (`exists`
/// versus `defined`), so the feed keeps the difference.
pub type Nullable<T> = Option<Option<T>>;

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Nullable<T>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The whole document.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Feed {
    pub dists: BTreeMap<String, FeedDist>,
    pub meta: FeedMeta,
    pub module2dist: BTreeMap<String, Text>,
}

/// The `meta` block. Free-form upstream (old files carry stray counters):
/// the known keys are typed, the others kept as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct FeedMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<Text>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// One distribution: its advisory entries, main module and known releases.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedDist {
    pub advisories: Vec<FeedEntry>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub main_module: Nullable<Text>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub versions: Nullable<Vec<FeedRelease>>,
}

/// One release in a distribution's `versions` list.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedRelease {
    pub date: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dual_lived: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perl_release: Option<Text>,
    pub version: ReleaseText,
}

/// A release version as written: a string, a JSON number (perl wrote a
/// numeric scalar) or `null`.
#[derive(Clone, Debug, PartialEq)]
pub enum ReleaseText {
    Text(Text),
    Number(serde_json::Number),
    Null,
}

impl ReleaseText {
    /// The version as text: a number as its shortest decimal form, which is
    /// how perl wrote it.
    pub fn text(&self) -> Option<String> {
        match self {
            ReleaseText::Text(t) => Some(t.0.clone()),
            ReleaseText::Number(n) => Some(n.to_string()),
            ReleaseText::Null => None,
        }
    }
}

impl<'de> Deserialize<'de> for ReleaseText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ReleaseText, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ReleaseText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string, number or null")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ReleaseText, E> {
                if s.len() > MAX_STRING_LEN {
                    return Err(E::custom("version string too long"));
                }
                Ok(ReleaseText::Text(Text(s.to_string())))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ReleaseText, E> {
                Ok(ReleaseText::Number(n.into()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ReleaseText, E> {
                Ok(ReleaseText::Number(n.into()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<ReleaseText, E> {
                serde_json::Number::from_f64(n)
                    .map(ReleaseText::Number)
                    .ok_or_else(|| E::custom("version number is not finite"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ReleaseText, E> {
                Ok(ReleaseText::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<ReleaseText, E> {
                Ok(ReleaseText::Null)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ReleaseText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ReleaseText::Text(t) => t.serialize(s),
            ReleaseText::Number(n) => n.serialize(s),
            ReleaseText::Null => s.serialize_unit(),
        }
    }
}

/// One advisory entry as written.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedEntry {
    pub affected_versions: Vec<Text>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub comment: Nullable<Text>,
    pub cves: Vec<Text>,
    /// Older files: a note on darkpan-only code.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub darkpan: Nullable<Text>,
    pub description: Text,
    pub distribution: Text,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub embedded_vulnerability: Nullable<FeedLibrary>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_vulnerability: Nullable<FeedLibrary>,
    pub fixed_versions: Vec<Text>,
    /// GHSA ids. The YAML sources have them; the upstream JSON does not
    /// (yet), a feed exported from the YAML does.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub github_security_advisory: Nullable<Vec<Text>>,
    pub id: Text,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub previous_id: Nullable<Vec<Text>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub references: Nullable<Vec<Text>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub reported: Nullable<Text>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub reviewed_by: Nullable<Vec<FeedReviewer>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub severity: Nullable<Text>,
    /// Older files: a single reference.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Nullable<Text>,
    #[serde(
        rename = "x-commit",
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub x_commit: Nullable<Text>,
}

/// `embedded_vulnerability` / `external_vulnerability`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedLibrary {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub affected_versions: Nullable<Text>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub distributed_version: Nullable<Text>,
    pub name: Text,
}

/// One `reviewed_by` item.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedReviewer {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Nullable<Text>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Nullable<Text>,
    pub name: Text,
}

fn flat<T>(v: Nullable<T>) -> Option<T> {
    v.flatten()
}

fn text(v: Nullable<Text>) -> Option<String> {
    v.flatten().map(|t| t.0)
}

fn texts(v: Vec<Text>) -> Vec<String> {
    v.into_iter().map(|t| t.0).collect()
}

impl FeedLibrary {
    fn into_model(self) -> EmbeddedLibrary {
        EmbeddedLibrary {
            name: self.name.0,
            distributed_version: text(self.distributed_version),
            affected_versions: text(self.affected_versions),
        }
    }

    fn from_model(e: &EmbeddedLibrary) -> FeedLibrary {
        FeedLibrary {
            name: e.name.as_str().into(),
            distributed_version: Some(e.distributed_version.as_deref().map(Text::from)),
            affected_versions: Some(e.affected_versions.as_deref().map(Text::from)),
        }
    }
}

/// What a feed holds, before ids are validated and entries merged.
pub(crate) struct Parsed {
    pub meta: Metadata,
    pub modules: BTreeMap<String, String>,
    /// Per distribution key: main module and release list.
    pub dists: BTreeMap<String, (Option<String>, Option<Vec<RawRelease>>)>,
    /// Every advisory entry, with the distribution key it was filed under
    /// and its JSON path.
    pub entries: Vec<(String, String, Entry)>,
}

impl Feed {
    /// Parses `bytes` as the published JSON format. `source_name` names the
    /// input in errors.
    pub fn parse(bytes: &[u8], source_name: &str) -> Result<Feed, Error> {
        let format_error = |json_path: String, inner: serde_json::Error| Error::Format {
            source_name: source_name.to_string(),
            json_path,
            line: inner.line(),
            column: inner.column(),
            message: inner.to_string(),
        };
        // The fast path tracks no JSON path; only a file that fails is parsed
        // a second time, with path tracking, to say where.
        let feed: Feed = match serde_json::from_slice(bytes) {
            Ok(feed) => feed,
            Err(first) => {
                let mut de = serde_json::Deserializer::from_slice(bytes);
                let located = serde_path_to_error::deserialize::<_, Feed>(&mut de)
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
        for (key, value) in &feed.meta.other {
            if longest_string(value) > MAX_STRING_LEN {
                return Err(Error::Invalid {
                    source_name: source_name.to_string(),
                    json_path: format!("meta.{key}"),
                    message: format!("a string longer than the limit of {MAX_STRING_LEN}"),
                });
            }
        }
        Ok(feed)
    }

    /// Reads a feed file of at most [`MAX_FILE_LEN`](crate::MAX_FILE_LEN) bytes.
    pub fn load(path: &Path) -> Result<Feed, Error> {
        let bytes = read_bounded(path)?;
        Feed::parse(&bytes, &path.display().to_string())
    }

    /// The feed as JSON: keys sorted, arrays in document order, compact,
    /// one final newline. The same feed always gives the same bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Struct fields are declared in key order and maps are BTreeMaps,
        // so serialising directly gives sorted keys, except inside the
        // free-form meta keys, which are merged in order here.
        let mut value = serde_json::to_value(self).expect("a feed always serialises");
        sort_keys(&mut value);
        let mut out = serde_json::to_vec(&value).expect("a JSON value always serialises");
        out.push(b'\n');
        out
    }

    /// The feed of a database loaded from any source: the model's
    /// distributions, releases (ascending), module map and metadata, and one
    /// entry per range group, filed where the source filed it, carrying
    /// the merged advisory's fields.
    pub fn from_database(db: &Database) -> Feed {
        let meta = db.metadata();
        let mut dists: BTreeMap<String, FeedDist> = db
            .distributions()
            .map(|d| {
                let versions = d.releases.as_ref().map(|rs| {
                    rs.iter()
                        .map(|r| FeedRelease {
                            date: r.date.as_str().into(),
                            dual_lived: None,
                            perl_release: r.perl_release.as_deref().map(Text::from),
                            version: match &r.version {
                                ReleaseVersion::Known(v) => ReleaseText::Text(v.as_str().into()),
                                ReleaseVersion::Missing => ReleaseText::Null,
                                ReleaseVersion::Unparseable(e) => {
                                    ReleaseText::Text(e.input.as_str().into())
                                }
                            },
                        })
                        .collect()
                });
                let dist = FeedDist {
                    advisories: Vec::new(),
                    main_module: Some(d.main_module.as_deref().map(Text::from)),
                    versions: versions.map(Some),
                };
                (d.name.clone(), dist)
            })
            .collect();
        let mut misfiled: Vec<_> = db.misfiled().iter().collect();
        for a in db.advisories() {
            for g in &a.groups {
                let filed_under = match misfiled
                    .iter()
                    .position(|m| m.id == a.id && m.distribution == g.distribution)
                {
                    Some(i) => misfiled.remove(i).filed_under.clone(),
                    None => g.distribution.clone(),
                };
                let entry = entry_of(a, &g.distribution, &g.affected, &g.fixed);
                dists
                    .entry(filed_under)
                    .or_insert_with(|| FeedDist {
                        advisories: Vec::new(),
                        main_module: Some(None),
                        versions: None,
                    })
                    .advisories
                    .push(entry);
            }
        }
        Feed {
            dists,
            meta: FeedMeta {
                commit: meta.commit.as_deref().map(Text::from),
                date: meta.date.as_deref().map(Text::from),
                epoch: meta.epoch,
                generator: meta.generator.as_deref().map(Text::from),
                repo: meta.repo.as_deref().map(Text::from),
                other: BTreeMap::new(),
            },
            module2dist: db
                .modules()
                .map(|(m, d)| (m.to_string(), d.into()))
                .collect(),
        }
    }

    /// Splits the feed into what the database builder takes.
    pub(crate) fn into_parsed(self) -> Parsed {
        let meta = Metadata {
            commit: self.meta.commit.map(|t| t.0),
            repo: self.meta.repo.map(|t| t.0),
            date: self.meta.date.map(|t| t.0),
            epoch: self.meta.epoch,
            generator: self.meta.generator.map(|t| t.0),
        };
        let modules = self
            .module2dist
            .into_iter()
            .map(|(m, d)| (m, d.0))
            .collect();
        let mut dists = BTreeMap::new();
        let mut entries = Vec::new();
        for (name, dist) in self.dists {
            for (n, a) in dist.advisories.into_iter().enumerate() {
                let path = format!("dists.{name}.advisories[{n}]");
                let mut references = flat(a.references).map(texts).unwrap_or_default();
                references.extend(text(a.url));
                entries.push((
                    name.clone(),
                    path,
                    Entry {
                        id: a.id.0,
                        distribution: a.distribution.0,
                        cves: texts(a.cves),
                        ghsas: flat(a.github_security_advisory)
                            .map(texts)
                            .unwrap_or_default(),
                        affected: texts(a.affected_versions),
                        fixed: texts(a.fixed_versions),
                        severity: text(a.severity),
                        description: a.description.0,
                        references,
                        reported: text(a.reported),
                        embedded: flat(a.embedded_vulnerability).map(FeedLibrary::into_model),
                        external: flat(a.external_vulnerability).map(FeedLibrary::into_model),
                        comment: text(a.comment),
                        previous_ids: flat(a.previous_id).map(texts).unwrap_or_default(),
                        reviewed_by: flat(a.reviewed_by)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|r| Reviewer {
                                name: r.name.0,
                                email: text(r.email),
                                date: text(r.date),
                            })
                            .collect(),
                    },
                ));
            }
            let releases = flat(dist.versions).map(|vs| {
                vs.into_iter()
                    .map(|v| RawRelease {
                        version: v.version.text(),
                        date: v.date.0,
                        perl_release: v.perl_release.map(|t| t.0),
                    })
                    .collect()
            });
            dists.insert(name, (text(dist.main_module), releases));
        }
        Parsed {
            meta,
            modules,
            dists,
            entries,
        }
    }
}

/// One feed entry for one range group of `a`.
fn entry_of(
    a: &Advisory,
    distribution: &str,
    affected: &[crate::Range],
    fixed: &[crate::Range],
) -> FeedEntry {
    let ranges = |rs: &[crate::Range]| rs.iter().map(|r| Text::from(r.as_str())).collect();
    let cves: Vec<Text> = a
        .aliases
        .iter()
        .filter(|id| id.kind() == IdKind::Cve)
        .map(|id| Text(id.to_string()))
        .chain(a.unrecognised_aliases.iter().map(|u| Text(u.clone())))
        .collect();
    let ghsas: Vec<Text> = a
        .aliases
        .iter()
        .filter(|id| id.kind() == IdKind::Ghsa)
        .map(|id| Text(id.to_string()))
        .collect();
    let opt_list = |v: Vec<Text>| (!v.is_empty()).then_some(Some(v));
    FeedEntry {
        affected_versions: ranges(affected),
        comment: a.comment.as_deref().map(|c| Some(Text::from(c))),
        cves,
        darkpan: None,
        description: a.description.as_str().into(),
        distribution: distribution.into(),
        embedded_vulnerability: a
            .embedded
            .as_ref()
            .map(|e| Some(FeedLibrary::from_model(e))),
        external_vulnerability: a
            .external
            .as_ref()
            .map(|e| Some(FeedLibrary::from_model(e))),
        fixed_versions: ranges(fixed),
        github_security_advisory: opt_list(ghsas),
        id: Text(a.id.to_string()),
        previous_id: opt_list(
            a.previous_ids
                .iter()
                .map(|p| Text::from(p.as_str()))
                .collect(),
        ),
        references: Some(Some(
            a.references
                .iter()
                .map(|r| Text::from(r.as_str()))
                .collect(),
        )),
        reported: Some(a.reported.as_deref().map(Text::from)),
        reviewed_by: (!a.reviewed_by.is_empty()).then(|| {
            Some(
                a.reviewed_by
                    .iter()
                    .map(|r| FeedReviewer {
                        date: r.date.as_deref().map(|d| Some(Text::from(d))),
                        email: r.email.as_deref().map(|e| Some(Text::from(e))),
                        name: r.name.as_str().into(),
                    })
                    .collect(),
            )
        }),
        severity: Some(a.severity.as_deref().map(Text::from)),
        url: None,
        x_commit: None,
    }
}

fn longest_string(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::String(s) => s.len(),
        serde_json::Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.len().max(longest_string(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Rebuilds every object with its keys in sorted order (whatever map
/// serde_json was built with).
fn sort_keys(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_keys),
        serde_json::Value::Object(map) => {
            let mut pairs: Vec<(String, serde_json::Value)> =
                std::mem::take(map).into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut val) in pairs {
                sort_keys(&mut val);
                map.insert(k, val);
            }
        }
        _ => {}
    }
}

impl Database {
    /// Builds the database a feed describes (the loader every JSON source
    /// goes through).
    pub fn from_feed(feed: Feed, source: Source) -> Result<Database, Error> {
        let parsed = feed.into_parsed();
        build(
            source,
            parsed.meta,
            parsed.modules,
            parsed.dists,
            parsed.entries,
        )
    }
}

/// Writes `feed` as `dir/cpan-security-advisory.json` through a temporary
/// file renamed into place, so the file is complete or absent. Returns its
/// path.
pub fn export_feed(feed: &Feed, dir: &Path) -> Result<PathBuf, Error> {
    let io = |path: &Path| {
        let name = path.display().to_string();
        move |err| Error::Io {
            source_name: name,
            err,
        }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(FEED_FILE);
    let tmp = dir.join(format!(".{FEED_FILE}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, feed.to_json())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(io(&path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| path)
}
