//! Differential tests against the machine's perl and its version.pm 0.9929:
//! every distinct version string in the advisory database, and generated
//! strings, each read by both and compared in every observable: accepted or
//! not (with the same reason), components, numify, normal, stringify, alpha,
//! dotted, the warnings version.pm gives, and ordering.

use std::collections::BTreeSet;

use cpansec_version::{Version, sort_permutation};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{perl, shared};

/// Reads JSON-encoded strings, one per line, and prints for each what
/// version.pm makes of it.
const READ_VERSIONS: &str = r#"
use strict; use warnings; use version; use JSON::PP;
my $json = JSON::PP->new->canonical->allow_nonref;
while (my $line = <STDIN>) {
    my $s = $json->decode($line);
    my @warnings;
    my $v = eval {
        local $SIG{__WARN__} = sub { push @warnings, $_[0] };
        version->parse($s);
    };
    if (my $err = $@) {
        $err =~ s/ at -e line \d+.*//s;
        print $json->encode({ err => $err }), "\n";
        next;
    }
    my $w = join "", @warnings;
    no warnings;
    print $json->encode({
        parts => [ map { 0 + $_ } @{ $v->{version} } ],
        numify => "" . $v->numify,
        normal => "" . $v->normal,
        string => "$v",
        alpha => $v->is_alpha ? JSON::PP::true : JSON::PP::false,
        qv => $v->is_qv ? JSON::PP::true : JSON::PP::false,
        ignored => ($w =~ /contains invalid data/ ? JSON::PP::true : JSON::PP::false),
        overflow => ($w =~ /Integer overflow/ ? JSON::PP::true : JSON::PP::false),
    }), "\n";
}
"#;

/// Reads pairs of JSON-encoded strings and prints `$a <=> $b` for each.
const COMPARE_PAIRS: &str = r#"
use strict; use warnings; use version; use JSON::PP;
my $json = JSON::PP->new->allow_nonref;
while (my $line = <STDIN>) {
    my ($a, $b) = @{ $json->decode($line) };
    print version->parse($a) <=> version->parse($b), "\n";
}
"#;

fn ours(s: &str) -> Value {
    match Version::parse_with_warnings(s) {
        Err(e) => json!({ "err": format!("Invalid version format ({})", e.reason) }),
        Ok((v, w)) => json!({
            "parts": v.parts(),
            "numify": v.numify(),
            "normal": v.normal(),
            "string": v.to_string(),
            "alpha": v.is_alpha(),
            "qv": v.is_qv(),
            "ignored": w.ignored.is_some(),
            "overflow": w.overflow,
        }),
    }
}

/// Compares our reading of each string with perl's; returns the mismatches.
fn differences(strings: &[String]) -> Vec<String> {
    let input: String = strings
        .iter()
        .map(|s| format!("{}\n", Value::String(s.clone())))
        .collect();
    let answers = perl(READ_VERSIONS, &[], &input);
    let answers: Vec<Value> = answers
        .lines()
        .map(|l| serde_json::from_str(l).expect("perl printed JSON"))
        .collect();
    assert_eq!(answers.len(), strings.len(), "perl answered every string");
    strings
        .iter()
        .zip(&answers)
        .filter(|(s, theirs)| ours(s) != **theirs)
        .map(|(s, theirs)| format!("{s:?}: perl {theirs}, cpansec {}", ours(s)))
        .collect()
}

/// Checks our ordering of `strings` (all parseable) against perl's `<=>` on
/// every adjacent pair of our sorted order plus `extra` pairs.
fn order_differences(strings: &[String], extra: &[(usize, usize)]) -> Vec<String> {
    let order = sort_permutation(strings).expect("all parse");
    let mut pairs: Vec<(usize, usize)> = order.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.extend_from_slice(extra);
    let input: String = pairs
        .iter()
        .map(|&(a, b)| format!("{}\n", json!([strings[a], strings[b]])))
        .collect();
    let answers = perl(COMPARE_PAIRS, &[], &input);
    let answers: Vec<i8> = answers
        .lines()
        .map(|l| l.parse().expect("-1, 0 or 1"))
        .collect();
    assert_eq!(answers.len(), pairs.len());
    pairs
        .iter()
        .zip(answers)
        .filter_map(|(&(a, b), theirs)| {
            let va = Version::parse(&strings[a]).expect("parses");
            let vb = Version::parse(&strings[b]).expect("parses");
            let mine = va.cmp(&vb) as i8;
            (mine != theirs).then(|| {
                format!(
                    "{:?} <=> {:?}: perl {theirs}, cpansec {mine}",
                    strings[a], strings[b]
                )
            })
        })
        .collect()
}

/// Every version string in the advisory database: release versions and the
/// versions inside affected and fixed ranges.
fn database_strings() -> Vec<String> {
    let path = shared().join("data/cpansa/cpan-security-advisory.json");
    let text = std::fs::read_to_string(&path).expect("advisory database");
    let db: Value = serde_json::from_str(&text).expect("advisory JSON");
    let mut strings = BTreeSet::new();
    for dist in db["dists"].as_object().expect("dists").values() {
        for release in dist["versions"].as_array().into_iter().flatten() {
            if let Some(v) = release["version"].as_str() {
                strings.insert(v.to_string());
            }
        }
        for advisory in dist["advisories"].as_array().into_iter().flatten() {
            for key in ["affected_versions", "fixed_versions"] {
                let ranges: Vec<&str> = match &advisory[key] {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                for clause in ranges.iter().flat_map(|r| r.split(',')) {
                    let v = clause.trim().trim_start_matches(['<', '>', '=', '!']);
                    strings.insert(v.trim().to_string());
                }
            }
        }
    }
    strings.into_iter().collect()
}

#[test]
fn every_database_version_reads_as_version_pm_reads_it() {
    let strings = database_strings();
    assert!(
        strings.len() > 8_500,
        "expected the full database, got {}",
        strings.len()
    );
    let diffs = differences(&strings);
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        strings.len(),
        diffs.join("\n")
    );
    let rejected = strings
        .iter()
        .filter(|s| Version::parse(s).is_err())
        .count();
    // The database has unparseable versions (e.g. `1.0-TRIAL`); they must be
    // rejected, not read as zero.
    assert!(rejected > 0);
}

#[test]
fn database_versions_sort_as_version_pm_sorts_them() {
    let strings: Vec<String> = database_strings()
        .into_iter()
        .filter(|s| Version::parse(s).is_ok())
        .collect();
    // Adjacent pairs of our order, and a spread of far-apart pairs.
    let n = strings.len();
    let extra: Vec<(usize, usize)> = (0..n).step_by(7).map(|i| (i, (i * 31 + 17) % n)).collect();
    let diffs = order_differences(&strings, &extra);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn regressions_found_by_fuzzing() {
    // A decimal that restarts as dotted from a leading period once looped forever.
    let cases = [".5.6", ".5.6.7", "..5", ".5.", "0.5.6_7", "1.2.3_4.5"];
    let strings: Vec<String> = cases.iter().map(|s| s.to_string()).collect();
    assert_eq!(differences(&strings), Vec::<String>::new());
}

/// Strings shaped like versions, with the characters and shapes that matter
/// to version.pm's grammar, and some noise.
fn version_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => "[0-9]{1,4}",
        2 => "0{1,12}[0-9]{0,3}",
        1 => "[0-9]{9,13}",
        4 => Just(".".to_string()),
        2 => Just("_".to_string()),
        1 => Just("v".to_string()),
        1 => Just(" ".to_string()),
        1 => prop::sample::select(vec![";", "{", "}", ",", ":", "-", "a", "\t", "undef", "e", "+"])
            .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn generated_strings_read_as_version_pm_reads_them(
        strings in prop::collection::vec(version_like(), 3000)
    ) {
        let diffs = differences(&strings);
        prop_assert!(diffs.is_empty(), "{}", diffs.join("\n"));
        let ok: Vec<String> = strings.into_iter().filter(|s| Version::parse(s).is_ok()).collect();
        let n = ok.len().max(1);
        let extra: Vec<(usize, usize)> = (0..ok.len()).map(|i| (i, (i * 13 + 5) % n)).collect();
        let diffs = order_differences(&ok, &extra);
        prop_assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    }
}
