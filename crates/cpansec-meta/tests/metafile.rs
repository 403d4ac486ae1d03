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

/// Compares one reading with CPAN::Meta's; `Err` describes the differences.
fn compare(
    ours: Result<Meta, cpansec_meta::Error>,
    expected: Result<Value, String>,
) -> Result<(), String> {
    match (ours, expected) {
        (Err(_), Err(_)) => Ok(()),
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
                Ok(())
            } else {
                Err(diffs.join("\n    "))
            }
        }
    }
}

fn report(results: &BTreeMap<String, Result<(), String>>, oracle: &str) {
    let identical = results.values().filter(|r| r.is_ok()).count();
    eprintln!("{oracle}: {identical}/{} files identical", results.len());
    let mut unexpected = Vec::new();
    for (file, r) in results {
        if let Err(why) = r {
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
