//! CPAN::Meta::Converter's upgrade of any META structure to spec 2, rule for
//! rule, with CPAN::Meta::Validator's check after every step, followed by the
//! v2 clean-up `as_struct({ version => 2 })` applies.
//!
//! CPAN::Meta reads a file with `lazy_validation`: it detects the spec version
//! (`meta-spec.version`; without a usable one, `prereqs` means 2,
//! `configure_requires` 1.4, else 1.0 or 1.2), then either cleans up a v2
//! structure or upgrades it one spec at a time (1.0 -> 1.1 -> ... -> 2). Each
//! step rewrites every known field by its rule, drops the fields the target
//! spec removed, renames unknown keys (`x_` prefix from 2 on), and validates
//! against the target spec; any validation error fails the whole read.
//!
//! Notable rules, all CPAN::Meta's:
//! - `license` strings are looked up lower-cased; v1 `gpl`, `lgpl`, `mozilla`
//!   become `open_source` in v2 (the version is unknown), unknown strings are
//!   dropped and an empty list becomes `unknown`;
//! - prereq maps are rebuilt through CPAN::Meta::Requirements (so `>= 1.0, <
//!   2` is normalised, a module requirement that is itself a module name
//!   becomes `0`, and an unreadable version is cut to its leading number or
//!   `0` by the converter's "bad version hook"); keys that are not module
//!   names are dropped;
//! - `provides` versions are cleaned (`undef`, unparseable -> `0`, dotted ->
//!   normal form); resources that are not URLs are dropped;
//! - `abstract` defaults to `unknown`, `author` to `[unknown]`,
//!   `dynamic_config` to 1, `release_status` to `testing` for a version with
//!   an underscore, else `stable`; `generated_by` gains
//!   ", CPAN::Meta::Converter version 2.150010".
//!
//! Hash iteration order is random in Perl; where a rule's result depends on it
//! (two keys mapping to the same new key) this port goes in sorted key order.

use cpansec_version::{Op, Requirement, Version};

use super::validate;
use super::value::{Hash, Value};
use crate::{Error, ErrorKind};

/// The CPAN::Meta::Converter release whose behaviour this is.
pub(crate) const CONVERTER_SIGNATURE: &str = "CPAN::Meta::Converter version 2.150010";

const SPECS: [(&str, &str); 6] = [
    (
        "1.0",
        "http://module-build.sourceforge.net/META-spec-v1.0.html",
    ),
    (
        "1.1",
        "http://module-build.sourceforge.net/META-spec-v1.1.html",
    ),
    (
        "1.2",
        "http://module-build.sourceforge.net/META-spec-v1.2.html",
    ),
    (
        "1.3",
        "http://module-build.sourceforge.net/META-spec-v1.3.html",
    ),
    (
        "1.4",
        "http://module-build.sourceforge.net/META-spec-v1.4.html",
    ),
    ("2", "http://search.cpan.org/perldoc?CPAN::Meta::Spec"),
];

/// The URL CPAN::Meta writes for spec `version`.
pub(crate) fn spec_url(version: &str) -> Option<&'static str> {
    SPECS.iter().find(|(v, _)| *v == version).map(|(_, u)| *u)
}

/// What one rule returns: a value, or nothing (the key is not written).
type Out = Result<Option<Value>, Error>;

/// A field rule: (the field's value, the whole structure, target spec).
type Rule = fn(&Value, &Hash, &str) -> Out;

#[derive(Clone, Copy)]
enum Custom {
    Keep,
    Prefix,
}

struct Spec {
    rules: Vec<(&'static str, Rule)>,
    drop: &'static [&'static str],
    custom: Custom,
}

/// Converts a structure to spec 2 as `CPAN::Meta->load_*` does with lazy
/// validation; the error names the step and every validation error.
pub(crate) fn to_v2(data: &Value) -> Result<Hash, Error> {
    let Value::Hash(data) = data else {
        return Err(structure(format!(
            "the top level is {}, not a mapping",
            describe(data)
        )));
    };
    let old = extract_spec_version(data);
    let loaded = if (old - 2.0).abs() < f64::EPSILON {
        cleanup(data)?
    } else {
        let mut current = data.clone();
        for pair in SPECS.windows(2) {
            let (from, to) = (pair[0].0, pair[1].0);
            if from.parse::<f64>().unwrap_or(0.0) < old {
                continue;
            }
            current = convert(&current, &up_spec(to), to)?;
            validate::check(&current).map_err(|errors| {
                invalid(&format!("Failed to upconvert metadata to {to}"), errors)
            })?;
        }
        current
    };
    // `as_struct({ version => 2 })` converts the loaded structure once more:
    // a v2 clean-up, which completes what one upgrade step leaves (a
    // repository `type` guessed from its URL, empty `optional_features`
    // dropped).
    cleanup(&loaded)
}

/// The v2 clean-up and its validation.
fn cleanup(data: &Hash) -> Result<Hash, Error> {
    let out = convert(data, &cleanup_2(), "2")?;
    validate::check(&out).map_err(|errors| invalid("Failed to clean-up 2 metadata", errors))?;
    Ok(out)
}

fn invalid(step: &str, errors: Vec<String>) -> Error {
    Error::new(ErrorKind::MetaInvalid {
        step: step.to_string(),
        errors,
    })
}

fn structure(message: String) -> Error {
    Error::new(ErrorKind::MetaStructure { message })
}

fn describe(v: &Value) -> String {
    match v {
        Value::Undef => "undef".to_string(),
        Value::Str(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".to_string(),
        Value::Hash(_) => "a mapping".to_string(),
    }
}

/// `_extract_spec_version` (as a number; the known versions are all distinct
/// as numbers).
fn extract_spec_version(data: &Hash) -> f64 {
    let default = 1.0;
    let Some(Value::Hash(spec)) = data.get("meta-spec") else {
        return default;
    };
    if let Some(Value::Str(v)) = spec.get("version") {
        let numeric = {
            let mut parts = v.splitn(2, '.');
            let int_ok = parts
                .next()
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            let frac_ok = parts
                .next()
                .is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            int_ok && frac_ok
        };
        if numeric {
            if let Ok(n) = v.parse::<f64>() {
                if SPECS
                    .iter()
                    .any(|(s, _)| s.parse::<f64>().is_ok_and(|k| k == n))
                {
                    return n;
                }
            }
        }
    }
    if data.contains_key("prereqs") {
        return 2.0;
    }
    if data.contains_key("configure_requires") {
        return 1.4;
    }
    1.2
}

/// `_convert`: applies `spec` to the mapping `data` (undef reads as empty).
fn convert(data: &Hash, spec: &Spec, to: &str) -> Result<Hash, Error> {
    let mut out = Hash::new();
    for (key, rule) in &spec.rules {
        let value = data.get(*key).unwrap_or(&Value::Undef);
        if let Some(new) = rule(value, data, to)? {
            out.insert((*key).to_string(), new);
        }
    }
    for (key, value) in data {
        if spec.drop.contains(&key.as_str()) || spec.rules.iter().any(|(k, _)| k == key) {
            continue;
        }
        let new_key = match spec.custom {
            Custom::Keep => key.clone(),
            Custom::Prefix => prefix_custom(key),
        };
        out.insert(new_key, value.clone());
    }
    Ok(out)
}

/// `_convert` on a value that must be a mapping (Perl dies on anything else;
/// undef autovivifies to an empty one).
fn convert_value(v: &Value, spec: &Spec, to: &str, what: &str) -> Result<Hash, Error> {
    match v {
        Value::Undef => convert(&Hash::new(), spec, to),
        Value::Hash(h) => convert(h, spec, to),
        other => Err(structure(format!(
            "{what} is {}, not a mapping",
            describe(other)
        ))),
    }
}

/// `_prefix_custom`: `x_` in front unless there, replacing a leading `x-`/`x`.
pub(crate) fn prefix_custom(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("x_") {
        return key.to_string();
    }
    let rest = if lower.starts_with("x-") {
        &key[2..]
    } else if lower.starts_with('x') {
        &key[1..]
    } else {
        key
    };
    format!("x_{rest}")
}

fn keep(v: &Value, _: &Hash, _: &str) -> Out {
    Ok(v.is_defined().then(|| v.clone()))
}

fn keep_or_one(v: &Value, _: &Hash, _: &str) -> Out {
    Ok(Some(if v.is_defined() {
        v.clone()
    } else {
        Value::str("1")
    }))
}

fn keep_or_unknown(v: &Value, _: &Hash, _: &str) -> Out {
    Ok(Some(if v.is_defined() && !v.perl_string().is_empty() {
        v.clone()
    } else {
        Value::str("unknown")
    }))
}

fn generated_by(v: &Value, _: &Hash, _: &str) -> Out {
    let g = v.perl_string();
    Ok(Some(Value::Str(if g.is_empty() {
        CONVERTER_SIGNATURE.to_string()
    } else if g.contains(CONVERTER_SIGNATURE) {
        g
    } else {
        format!("{g}, {CONVERTER_SIGNATURE}")
    })))
}

fn listify(v: &Value) -> Option<Value> {
    match v {
        Value::Undef => None,
        Value::Array(_) => Some(v.clone()),
        other => Some(Value::Array(vec![other.clone()])),
    }
}

fn listify_rule(v: &Value, _: &Hash, _: &str) -> Out {
    Ok(listify(v))
}

fn change_meta_spec(_: &Value, _: &Hash, to: &str) -> Out {
    let mut h = Hash::new();
    h.insert("version".to_string(), Value::str(to));
    h.insert(
        "url".to_string(),
        spec_url(to).map_or(Value::Undef, Value::str),
    );
    Ok(Some(Value::Hash(h)))
}

const LICENSES_1: [&str; 13] = [
    "perl",
    "gpl",
    "apache",
    "artistic",
    "artistic_2",
    "lgpl",
    "bsd",
    "mit",
    "mozilla",
    "open_source",
    "unrestricted",
    "restrictive",
    "unknown",
];

fn license_1(v: &Value, _: &Hash, _: &str) -> Out {
    if !v.is_defined() {
        return Ok(Some(Value::str("unknown")));
    }
    let lc = v.perl_string().to_lowercase();
    let mapped = if lc == "artistic2" {
        "artistic_2"
    } else if LICENSES_1.contains(&lc.as_str()) {
        LICENSES_1
            .iter()
            .find(|l| **l == lc)
            .copied()
            .unwrap_or("unknown")
    } else {
        "unknown"
    };
    Ok(Some(Value::str(mapped)))
}

/// The v2 licence names (`%license_map_2`'s identity part).
pub(crate) const LICENSES_2: [&str; 27] = [
    "agpl_3",
    "apache_1_1",
    "apache_2_0",
    "artistic_1",
    "artistic_2",
    "bsd",
    "freebsd",
    "gfdl_1_2",
    "gfdl_1_3",
    "gpl_1",
    "gpl_2",
    "gpl_3",
    "lgpl_2_1",
    "lgpl_3_0",
    "mit",
    "mozilla_1_0",
    "mozilla_1_1",
    "openssl",
    "perl_5",
    "qpl_1_0",
    "ssleay",
    "sun",
    "zlib",
    "open_source",
    "restricted",
    "unrestricted",
    "unknown",
];

/// `%license_map_2`: a licence string (any spec) to its v2 name.
pub(crate) fn license_2_name(s: &str) -> Option<&'static str> {
    let lc = s.to_lowercase();
    if let Some(known) = LICENSES_2.iter().find(|l| **l == lc) {
        return Some(known);
    }
    Some(match lc.as_str() {
        "apache" => "apache_2_0",
        "artistic" => "artistic_1",
        "artistic2" => "artistic_2",
        "gpl" | "lgpl" | "mozilla" => "open_source",
        "perl" => "perl_5",
        "restrictive" => "restricted",
        _ => return None,
    })
}

fn license_2(v: &Value, _: &Hash, _: &str) -> Out {
    let items: Vec<Value> = match v {
        Value::Undef => return Ok(Some(Value::Array(vec![Value::str("unknown")]))),
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out: Vec<Value> = items
        .iter()
        .filter(|l| l.is_defined())
        .filter_map(|l| license_2_name(&l.perl_string()))
        .map(Value::str)
        .collect();
    if out.is_empty() {
        out.push(Value::str("unknown"));
    }
    Ok(Some(Value::Array(out)))
}

/// `_no_index_1_2` and `_no_index_directory`: a scalar or list means both
/// files and directories; old key spellings are renamed.
fn no_index_common(element: &Value, dir_key: &str) -> Result<Option<Hash>, Error> {
    if !element.truthy() {
        return Ok(None);
    }
    let mut h = match element {
        Value::Hash(h) => h.clone(),
        Value::Array(list) => {
            let mut h = Hash::new();
            h.insert(dir_key.to_string(), Value::Array(list.clone()));
            h.insert("file".to_string(), Value::Array(list.clone()));
            h
        }
        other => {
            let mut h = Hash::new();
            h.insert(dir_key.to_string(), Value::Array(vec![other.clone()]));
            h.insert("file".to_string(), Value::Array(vec![other.clone()]));
            h
        }
    };
    let renames: &[(&str, &str)] = if dir_key == "directory" {
        &[
            ("dir", "directory"),
            ("files", "file"),
            ("modules", "module"),
        ]
    } else {
        &[("files", "file"), ("modules", "module")]
    };
    for (old, new) in renames {
        if let Some(v) = h.remove(*old) {
            h.insert((*new).to_string(), v);
        }
    }
    Ok(Some(h))
}

fn no_index_1_2(_: &Value, meta: &Hash, to: &str) -> Out {
    let ni = meta.get("no_index").filter(|v| v.truthy());
    let element = ni.or(meta.get("private")).unwrap_or(&Value::Undef);
    let Some(h) = no_index_common(element, "dir")? else {
        return Ok(None);
    };
    let spec = Spec {
        rules: vec![
            ("file", listify_rule),
            ("dir", listify_rule),
            ("package", listify_rule),
            ("namespace", listify_rule),
        ],
        drop: &[],
        custom: Custom::Keep,
    };
    Ok(Some(Value::Hash(convert(&h, &spec, to)?)))
}

fn no_index_directory(v: &Value, _: &Hash, to: &str) -> Out {
    let Some(h) = no_index_common(v, "directory")? else {
        return Ok(None);
    };
    let spec = Spec {
        rules: vec![
            ("file", listify_rule),
            ("directory", listify_rule),
            ("package", listify_rule),
            ("namespace", listify_rule),
        ],
        drop: &[],
        custom: if to == "2" {
            Custom::Prefix
        } else {
            Custom::Keep
        },
    };
    Ok(Some(Value::Hash(convert(&h, &spec, to)?)))
}

/// `_is_module_name`.
fn is_module_name(s: &str) -> bool {
    let mut parts = s.split("::");
    let Some(first) = parts.next() else {
        return false;
    };
    let mut fc = first.chars();
    if !fc.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    if !fc.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return false;
    }
    parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// `_clean_version`: a `provides` version, `0` when unusable.
pub(crate) fn clean_version(v: &Value) -> Value {
    if !v.is_defined() {
        return Value::str("0");
    }
    let s = v.perl_string();
    let s = s.trim_matches(char::is_whitespace);
    let s = if s.starts_with('.') {
        format!("0{s}")
    } else {
        s.to_string()
    };
    if s.is_empty() || s == "undef" || s == "<undef>" {
        return Value::str("0");
    }
    match Version::parse(&s) {
        Ok(v) if v.is_qv() => Value::Str(v.normal()),
        Ok(_) => Value::Str(s),
        Err(_) => Value::str("0"),
    }
}

/// `version::is_lax` for strings shaped like module names: only `undef` and
/// `v<digits>` with an optional `_<digits>` qualify.
fn is_lax_module_shaped(s: &str) -> bool {
    if s == "undef" {
        return true;
    }
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let (main, alpha) = match rest.split_once('_') {
        Some((m, a)) => (m, Some(a)),
        None => (rest, None),
    };
    !main.is_empty()
        && main.bytes().all(|b| b.is_ascii_digit())
        && alpha.is_none_or(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
}

/// CPAN::Meta::Requirements' `_version_object` with the converter's
/// `_bad_version_hook`: never fails.
fn version_object(text: &str) -> Version {
    let parsed = if text == "0" {
        Ok(Version::zero())
    } else if text == "version" {
        Err(())
    } else {
        Version::parse_exact(text).map_err(|_| ())
    };
    let v = parsed.unwrap_or_else(|()| bad_version_hook(text));
    let v = if v.as_str().starts_with('.') {
        Version::parse(&format!("0{}", v.as_str())).unwrap_or(v)
    } else {
        v
    };
    if v.is_qv() {
        Version::parse(&v.normal()).unwrap_or(v)
    } else {
        v
    }
}

/// `_bad_version_hook`: trims, strips trailing lower-case letters, and reads
/// what is left leniently, else zero.
fn bad_version_hook(text: &str) -> Version {
    let t = text.trim_matches(char::is_whitespace);
    let t = t.trim_end_matches(|c: char| c.is_ascii_lowercase());
    Version::parse(t).unwrap_or_else(|_| Version::zero())
}

/// Perl's `split /\s*,\s*/`: trailing empty fields dropped.
fn split_commas(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(',').collect();
    let last = parts.len().saturating_sub(1);
    for (n, part) in parts.iter_mut().enumerate() {
        if n > 0 {
            *part = part.trim_start_matches(char::is_whitespace);
        }
        if n < last {
            *part = part.trim_end_matches(char::is_whitespace);
        }
    }
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// `m{\A\s*(==|>=|>|<=|<|!=)\s*(.*)\z}`.
fn split_op(part: &str) -> Option<(Op, &str)> {
    let t = part.trim_start_matches(char::is_whitespace);
    for (text, op) in [
        ("==", Op::Eq),
        (">=", Op::Ge),
        (">", Op::Gt),
        ("<=", Op::Le),
        ("<", Op::Lt),
        ("!=", Op::Ne),
    ] {
        if let Some(rest) = t.strip_prefix(text) {
            let rest = rest.trim_start_matches(char::is_whitespace);
            if rest.contains('\n') {
                return None;
            }
            return Some((op, rest));
        }
    }
    None
}

/// The requirement state of the modules of one map.
struct Requirements {
    modules: std::collections::BTreeMap<String, Requirement>,
}

impl Requirements {
    fn fresh() -> Requirement {
        Requirement::Range {
            minimum: None,
            maximum: None,
            exclusions: Vec::new(),
        }
    }

    fn add(&mut self, module: &str, requirement: &str, op: Op, version: &str) -> Result<(), Error> {
        if op == Op::Ge && version == "0" && self.modules.contains_key(module) {
            return Ok(());
        }
        let current = self.modules.remove(module).unwrap_or_else(Self::fresh);
        let v = version_object(version);
        let next = current.with(op, v).map_err(|source| {
            Error::new(ErrorKind::Requirement {
                module: module.to_string(),
                requirement: requirement.to_string(),
                source,
            })
        })?;
        self.modules.insert(module.to_string(), next);
        Ok(())
    }

    /// `add_string_requirement`.
    fn add_string(&mut self, module: &str, requirement: &str) -> Result<(), Error> {
        let req = if requirement.is_empty() {
            "0"
        } else {
            requirement
        };
        for part in split_commas(req) {
            match split_op(part) {
                None => self.add(module, req, Op::Ge, part)?,
                Some((op, ver)) => self.add(module, req, op, ver)?,
            }
        }
        Ok(())
    }
}

/// `_version_map`: a prereq map rebuilt through CPAN::Meta::Requirements.
fn version_map(v: &Value) -> Out {
    match v {
        Value::Hash(h) => {
            let mut reqs = Requirements {
                modules: Default::default(),
            };
            for (k, value) in h {
                if !is_module_name(k) {
                    continue;
                }
                let mut s = value.perl_string();
                if !value.is_defined() || s.is_empty() || s == "undef" || s == "<undef>" {
                    s = "0".to_string();
                }
                if is_module_name(&s) && !is_lax_module_shaped(&s) {
                    reqs.add(k, "0", Op::Ge, "0")?;
                    reqs.add(&s, "0", Op::Ge, "0")?;
                }
                reqs.add_string(k, &s)?;
            }
            Ok(Some(Value::Hash(
                reqs.modules
                    .into_iter()
                    .map(|(m, r)| (m, Value::Str(r.to_string())))
                    .collect(),
            )))
        }
        Value::Array(list) => {
            let h: Hash = list
                .iter()
                .map(|m| (m.perl_string(), Value::str("0")))
                .collect();
            version_map(&Value::Hash(h))
        }
        Value::Str(s) if !s.is_empty() => {
            let mut h = Hash::new();
            h.insert(s.clone(), Value::str("0"));
            Ok(Some(Value::Hash(h)))
        }
        _ => Ok(None),
    }
}

fn version_map_rule(v: &Value, _: &Hash, _: &str) -> Out {
    version_map(v)
}

/// `_prereqs_from_1`: v1 top-level prereq keys into a v2 `prereqs`.
fn prereqs_from_1(meta: &Hash) -> Result<Hash, Error> {
    let mut prereqs = Hash::new();
    let mut put = |phase: &str, rel: &str, v: Option<Value>| {
        let entry = prereqs
            .entry(phase.to_string())
            .or_insert_with(|| Value::Hash(Hash::new()));
        if let Value::Hash(h) = entry {
            h.insert(rel.to_string(), v.unwrap_or(Value::Undef));
        }
    };
    for phase in ["build", "configure"] {
        let key = format!("{phase}_requires");
        if let Some(v) = meta.get(&key).filter(|v| v.truthy()) {
            put(phase, "requires", version_map(v)?);
        }
    }
    for rel in ["requires", "recommends", "conflicts"] {
        if let Some(v) = meta.get(rel).filter(|v| v.truthy()) {
            put("runtime", rel, version_map(v)?);
        }
    }
    Ok(prereqs)
}

fn prereqs_from_1_rule(_: &Value, meta: &Hash, _: &str) -> Out {
    Ok(Some(Value::Hash(prereqs_from_1(meta)?)))
}

fn cleanup_prereqs(v: &Value, _: &Hash, to: &str) -> Out {
    let Value::Hash(h) = v else { return Ok(None) };
    let spec = Spec {
        rules: ["configure", "build", "test", "runtime", "develop"]
            .into_iter()
            .map(|p| (p, prereqs_rel as Rule))
            .collect(),
        drop: &[],
        custom: Custom::Prefix,
    };
    Ok(Some(Value::Hash(convert(h, &spec, to)?)))
}

fn prereqs_rel(v: &Value, _: &Hash, to: &str) -> Out {
    let Value::Hash(h) = v else { return Ok(None) };
    let spec = Spec {
        rules: ["requires", "recommends", "suggests", "conflicts"]
            .into_iter()
            .map(|r| (r, version_map_rule as Rule))
            .collect(),
        drop: &[],
        custom: Custom::Prefix,
    };
    Ok(Some(Value::Hash(convert(h, &spec, to)?)))
}

/// `$h->{$name}` where `$h->{$name}` must be a mapping or undef.
fn sub_hash<'a>(v: &'a Value, what: &str) -> Result<Option<&'a Hash>, Error> {
    match v {
        Value::Undef => Ok(None),
        Value::Hash(h) => Ok(Some(h)),
        other => Err(structure(format!(
            "{what} is {}, not a mapping",
            describe(other)
        ))),
    }
}

fn upgrade_optional_features(_: &Value, meta: &Hash, _: &str) -> Out {
    let Some(origin) = meta.get("optional_features") else {
        return Ok(None);
    };
    let Some(origin) = sub_hash(origin, "optional_features")? else {
        return Ok(Some(Value::Hash(Hash::new())));
    };
    let mut features = Hash::new();
    for (name, feature) in origin {
        let empty = Hash::new();
        let feature = sub_hash(feature, &format!("optional feature {name}"))?.unwrap_or(&empty);
        let mut f = Hash::new();
        f.insert(
            "description".to_string(),
            feature.get("description").cloned().unwrap_or(Value::Undef),
        );
        let mut prereqs = prereqs_from_1(feature)?;
        prereqs.remove("configure");
        f.insert("prereqs".to_string(), Value::Hash(prereqs));
        features.insert(name.clone(), Value::Hash(f));
    }
    Ok(Some(Value::Hash(features)))
}

fn cleanup_optional_features_2(v: &Value, _: &Hash, to: &str) -> Out {
    let Value::Hash(h) = v else { return Ok(None) };
    let mut out = Hash::new();
    for (k, feature) in h {
        let converted = match feature {
            Value::Hash(f) => {
                let spec = Spec {
                    rules: vec![("description", keep), ("prereqs", cleanup_prereqs)],
                    drop: &[],
                    custom: Custom::Prefix,
                };
                Value::Hash(convert(f, &spec, to)?)
            }
            _ => Value::Undef,
        };
        out.insert(k.clone(), converted);
    }
    Ok((!out.is_empty()).then_some(Value::Hash(out)))
}

fn optional_features_as_map(v: &Value) -> Result<Option<Value>, Error> {
    if !v.truthy() {
        return Ok(None);
    }
    if let Value::Array(list) = v {
        let mut map = Hash::new();
        for feature in list {
            let Value::Hash(f) = feature else {
                return Err(structure(format!(
                    "an optional_features entry is {}, not a mapping",
                    describe(feature)
                )));
            };
            match f.iter().next() {
                Some((k, v)) => map.insert(k.clone(), v.clone()),
                None => map.insert(String::new(), Value::Undef),
            };
        }
        return Ok(Some(Value::Hash(map)));
    }
    Ok(Some(v.clone()))
}

fn optional_features_as_map_rule(v: &Value, _: &Hash, _: &str) -> Out {
    optional_features_as_map(v)
}

fn optional_features_1_4(v: &Value, _: &Hash, _: &str) -> Out {
    let Some(map) = optional_features_as_map(v)? else {
        return Ok(None);
    };
    let Value::Hash(mut map) = map else {
        return Err(structure(format!(
            "optional_features is {}, not a mapping",
            describe(&map)
        )));
    };
    for (name, feature) in map.iter_mut() {
        match feature {
            Value::Undef => *feature = Value::Hash(Hash::new()),
            Value::Hash(f) => {
                for drop in ["requires_packages", "requires_os", "excluded_os"] {
                    f.remove(drop);
                }
            }
            other => {
                return Err(structure(format!(
                    "optional feature {name} is {}, not a mapping",
                    describe(other)
                )));
            }
        }
    }
    Ok(Some(Value::Hash(map)))
}

/// `_is_urlish`: `scheme:rest`.
fn is_urlish(v: &Value) -> bool {
    if !v.is_defined() {
        return false;
    }
    let s = v.perl_string();
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-+.".contains(&b))
        && rest.chars().next().is_some_and(|c| c != '\n')
}

fn url_or_drop(v: &Value, _: &Hash, _: &str) -> Out {
    Ok(is_urlish(v).then(|| v.clone()))
}

fn url_list(v: &Value, _: &Hash, _: &str) -> Out {
    if !v.truthy() {
        return Ok(None);
    }
    let Some(Value::Array(list)) = listify(v) else {
        return Ok(None);
    };
    let urls: Vec<Value> = list.into_iter().filter(is_urlish).collect();
    Ok((!urls.is_empty()).then_some(Value::Array(urls)))
}

fn author_list(v: &Value, _: &Hash, _: &str) -> Out {
    let unknown = || Value::Array(vec![Value::str("unknown")]);
    if !v.truthy() {
        return Ok(Some(unknown()));
    }
    let Some(Value::Array(list)) = listify(v) else {
        return Ok(Some(unknown()));
    };
    if list.is_empty() {
        return Ok(Some(unknown()));
    }
    Ok(Some(Value::Array(
        list.into_iter()
            .map(|a| {
                if a.is_defined() && !a.perl_string().is_empty() {
                    a
                } else {
                    Value::str("unknown")
                }
            })
            .collect(),
    )))
}

fn single(key: &str, v: Value) -> Value {
    let mut h = Hash::new();
    h.insert(key.to_string(), v);
    Value::Hash(h)
}

fn upgrade_resources_2(_: &Value, meta: &Hash, to: &str) -> Out {
    let Some(resources) = meta.get("resources") else {
        return Ok(None);
    };
    fn license(v: &Value, _: &Hash, _: &str) -> Out {
        Ok(if is_urlish(v) { listify(v) } else { None })
    }
    fn bugtracker(v: &Value, _: &Hash, _: &str) -> Out {
        if !v.truthy() {
            return Ok(None);
        }
        let s = v.perl_string();
        if let Some(rest) = s.strip_prefix("mailto:") {
            return Ok(Some(single("mailto", Value::str(rest))));
        }
        Ok(is_urlish(v).then(|| single("web", v.clone())))
    }
    fn repository(v: &Value, _: &Hash, _: &str) -> Out {
        Ok(is_urlish(v).then(|| single("url", v.clone())))
    }
    let spec = Spec {
        rules: vec![
            ("license", license),
            ("homepage", url_or_drop),
            ("bugtracker", bugtracker),
            ("repository", repository),
        ],
        drop: &[],
        custom: Custom::Prefix,
    };
    Ok(Some(Value::Hash(convert_value(
        resources,
        &spec,
        to,
        "resources",
    )?)))
}

fn repo_type(v: &Value, repo: &Hash, _: &str) -> Out {
    if v.is_defined() {
        return Ok(Some(v.clone()));
    }
    let Some(url) = repo.get("url") else {
        return Ok(None);
    };
    let url = url.perl_string();
    Ok(["git", "svn"]
        .into_iter()
        .find(|t| url.starts_with(t))
        .map(Value::str))
}

fn cleanup_resources_2(v: &Value, _: &Hash, to: &str) -> Out {
    let Value::Hash(h) = v else { return Ok(None) };
    fn bugtracker(v: &Value, _: &Hash, to: &str) -> Out {
        if matches!(v, Value::Undef | Value::Str(_)) {
            return Ok(None);
        }
        let spec = Spec {
            rules: vec![("web", url_or_drop), ("mailto", keep)],
            drop: &[],
            custom: Custom::Prefix,
        };
        Ok(Some(Value::Hash(convert_value(
            v,
            &spec,
            to,
            "resources.bugtracker",
        )?)))
    }
    fn repository(v: &Value, _: &Hash, to: &str) -> Out {
        if matches!(v, Value::Undef | Value::Str(_)) {
            return Ok(None);
        }
        let spec = Spec {
            rules: vec![
                ("web", url_or_drop),
                ("url", url_or_drop),
                ("type", repo_type),
            ],
            drop: &[],
            custom: Custom::Prefix,
        };
        Ok(Some(Value::Hash(convert_value(
            v,
            &spec,
            to,
            "resources.repository",
        )?)))
    }
    let spec = Spec {
        rules: vec![
            ("license", url_list),
            ("homepage", url_or_drop),
            ("bugtracker", bugtracker),
            ("repository", repository),
        ],
        drop: &[],
        custom: Custom::Prefix,
    };
    Ok(Some(Value::Hash(convert(h, &spec, to)?)))
}

fn resource1_spec() -> Spec {
    Spec {
        rules: vec![
            ("license", url_or_drop),
            ("homepage", url_or_drop),
            ("bugtracker", url_or_drop),
            ("repository", url_or_drop),
        ],
        drop: &[],
        custom: Custom::Keep,
    }
}

fn resources_1_3(_: &Value, meta: &Hash, to: &str) -> Out {
    let Some(resources) = meta.get("resources") else {
        return Ok(None);
    };
    Ok(Some(Value::Hash(convert_value(
        resources,
        &resource1_spec(),
        to,
        "resources",
    )?)))
}

fn resources_1_2(_: &Value, meta: &Hash, to: &str) -> Out {
    let mut resources = match meta.get("resources").filter(|v| v.truthy()) {
        None => Hash::new(),
        Some(Value::Hash(h)) => h.clone(),
        Some(other) => {
            return Err(structure(format!(
                "resources is {}, not a mapping",
                describe(other)
            )));
        }
    };
    if let Some(url) = meta.get("license_url").filter(|v| v.truthy()) {
        if !resources.get("license").is_some_and(Value::truthy) && is_urlish(url) {
            resources.insert("license".to_string(), url.clone());
        }
    }
    if resources.is_empty() {
        return Ok(None);
    }
    Ok(Some(Value::Hash(convert(
        &resources,
        &resource1_spec(),
        to,
    )?)))
}

fn release_status(v: &Value, meta: &Hash, _: &str) -> Out {
    if let Value::Str(s) = v {
        if matches!(s.as_str(), "stable" | "testing" | "unstable") {
            return Ok(Some(v.clone()));
        }
    }
    let version = meta
        .get("version")
        .map(Value::perl_string)
        .unwrap_or_default();
    Ok(Some(Value::str(if version.contains('_') {
        "testing"
    } else {
        "stable"
    })))
}

fn provides(v: &Value, _: &Hash, to: &str) -> Out {
    let Value::Hash(h) = v else { return Ok(None) };
    let spec = Spec {
        rules: vec![("file", keep), ("version", keep)],
        drop: &[],
        custom: if to == "2" {
            Custom::Prefix
        } else {
            Custom::Keep
        },
    };
    let mut out = Hash::new();
    for (module, entry) in h {
        let mut converted = convert_value(entry, &spec, to, &format!("provides.{module}"))?;
        if let Some(version) = entry.as_hash().and_then(|e| e.get("version")) {
            converted.insert("version".to_string(), clean_version(version));
        }
        out.insert(module.clone(), Value::Hash(converted));
    }
    Ok(Some(Value::Hash(out)))
}

/// The v2 cleanup (`%cleanup{2}`).
fn cleanup_2() -> Spec {
    Spec {
        rules: vec![
            ("abstract", keep_or_unknown),
            ("author", author_list),
            ("generated_by", generated_by),
            ("license", license_2),
            ("meta-spec", change_meta_spec),
            ("name", keep),
            ("version", keep),
            ("dynamic_config", keep_or_one),
            ("release_status", release_status),
            ("keywords", keep),
            ("no_index", no_index_directory),
            ("optional_features", cleanup_optional_features_2),
            ("provides", provides),
            ("resources", cleanup_resources_2),
            ("description", keep),
            ("prereqs", cleanup_prereqs),
        ],
        drop: &V2_DROP,
        custom: Custom::Prefix,
    }
}

const V2_DROP: [&str; 8] = [
    "build_requires",
    "configure_requires",
    "conflicts",
    "distribution_type",
    "license_url",
    "private",
    "recommends",
    "requires",
];

/// `%up_convert{"<to>-from-<previous>"}`.
fn up_spec(to: &str) -> Spec {
    let v1_common: Vec<(&'static str, Rule)> = vec![
        ("version", keep),
        ("name", keep),
        ("build_requires", version_map_rule),
        ("conflicts", version_map_rule),
        ("distribution_type", keep),
        ("dynamic_config", keep_or_one),
        ("generated_by", generated_by),
        ("license", license_1),
        ("recommends", version_map_rule),
        ("requires", version_map_rule),
    ];
    match to {
        "1.1" => {
            let mut rules = v1_common;
            rules.push(("license_url", url_or_drop));
            rules.push(("private", keep));
            Spec {
                rules,
                drop: &[],
                custom: Custom::Keep,
            }
        }
        "1.2" | "1.3" | "1.4" => {
            let mut rules = v1_common;
            rules.extend([
                ("abstract", keep_or_unknown as Rule),
                ("author", author_list),
                ("meta-spec", change_meta_spec),
                ("keywords", keep),
                ("provides", provides),
            ]);
            match to {
                "1.2" => rules.extend([
                    ("no_index", no_index_1_2 as Rule),
                    ("optional_features", optional_features_as_map_rule),
                    ("resources", resources_1_2),
                ]),
                "1.3" => rules.extend([
                    ("no_index", no_index_directory as Rule),
                    ("optional_features", optional_features_as_map_rule),
                    ("resources", resources_1_3),
                ]),
                _ => rules.extend([
                    ("no_index", no_index_directory as Rule),
                    ("optional_features", optional_features_1_4),
                    ("resources", resources_1_3),
                    ("configure_requires", keep),
                ]),
            }
            Spec {
                rules,
                drop: &["license_url", "private"],
                custom: Custom::Keep,
            }
        }
        _ => Spec {
            rules: vec![
                ("abstract", keep_or_unknown),
                ("author", author_list),
                ("generated_by", generated_by),
                ("license", license_2),
                ("meta-spec", change_meta_spec),
                ("name", keep),
                ("version", keep),
                ("dynamic_config", keep_or_one),
                ("release_status", release_status),
                ("keywords", keep),
                ("no_index", no_index_directory),
                ("optional_features", upgrade_optional_features),
                ("provides", provides),
                ("resources", upgrade_resources_2),
                ("description", keep),
                ("prereqs", prereqs_from_1_rule),
            ],
            drop: &V2_DROP,
            custom: Custom::Prefix,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Value {
        Value::Hash(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect(),
        )
    }

    #[test]
    fn prefix_custom_keys() {
        assert_eq!(prefix_custom("MailingList"), "x_MailingList");
        assert_eq!(prefix_custom("X_deep"), "X_deep");
        assert_eq!(prefix_custom("x-foo"), "x_foo");
        assert_eq!(prefix_custom("xfoo"), "x_foo");
    }

    #[test]
    fn version_maps_normalise_through_requirements() {
        let out = version_map(&map(&[
            ("Foo", ">= 1.0, < 2"),
            ("Bar", "1.2beta"),
            ("Baz", "Foo::Bar"),
            ("not a module", "1"),
            ("Qux", ""),
            ("Dotted", "v1.2"),
        ]))
        .unwrap()
        .unwrap();
        let h = out.as_hash().unwrap();
        assert_eq!(h["Foo"], Value::str(">= 1.0, < 2"));
        assert_eq!(h["Bar"], Value::str("1.2"));
        assert_eq!(h["Baz"], Value::str("0"));
        assert_eq!(h["Foo::Bar"], Value::str("0"));
        assert_eq!(h["Qux"], Value::str("0"));
        assert_eq!(h["Dotted"], Value::str("v1.2.0"));
        assert!(!h.contains_key("not a module"));
    }

    #[test]
    fn clean_versions() {
        assert_eq!(clean_version(&Value::str(" .5 ")), Value::str("0.5"));
        assert_eq!(clean_version(&Value::str("v1.2")), Value::str("v1.2.0"));
        assert_eq!(clean_version(&Value::str("junk")), Value::str("0"));
        assert_eq!(clean_version(&Value::Undef), Value::str("0"));
    }

    #[test]
    fn licence_names_v2() {
        assert_eq!(license_2_name("Perl"), Some("perl_5"));
        assert_eq!(license_2_name("gpl"), Some("open_source"));
        assert_eq!(license_2_name("GPL-2.0"), None);
    }
}
