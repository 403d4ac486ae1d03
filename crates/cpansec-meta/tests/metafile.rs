//! META.json / META.yml / MYMETA against CPAN::Meta: the recorded readings in
//! `../shared/corpus/meta-expected`, and a live perl run over the same files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cpansec_meta::Meta;
use serde_json::Value;

use crate::support;

/// The fields compared with CPAN::Meta's reading.
const FIELDS: [&str; 11] = [
    "name",
    "version",
    "abstract",
    "author",
    "license",
    "prereqs",
    "provides",
    "resources",
    "optional_features",
    "release_status",
    "dynamic_config",
];

/// Files where this reader knowingly differs from CPAN::Meta, with why
/// (the same list is in the `metafile` module doc).
const KNOWN_DIFFERENCES: [(&str, &str); 0] = [];

fn corpus_files() -> Vec<PathBuf> {
    let corpus = support::shared().join("corpus");
    let mut files = Vec::new();
    for dir in ["meta-json", "meta-yml", "mymeta"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .expect("corpus directory")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        files.extend(entries);
    }
    assert!(files.len() >= 115, "corpus has {} files", files.len());
    files
}

fn file_name(p: &Path) -> String {
    p.file_name().expect("name").to_string_lossy().into_owned()
}

/// Perl scalars carry no type: compare every scalar as a string.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(if *b { "1" } else { "0" }.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

fn field(doc: &Value, name: &str) -> Value {
    match doc.get(name) {
        None if name == "prereqs" => Value::Object(Default::default()),
        None => Value::Null,
        Some(v) => normalise(v),
    }
}

/// The one documented way this reader may differ: CPAN::Meta's validator
/// lets a mapping or list through where the spec wants a string (`name`,
/// `abstract`, an `author` entry, `description`); the typed model refuses it.
const MODEL_SHAPE: &str = "where the model needs another shape";

/// How two readers agreed.
#[derive(Debug, PartialEq)]
enum Agreement {
    /// Both read it, to the same fields.
    Read,
    /// Both rejected it.
    Rejected,
}

/// Compares one reading with CPAN::Meta's; `Err` describes the differences.
fn compare(
    ours: Result<Meta, cpansec_meta::Error>,
    expected: Result<Value, String>,
) -> Result<Agreement, String> {
    match (ours, expected) {
        (Err(_), Err(_)) => Ok(Agreement::Rejected),
        (Ok(_), Err(e)) => Err(format!("CPAN::Meta fails ({}) but we read it", e.trim())),
        (Err(e), Ok(_)) => Err(format!("we fail: {e}")),
        (Ok(meta), Ok(expected)) => {
            let ours = meta.to_v2_json();
            let diffs: Vec<String> = FIELDS
                .iter()
                .filter(|f| field(&ours, f) != field(&expected, f))
                .map(|f| {
                    format!(
                        "{f}: ours {} expected {}",
                        field(&ours, f),
                        field(&expected, f)
                    )
                })
                .collect();
            if diffs.is_empty() {
                Ok(Agreement::Read)
            } else {
                Err(diffs.join("\n    "))
            }
        }
    }
}

fn report(results: &BTreeMap<String, Result<Agreement, String>>, oracle: &str) {
    let identical = results.values().filter(|r| r.is_ok()).count();
    let rejected = results
        .values()
        .filter(|r| r.as_ref().is_ok_and(|a| *a == Agreement::Rejected))
        .count();
    let shape = results
        .values()
        .filter(|r| r.as_ref().is_err_and(|why| why.contains(MODEL_SHAPE)))
        .count();
    eprintln!(
        "{oracle}: {identical}/{} identical ({rejected} rejected by both); {shape} differ only by the model-shape rule",
        results.len()
    );
    let mut unexpected = Vec::new();
    for (file, r) in results {
        if let Err(why) = r {
            if why.contains(MODEL_SHAPE) {
                continue;
            }
            eprintln!("  {file}:\n    {why}");
            if !KNOWN_DIFFERENCES.iter().any(|(f, _)| f == file) {
                unexpected.push(file.clone());
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "{oracle}: unexpected differences in {unexpected:?}"
    );
}

#[test]
fn corpus_matches_recorded_cpan_meta_readings() {
    let expected_dir = support::shared().join("corpus/meta-expected");
    let mut results = BTreeMap::new();
    for path in corpus_files() {
        let name = file_name(&path);
        let json = expected_dir.join(format!("{name}.json"));
        let error = expected_dir.join(format!("{name}.error.txt"));
        let expected = if json.is_file() {
            Ok(
                serde_json::from_str(&std::fs::read_to_string(&json).expect("read"))
                    .expect("expected JSON"),
            )
        } else {
            Err(std::fs::read_to_string(&error).expect("expected reading or error file"))
        };
        results.insert(name, compare(Meta::read(&path), expected));
    }
    report(&results, "recorded CPAN::Meta 2.150010");
}

/// One perl process reads every corpus file with `CPAN::Meta->load_file` and
/// prints one JSON line per file: `as_struct({ version => 2 })` or the error.
const ORACLE: &str = r#"
use strict; use warnings; use CPAN::Meta; use JSON::PP;
my $json = JSON::PP->new->canonical->utf8;
while (my $file = <STDIN>) {
    chomp $file;
    my $meta = eval { CPAN::Meta->load_file($file) };
    print $json->encode($meta ? { ok => $meta->as_struct({ version => 2 }) } : { error => "$@" }), "\n";
}
"#;

#[test]
fn corpus_matches_live_cpan_meta() {
    let files = corpus_files();
    let input: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let out = support::perl(ORACLE, &[], &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), files.len(), "one answer per file");
    let mut results = BTreeMap::new();
    for (path, line) in files.iter().zip(lines) {
        let answer: Value = serde_json::from_str(line).expect("oracle JSON");
        let expected = match answer.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(answer["error"].as_str().unwrap_or("error").to_string()),
        };
        results.insert(file_name(path), compare(Meta::read(path), expected));
    }
    report(&results, "live CPAN::Meta");
}

/// A META text and the syntax to read it in.
struct Case {
    label: String,
    yaml: bool,
    text: String,
}

/// Variants of every corpus file: each YAML line removed in turn, each
/// top-level JSON key removed and replaced by odd values. They exercise the
/// converter's defaults and the validator's failures far beyond the corpus.
fn mutated_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for path in corpus_files() {
        let name = file_name(&path);
        // Non-UTF-8 files (there is one) are mutated as decoded with U+FFFD:
        // both readers get the same text.
        let bytes = std::fs::read(&path).expect("corpus file");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if name.ends_with(".yml") {
            let lines: Vec<&str> = text.lines().collect();
            // About twenty deletions per file, spread over it.
            let step = lines.len().div_ceil(20).max(1);
            for skip in (0..lines.len()).step_by(step) {
                let mut t: String = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                if t.is_empty() {
                    t.push('\n');
                }
                cases.push(Case {
                    label: format!("{name} without line {}", skip + 1),
                    yaml: true,
                    text: t,
                });
            }
        } else {
            let doc: serde_json::Map<String, Value> =
                serde_json::from_str(&text).expect("corpus JSON");
            let odd = [
                Value::Null,
                Value::from(""),
                Value::from("0"),
                Value::from(1.10),
                Value::from("1.0-TRIAL"),
                Value::from("x_1"),
                Value::Array(vec![]),
                serde_json::json!({}),
                serde_json::json!(["GPL", "perl"]),
                serde_json::json!({"Foo": "1.2beta", "bad name": "1", "Bar": "Baz::Qux", "Q": ">1, <= 0.5"}),
            ];
            for (k, key) in doc.keys().enumerate() {
                let mut without = doc.clone();
                without.remove(key);
                cases.push(Case {
                    label: format!("{name} without {key}"),
                    yaml: false,
                    text: Value::Object(without).to_string(),
                });
                if key.to_ascii_lowercase().starts_with("x_") {
                    continue;
                }
                // Two odd values per key, rotating so that every value
                // meets every key somewhere in the corpus.
                let base = k * 2 + cases.len();
                for n in (0..2).map(|i| (base + i) % odd.len()) {
                    let v = &odd[n];
                    let mut changed = doc.clone();
                    changed.insert(key.clone(), v.clone());
                    cases.push(Case {
                        label: format!("{name} with {key} = odd value {n}"),
                        yaml: false,
                        text: Value::Object(changed).to_string(),
                    });
                }
            }
        }
    }
    cases
}

const STRING_ORACLE: &str = r#"
use strict; use warnings; use CPAN::Meta; use JSON::PP;
my $json = JSON::PP->new->canonical->utf8;
$SIG{__WARN__} = sub {};
while (my $line = <STDIN>) {
    my $case = $json->decode($line);
    my $meta = eval {
        $case->{yaml} ? CPAN::Meta->load_yaml_string($case->{text})
                      : CPAN::Meta->load_json_string($case->{text})
    };
    my $struct = $meta && eval { $meta->as_struct({ version => 2 }) };
    print $json->encode($struct ? { ok => $struct } : { error => "$@" || "error" }), "\n";
}
"#;

/// Hand-written YAML and JSON for the corners of CPAN::Meta::YAML's grammar
/// and of the converter that the corpus does not reach.
fn snippet_cases() -> Vec<Case> {
    const BASE: &str =
        "name: Foo\nversion: 1.0\nabstract: A thing\nauthor:\n  - Me\nlicense: perl\n";
    let yaml_tails = [
        "",
        "requires:\n  'Quoted::Key': 1\n  \"Double::Key\": 2\n",
        "requires:\n  Foo: 1 # comment\n  Bar: '2' # c\n",
        "description: |\n  one\n\n  two\n",
        "description: >-\n  one\n  two\n",
        "description: |\nnot indented\n",
        "requires:\n  Foo: &a 1\n",
        "requires:\n  Foo: !!str 1\n",
        "requires: {Foo: 1}\n",
        "requires: [Foo]\n",
        "author: [Me, You]\n",
        "keywords:\n- a\n- b\n",
        "requires:\n  Foo: 1\n   Bar: 2\n",
        "requires:\n\tFoo: 1\n",
        "? complex\n: value\n",
        "requires:\n  Foo: 1\n  Foo: 2\n",
        "abstract: a: b\n",
        "abstract: -dash\n",
        "abstract: - dash\n",
        "abstract: @at\n",
        "abstract: '' \n",
        "abstract: 'it''s'\n",
        "abstract: 'a'' # x\n",
        "abstract: \"tab\\there \\x41 \\u0041\"\n",
        "abstract: \"unterminated\n",
        "abstract: ~\n",
        "version: ~\n",
        "version: ''\n",
        "version: 1.0-TRIAL\n",
        "version: v1.2.3_4\n",
        "version: 1.02_03\nrelease_status: stable\n",
        "license: GPL v2\n",
        "license: [perl]\n",
        "license:\n  - perl\n  - bsd\n",
        "resources:\n  repository: https://x.org/r.git\n  bugtracker: mailto:bugs@x.org\n  homepage: not a url\n  license: http://dev.perl.org/licenses/\n  Custom: yes\n  lower: no\n",
        "provides:\n  Foo:\n    file: lib/Foo.pm\n    version: v1.2\n  Bar:\n    version: 1\n",
        "provides:\n  Foo:\n    file: lib/Foo.pm\n    version: junk\n",
        "no_index: t\n",
        "no_index:\n  - t\n  - inc\n",
        "no_index:\n  dir: [t]\n",
        "private:\n  directory:\n    - t\n",
        "optional_features:\n  - foo:\n      description: Foo\n      requires:\n        Bar: 1\n",
        "optional_features:\n  foo:\n    requires:\n      Bar: 1\n",
        "requires:\n  Foo: '>= 2, < 1'\n",
        "requires:\n  Foo: '== 1, == 2'\n",
        "requires:\n  Foo: 1.2.3\n  Bar: .5\n  Baz: 1.2beta\n  Qux: undef\n  perl: 5.8.1\n",
        "build_requires: Foo\n",
        "configure_requires:\n  Foo: 1\n",
        "meta-spec:\n  version: 1.4\n  url: http://module-build.sourceforge.net/META-spec-v1.4.html\n",
        "meta-spec:\n  version: 1.3\n  url: http://module-build.sourceforge.net/META-spec-v1.4.html\n",
        "meta-spec:\n  version: 2\n",
        "meta-spec:\n  version: 2.0\n  url: x\n",
        "meta-spec:\n  version: 1.0\n",
        "meta-spec: 1.4\n",
        "dynamic_config: 0\n",
        "dynamic_config: yes\n",
        "generated_by: ExtUtils::MakeMaker version 6.5, CPAN::Meta::Converter version 2.150010\n",
        "x_custom: 1\nX_Other: [a]\nFoo: bar\n",
        "...\n",
        "---\nname: Other\nversion: 2\n",
    ];
    let mut cases: Vec<Case> = yaml_tails
        .iter()
        .enumerate()
        .map(|(n, tail)| Case {
            label: format!("yaml snippet {n}: {tail:?}"),
            yaml: true,
            text: format!("{BASE}{tail}"),
        })
        .collect();
    let whole_yaml = [
        "",
        "---\n",
        "--- just a string\n",
        "- a\n- b\n",
        "%YAML 1.1\n---\nname: Foo\nversion: 1\n",
        "\u{feff}name: Foo\nversion: 1\n",
        "name: Foo\r\nversion: 1\r\n",
        "name: Foo\rversion: 1\r",
        "--- #YAML:1.0\nname: Foo\nversion: 1\n",
        "---\nname: Foo\n---\nversion: 1\n",
        "name:\nversion: 1\n",
        "name: Foo\nversion: 1\nauthor:\n-\n- b\n",
        "name: Foo\nversion: 1\na:: b\n",
        "name: Foo\nversion: 1\na:b c: d\n",
        "  name: Foo\n  version: 1\n",
    ];
    cases.extend(whole_yaml.iter().enumerate().map(|(n, text)| Case {
        label: format!("yaml document {n}: {text:?}"),
        yaml: true,
        text: text.to_string(),
    }));
    let json = [
        "",
        "[]",
        "\"string\"",
        "{}",
        "{\"name\":\"Foo\",\"version\":1.10}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"dynamic_config\":false}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"dynamic_config\":true,\"meta-spec\":{\"version\":2}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":\"2\"},\"prereqs\":{\"runtime\":{\"requires\":{\"A\":\"1\"}},\"build\":[]}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":2},\"prereqs\":{\"bogus\":{\"requires\":{\"A\":\"1\"}},\"runtime\":{\"wants\":{\"B\":\"1\"}}}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":2},\"license\":[\"perl_5\",\"GPL\",null]}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":2},\"optional_features\":{\"f\":{\"description\":\"d\"},\"g\":\"x\"}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":2},\"resources\":{\"repository\":{\"url\":\"svn://x.org/r\"},\"bugtracker\":{\"web\":\"nope\",\"x\":1},\"license\":\"http://x.org/l\"}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":2},\"provides\":{\"Foo\":{\"file\":\"a\",\"version\":null}}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":99}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"meta-spec\":{\"version\":\"1.40\"}}",
        "{\"name\":\"Foo\",\"version\":\"1.0\",\"name\":\"Bar\"}",
        "{\"name\":\"Foo\" \"version\":\"1.0\"}",
    ];
    cases.extend(json.iter().enumerate().map(|(n, text)| Case {
        label: format!("json document {n}: {text}"),
        yaml: false,
        text: text.to_string(),
    }));
    cases
}

#[test]
fn snippets_match_live_cpan_meta() {
    run_cases(snippet_cases(), "live CPAN::Meta on hand-written snippets");
}

#[test]
fn mutated_corpus_matches_live_cpan_meta() {
    run_cases(mutated_cases(), "live CPAN::Meta on mutated corpus files");
}

fn run_cases(cases: Vec<Case>, oracle: &str) {
    let input: String = cases
        .iter()
        .map(|c| format!("{}\n", serde_json::json!({"yaml": c.yaml, "text": c.text})))
        .collect();
    let out = support::perl(STRING_ORACLE, &[], &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), cases.len(), "one answer per case");
    let mut results = BTreeMap::new();
    for (case, line) in cases.iter().zip(lines) {
        let answer: Value = serde_json::from_str(line).expect("oracle JSON");
        let expected = match answer.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(answer["error"].as_str().unwrap_or("error").to_string()),
        };
        let ours = if case.yaml {
            Meta::parse_yaml(&case.text)
        } else {
            Meta::parse_json(&case.text)
        };
        results.insert(case.label.clone(), compare(ours, expected));
    }
    report(&results, oracle);
}

#[test]
fn v2_output_reads_back_to_the_same_meta() {
    for path in corpus_files() {
        let Ok(meta) = Meta::read(&path) else {
            continue;
        };
        let json = meta.to_v2_json().to_string();
        let again = Meta::parse_json(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut expected = meta.clone();
        expected.source = again.source.clone();
        expected.license_spdx = again.license_spdx.clone();
        assert_eq!(again, expected, "{}", path.display());
    }
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cpansec-meta-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[test]
fn errors_name_file_and_line() {
    let path = temp_file(
        "bad.META.yml",
        b"name: Foo\nversion: 1\n\n# note\nauthor: &me Me\n",
    );
    let e = Meta::read(&path).expect_err("anchor is not supported");
    assert_eq!(e.location.map(|l| l.line), Some(5));
    let text = e.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(text.contains("does not support a feature"), "{text}");

    let path = temp_file("bad.META.json", b"{\n  \"name\": \"Foo\",\n  oops\n}\n");
    let e = Meta::read(&path).expect_err("not JSON");
    assert_eq!(e.location.map(|l| l.line), Some(3));

    let missing = support::shared().join("corpus/meta-expected/Perl-Toolchain-Gang__CPAN-Meta__t_data-fail_META-2.META.json.error.txt");
    assert!(missing.is_file());
    let e = Meta::read(
        support::shared()
            .join("corpus/meta-json/Perl-Toolchain-Gang__CPAN-Meta__t_data-fail_META-2.META.json"),
    )
    .expect_err("CPAN::Meta rejects it");
    assert!(
        e.to_string().contains("Missing mandatory field, 'version'"),
        "{e}"
    );

    let e = Meta::read("/nonexistent/META.json").expect_err("no such file");
    assert!(e.to_string().starts_with("/nonexistent/META.json"), "{e}");
}

#[test]
fn oversized_files_are_refused() {
    let path = temp_file("huge.META.json", b"");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    f.set_len(cpansec_meta::MAX_META_SIZE + 1)
        .expect("sparse file");
    let e = Meta::read(&path).expect_err("too large");
    assert!(
        matches!(e.kind, cpansec_meta::ErrorKind::TooLarge { .. }),
        "{e}"
    );
}

#[test]
fn unparseable_versions_are_kept_not_zero() {
    let meta = Meta::parse_yaml("name: Foo\nversion: 1.0-TRIAL\n").expect("CPAN::Meta reads it");
    assert_eq!(meta.version.raw, "1.0-TRIAL");
    assert!(meta.version.parsed.is_none());
    assert!(meta.version.error().is_some());
    let meta = Meta::parse_yaml("name: Foo\nversion: 1.02_03\n").expect("reads");
    assert_eq!(
        meta.version.parsed.map(|v| v.to_string()),
        Some("1.02_03".to_string())
    );
    assert_eq!(meta.release_status, cpansec_meta::ReleaseStatus::Testing);
}

#[test]
fn v1_prereqs_convert_like_cpan_meta_converter() {
    use cpansec_meta::{Phase, Relation};
    let meta = Meta::parse_yaml(
        "name: Foo\nversion: 1\nrequires:\n  perl: 5.6.1\n  Foo: '>= 1, != 1.5'\nbuild_requires:\n  Test::More: 0\nconfigure_requires:\n  Module::Build: 0.38\nrecommends:\n  Bar: 2\nconflicts:\n  Baz: '< 1'\noptional_features:\n  xs:\n    description: XS\n    requires:\n      XSLoader: 0\n",
    )
    .expect("reads");
    let get =
        |p: Phase, r: Relation, m: &str| meta.prereqs.get(&p, &r, m).map(|p| p.requirement.clone());
    assert_eq!(
        get(Phase::Runtime, Relation::Requires, "perl").as_deref(),
        Some("v5.6.1")
    );
    assert_eq!(
        get(Phase::Runtime, Relation::Requires, "Foo").as_deref(),
        Some(">= 1, != 1.5")
    );
    assert_eq!(
        get(Phase::Build, Relation::Requires, "Test::More").as_deref(),
        Some("0")
    );
    assert_eq!(
        get(Phase::Configure, Relation::Requires, "Module::Build").as_deref(),
        Some("0.38")
    );
    assert_eq!(
        get(Phase::Runtime, Relation::Recommends, "Bar").as_deref(),
        Some("2")
    );
    assert_eq!(
        get(Phase::Runtime, Relation::Conflicts, "Baz").as_deref(),
        Some("< 1")
    );
    let features = meta.optional_features.expect("features");
    let xs = &features["xs"];
    assert_eq!(xs.description.as_deref(), Some("XS"));
    let prereqs = xs.prereqs.as_ref().expect("feature prereqs");
    assert!(
        prereqs
            .get(&Phase::Runtime, &Relation::Requires, "XSLoader")
            .is_some()
    );
}
