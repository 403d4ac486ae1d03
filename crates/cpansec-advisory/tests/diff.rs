//! `diff` between database versions.

use cpansec_advisory::{Verdict, diff};

use crate::support;

fn versions(flips: &[cpansec_advisory::Flip], now: Verdict) -> Vec<&str> {
    flips
        .iter()
        .filter(|f| f.new == now)
        .map(|f| f.version.as_str())
        .collect()
}

#[test]
fn snapshots_2024_to_2026_counts() {
    let d = diff(support::old_db(), support::current_db());
    assert_eq!(
        (d.added.len(), d.removed.len(), d.changed.len()),
        (591, 36, 71)
    );
}

/// A real range correction between the two shared snapshots: CPAN-Checksums
/// was recorded as `>=2.12` (every later release affected) and corrected to
/// `<=2.12` with `>=2.13` fixed.
#[test]
fn cpan_checksums_correction_shows_ranges_and_flips() {
    let d = diff(support::old_db(), support::current_db());
    let c = d
        .changed
        .iter()
        .find(|c| c.id.as_str() == "CPANSA-CPAN-Checksums-2020-16155")
        .expect("CPAN-Checksums changed");
    let fields: Vec<&str> = c.fields.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["affected_versions", "fixed_versions"]);
    assert_eq!(c.fields[0].old, serde_json::json!([">=2.12"]));
    assert_eq!(c.fields[0].new, serde_json::json!(["<=2.12"]));
    assert_eq!(versions(&c.flips, Verdict::NotAffected), ["2.13", "2.14"]);
    let newly = versions(&c.flips, Verdict::Affected);
    assert_eq!(newly.first(), Some(&"1.0"));
    assert_eq!(newly.last(), Some(&"2.11"));
}

/// The HTTP-Body correction of CVE-2013-4407 (released as fixed in 1.19 by
/// mistake; really fixed in 1.23) predates both shared snapshots: its entry
/// is identical in them, so a diff between them cannot show it.
#[test]
fn http_body_entry_is_identical_in_both_snapshots() {
    let d = diff(support::old_db(), support::current_db());
    assert!(
        d.changed
            .iter()
            .all(|c| c.id.as_str() != "CPANSA-HTTP-Body-2013-4407")
    );
}

/// The HTTP-Body correction itself, from the pre-correction reading (fixed
/// in 1.19) of the real entry to the current entry: a changed range and the
/// four releases it newly marks affected.
#[test]
fn http_body_correction_shows_newly_affected_releases() {
    let before = support::edited_current("HTTP-Body", |a| {
        a["affected_versions"] = serde_json::json!([">=1.08,<1.19"]);
        a["fixed_versions"] = serde_json::json!([">=1.19"]);
    });
    let after = support::edited_current("HTTP-Body", |_| {});
    let d = diff(&before, &after);
    assert!(d.added.is_empty() && d.removed.is_empty());
    let [c] = d.changed.as_slice() else {
        panic!("one change expected: {d:?}")
    };
    assert_eq!(c.id.as_str(), "CPANSA-HTTP-Body-2013-4407");
    assert_eq!(c.fields[0].field, "affected_versions");
    assert_eq!(c.fields[0].new, serde_json::json!([">=1.08,<1.23"]));
    assert_eq!(
        versions(&c.flips, Verdict::Affected),
        ["1.19", "1.20", "1.21", "1.22"]
    );
    assert!(versions(&c.flips, Verdict::NotAffected).is_empty());
}

#[test]
fn a_database_has_no_diff_with_itself() {
    assert!(diff(support::current_db(), support::current_db()).is_empty());
}
