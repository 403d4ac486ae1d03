//! The cpanfile reader against Module::CPANfile 1.1004: the recorded readings
//! of the 110 real cpanfiles in `../shared/corpus`, Module::CPANfile run live
//! on the same files (one perl process), and generated files.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cpansec_meta::{Cpanfile, ErrorKind};

use crate::support;

/// Every corpus cpanfile with its recorded reading: `Ok(json)` or
/// `Err(error text)`.
fn corpus() -> Vec<(String, PathBuf, Result<serde_json::Value, String>)> {
    let shared = support::shared().join("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared.join("cpanfile"))
        .expect("corpus/cpanfile")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 110, "the corpus has 110 cpanfiles");
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".cpanfile"))
                .expect("NAME.cpanfile")
                .to_string();
            let expected = shared.join("cpanfile-expected");
            let json = expected.join(format!("{stem}.json"));
            let reading = if json.is_file() {
                let text = std::fs::read_to_string(&json).expect("expected json");
                Ok(serde_json::from_str(&text).expect("valid json"))
            } else {
                Err(
                    std::fs::read_to_string(expected.join(format!("{stem}.error.txt")))
                        .expect("expected json or error"),
                )
            };
            (stem, path, reading)
        })
        .collect()
}

/// The construct an "outside the language" error names.
fn construct(e: &cpansec_meta::Error) -> String {
    match &e.kind {
        ErrorKind::CpanfileUnsupported { construct, .. } => construct.clone(),
        ErrorKind::Requirement { requirement, .. } => {
            format!("invalid requirement {requirement:?}")
        }
        other => other.to_string(),
    }
}

/// Files the static reader refuses, with the construct it must name. Every
/// other corpus file must read exactly as Module::CPANfile reads it.
const REFUSED: &[(&str, &str)] = &[
    ("Corion__Filesys-DB", "Perl `if`"),
    (
        "PerlDancer__Dancer2__share-skel",
        "invalid requirement \"[d2% dancer_version %2d]\"",
    ),
    ("beyondgrep__ack3", "Perl `if`"),
    ("bestpractical__rt__etc", "the Perl variable `$]`"),
    ("joelvaneenwyk__dotfiles__source-stow", "Perl `use`"),
    ("logicly-au__sd-openapi", "the Perl variable `$_`"),
    (
        "miyagawa__cpanminus__App-cpanminus-testdist-cpanfile_bad_app",
        "the call `foobar`",
    ),
];

#[test]
fn corpus_reads_as_module_cpanfile_recorded() {
    let mut identical = 0;
    let mut refused = BTreeMap::new();
    let mut failures = Vec::new();
    let files = corpus();
    for (stem, path, expected) in &files {
        match (Cpanfile::read(path), expected) {
            (Ok(c), Ok(want)) => {
                let got = c.to_meta_json().expect("valid requirements");
                if &got == want {
                    identical += 1;
                } else {
                    failures.push(format!(
                        "{stem}: differs\n  expected {want}\n  got      {got}"
                    ));
                }
            }
            (Ok(_), Err(want)) => {
                failures.push(format!("{stem}: read, but Module::CPANfile: {want}"))
            }
            (Err(e), _) => {
                let text = e.to_string();
                assert!(
                    e.location.is_some(),
                    "{stem}: error without position: {text}"
                );
                assert!(text.contains(&path.display().to_string()), "{text}");
                refused.insert(stem.clone(), construct(&e));
            }
        }
    }
    let want: BTreeMap<String, String> = REFUSED
        .iter()
        .map(|(s, c)| (s.to_string(), c.to_string()))
        .collect();
    eprintln!(
        "static reader: {identical}/{} identical, {} refused: {refused:#?}",
        files.len(),
        refused.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(refused, want);
    assert_eq!(identical + refused.len(), files.len());
}

/// The files the static reader refuses are read by the Perl fallback exactly
/// as recorded (or refused by it too, where Module::CPANfile fails).
#[test]
fn fallback_reads_refused_files_as_recorded() {
    let files = corpus();
    let refused: Vec<_> = files
        .iter()
        .filter(|(stem, _, _)| REFUSED.iter().any(|(s, _)| s == stem))
        .collect();
    let paths: Vec<&PathBuf> = refused.iter().map(|(_, p, _)| p).collect();
    let readings = Cpanfile::read_many_with_perl(&paths).expect("perl runs");
    let mut identical = 0;
    for ((stem, _, expected), reading) in refused.iter().zip(readings) {
        match (reading, expected) {
            (Ok(c), Ok(want)) => {
                assert!(c.evaluated_by_perl);
                assert_eq!(&c.to_meta_json().expect("valid"), want, "{stem}");
                identical += 1;
            }
            (Err(e), Err(want)) => {
                // The message without the file name Module::CPANfile adds.
                let first = want.lines().next().unwrap_or_default();
                let first = first.split(" failed: ").last().unwrap_or(first);
                let first = first.split(" at ").next().unwrap_or(first);
                assert!(
                    e.to_string().contains(first.trim()),
                    "{stem}: {e} vs {want}"
                );
                identical += 1;
            }
            (got, want) => panic!("{stem}: fallback {got:?}, recorded {want:?}"),
        }
    }
    eprintln!("fallback: {identical}/{} identical", refused.len());
    assert_eq!(identical, refused.len());
}

/// Module::CPANfile run live on every corpus file, in one perl process: its
/// own record of each requirement (raw versions, options, mirrors, feature
/// descriptions) equals the static reading, positions aside.
#[test]
fn live_module_cpanfile_agrees_on_every_corpus_file() {
    let files = corpus();
    let paths: Vec<&PathBuf> = files.iter().map(|(_, p, _)| p).collect();
    let readings = Cpanfile::read_many_with_perl(&paths).expect("perl runs");
    let mut same = 0;
    for ((stem, path, expected), perl) in files.iter().zip(readings) {
        match (Cpanfile::read(path), perl) {
            (Ok(ours), Ok(perl)) => {
                let mut ours = ours.without_locations();
                ours.evaluated_by_perl = true;
                assert_eq!(ours, perl, "{stem}");
                same += 1;
            }
            (Err(_), _) => assert!(REFUSED.iter().any(|(s, _)| s == stem), "{stem}"),
            (Ok(_), Err(e)) => panic!("{stem}: Module::CPANfile fails: {e}"),
        }
        let _ = expected;
    }
    eprintln!("live Module::CPANfile: {same} statically read files identical");
    assert_eq!(same + REFUSED.len(), files.len());
}

#[test]
fn read_or_eval_says_when_perl_read_the_file() {
    let dir = support::shared().join("corpus/cpanfile");
    let plain = Cpanfile::read_or_eval(dir.join("plack__Plack.cpanfile")).expect("reads");
    assert!(plain.static_error.is_none());
    assert!(!plain.cpanfile.evaluated_by_perl);
    let perl = Cpanfile::read_or_eval(dir.join("beyondgrep__ack3.cpanfile")).expect("reads");
    assert!(perl.cpanfile.evaluated_by_perl);
    let why = perl.static_error.expect("static error").to_string();
    assert!(
        why.contains(":20:1: Perl `if` is outside the cpanfile language"),
        "{why}"
    );
}
