//! Each lint rule, triggered by a real entry of the shared database.

use std::collections::BTreeSet;

use cpansec_advisory::{Database, Level, Report, Rule, lint};

use crate::support;

fn current_report() -> &'static Report {
    static REPORT: std::sync::OnceLock<Report> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| lint(support::current_db()))
}

/// Asserts that `rule` reports `subject` (an advisory id, or a distribution
/// for distribution-level rules) in `report`, naming `field`.
fn assert_flags(report: &Report, rule: Rule, subject: &str, field: &str) {
    let hit = report.of(rule).any(|p| {
        let s =
            p.id.as_ref()
                .map_or(p.distribution.as_str(), |id| id.as_str());
        s == subject && p.field == field
    });
    let seen: Vec<String> = report
        .of(rule)
        .take(5)
        .map(|p| format!("{:?} {} {}", p.id, p.distribution, p.field))
        .collect();
    assert!(
        hit,
        "{rule} does not report {subject} {field}; it reports {seen:?}"
    );
}

/// Real entries of the 2026 database, one per rule that the data triggers.
const REAL: &[(Rule, &str, &str)] = &[
    (
        Rule::BareVersionRange,
        "CPANSA-Lemonldap-NG-Common-2020-16093-lemonldap",
        "entries[0].affected_versions[0]",
    ),
    (
        Rule::SingleEqualsRange,
        "CPANSA-DBD-SQLite-2018-3906-sqlite",
        "entries[0].affected_versions[0]",
    ),
    (
        Rule::RangeMatchesNoRelease,
        "CPANSA-App-japerl-2016-1238",
        "affected_versions[0]",
    ),
    (
        Rule::FixedOverlapsAffected,
        "CPANSA-Authen-SASL-2025-40918",
        "affected_versions[0]",
    ),
    (
        Rule::NoAffectedRange,
        "CPANSA-ActivePerl-2004-0377",
        "affected_versions",
    ),
    (
        Rule::IdDistributionMismatch,
        "CPANSA-Net-IPV4Addr-2021-47155",
        "id",
    ),
    (Rule::NonCanonicalId, "CPANSA-POSIX-2008-001", "id"),
    (
        Rule::DuplicateIdConflict,
        "CPANSA-Crypt-JWT-2019-01",
        "description",
    ),
    (
        Rule::InvalidAlias,
        "CPANSA-Yancy-X-CVE-2018-vue-001-vue",
        "cves",
    ),
    (Rule::NoCve, "CPANSA-Apache-ASP-2000-01", "cves"),
    (Rule::MissingReleaseList, "ActivePerl", "versions"),
    (Rule::UnparseableReleaseVersion, "Archive-Zip", "versions"),
    (Rule::UnknownSeverity, "CPANSA-DBI-2026-73193", "severity"),
];

#[test]
fn each_rule_flags_a_real_entry() {
    for (rule, subject, field) in REAL {
        assert_flags(current_report(), *rule, subject, field);
    }
}

fn edited_http_body(edit: impl FnOnce(&mut serde_json::Value)) -> Database {
    support::edited_current("HTTP-Body", edit)
}

/// Rules the shared data does not trigger, shown on the real HTTP-Body entry
/// with one field changed.
#[test]
fn rules_the_data_does_not_trigger_flag_an_edited_real_entry() {
    let id = "CPANSA-HTTP-Body-2013-4407";
    let db = edited_http_body(|a| a["affected_versions"][0] = ">=1.08,<1.23-TRIAL".into());
    assert_flags(
        &lint(&db),
        Rule::UnparseableRange,
        id,
        "affected_versions[0]",
    );
    let db = edited_http_body(|a| a["reported"] = "2013-9-2".into());
    assert_flags(&lint(&db), Rule::InvalidDate, id, "reported");
    let db = edited_http_body(|a| a["distribution"] = "HTTP-Body-XS".into());
    assert_flags(&lint(&db), Rule::MisfiledAdvisory, id, "distribution");
}

#[test]
fn the_unedited_entry_is_clean() {
    let db = edited_http_body(|_| {});
    let report = lint(&db);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(!report.has_errors());
}

#[test]
fn every_rule_is_tested() {
    let mut tested: BTreeSet<Rule> = REAL.iter().map(|(r, _, _)| *r).collect();
    tested.extend([
        Rule::UnparseableRange,
        Rule::InvalidDate,
        Rule::MisfiledAdvisory,
    ]);
    let all: BTreeSet<Rule> = Rule::ALL.iter().copied().collect();
    assert_eq!(tested, all);
}

#[test]
fn codes_are_unique_kebab_case() {
    let codes: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), Rule::ALL.len());
    for code in codes {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{code}"
        );
    }
}

/// The figures reported in the crate documentation for the 2026 database.
#[test]
fn counts_on_the_current_database() {
    let report = current_report();
    let count = |r: Rule| report.counts[r.code()];
    assert_eq!(count(Rule::NoCve), 104);
    assert_eq!(count(Rule::InvalidAlias), 2);
    assert_eq!(count(Rule::UnparseableRange), 0);
    assert!(report.has_errors());
    assert!(report.problems.iter().any(|p| p.level == Level::Info));
}
