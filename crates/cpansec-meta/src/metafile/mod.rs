//! META.json, META.yml, MYMETA.json and MYMETA.yml, read as CPAN::Meta reads
//! them (`CPAN::Meta->load_file`, `load_json_string`, `load_yaml_string`)
//! into the spec-2 model.
//!
//! # Reading
//!
//! 1. Bytes are decoded as UTF-8; malformed bytes become the text `\xHH`
//!    (Parse::CPAN::Meta's `PERLQQ` fallback), never an error.
//! 2. JSON is read with serde_json, YAML with [`yaml`], a port of
//!    CPAN::Meta::YAML's grammar (see that module for why not a YAML 1.2
//!    library). Scalars become Perl strings: JSON `1.10` is `"1.1"`, `true` is
//!    `"1"`, as Perl sees them after JSON::PP.
//! 3. The private `convert` module upgrades the structure to spec 2 exactly as
//!    CPAN::Meta::Converter does, validating after each step as
//!    CPAN::Meta::Validator does; where CPAN::Meta dies, this is an error.
//! 4. The v2 structure is read into [`Meta`].
//!
//! [`Meta::to_v2_json`] writes the model back as the v2 structure
//! (`CPAN::Meta->as_struct`), the shape of `../shared/corpus/meta-expected`.
//!
//! # Agreement with CPAN::Meta 2.150010
//!
//! Compared field by field (name, version, abstract, author, license,
//! prereqs, provides, resources, optional_features, release_status,
//! dynamic_config), and on whether the file is rejected at all
//! (`tests/metafile.rs`):
//!
//! - the corpus (53 META.json, 54 META.yml, 8 MYMETA): 115/115 identical to
//!   the recorded readings in `corpus/meta-expected` and 115/115 to a live
//!   `CPAN::Meta->load_file(...)->as_struct({ version => 2 })`;
//! - 92 hand-written YAML/JSON snippets for grammar and converter corners:
//!   92/92 (33 rejected by both);
//! - 3,102 mutations of the corpus files (YAML lines deleted, JSON keys
//!   deleted or replaced by odd values): 2,990/3,102 identical; the other
//!   112 all fall under the model-shape difference below.
//!
//! # Known differences from CPAN::Meta
//!
//! - Model shape: CPAN::Meta::Validator's "string" check accepts any true
//!   value, so a mapping or list where the spec wants a string (`name`,
//!   `abstract`, `description`, an `author` entry, a `provides` file) passes
//!   CPAN::Meta; the typed [`Meta`] cannot hold it and this reader returns a
//!   `MetaStructure` error instead (the 112 mutated cases above).
//! - Scalar types: Perl has none, so every scalar is compared and kept as a
//!   string; `to_v2_json` writes `dynamic_config` and `meta-spec.version` as
//!   numbers and everything else as strings, while CPAN::Meta's JSON output
//!   keeps whatever internal flag the scalar had. `x_` values are kept with
//!   strings for scalars.
//! - JSON integers beyond 64 bits go through a double (JSON::PP keeps them
//!   as strings); JSON nesting deeper than 128 and YAML nesting deeper than
//!   [`yaml::MAX_DEPTH`] are errors.
//! - Where a rule depends on Perl's random hash order (two keys that the
//!   converter maps to one), this reader uses sorted order.

// The crate's one `Error` is 160 bytes; every reader returns it on a cold
// path, so its size is not worth boxing here (the integrator may box
// `ErrorKind` crate-wide instead).
#![allow(clippy::result_large_err)]

pub(crate) mod convert;
mod validate;
mod value;
pub mod yaml;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use cpansec_version::{Version, VersionError};

use crate::license;
use crate::{Error, ErrorKind, Location, Phase, Prereq, Prereqs, Relation};
use value::{Hash, Value};

/// Largest META file [`Meta::read`] reads.
pub const MAX_META_SIZE: u64 = 64 * 1024 * 1024;

/// Which syntax a META file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaFormat {
    Json,
    Yaml,
}

/// A distribution version as written, and read with version.pm when it can
/// be. An unparseable version is kept (never read as 0) for reporting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaVersion {
    pub raw: String,
    pub parsed: Option<Version>,
}

impl MetaVersion {
    fn new(raw: String) -> MetaVersion {
        let parsed = Version::parse_exact(&raw).ok();
        MetaVersion { raw, parsed }
    }

    /// Why the version does not parse, for reporting; `None` when it does.
    pub fn error(&self) -> Option<VersionError> {
        Version::parse_exact(&self.raw).err()
    }
}

/// `release_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReleaseStatus {
    Stable,
    Testing,
    Unstable,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Stable => "stable",
            ReleaseStatus::Testing => "testing",
            ReleaseStatus::Unstable => "unstable",
        }
    }
}

/// `resources.repository`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repository {
    pub url: Option<String>,
    pub web: Option<String>,
    /// `type` (`git`, `svn`, ...).
    pub kind: Option<String>,
    /// `x_` keys, kept as written.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `resources.bugtracker`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bugtracker {
    pub web: Option<String>,
    pub mailto: Option<String>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `resources`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub homepage: Option<String>,
    /// Licence URLs.
    pub license: Vec<String>,
    pub repository: Option<Repository>,
    pub bugtracker: Option<Bugtracker>,
    /// `x_` keys (v1 custom resources such as `MailingList` arrive as
    /// `x_MailingList`).
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One `provides` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provided {
    pub file: String,
    /// Cleaned as CPAN::Meta cleans it (`0` when unusable).
    pub version: Option<String>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One `optional_features` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feature {
    pub description: Option<String>,
    pub prereqs: Option<Prereqs>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `no_index`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoIndex {
    pub file: Option<Vec<String>>,
    pub directory: Option<Vec<String>>,
    pub package: Option<Vec<String>>,
    pub namespace: Option<Vec<String>>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// What the file said before conversion, where conversion loses it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// `meta-spec.version` as written (`None` without one).
    pub meta_spec: Option<String>,
    /// The `license` strings as written. v1 `gpl`, `lgpl` and `mozilla`
    /// become `open_source` in v2, so the SPDX expression is taken from these.
    pub license: Vec<String>,
}

/// A META file read into the spec-2 model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub name: String,
    pub version: MetaVersion,
    pub abstract_: String,
    pub authors: Vec<String>,
    /// The v2 licence names, as CPAN::Meta reads them.
    pub license: Vec<String>,
    /// The licence as an SPDX expression (from [`Source::license`]).
    pub license_spdx: String,
    pub resources: Option<Resources>,
    pub prereqs: Prereqs,
    pub provides: Option<BTreeMap<String, Provided>>,
    pub optional_features: Option<BTreeMap<String, Feature>>,
    pub release_status: ReleaseStatus,
    pub dynamic_config: bool,
    pub generated_by: String,
    pub no_index: Option<NoIndex>,
    pub description: Option<String>,
    pub keywords: Option<Vec<String>>,
    /// Top-level `x_` keys.
    pub extra: BTreeMap<String, serde_json::Value>,
    pub source: Source,
}

impl Meta {
    /// Reads META/MYMETA JSON text (`CPAN::Meta->load_json_string`).
    pub fn parse_json(text: &str) -> Result<Meta, Error> {
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let location = Location {
                line: u32::try_from(e.line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.column()).unwrap_or(u32::MAX),
            };
            Error::at(
                ErrorKind::MetaJson {
                    message: e.to_string(),
                },
                location,
            )
        })?;
        Meta::from_value(&Value::from_json(&json))
    }

    /// Reads META/MYMETA YAML text (`CPAN::Meta->load_yaml_string`). An empty
    /// document reads as an empty mapping (and then fails validation).
    pub fn parse_yaml(text: &str) -> Result<Meta, Error> {
        let doc = yaml::load(text)?;
        let doc = match doc {
            Some(v) if v.truthy() => v,
            _ => Value::Hash(Hash::new()),
        };
        Meta::from_value(&doc)
    }

    /// Reads text whose syntax is not known, guessing as
    /// `Parse::CPAN::Meta->load_string` does: `---` first means YAML, `{`
    /// after white space JSON, anything else YAML.
    pub fn parse(text: &str) -> Result<Meta, Error> {
        Meta::parse_as(text, None)
    }

    /// Reads bytes in `format` (guessed from the text when `None`).
    pub fn parse_bytes(bytes: &[u8], format: Option<MetaFormat>) -> Result<Meta, Error> {
        Meta::parse_as(&value::decode_utf8_perlqq(bytes), format)
    }

    fn parse_as(text: &str, format: Option<MetaFormat>) -> Result<Meta, Error> {
        let format = format.unwrap_or_else(|| {
            if text.starts_with("---") {
                MetaFormat::Yaml
            } else if text.trim_start().starts_with('{') {
                MetaFormat::Json
            } else {
                MetaFormat::Yaml
            }
        });
        match format {
            MetaFormat::Json => Meta::parse_json(text),
            MetaFormat::Yaml => Meta::parse_yaml(text),
        }
    }

    /// Reads a file, by its name as `Parse::CPAN::Meta->load_file` does
    /// (`.json` JSON, `.yml`/`.yaml` YAML, else guessed), at most
    /// [`MAX_META_SIZE`] bytes. Errors name the path.
    pub fn read(path: impl AsRef<Path>) -> Result<Meta, Error> {
        let path = path.as_ref();
        let in_file = |e: Error| e.in_file(path);
        let file = std::fs::File::open(path).map_err(|e| in_file(Error::new(e.into())))?;
        let mut bytes = Vec::new();
        file.take(MAX_META_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| in_file(Error::new(e.into())))?;
        if bytes.len() as u64 > MAX_META_SIZE {
            return Err(in_file(Error::new(ErrorKind::TooLarge {
                what: path.display().to_string(),
                limit: MAX_META_SIZE,
            })));
        }
        let name = path.to_string_lossy();
        let format = if name.ends_with(".json") {
            Some(MetaFormat::Json)
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            Some(MetaFormat::Yaml)
        } else {
            None
        };
        Meta::parse_bytes(&bytes, format).map_err(in_file)
    }

    fn from_value(data: &Value) -> Result<Meta, Error> {
        let source = Source {
            meta_spec: data
                .as_hash()
                .and_then(|h| h.get("meta-spec"))
                .and_then(Value::as_hash)
                .and_then(|s| s.get("version"))
                .and_then(Value::as_str)
                .map(str::to_string),
            license: match data.as_hash().and_then(|h| h.get("license")) {
                Some(Value::Str(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            },
        };
        let v2 = convert::to_v2(data)?;
        let mut meta = Meta::from_v2(&v2)?;
        meta.license_spdx = license::spdx_expression(if source.license.is_empty() {
            &meta.license
        } else {
            &source.license
        });
        meta.source = source;
        Ok(meta)
    }

    /// The model from a validated v2 structure.
    fn from_v2(h: &Hash) -> Result<Meta, Error> {
        let status = match text(h, "release_status")?.as_str() {
            "testing" => ReleaseStatus::Testing,
            "unstable" => ReleaseStatus::Unstable,
            _ => ReleaseStatus::Stable,
        };
        let mut extra = BTreeMap::new();
        for (k, v) in h {
            if is_custom(k) {
                extra.insert(k.clone(), v.to_json());
            }
        }
        Ok(Meta {
            name: text(h, "name")?,
            version: MetaVersion::new(text(h, "version")?),
            abstract_: text(h, "abstract")?,
            authors: texts(h.get("author"), "author")?.unwrap_or_default(),
            license: texts(h.get("license"), "license")?.unwrap_or_default(),
            license_spdx: String::new(),
            resources: h.get("resources").map(resources).transpose()?,
            prereqs: match h.get("prereqs") {
                Some(p) => prereqs(p, "prereqs")?,
                None => Prereqs::default(),
            },
            provides: h.get("provides").map(provides).transpose()?,
            optional_features: h.get("optional_features").map(features).transpose()?,
            release_status: status,
            dynamic_config: text(h, "dynamic_config")?.trim_end() == "1",
            generated_by: text(h, "generated_by")?,
            no_index: h.get("no_index").map(no_index).transpose()?,
            description: opt_text(h.get("description"), "description")?,
            keywords: texts(h.get("keywords"), "keywords")?,
            extra,
            source: Source::default(),
        })
    }

    /// The model as CPAN::Meta's v2 structure (`as_struct`), keys sorted.
    pub fn to_v2_json(&self) -> serde_json::Value {
        use serde_json::{Value as J, json};
        let mut out = serde_json::Map::new();
        out.insert("abstract".into(), J::from(self.abstract_.clone()));
        out.insert("author".into(), json!(self.authors));
        out.insert(
            "dynamic_config".into(),
            J::from(u8::from(self.dynamic_config)),
        );
        out.insert("generated_by".into(), J::from(self.generated_by.clone()));
        out.insert("license".into(), json!(self.license));
        out.insert(
            "meta-spec".into(),
            json!({"version": 2, "url": convert::spec_url("2")}),
        );
        out.insert("name".into(), J::from(self.name.clone()));
        out.insert(
            "release_status".into(),
            J::from(self.release_status.as_str()),
        );
        out.insert("version".into(), J::from(self.version.raw.clone()));
        out.insert("prereqs".into(), self.prereqs.to_json());
        if let Some(d) = &self.description {
            out.insert("description".into(), J::from(d.clone()));
        }
        if let Some(k) = &self.keywords {
            out.insert("keywords".into(), json!(k));
        }
        if let Some(n) = &self.no_index {
            let mut m = serde_json::Map::new();
            for (key, list) in [
                ("file", &n.file),
                ("directory", &n.directory),
                ("package", &n.package),
                ("namespace", &n.namespace),
            ] {
                if let Some(list) = list {
                    m.insert(key.into(), json!(list));
                }
            }
            m.extend(n.extra.clone());
            out.insert("no_index".into(), J::Object(m));
        }
        if let Some(features) = &self.optional_features {
            let mut m = serde_json::Map::new();
            for (name, f) in features {
                let mut fm = serde_json::Map::new();
                if let Some(d) = &f.description {
                    fm.insert("description".into(), J::from(d.clone()));
                }
                if let Some(p) = &f.prereqs {
                    fm.insert("prereqs".into(), p.to_json());
                }
                fm.extend(f.extra.clone());
                m.insert(name.clone(), J::Object(fm));
            }
            out.insert("optional_features".into(), J::Object(m));
        }
        if let Some(provides) = &self.provides {
            let mut m = serde_json::Map::new();
            for (module, p) in provides {
                let mut pm = serde_json::Map::new();
                pm.insert("file".into(), J::from(p.file.clone()));
                if let Some(v) = &p.version {
                    pm.insert("version".into(), J::from(v.clone()));
                }
                pm.extend(p.extra.clone());
                m.insert(module.clone(), J::Object(pm));
            }
            out.insert("provides".into(), J::Object(m));
        }
        if let Some(r) = &self.resources {
            out.insert("resources".into(), resources_json(r));
        }
        out.extend(self.extra.clone());
        J::Object(out)
    }
}

fn resources_json(r: &Resources) -> serde_json::Value {
    use serde_json::{Value as J, json};
    let mut m = serde_json::Map::new();
    if let Some(h) = &r.homepage {
        m.insert("homepage".into(), J::from(h.clone()));
    }
    if !r.license.is_empty() {
        m.insert("license".into(), json!(r.license));
    }
    if let Some(repo) = &r.repository {
        let mut rm = serde_json::Map::new();
        for (k, v) in [("url", &repo.url), ("web", &repo.web), ("type", &repo.kind)] {
            if let Some(v) = v {
                rm.insert(k.into(), J::from(v.clone()));
            }
        }
        rm.extend(repo.extra.clone());
        m.insert("repository".into(), J::Object(rm));
    }
    if let Some(bt) = &r.bugtracker {
        let mut bm = serde_json::Map::new();
        for (k, v) in [("web", &bt.web), ("mailto", &bt.mailto)] {
            if let Some(v) = v {
                bm.insert(k.into(), J::from(v.clone()));
            }
        }
        bm.extend(bt.extra.clone());
        m.insert("bugtracker".into(), J::Object(bm));
    }
    m.extend(r.extra.clone());
    J::Object(m)
}

fn is_custom(key: &str) -> bool {
    key.to_ascii_lowercase().starts_with("x_")
}

fn shape(what: &str, v: &Value) -> Error {
    let found = match v {
        Value::Undef => "undef",
        Value::Str(_) => "a string",
        Value::Array(_) => "a list",
        Value::Hash(_) => "a mapping",
    };
    Error::new(ErrorKind::MetaStructure {
        message: format!("{what} is {found} where the model needs another shape"),
    })
}

fn text(h: &Hash, key: &str) -> Result<String, Error> {
    let v = h.get(key).unwrap_or(&Value::Undef);
    v.as_str().map(str::to_string).ok_or_else(|| shape(key, v))
}

fn opt_text(v: Option<&Value>, what: &str) -> Result<Option<String>, Error> {
    match v {
        None | Some(Value::Undef) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(shape(what, other)),
    }
}

fn texts(v: Option<&Value>, what: &str) -> Result<Option<Vec<String>>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(|| shape(what, i)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(shape(what, other)),
    }
}

fn hash<'a>(v: &'a Value, what: &str) -> Result<&'a Hash, Error> {
    v.as_hash().ok_or_else(|| shape(what, v))
}

fn extras(h: &Hash, known: &[&str]) -> BTreeMap<String, serde_json::Value> {
    h.iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}

fn prereqs(v: &Value, what: &str) -> Result<Prereqs, Error> {
    let mut out = Prereqs::default();
    for (phase, relations) in hash(v, what)? {
        let phase_entry = out
            .by_phase
            .entry(
                phase
                    .parse::<Phase>()
                    .unwrap_or(Phase::Other(phase.clone())),
            )
            .or_default();
        for (relation, modules) in hash(relations, phase)? {
            let rel: Relation = relation
                .parse()
                .unwrap_or(Relation::Other(relation.clone()));
            let rel_entry = phase_entry.entry(rel).or_default();
            for (module, req) in hash(modules, relation)? {
                let requirement = req.as_str().ok_or_else(|| shape(module, req))?;
                rel_entry.insert(
                    module.clone(),
                    Prereq {
                        requirement: requirement.to_string(),
                        location: None,
                    },
                );
            }
        }
    }
    Ok(out)
}

fn resources(v: &Value) -> Result<Resources, Error> {
    let h = hash(v, "resources")?;
    let repository = match h.get("repository") {
        None => None,
        Some(r) => {
            let r = hash(r, "resources.repository")?;
            Some(Repository {
                url: opt_text(r.get("url"), "repository.url")?,
                web: opt_text(r.get("web"), "repository.web")?,
                kind: opt_text(r.get("type"), "repository.type")?,
                extra: extras(r, &["url", "web", "type"]),
            })
        }
    };
    let bugtracker = match h.get("bugtracker") {
        None => None,
        Some(b) => {
            let b = hash(b, "resources.bugtracker")?;
            Some(Bugtracker {
                web: opt_text(b.get("web"), "bugtracker.web")?,
                mailto: opt_text(b.get("mailto"), "bugtracker.mailto")?,
                extra: extras(b, &["web", "mailto"]),
            })
        }
    };
    Ok(Resources {
        homepage: opt_text(h.get("homepage"), "resources.homepage")?,
        license: texts(h.get("license"), "resources.license")?.unwrap_or_default(),
        repository,
        bugtracker,
        extra: extras(h, &["homepage", "license", "repository", "bugtracker"]),
    })
}

fn provides(v: &Value) -> Result<BTreeMap<String, Provided>, Error> {
    let mut out = BTreeMap::new();
    for (module, entry) in hash(v, "provides")? {
        let e = hash(entry, module)?;
        out.insert(
            module.clone(),
            Provided {
                file: text(e, "file")?,
                version: opt_text(e.get("version"), "provides version")?,
                extra: extras(e, &["file", "version"]),
            },
        );
    }
    Ok(out)
}

fn features(v: &Value) -> Result<BTreeMap<String, Feature>, Error> {
    let mut out = BTreeMap::new();
    for (name, entry) in hash(v, "optional_features")? {
        let e = hash(entry, name)?;
        out.insert(
            name.clone(),
            Feature {
                description: opt_text(e.get("description"), "feature description")?,
                prereqs: e.get("prereqs").map(|p| prereqs(p, name)).transpose()?,
                extra: extras(e, &["description", "prereqs"]),
            },
        );
    }
    Ok(out)
}

fn no_index(v: &Value) -> Result<NoIndex, Error> {
    let h = hash(v, "no_index")?;
    Ok(NoIndex {
        file: texts(h.get("file"), "no_index.file")?,
        directory: texts(h.get("directory"), "no_index.directory")?,
        package: texts(h.get("package"), "no_index.package")?,
        namespace: texts(h.get("namespace"), "no_index.namespace")?,
        extra: extras(h, &["file", "directory", "package", "namespace"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V14: &str = "--- #YAML:1.0\nname: Foo-Bar\nversion: 1.02_01\nabstract: ~\nauthor:\n  - 'A. U. Thor <a@example.org>'\nlicense: gpl\nrequires:\n  perl: 5.006\nresources:\n  repository: git://example.org/foo.git\n  MailingList: http://lists.example.org/foo\noptional_features:\n  xs:\n    description: fast\n    requires:\n      XSLoader: 0\nmeta-spec:\n  url: http://module-build.sourceforge.net/META-spec-v1.4.html\n  version: 1.4\n";

    #[test]
    fn v1_4_reads_into_the_v2_model() {
        let meta = Meta::parse(V14).expect("reads");
        assert_eq!(meta.name, "Foo-Bar");
        assert_eq!(meta.abstract_, "unknown");
        assert_eq!(meta.release_status, ReleaseStatus::Testing);
        assert!(meta.dynamic_config);
        assert_eq!(meta.license, ["open_source"]);
        assert_eq!(meta.license_spdx, "GPL-1.0-or-later");
        assert_eq!(meta.source.meta_spec.as_deref(), Some("1.4"));
        let resources = meta.resources.as_ref().expect("resources");
        let repo = resources.repository.as_ref().expect("repository");
        assert_eq!(repo.kind.as_deref(), Some("git"));
        assert!(resources.extra.contains_key("x_MailingList"));
        let features = meta.optional_features.as_ref().expect("features");
        assert_eq!(features["xs"].description.as_deref(), Some("fast"));
        assert!(meta.generated_by.ends_with(convert::CONVERTER_SIGNATURE));
        let again = Meta::parse_json(&meta.to_v2_json().to_string()).expect("reads back");
        assert_eq!(again.to_v2_json(), meta.to_v2_json());
    }

    #[test]
    fn v1_4_feature_lists_fail_as_in_cpan_meta() {
        // CPAN::Meta turns a list of features into a map only when it
        // upgrades from 1.3; from 1.4 it dies ("Not a HASH reference").
        let list = V14.replace(
            "  xs:\n    description: fast\n    requires:\n      XSLoader: 0\n",
            "  - xs:\n      description: fast\n",
        );
        assert!(Meta::parse(&list).is_err());
        let v13 = list.replace("1.4", "1.3");
        let meta = Meta::parse(&v13).expect("upgraded from 1.3");
        assert!(meta.optional_features.is_some_and(|f| f.contains_key("xs")));
    }

    #[test]
    fn empty_and_non_mapping_documents_are_errors() {
        assert!(Meta::parse_yaml("").is_err());
        assert!(Meta::parse_yaml("- a\n").is_err());
        assert!(Meta::parse_json("[]").is_err());
        let e = Meta::parse_json("{\"name\": \"Foo\"}").expect_err("no version");
        assert!(e.to_string().contains("'version'"), "{e}");
    }
}
