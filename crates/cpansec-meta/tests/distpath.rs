//! `DistPath` against CPAN::DistnameInfo 0.12: the recorded readings in
//! `corpus/tarball/DISTNAMEINFO.tsv`, and the live module over every release
//! of the advisory database, every snapshot `pathname:` and generated names.

use std::collections::BTreeSet;

use cpansec_meta::{DistPath, Maturity};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::support;

/// Reads NUL-separated paths, prints each reading as hex fields ("-" = undef).
const ORACLE: &str = r#"
use strict; use warnings; use CPAN::DistnameInfo;
binmode STDIN; binmode STDOUT; local $/ = "\0";
while (my $p = <STDIN>) {
    chomp $p;
    my $d = CPAN::DistnameInfo->new($p);
    print join("\t", map { defined $_ ? unpack("H*", $_) : "-" }
        map { $d->$_ } qw(pathname filename cpanid distvname extension dist version maturity)), "\n";
}
"#;

type Reading = [Option<String>; 8];

fn ours(path: &str) -> Reading {
    let d = DistPath::parse(path);
    let s = |x: Option<&str>| x.map(str::to_string);
    [
        Some(d.pathname().to_string()),
        Some(d.filename().to_string()),
        s(d.cpanid()),
        s(d.distvname()),
        s(d.extension()),
        s(d.dist()),
        s(d.version()),
        Some(d.maturity().as_str().to_string()),
    ]
}

fn unhex(field: &str) -> Option<String> {
    if field == "-" {
        return None;
    }
    let bytes: Vec<u8> = (0..field.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&field[i..i + 2], 16).expect("hex"))
        .collect();
    Some(String::from_utf8(bytes).expect("perl returns UTF-8 cut at ASCII"))
}

/// Runs the oracle once over all `paths`; returns (identical, total) and
/// fails listing the first disagreements.
fn compare(label: &str, paths: &[String]) -> (usize, usize) {
    let mut input = String::new();
    for p in paths {
        assert!(!p.contains('\0'));
        input.push_str(p);
        input.push('\0');
    }
    let out = support::perl(ORACLE, &[], &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        paths.len(),
        "{label}: oracle answered every path"
    );
    let mut differ = Vec::new();
    for (path, line) in paths.iter().zip(&lines) {
        let theirs: Vec<Option<String>> = line.split('\t').map(unhex).collect();
        let ours = ours(path);
        if theirs[..] != ours[..] {
            differ.push(format!("{path:?}\n  perl: {theirs:?}\n  ours: {ours:?}"));
        }
    }
    let identical = paths.len() - differ.len();
    println!(
        "{label}: {identical}/{} identical to CPAN::DistnameInfo",
        paths.len()
    );
    assert!(
        differ.is_empty(),
        "{label}: {} differ:\n{}",
        differ.len(),
        differ
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    (identical, paths.len())
}

#[test]
fn recorded_readings() {
    let tsv = std::fs::read_to_string(support::shared().join("corpus/tarball/DISTNAMEINFO.tsv"))
        .expect("DISTNAMEINFO.tsv");
    let mut rows = 0;
    let mut differ = Vec::new();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "{line}");
        let d = DistPath::parse(f[0]);
        let got = [
            d.dist().unwrap_or(""),
            d.version().unwrap_or(""),
            d.maturity().as_str(),
            d.distvname().unwrap_or(""),
            d.extension().unwrap_or(""),
        ];
        if got[..] != f[1..] {
            differ.push(format!("{line}\n  ours: {got:?}"));
        }
        rows += 1;
    }
    println!("DISTNAMEINFO.tsv: {}/{rows} identical", rows - differ.len());
    assert!(rows > 28_000);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn advisory_database_releases() {
    let text =
        std::fs::read_to_string(support::shared().join("data/cpansa/cpan-security-advisory.json"))
            .expect("advisory database");
    let db: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    // The database lists each dist's releases by version, not by path: the
    // archive name is the one CPAN tooling writes, `<dist>-<version>.tar.gz`.
    let mut paths = BTreeSet::new();
    for (dist, entry) in db["dists"].as_object().expect("dists") {
        for release in entry["versions"].as_array().expect("versions") {
            // A few versions are JSON numbers; their text is the version.
            // A release without a version (null) is read as `<dist>.tar.gz`.
            let path = match &release["version"] {
                serde_json::Value::String(s) => format!("{dist}-{s}.tar.gz"),
                serde_json::Value::Number(n) => format!("{dist}-{n}.tar.gz"),
                serde_json::Value::Null => format!("{dist}.tar.gz"),
                other => panic!("{dist}: release version {other}"),
            };
            paths.insert(path);
        }
    }
    let paths: Vec<String> = paths.into_iter().collect();
    let (_, total) = compare("advisory database releases", &paths);
    assert!(total > 20_000);
}

#[test]
fn snapshot_pathnames() {
    let dir = support::shared().join("corpus/snapshot");
    let mut paths = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("snapshot dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("snapshot");
        for line in text.lines() {
            if let Some(p) = line.trim_start().strip_prefix("pathname:") {
                paths.insert(p.trim().to_string());
            }
        }
    }
    let paths: Vec<String> = paths.into_iter().collect();
    let (_, total) = compare("snapshot pathnames", &paths);
    assert!(total > 2_000);
}

/// Names built from the pieces the heuristics look at, including hostile ones
/// (newlines, `v` after separators, perl releases, odd extensions, non-ASCII).
fn generated_name() -> impl Strategy<Value = String> {
    let dir = proptest::prop_oneof![
        proptest::strategy::Just(String::new()),
        proptest::strategy::Just("authors/id/A/AB/ABCD/".to_string()),
        proptest::strategy::Just("B/BA/BAR-9/sub//".to_string()),
        proptest::strategy::Just("x/authors/id/C/CD/CDX/".to_string()),
        "[a-zA-Z/]{0,6}",
    ];
    let piece = proptest::prop_oneof![
        "[A-Za-z]{1,6}",
        "[0-9]{1,4}",
        proptest::sample::select(vec![
            "-",
            "_",
            ".",
            "+",
            "-v",
            "-V",
            ".v",
            "_v",
            "v",
            "-TRIAL",
            "-RC",
            "perl",
            "perl-",
            "5.",
            ".pm",
            "-undef",
            "-withoutworldwriteables",
            "\n",
            "é",
            "0",
            " ",
            "/",
        ])
        .prop_map(str::to_string),
    ];
    let ext = proptest::sample::select(vec![
        ".tar.gz",
        ".tgz",
        ".zip",
        ".tar.bz2",
        ".tar.Z",
        ".TAR.GZ",
        ".tar",
        ".tbz",
        ".pm.gz",
        "",
        ".tar.gz\n",
    ]);
    (dir, proptest::collection::vec(piece, 0..10), ext)
        .prop_map(|(d, pieces, e)| format!("{d}{}{e}", pieces.concat()))
}

#[test]
fn generated_names() {
    let mut runner = TestRunner::deterministic();
    let strategy = generated_name();
    let mut names = BTreeSet::new();
    while names.len() < 20_000 {
        names.insert(strategy.new_tree(&mut runner).expect("tree").current());
    }
    let names: Vec<String> = names.into_iter().collect();
    compare("generated names", &names);
}

#[test]
fn maturity_words() {
    assert_eq!(Maturity::Developer.to_string(), "developer");
}

/// `Purl::dist_path_string` writes what `Purl::from_dist_path` then
/// `to_string` gives (or the same error, or nothing), on every snapshot
/// pathname and on generated names, some with lower-case authors.
#[test]
fn purl_string_agrees_with_the_purl() {
    use cpansec_meta::Purl;
    let mut runner = TestRunner::deterministic();
    let strategy = generated_name();
    let mut names: Vec<String> = (0..20_000)
        .map(|_| strategy.new_tree(&mut runner).expect("tree").current())
        .collect();
    names.extend(
        [
            "authors/id/a/ab/abcd/Foo-1.0.zip",
            "x/y/ab/Foo::Bar-1.tar.gz",
        ]
        .map(String::from),
    );
    let dir = support::shared().join("corpus/snapshot");
    for entry in std::fs::read_dir(&dir).expect("snapshot dir") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("snapshot");
        names.extend(text.lines().filter_map(|l| {
            let p = l.trim_start().strip_prefix("pathname:")?;
            Some(p.trim().to_string())
        }));
    }
    let mut written = 0;
    for name in &names {
        let path = DistPath::parse(name);
        let direct = Purl::dist_path_string(&path);
        let via_purl = Purl::from_dist_path(&path).map(|r| r.map(|p| p.to_string()));
        assert_eq!(direct, via_purl, "{name:?}");
        written += usize::from(matches!(direct, Some(Ok(_))));
    }
    assert!(written > 10_000, "only {written} purls written");
}
