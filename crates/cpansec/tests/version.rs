//! `cpansec version ...`.

use predicates::prelude::*;

use crate::support::cpansec;

#[test]
fn cmp_prints_the_ordering_as_version_pm_does() {
    for (a, b, want) in [
        ("1.5", "1.49", "1"),
        ("1.10", "1.1", "0"),
        ("v1.2.3", "1.002004", "-1"),
    ] {
        cpansec()
            .args(["version", "cmp", a, b])
            .assert()
            .success()
            .stdout(format!("{want}\n"));
    }
}

#[test]
fn an_unparseable_version_is_an_input_error() {
    cpansec()
        .args(["version", "cmp", "1.0-TRIAL", "1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("1.0-TRIAL"));
}

#[test]
fn sort_is_stable_and_names_the_bad_line() {
    cpansec()
        .args(["version", "sort"])
        .write_stdin("1.10\nv1.2\n1.1\n0.9\n")
        .assert()
        .success()
        .stdout("0.9\nv1.2\n1.10\n1.1\n");
    cpansec()
        .args(["version", "sort", "--reverse"])
        .write_stdin("1.10\nv1.2\n1.1\n0.9\n")
        .assert()
        .success()
        .stdout("1.10\n1.1\nv1.2\n0.9\n");
    cpansec()
        .args(["version", "sort"])
        .write_stdin("1.0\n2.0\n2.00b02\n")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("line 3").and(predicate::str::contains("2.00b02")));
}

#[test]
fn normal_and_numify() {
    cpansec()
        .args(["version", "normal", "1.5"])
        .assert()
        .success()
        .stdout("v1.500.0\n");
    cpansec()
        .args(["version", "numify", "v1.2.3"])
        .assert()
        .success()
        .stdout("1.002003\n");
}

#[test]
fn usage_errors_exit_2() {
    cpansec().args(["version", "frobnicate"]).assert().code(2);
}
