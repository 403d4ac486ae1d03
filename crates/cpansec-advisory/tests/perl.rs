//! Loading the database of the installed CPAN::Audit (Debian's
//! libcpan-audit-perl, 2023 schema) through perl, checked against perl
//! reading the same module.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cpansec_advisory::{
    Database, Error, Location, PERL_TIMEOUT, PerlModule, Source, load_perl, load_perl_from,
};

fn cpan_audit() -> PerlModule {
    PerlModule::parse("CPAN::Audit").expect("valid name")
}

/// perl's own view of the module: per entry, `id`, the kind of
/// `affected_versions` and `fixed_versions` (ARRAY, string, undef) and their
/// items joined with `|`.
fn perl_view() -> Vec<String> {
    let script = r#"
        use CPAN::Audit::DB;
        my $db = CPAN::Audit::DB->db;
        sub show { my $v = shift; !defined $v ? 'undef:' : ref $v ? 'ARRAY:' . join('|', @$v) : "string:$v" }
        for my $d (sort keys %{ $db->{dists} }) {
            for my $a (@{ $db->{dists}{$d}{advisories} }) {
                print join("\t", $d, $a->{id}, show($a->{affected_versions}), show($a->{fixed_versions})), "\n";
            }
        }
    "#;
    let out = Command::new("perl")
        .args(["-e", script])
        .output()
        .expect("perl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("perl prints UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn installed_cpan_audit_loads_with_every_entry_as_perl_sees_it() {
    let p = load_perl(&cpan_audit(), PERL_TIMEOUT).unwrap();
    assert_eq!(
        p.source,
        Source::Perl {
            module: "CPAN::Audit::DB".into(),
            version: p.version.clone()
        }
    );
    assert!(p.file.as_deref().unwrap().ends_with("CPAN/Audit/DB.pm"));
    // the 2023 schema's quirks are all met in the real module
    for quirk in [
        "no meta block",
        "range or cves written as one string",
        "null or absent range or cves list",
        "comments instead of comment",
        "x-file dropped",
        "main_module inside an advisory dropped",
    ] {
        assert!(
            p.quirks.get(quirk).copied().unwrap_or(0) > 0,
            "{quirk}: {:?}",
            p.quirks
        );
    }
    let view = perl_view();
    let ours: Vec<String> = p
        .feed
        .dists
        .iter()
        .flat_map(|(d, dist)| {
            dist.advisories.iter().map(move |a| {
                let list = |l: &[cpansec_advisory::feed::Text]| {
                    l.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("|")
                };
                format!(
                    "{d}\t{}\t{}\t{}",
                    a.id,
                    list(&a.affected_versions),
                    list(&a.fixed_versions)
                )
            })
        })
        .collect();
    assert_eq!(ours.len(), view.len());
    for (o, v) in ours.iter().zip(&view) {
        // perl's undef is an empty list, a string a list of that string
        let normal: Vec<String> = v
            .split('\t')
            .map(|f| {
                f.strip_prefix("undef:")
                    .or_else(|| f.strip_prefix("string:"))
                    .or_else(|| f.strip_prefix("ARRAY:"))
                    .unwrap_or(f)
                    .to_string()
            })
            .collect();
        assert_eq!(o, &normal.join("\t"));
    }
    let db = Database::from_feed(p.feed, p.source).unwrap();
    assert_eq!(db.entry_count(), view.len());
    let meta = db.metadata();
    assert_eq!(meta.generator.as_deref(), Some("util/generate"));
    assert!(meta.generated_at().is_some());
    // a string range is one range: ActivePerl 5.16.1.1601 exactly
    let id: cpansec_advisory::Id = "CPANSA-ActivePerl-2012-5377".parse().unwrap();
    let a = db.advisory(&id).unwrap();
    assert_eq!(a.groups[0].affected[0].as_str(), "5.16.1.1601");
    assert!(a.groups[0].fixed.is_empty());
}

#[test]
fn perl_prefix_selects_the_module_everywhere() {
    let env = |_: &str| None;
    assert_eq!(
        Location::resolve(Some(Path::new("perl:CPAN::Audit")), env, |_| false),
        Location::Perl("CPAN::Audit".into())
    );
    let env = |k: &str| (k == "CPANSEC_DB").then(|| "perl:CPANSA::DB".into());
    assert_eq!(
        Location::resolve(None, env, |_| false),
        Location::Perl("CPANSA::DB".into())
    );
    let db = Location::Perl("CPAN::Audit".into()).load().unwrap();
    assert!(
        db.source()
            .to_string()
            .starts_with("perl:CPAN::Audit::DB 2023")
    );
}

fn fake_module(dir: &Path, name: &str, body: &str) {
    std::fs::write(
        dir.join(format!("{name}.pm")),
        format!("package {name};\n{body}\n1;\n"),
    )
    .expect("module written");
}

#[test]
fn a_missing_module_a_non_hash_a_hang_and_huge_output_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let lib = [dir.path()];
    let err = |name: &str, timeout: u64| -> String {
        let m = PerlModule::parse(name).unwrap();
        match load_perl_from(&m, Duration::from_secs(timeout), &lib) {
            Err(e @ Error::Perl { .. }) => e.to_string(),
            other => panic!("{name}: expected a perl error, got {other:?}"),
        }
    };
    assert!(err("No::Such::Module", 60).contains("Can't locate No/Such/Module.pm"));
    fake_module(dir.path(), "NotAHash", "sub db { [] }");
    assert!(err("NotAHash", 60).contains("did not return a hash reference"));
    fake_module(dir.path(), "Hangs", "sub db { sleep 30; {} }");
    assert!(err("Hangs", 1).contains("did not finish within 1 s"));
    fake_module(
        dir.path(),
        "Huge",
        "sub db { { dists => {}, module2dist => { x => 'y' x (65 * 1024 * 1024) } } }",
    );
    assert!(err("Huge", 60).contains("more than the limit"));
    // a hash that is not a database is the loader's error, with the path
    fake_module(
        dir.path(),
        "Wrong",
        "sub db { { dists => { D => { advisories => 1 } }, module2dist => {} } }",
    );
    let m = PerlModule::parse("Wrong").unwrap();
    match load_perl_from(&m, PERL_TIMEOUT, &lib) {
        Err(Error::Format {
            json_path,
            source_name,
            ..
        }) => {
            assert_eq!(json_path, "dists.D.advisories");
            assert_eq!(source_name, "perl:Wrong");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}
