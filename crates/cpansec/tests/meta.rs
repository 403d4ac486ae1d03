//! `cpansec meta ...`: the readers of cpansec-meta, end to end on real files.

use predicates::prelude::*;

use crate::support::{cpansec, shared};

fn json_of(args: &[&str], path: &std::path::Path) -> serde_json::Value {
    let out = cpansec().args(args).arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_snapshot_reads_with_dist_paths_and_purls() {
    let path = shared().join("corpus/snapshot/metacpan__metacpan-api.cpanfile.snapshot");
    let doc = json_of(&["meta", "show"], &path);
    let dists = doc["distributions"].as_array().unwrap();
    assert_eq!(dists.len(), 486);
    let body = dists
        .iter()
        .find(|d| d["name"] == "HTTP-Body-1.22")
        .unwrap();
    assert_eq!(body["author"], "GETTY");
    assert_eq!(body["purl"], "pkg:cpan/HTTP-Body@1.22?author=GETTY");
    assert_eq!(body["provides"]["HTTP::Body"], "1.22");
}

#[test]
fn a_cpanfile_reads_as_module_cpanfile_reads_it_with_lines() {
    let name = "plack__Plack";
    let path = shared().join(format!("corpus/cpanfile/{name}.cpanfile"));
    let doc = json_of(&["meta", "show"], &path);
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared().join(format!("corpus/cpanfile-expected/{name}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(doc["module_cpanfile"]["prereqs"], expected["prereqs"]);
    assert!(
        doc["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["line"].as_u64().unwrap() > 0)
    );
}

#[test]
fn perl_outside_the_cpanfile_language_is_an_error_at_its_line_unless_allowed() {
    let path = shared().join("corpus/cpanfile/Corion__Filesys-DB.cpanfile");
    cpansec()
        .args(["meta", "show"])
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "Corion__Filesys-DB.cpanfile:29:1: Perl `if`",
        ))
        .stderr(predicate::str::contains("caused by").not());
    cpansec()
        .args(["meta", "show", "--allow-perl"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"evaluated_by_perl\": true"))
        .stderr(predicate::str::contains("read by running it with perl"));
}

#[test]
fn meta_files_and_archives() {
    let meta = json_of(
        &["meta", "show"],
        &shared().join("corpus/meta-json/3scale__Test-APIcast.META.json"),
    );
    assert_eq!(meta["meta"]["name"], "Test-APIcast");
    assert_eq!(meta["license_spdx"], "Apache-2.0");
    let archive = json_of(
        &["meta", "show"],
        &shared().join("corpus/tarball/XML-Tiny-DOM-1.0.zip"),
    );
    assert_eq!(archive["format"], "zip");
    assert_eq!(archive["name"]["dist"], "XML-Tiny-DOM");
    assert!(archive["entries"].as_array().unwrap().len() > 3);
}

#[test]
fn dist_paths_read_as_cpan_distnameinfo() {
    let out = cpansec()
        .args([
            "meta",
            "distpath",
            "authors/id/E/ET/ETHER/Moose-2.2207-TRIAL.tar.gz",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc[0]["dist"], "Moose");
    assert_eq!(doc[0]["version"], "2.2207-TRIAL");
    assert_eq!(doc[0]["maturity"], "developer");
    assert_eq!(doc[0]["cpanid"], "ETHER");
}

#[test]
fn an_unknown_file_kind_is_a_usage_error() {
    cpansec()
        .args(["meta", "show", "Cargo.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--kind"));
}
