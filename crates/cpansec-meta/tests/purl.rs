//! `Purl` against every case of the purl-spec conformance file for type
//! `cpan`, and the build -> parse round trip on generated purls.

use std::collections::BTreeMap;

use cpansec_meta::{Purl, PurlParts};
use proptest::prelude::*;
use serde_json::Value;

use crate::support;

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn parts(v: &Value) -> PurlParts {
    let qualifiers: BTreeMap<String, String> = match &v["qualifiers"] {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("qualifier value").to_string()))
            .collect(),
        _ => BTreeMap::new(),
    };
    PurlParts {
        purl_type: v["type"].as_str().expect("type").to_string(),
        namespace: opt(&v["namespace"]),
        name: v["name"].as_str().expect("name").to_string(),
        version: opt(&v["version"]),
        qualifiers,
        subpath: opt(&v["subpath"]),
    }
}

/// The components of a parsed purl, in the test file's shape.
fn components(p: &Purl) -> Value {
    let qualifiers = if p.qualifiers().is_empty() {
        Value::Null
    } else {
        serde_json::to_value(p.qualifiers()).expect("map")
    };
    serde_json::json!({
        "type": p.purl_type(),
        "namespace": p.namespace(),
        "name": p.name(),
        "version": p.version(),
        "qualifiers": qualifiers,
        "subpath": p.subpath(),
    })
}

#[test]
fn conformance_suite() {
    let text = std::fs::read_to_string(support::shared().join("specs/purl/cpan-test.json"))
        .expect("cpan-test.json");
    let suite: Value = serde_json::from_str(&text).expect("JSON");
    let tests = suite["tests"].as_array().expect("tests");
    let mut passed = 0;
    for t in tests {
        let what = format!("{}: {}", t["test_type"], t["description"]);
        let fails = t["expected_failure"].as_bool().expect("expected_failure");
        let expected = &t["expected_output"];
        match t["test_type"].as_str().expect("test_type") {
            "parse" => {
                let got = Purl::parse(t["input"].as_str().expect("input"));
                if fails {
                    assert!(got.is_err(), "{what}: parsed {got:?}");
                } else {
                    let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(&components(&got), expected, "{what}");
                }
            }
            "validate" => {
                let got = Purl::parse(t["input"].as_str().expect("input"));
                if fails {
                    assert!(got.is_err(), "{what}: parsed {got:?}");
                } else {
                    let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(
                        got.to_string(),
                        expected.as_str().expect("string"),
                        "{what}"
                    );
                }
            }
            "build" => {
                let got = Purl::build(parts(&t["input"]));
                if fails {
                    assert!(got.is_err(), "{what}: built {got:?}");
                } else {
                    let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(
                        got.to_string(),
                        expected.as_str().expect("string"),
                        "{what}"
                    );
                }
            }
            other => panic!("unknown test type {other}"),
        }
        passed += 1;
    }
    println!(
        "purl-spec cpan-test.json: {passed}/{} cases pass",
        tests.len()
    );
    assert_eq!(passed, 35);
}

#[test]
fn type_definition_examples() {
    let text = std::fs::read_to_string(support::shared().join("specs/purl/cpan-definition.json"))
        .expect("cpan-definition.json");
    let def: Value = serde_json::from_str(&text).expect("JSON");
    for example in def["examples"].as_array().expect("examples") {
        let s = example.as_str().expect("string");
        let p = Purl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(p.to_string(), s, "canonical form of an example is itself");
    }
}

fn any_parts() -> impl Strategy<Value = PurlParts> {
    let text = "[A-Za-z0-9._~:/@?#&=%+ é-]{0,12}";
    (
        proptest::option::of("[A-Za-z0-9%/é]{0,6}"),
        "[A-Za-z0-9._~%@?#&=+ é-]{1,12}".prop_filter("no module names", |n| !n.contains("::")),
        proptest::option::of(text),
        proptest::collection::btree_map("[a-z_.-][a-z0-9_.-]{0,5}", text, 0..4),
        proptest::option::of(text),
    )
        .prop_map(
            |(namespace, name, version, qualifiers, subpath)| PurlParts {
                purl_type: "cpan".to_string(),
                namespace: namespace.map(|n| n.replace('/', "")),
                name,
                version,
                qualifiers,
                subpath,
            },
        )
}

proptest! {
    #[test]
    fn build_then_parse_round_trips(parts in any_parts()) {
        let built = Purl::build(parts).expect("valid components build");
        let text = built.to_string();
        let parsed = Purl::parse(&text).expect("canonical string parses");
        prop_assert_eq!(&parsed, &built);
        prop_assert_eq!(parsed.to_string(), text);
        let author_form = built.to_author_form().expect("no conflict");
        prop_assert_eq!(Purl::parse(&author_form.to_string()).expect("parses"), author_form);
    }

    #[test]
    fn parse_never_panics_and_is_stable(s in "pkg:(cpan|CPAN|npm)?/{0,2}[A-Za-z0-9:/@?#&=%._~ -]{0,30}") {
        if let Ok(p) = Purl::parse(&s) {
            prop_assert_eq!(Purl::parse(&p.to_string()).expect("reparses"), p);
        }
    }
}
