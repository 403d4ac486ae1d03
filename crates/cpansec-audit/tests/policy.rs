//! The ignore policy applied to a real scan.

use cpansec_advisory::Database;
use cpansec_audit::deps::LoadOptions;
use cpansec_audit::{DependencySet, Policy, scan};

use crate::support;

#[test]
fn ignores_apply_expire_and_warn_when_unused() {
    let db = Database::load_json_file(&support::current_db()).expect("database");
    let snap = support::shared().join("corpus/snapshot/Act-TNG__Act.cpanfile.snapshot");
    let set =
        DependencySet::from_snapshot(&snap, None, &db, &LoadOptions::default()).expect("snapshot");
    let mut report = scan(&db, &set);
    let total = report.findings.len();
    let dbi = report.findings.iter().filter(|f| f.dist == "DBI").count();
    assert!(dbi > 1);
    let policy = Policy::parse(
        "[[ignore]]\nid = \"CVE-2020-14393\"\nreason = \"not reachable\"\n\
         [[ignore]]\nid = \"CPANSA-DBI-2020-02\"\nreason = \"old\"\nexpires = \"2001-01-01\"\n\
         [[ignore]]\nid = \"CVE-1999-0001\"\nreason = \"nothing\"\n",
        std::path::Path::new(".cpansec.toml"),
    )
    .expect("policy");
    let outcome = policy.apply(&mut report, "2026-12-02");
    assert_eq!(
        report.findings.len(),
        total - 1,
        "the alias ignore removes one finding"
    );
    assert_eq!(report.ignored.len(), 1);
    assert_eq!(report.ignored[0].1, "not reachable");
    assert_eq!(outcome.warnings.len(), 2, "{:?}", outcome.warnings);
    assert!(outcome.warnings[0].contains("expired"));
    assert!(outcome.warnings[1].contains("matched no finding"));
}
