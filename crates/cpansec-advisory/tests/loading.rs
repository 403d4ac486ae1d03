//! Loading the real database files, and refusing malformed ones.

use cpansec_advisory::{Database, Error, IdKind, Source};

use crate::support;

#[test]
fn current_database_loads_with_every_entry() {
    let db = support::current_db();
    assert_eq!(db.entry_count(), 2061);
    assert_eq!(db.advisories().len(), 1001);
    let with_releases = db.distributions().filter(|d| d.releases.is_some()).count();
    assert_eq!(with_releases, 418);
    let releases: usize = db
        .distributions()
        .map(|d| d.releases.as_ref().map_or(0, Vec::len))
        .sum();
    assert_eq!(releases, 21_743);
    assert_eq!(db.modules().len(), 8336);
    assert_eq!(db.metadata().epoch, Some(1_786_890_660));
    let entries: usize = db.advisories().map(|a| a.entries).sum();
    assert_eq!(entries, 2061, "every entry lands in exactly one advisory");
}

#[test]
fn cve_count_matches_the_data() {
    let db = support::current_db();
    let cves: std::collections::BTreeSet<_> = db
        .advisories()
        .flat_map(|a| a.aliases.iter())
        .filter(|a| a.kind() == IdKind::Cve)
        .collect();
    let unrecognised: std::collections::BTreeSet<_> = db
        .advisories()
        .flat_map(|a| a.unrecognised_aliases.iter())
        .collect();
    // The README's 678 distinct `cves` strings include two that are not CVE ids.
    assert_eq!(cves.len(), 676);
    assert_eq!(
        unrecognised.into_iter().collect::<Vec<_>>(),
        ["X-CVE-2014-0001", "X-CVE-2018-vue-001"]
    );
}

#[test]
fn old_database_loads() {
    let db = support::old_db();
    assert_eq!(db.entry_count(), 452);
    assert_eq!(db.modules().len(), 4236);
}

#[test]
fn entries_sharing_an_id_merge_into_groups() {
    let db = support::current_db();
    let id = "CPANSA-Lemonldap-NG-Portal-2020-16093-lemonldap"
        .parse()
        .unwrap();
    let a = db.advisory(&id).unwrap();
    assert_eq!(a.entries, 76);
    assert_eq!(a.groups.len(), 76);
}

fn load(text: &str) -> Result<Database, Error> {
    Database::from_json_slice(text.as_bytes(), Source::File("test.json".into()))
}

fn format_error(text: &str) -> (String, usize, String) {
    match load(text) {
        Err(Error::Format {
            source_name,
            json_path,
            line,
            message,
            ..
        }) => {
            assert_eq!(source_name, "test.json");
            (json_path, line, message)
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

const GOOD: &str = r#"{"meta": {"date": "Sun Aug 16 14:31:00 2026", "epoch": 1786890660},
"module2dist": {"Foo::Bar": "Foo"},
"dists": {"Foo": {"main_module": "Foo", "versions": [{"version": "1.0", "date": "2020-01-01T00:00:00"}],
"advisories": [{"id": "CPANSA-Foo-2020-1", "distribution": "Foo", "cves": ["CVE-2020-1234"],
"affected_versions": ["<1.1"], "fixed_versions": [">=1.1"], "severity": null,
"description": "x", "references": [], "reported": "2020-01-01"}]}}}"#;

#[test]
fn a_minimal_database_loads() {
    let db = load(GOOD).unwrap();
    assert_eq!(db.advisories().len(), 1);
}

#[test]
fn truncated_file_is_an_error_with_line() {
    let cut = &GOOD[..GOOD.len() / 2];
    let (_, line, message) = format_error(cut);
    assert!(line >= 3, "line {line}");
    assert!(message.contains("EOF"), "{message}");
}

#[test]
fn wrong_type_names_the_json_path() {
    let bad = GOOD.replace(r#""cves": ["CVE-2020-1234"]"#, r#""cves": "CVE-2020-1234""#);
    let (path, line, _) = format_error(&bad);
    assert_eq!(path, "dists.Foo.advisories[0].cves");
    assert_eq!(line, 4);
}

#[test]
fn unknown_field_is_an_error() {
    let bad = GOOD.replace(
        r#""severity": null"#,
        r#""severity": null, "sevrity": "high""#,
    );
    let (path, _, message) = format_error(&bad);
    assert_eq!(path, "dists.Foo.advisories[0].sevrity");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn huge_string_is_an_error() {
    let huge = "a".repeat(cpansec_advisory::MAX_STRING_LEN + 1);
    let bad = GOOD.replace(
        r#""description": "x""#,
        &format!(r#""description": "{huge}""#),
    );
    let (path, _, message) = format_error(&bad);
    assert_eq!(path, "dists.Foo.advisories[0].description");
    assert!(message.contains("limit"), "{message}");
}

#[test]
fn trailing_data_is_an_error() {
    let (_, _, message) = format_error(&format!("{GOOD} []"));
    assert!(message.contains("trailing"), "{message}");
}

#[test]
fn an_advisory_id_that_is_not_cpansa_is_an_error() {
    let bad = GOOD.replace(r#""id": "CPANSA-Foo-2020-1""#, r#""id": "CVE-2020-1234""#);
    match load(&bad) {
        Err(Error::Invalid { json_path, .. }) => {
            assert_eq!(json_path, "dists.Foo.advisories[0].id")
        }
        other => panic!("expected invalid id, got {other:?}"),
    }
}

#[test]
fn a_truncated_real_file_never_loads() {
    let bytes = std::fs::read(support::current_db_path()).unwrap();
    for cut in [1, bytes.len() / 3, bytes.len() - 2] {
        assert!(
            Database::from_json_slice(&bytes[..cut], Source::File("x".into())).is_err(),
            "cut at {cut}"
        );
    }
}
