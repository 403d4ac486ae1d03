//! Differential tests of [`Requirement`] against CPAN::Meta::Requirements
//! 2.140 on generated requirement strings: the normalised string, which
//! strings are rejected (bad version or contradiction), the intersection of
//! two requirements, and which versions each accepts.

use cpansec_version::{Requirement, RequirementError, Version};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::perl;

/// For each JSON line `[req_a, req_b, [versions...]]`: the reading of `req_a`,
/// of `req_a` and `req_b` together, and whether `req_a` accepts each version.
const ORACLE: &str = r#"
use strict; use warnings; use CPAN::Meta::Requirements; use JSON::PP;
my $json = JSON::PP->new->canonical;
sub reading {
    my (@reqs) = @_;
    my $r = CPAN::Meta::Requirements->new;
    local $SIG{__WARN__} = sub {};
    eval { $r->add_string_requirement(M => $_) for @reqs; 1 } or do {
        my $e = $@;
        return { err => ($e =~ /^illegal requirements/ ? "contradiction" : "version") };
    };
    return { ok => $r->requirements_for_module("M"), r => $r };
}
while (my $line = <STDIN>) {
    my ($a, $b, $versions) = @{ $json->decode($line) };
    my $one = reading($a);
    my $both = reading($a, $b);
    my @accepts = map { my $v = $_; ($one->{r} && eval { $one->{r}->accepts_module(M => $v) }) ? 1 : 0 } @$versions;
    delete $_->{r} for $one, $both;
    print $json->encode([$one, $both, \@accepts]), "\n";
}
"#;

fn reading(r: &Result<Requirement, RequirementError>) -> Value {
    match r {
        Ok(req) => json!({ "ok": req.to_string() }),
        Err(RequirementError::Contradiction(_)) => json!({ "err": "contradiction" }),
        Err(_) => json!({ "err": "version" }),
    }
}

fn ours(a: &str, b: &str, versions: &[String]) -> Value {
    let one = Requirement::parse(a);
    let both = one.clone().and_then(|ra| ra.add_str(b));
    let accepts: Vec<u8> = versions
        .iter()
        .map(|v| match (&one, Version::parse_exact(v)) {
            (Ok(r), Ok(v)) => u8::from(r.accepts(&v)),
            _ => 0,
        })
        .collect();
    json!([reading(&one), reading(&both), accepts])
}

fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]\\.[0-9]{1,3}",
        "v?[0-9]\\.[0-9]{1,2}\\.[0-9]{1,2}",
        "[0-9]",
        "[0-9]\\.[0-9]{2}_[0-9]{2}",
        Just("0".to_string()),
        Just(".5".to_string()),
        Just("1.2 ".to_string()),
        Just("1.0-TRIAL".to_string()),
    ]
}

fn clause() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", ">= ", ">=", "> ", "<= ", "< ", "== ", "!= ", "<"]),
        version(),
    )
        .prop_map(|(op, v)| format!("{op}{v}"))
}

fn requirement() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(clause(), 1..4),
        prop::sample::select(vec![",", ", ", " , "]),
    )
        .prop_map(|(clauses, sep)| clauses.join(sep))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn generated_requirements_read_as_cpan_meta_requirements_reads_them(
        cases in prop::collection::vec(
            (requirement(), requirement(), prop::collection::vec(version(), 4)),
            1500,
        )
    ) {
        let input: String = cases
            .iter()
            .map(|(a, b, vs)| format!("{}\n", json!([a, b, vs])))
            .collect();
        let answers = perl(ORACLE, &[], &input);
        let answers: Vec<Value> =
            answers.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
        prop_assert_eq!(answers.len(), cases.len());
        let diffs: Vec<String> = cases
            .iter()
            .zip(&answers)
            .filter(|((a, b, vs), theirs)| ours(a, b, vs) != **theirs)
            .map(|((a, b, vs), theirs)| {
                format!("{a:?} + {b:?} {vs:?}: perl {theirs}, cpansec {}", ours(a, b, vs))
            })
            .collect();
        prop_assert!(diffs.is_empty(), "{} differ:\n{}", diffs.len(), diffs.join("\n"));
    }
}
