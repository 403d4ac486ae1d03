//! Queries over the real database.

use cpansec_advisory::{Id, Verdict};
use cpansec_version::Requirement;

use crate::support::{self, v};

fn id(s: &str) -> Id {
    s.parse().expect("test id parses")
}

#[test]
fn any_id_form_resolves_both_ways() {
    let db = support::current_db();
    let by_cve = db.lookup(&id("CVE-2013-4407"));
    assert_eq!(by_cve.len(), 1);
    assert_eq!(by_cve[0].id.as_str(), "CPANSA-HTTP-Body-2013-4407");
    let by_lower = db.lookup(&id("cve-2013-4407"));
    assert_eq!(by_lower[0].id, by_cve[0].id);
    let a = db.lookup(&id("CPANSA-HTTP-Body-2013-4407"))[0];
    assert_eq!(a.display_id().as_str(), "CVE-2013-4407");
}

#[test]
fn one_cve_filed_for_several_distributions_resolves_to_each() {
    let db = support::current_db();
    let found = db.lookup(&id("CVE-2020-16093"));
    let dists: Vec<&str> = found.iter().map(|a| a.distribution.as_str()).collect();
    assert!(dists.len() >= 3, "{dists:?}");
}

#[test]
fn http_body_verdicts_follow_the_corrected_range() {
    let db = support::current_db();
    let f = db.findings("HTTP-Body", &v("1.22"));
    assert_eq!(f.affected.len(), 1);
    assert!(db.findings("HTTP-Body", &v("1.23")).is_safe());
    assert!(db.findings("HTTP-Body", &v("1.07")).is_safe());
    let a = f.affected[0];
    assert_eq!(a.verdict("HTTP-Body", &v("1.08")), Verdict::Affected);
}

#[test]
fn affected_releases_and_first_safe() {
    let db = support::current_db();
    let affected: Vec<String> = db
        .affected_releases("HTTP-Body")
        .iter()
        .map(|(r, _)| r.version.to_string())
        .collect();
    assert_eq!(affected.first().map(String::as_str), Some("1.08"));
    assert_eq!(affected.last().map(String::as_str), Some("1.22"));
    assert_eq!(affected.len(), 14);
    let safe = db.first_safe_after("HTTP-Body", &v("1.10")).unwrap();
    assert_eq!(safe.version.to_string(), "1.23");
    let within: Requirement = "< 1.23".parse().unwrap();
    assert!(
        db.first_safe_within("HTTP-Body", &v("1.10"), &within)
            .is_none()
    );
    let within: Requirement = ">= 1.0, < 2".parse().unwrap();
    assert_eq!(
        db.first_safe_within("HTTP-Body", &v("1.10"), &within)
            .unwrap()
            .version
            .to_string(),
        "1.23"
    );
}

#[test]
fn modules_map_to_distributions() {
    let db = support::current_db();
    assert_eq!(
        db.distribution_of_module("HTTP::Body::MultiPart"),
        Some("HTTP-Body")
    );
    assert!(!db.advisories_for("HTTP-Body").is_empty());
}
