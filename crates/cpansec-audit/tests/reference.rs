//! The reference test: for every Carton snapshot in the shared corpus, the
//! findings equal those a small Perl program computes from the database
//! JSON with version.pm and CPAN::DistnameInfo (tests/oracle/findings.pl),
//! independently of our readers and range code. One perl process for all
//! snapshots.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use cpansec_advisory::Database;
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::{DependencySet, scan};

use crate::support;

type Row = (String, String, String, String, String);

#[test]
fn every_corpus_snapshot_matches_the_perl_reference() {
    let dir = support::shared().join("corpus/snapshot");
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "snapshot"))
        .collect();
    snapshots.sort();
    assert_eq!(snapshots.len(), 40, "the corpus has 40 snapshots");

    let oracle = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/findings.pl");
    let output = Command::new("perl")
        .arg(&oracle)
        .arg(support::current_db())
        .args(&snapshots)
        .output()
        .expect("run perl");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected: BTreeSet<Row> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "oracle line {l:?}");
            (
                f[0].into(),
                f[1].into(),
                f[2].into(),
                f[3].into(),
                f[4].into(),
            )
        })
        .collect();

    let db = Database::load_json_file(&support::current_db()).expect("database");
    let mut actual: BTreeSet<Row> = BTreeSet::new();
    let mut with_findings = 0;
    for s in &snapshots {
        let set =
            DependencySet::from_snapshot(s, None, &db, &LoadOptions::default()).expect("snapshot");
        let report = scan(&db, &set);
        if !report.findings.is_empty() {
            with_findings += 1;
        }
        for f in report.findings {
            let kind = if f.uncertain { "U" } else { "A" };
            actual.insert((
                s.display().to_string(),
                f.dist,
                f.version,
                f.id.to_string(),
                kind.into(),
            ));
        }
    }
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert!(
        expected.len() > 500,
        "the corpus yields {} findings",
        expected.len()
    );
    assert_eq!(
        with_findings, 36,
        "36 corpus snapshots hold a known-vulnerable release"
    );
}
