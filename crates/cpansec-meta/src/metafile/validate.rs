//! CPAN::Meta::Validator: the structural check CPAN::Meta runs after every
//! conversion step, for the spec the structure declares (1.0 to 1.4, 2).
//!
//! The rules are the validator's, including its leniencies (a version is
//! only checked to *start* like a version; an empty version string passes)
//! and its strictness (an optional feature without a description, or
//! `release_status: stable` on a version with an underscore, fails). The
//! error texts follow the validator's wording and name the path of keys.

use super::value::{Hash, Value};

type Check = fn(&mut Validator, &str, &Value);
type NameCheck = fn(&mut Validator, &str);

enum Node {
    Value(Check),
    Map(Map),
    List(Box<Node>),
}

struct Map {
    fields: Vec<(&'static str, bool, Node)>,
    any_key: Option<(NameCheck, Box<Node>)>,
}

struct Validator<'a> {
    data: &'a Hash,
    spec: String,
    stack: Vec<String>,
    errors: Vec<String>,
}

/// Validates a structure against the spec its `meta-spec.version` names
/// (1.0 when it names none); returns every error.
pub(crate) fn check(data: &Hash) -> Result<(), Vec<String>> {
    let spec = match data.get("meta-spec") {
        Some(Value::Hash(h)) => h
            .get("version")
            .filter(|v| v.truthy())
            .map(Value::perl_string)
            .unwrap_or_else(|| "1.0".to_string()),
        _ => "1.0".to_string(),
    };
    let mut v = Validator {
        data,
        spec: spec.clone(),
        stack: Vec::new(),
        errors: Vec::new(),
    };
    match definition(&spec) {
        Some(def) => v.check_map(&def, &Value::Hash(data.clone())),
        None => v.error("Unknown META specification, cannot validate."),
    }
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

impl Validator<'_> {
    fn error(&mut self, message: &str) {
        let mut m = message.to_string();
        if !self.stack.is_empty() {
            m.push_str(&format!(" ({})", self.stack.join(" -> ")));
        }
        m.push_str(&format!(" [Validation: {}]", self.spec));
        self.errors.push(m);
    }

    fn check_node(&mut self, node: &Node, key: &str, value: &Value) {
        match node {
            Node::Value(f) => f(self, key, value),
            Node::Map(m) => self.check_map(m, value),
            Node::List(inner) => self.check_list(inner, value),
        }
    }

    fn check_map(&mut self, spec: &Map, data: &Value) {
        let Value::Hash(data) = data else {
            self.error("Expected a map structure from string or file.");
            return;
        };
        for (key, mandatory, _) in &spec.fields {
            if *mandatory && !data.get(*key).is_some_and(Value::is_defined) {
                self.stack.push((*key).to_string());
                self.error(&format!("Missing mandatory field, '{key}'"));
                self.stack.pop();
            }
        }
        for (key, value) in data {
            self.stack.push(key.clone());
            if let Some((_, _, node)) = spec.fields.iter().find(|(k, _, _)| k == key) {
                self.check_node(node, key, value);
            } else if let Some((name, node)) = &spec.any_key {
                name(self, key);
                self.check_node(node, key, value);
            } else {
                self.error(&format!("Unknown key, '{key}', found in map structure"));
            }
            self.stack.pop();
        }
    }

    fn check_list(&mut self, spec: &Node, data: &Value) {
        let Value::Array(items) = data else {
            self.error("Expected a list structure");
            return;
        };
        for item in items {
            let label = if item.truthy() {
                item.perl_string()
            } else {
                "<undef>".to_string()
            };
            self.stack.push(label);
            self.check_node(spec, "list", item);
            self.stack.pop();
        }
    }
}

fn is_string(v: &Value) -> bool {
    v.is_defined() && (v.truthy() || v.perl_string().trim_end_matches('\n') == "0")
}

fn string(v: &mut Validator, _: &str, value: &Value) {
    if !is_string(value) {
        v.error("value is an undefined string");
    }
}

fn anything(_: &mut Validator, _: &str, _: &Value) {}

fn file(v: &mut Validator, key: &str, value: &Value) {
    if !value.is_defined() {
        v.error(&format!("No file defined for '{key}'"));
    }
}

/// `_uri_split` scheme and authority.
fn uri_scheme_authority(s: &str) -> (Option<&str>, Option<&str>) {
    let mut rest = s;
    let mut scheme = None;
    if let Some(i) = s.find([':', '/', '?', '#']) {
        if i > 0 && s[i..].starts_with(':') {
            scheme = Some(&s[..i]);
            rest = &s[i + 1..];
        }
    }
    let authority = rest.strip_prefix("//").map(|r| {
        let end = r.find(['/', '?', '#']).unwrap_or(r.len());
        &r[..end]
    });
    (scheme, authority)
}

fn url(v: &mut Validator, key: &str, value: &Value) {
    if !value.is_defined() {
        v.error(&format!("'' for '{key}' is not a valid URL."));
        return;
    }
    let s = value.perl_string();
    let (scheme, authority) = uri_scheme_authority(&s);
    if scheme.is_none_or(str::is_empty) {
        v.error(&format!("'{s}' for '{key}' does not have a URL scheme"));
    } else if authority.is_none_or(str::is_empty) {
        v.error(&format!("'{s}' for '{key}' does not have a URL authority"));
    }
}

const V1_SPECS: [(&str, &str); 5] = [
    (
        "1.4",
        "http://module-build.sourceforge.net/META-spec-v1.4.html",
    ),
    (
        "1.3",
        "http://module-build.sourceforge.net/META-spec-v1.3.html",
    ),
    (
        "1.2",
        "http://module-build.sourceforge.net/META-spec-v1.2.html",
    ),
    (
        "1.1",
        "http://module-build.sourceforge.net/META-spec-v1.1.html",
    ),
    (
        "1.0",
        "http://module-build.sourceforge.net/META-spec-v1.0.html",
    ),
];

fn urlspec(v: &mut Validator, _: &str, value: &Value) {
    if value.truthy() {
        let s = value.perl_string();
        let own = V1_SPECS.iter().find(|(k, _)| *k == v.spec).map(|(_, u)| *u);
        if own == Some(s.as_str()) {
            return;
        }
        if V1_SPECS.iter().any(|(_, u)| *u == s) {
            v.error("META specification URL does not match version");
            return;
        }
    }
    v.error("Unknown META specification");
}

/// The validator's version pattern:
/// `^\s*((<|<=|>=|>|!=|==)\s*)?v?\d+((\.\d+((_|\.)\d+)?)?)`.
fn looks_like_version(s: &str) -> bool {
    let t = s.trim_start_matches(char::is_whitespace);
    let t = ["<=", ">=", "!=", "==", "<", ">"]
        .iter()
        .find_map(|op| t.strip_prefix(op))
        .map_or(t, |r| r.trim_start_matches(char::is_whitespace));
    let t = t.strip_prefix('v').unwrap_or(t);
    t.starts_with(|c: char| c.is_ascii_digit())
}

/// `version`: returns whether it passed; an empty string fails *without* an
/// error, as in CPAN::Meta::Validator, so it does not make a file invalid.
fn version_check(v: &mut Validator, key: &str, value: &Value) -> bool {
    let s = match value {
        Value::Undef => "<undef>".to_string(),
        other => {
            let s = other.perl_string();
            if !other.truthy() && !s.contains('0') {
                return false;
            }
            if looks_like_version(&s) {
                return true;
            }
            s
        }
    };
    v.error(&format!("'{s}' for '{key}' is not a valid version."));
    false
}

fn version(v: &mut Validator, key: &str, value: &Value) {
    version_check(v, key, value);
}

fn exversion(v: &mut Validator, key: &str, value: &Value) {
    let s = value.perl_string();
    if value.is_defined() && (value.truthy() || s.contains('0')) {
        let mut parts: Vec<&str> = s.split(',').collect();
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        for part in parts {
            version_check(v, key, &Value::str(part));
        }
        return;
    }
    let shown = if value.is_defined() {
        s
    } else {
        "<undef>".to_string()
    };
    v.error(&format!("'{shown}' for '{key}' is not a valid version."));
}

fn boolean(v: &mut Validator, key: &str, value: &Value) {
    let s = value.perl_string();
    if value.is_defined() && matches!(s.trim_end_matches('\n'), "0" | "1") && s.len() <= 2 {
        return;
    }
    let shown = if value.is_defined() {
        s
    } else {
        "<undef>".to_string()
    };
    v.error(&format!("'{shown}' for '{key}' is not a boolean value."));
}

const V1_LICENSES: [&str; 13] = [
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

fn license(v: &mut Validator, _: &str, value: &Value) {
    let s = value.perl_string();
    let v2 = v.spec.parse::<f64>().is_ok_and(|n| n >= 2.0);
    let known = if v2 {
        super::convert::LICENSES_2.contains(&s.as_str())
    } else {
        V1_LICENSES.contains(&s.as_str())
    };
    if value.truthy() && known {
        return;
    }
    let shown = if value.is_defined() {
        s
    } else {
        "<undef>".to_string()
    };
    v.error(&format!("License '{shown}' is invalid"));
}

fn release_status(v: &mut Validator, key: &str, value: &Value) {
    let Value::Str(s) = value else {
        if value.is_defined() {
            v.error(&format!("'{}' for '{key}' is invalid", value.perl_string()));
        } else {
            v.error(&format!("'{key}' is not defined"));
        }
        return;
    };
    let version = v
        .data
        .get("version")
        .filter(|x| x.truthy())
        .map(Value::perl_string)
        .unwrap_or_default();
    if version.contains('_') {
        if !matches!(s.as_str(), "testing" | "unstable") {
            v.error(&format!(
                "'{s}' for '{key}' is invalid for version '{version}'"
            ));
        }
    } else if !matches!(s.as_str(), "stable" | "testing" | "unstable") {
        v.error(&format!("'{s}' for '{key}' is invalid"));
    }
}

fn custom_1(v: &mut Validator, key: &str) {
    let ok = !key.is_empty()
        && key.bytes().all(|b| b == b'_' || b.is_ascii_alphabetic())
        && key.bytes().any(|b| b.is_ascii_uppercase());
    if !ok {
        v.error(&format!("Custom resource '{key}' must be in CamelCase."));
    }
}

fn custom_2(v: &mut Validator, key: &str) {
    if !key.to_ascii_lowercase().starts_with("x_") {
        v.error(&format!("Custom key '{key}' must begin with 'x_' or 'X_'."));
    }
}

fn string_name(v: &mut Validator, key: &str) {
    if key.is_empty() {
        v.error("value is an undefined string");
    }
}

fn module(v: &mut Validator, key: &str) {
    let ok = !key.is_empty()
        && key
            .split("::")
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if !ok {
        v.error(&format!("Key '{key}' is not a legal module name."));
    }
}

fn phase(v: &mut Validator, key: &str) {
    let known = ["configure", "build", "test", "runtime", "develop"].contains(&key);
    if !known && !key.to_ascii_lowercase().contains("x_") {
        v.error(&format!("Key '{key}' is not a legal phase."));
    }
}

fn relation(v: &mut Validator, key: &str) {
    let known = ["requires", "recommends", "suggests", "conflicts"].contains(&key);
    if !known && !key.to_ascii_lowercase().contains("x_") {
        v.error(&format!("Key '{key}' is not a legal prereq relationship."));
    }
}

fn val(f: Check) -> Node {
    Node::Value(f)
}

fn list(f: Check) -> Node {
    Node::List(Box::new(Node::Value(f)))
}

fn map(fields: Vec<(&'static str, bool, Node)>, any_key: Option<(NameCheck, Node)>) -> Node {
    Node::Map(Map {
        fields,
        any_key: any_key.map(|(n, node)| (n, Box::new(node))),
    })
}

fn module_map(exact: bool) -> Node {
    map(
        vec![],
        Some((module, val(if exact { version } else { exversion }))),
    )
}

fn prereq_map() -> Node {
    map(
        vec![],
        Some((phase, map(vec![], Some((relation, module_map(false)))))),
    )
}

fn no_index(dir: &'static str, name: NameCheck) -> Node {
    map(
        vec![
            ("file", false, list(string)),
            (dir, false, list(string)),
            ("package", false, list(string)),
            ("namespace", false, list(string)),
        ],
        Some((name, val(anything))),
    )
}

fn provides(name: NameCheck) -> Node {
    map(
        vec![],
        Some((
            module,
            map(
                vec![("file", true, val(file)), ("version", false, val(version))],
                Some((name, val(anything))),
            ),
        )),
    )
}

fn v1_meta_spec() -> Node {
    map(
        vec![("version", true, val(version)), ("url", true, val(urlspec))],
        Some((string_name, val(anything))),
    )
}

fn v1_optional_features() -> Node {
    map(
        vec![],
        Some((
            string_name,
            map(
                vec![
                    ("description", false, val(string)),
                    ("requires", false, module_map(false)),
                    ("recommends", false, module_map(false)),
                    ("build_requires", false, module_map(false)),
                    ("conflicts", false, module_map(true)),
                ],
                Some((string_name, val(anything))),
            ),
        )),
    )
}

fn v1_resources() -> Node {
    map(
        vec![
            ("license", false, val(url)),
            ("homepage", false, val(url)),
            ("bugtracker", false, val(url)),
            ("repository", false, val(url)),
        ],
        Some((custom_1, val(string))),
    )
}

/// `%definitions{$spec}`.
fn definition(spec: &str) -> Option<Map> {
    let node = match spec {
        "2" => map(
            vec![
                ("abstract", true, val(string)),
                ("author", true, list(string)),
                ("dynamic_config", true, val(boolean)),
                ("generated_by", true, val(string)),
                ("license", true, list(license)),
                (
                    "meta-spec",
                    true,
                    map(
                        vec![("version", true, val(version)), ("url", false, val(url))],
                        Some((custom_2, val(anything))),
                    ),
                ),
                ("name", true, val(string)),
                ("release_status", true, val(release_status)),
                ("version", true, val(version)),
                ("description", false, val(string)),
                ("keywords", false, list(string)),
                ("no_index", false, no_index("directory", custom_2)),
                (
                    "optional_features",
                    false,
                    map(
                        vec![],
                        Some((
                            string_name,
                            map(
                                vec![
                                    ("description", false, val(string)),
                                    ("prereqs", false, prereq_map()),
                                ],
                                Some((custom_2, val(anything))),
                            ),
                        )),
                    ),
                ),
                ("prereqs", false, prereq_map()),
                ("provides", false, provides(custom_2)),
                (
                    "resources",
                    false,
                    map(
                        vec![
                            ("license", false, list(url)),
                            ("homepage", false, val(url)),
                            (
                                "bugtracker",
                                false,
                                map(
                                    vec![("web", false, val(url)), ("mailto", false, val(string))],
                                    Some((custom_2, val(anything))),
                                ),
                            ),
                            (
                                "repository",
                                false,
                                map(
                                    vec![
                                        ("web", false, val(url)),
                                        ("url", false, val(url)),
                                        ("type", false, val(string)),
                                    ],
                                    Some((custom_2, val(anything))),
                                ),
                            ),
                        ],
                        Some((custom_2, val(string))),
                    ),
                ),
            ],
            Some((custom_2, val(anything))),
        ),
        "1.4" | "1.3" => {
            let mut fields = vec![
                ("meta-spec", true, v1_meta_spec()),
                ("name", true, val(string)),
                ("version", true, val(version)),
                ("abstract", true, val(string)),
                ("author", true, list(string)),
                ("license", true, val(license)),
                ("generated_by", true, val(string)),
                ("distribution_type", false, val(string)),
                ("dynamic_config", false, val(boolean)),
                ("requires", false, module_map(false)),
                ("recommends", false, module_map(false)),
                ("build_requires", false, module_map(false)),
                ("conflicts", false, module_map(true)),
                ("optional_features", false, v1_optional_features()),
                ("provides", false, provides(string_name)),
                ("no_index", false, no_index("directory", string_name)),
                ("private", false, no_index("directory", string_name)),
                ("keywords", false, list(string)),
                ("resources", false, v1_resources()),
            ];
            if spec == "1.4" {
                fields.push(("configure_requires", false, module_map(false)));
            }
            map(fields, Some((string_name, val(anything))))
        }
        "1.2" => map(
            vec![
                ("meta-spec", true, v1_meta_spec()),
                ("name", true, val(string)),
                ("version", true, val(version)),
                ("license", true, val(license)),
                ("generated_by", true, val(string)),
                ("author", true, list(string)),
                ("abstract", true, val(string)),
                ("distribution_type", false, val(string)),
                ("dynamic_config", false, val(boolean)),
                ("keywords", false, list(string)),
                ("private", false, no_index("dir", string_name)),
                // CPAN::Meta::Validator spells this key `$no_index`, so
                // `no_index` itself falls to the catch-all rule.
                ("$no_index", false, no_index("dir", string_name)),
                ("requires", false, module_map(false)),
                ("recommends", false, module_map(false)),
                ("build_requires", false, module_map(false)),
                ("conflicts", false, module_map(true)),
                ("optional_features", false, v1_optional_features()),
                ("provides", false, provides(string_name)),
                ("resources", false, v1_resources()),
            ],
            Some((string_name, val(anything))),
        ),
        "1.1" | "1.0" => {
            let mut fields = vec![
                ("name", false, val(string)),
                ("version", true, val(version)),
                ("license", false, val(license)),
                ("generated_by", false, val(string)),
                ("license_uri", false, val(url)),
                ("distribution_type", false, val(string)),
                ("dynamic_config", false, val(boolean)),
                ("requires", false, module_map(false)),
                ("recommends", false, module_map(false)),
                ("build_requires", false, module_map(false)),
                ("conflicts", false, module_map(true)),
            ];
            if spec == "1.1" {
                fields.push((
                    "private",
                    false,
                    map(vec![], Some((string_name, list(string)))),
                ));
            }
            map(fields, Some((string_name, val(anything))))
        }
        _ => return None,
    };
    match node {
        Node::Map(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_pattern() {
        assert!(looks_like_version("1.0-TRIAL"));
        assert!(looks_like_version(">= v1.2"));
        assert!(!looks_like_version("unknown"));
    }

    #[test]
    fn uri_parts() {
        assert_eq!(
            uri_scheme_authority("http://x.org/a"),
            (Some("http"), Some("x.org"))
        );
        assert_eq!(uri_scheme_authority("mailto:a@b"), (Some("mailto"), None));
        assert_eq!(uri_scheme_authority("x.org"), (None, None));
    }
}
