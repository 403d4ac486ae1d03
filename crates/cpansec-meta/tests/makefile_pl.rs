//! The static Makefile.PL reader against Perl running each corpus
//! distribution's Makefile.PL with a stub `WriteMakefile` that prints its
//! arguments: every value read as known must be what Perl computes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cpansec_meta::{MakefileValue as PerlValue, Static, Tarball, TarballLimits};
use serde_json::Value;

use crate::support;

/// Loads a fake ExtUtils::MakeMaker (a recent version, so version checks
/// take their modern branch), then for each directory on stdin forks, runs
/// its Makefile.PL there and prints `dir\tJSON of the arguments`.
const ORACLE: &str = r#"
use strict; use warnings; use JSON::PP;
BEGIN {
    $INC{'ExtUtils/MakeMaker.pm'} = __FILE__;
    package ExtUtils::MakeMaker;
    our $VERSION = '7.70';
    sub import {
        no strict 'refs';
        my $caller = caller;
        *{"${caller}::WriteMakefile"} = \&WriteMakefile;
        *{"${caller}::prompt"} = sub { $_[1] };
    }
    sub WriteMakefile {
        my %args = @_;
        print $ENV{ORACLE_DIR}, "\t", JSON::PP->new->canonical->allow_nonref->allow_unknown->encode(\%args), "\n";
        exit 0;
    }
    # Any other MakeMaker function a Makefile.PL calls does nothing.
    our $AUTOLOAD;
    sub AUTOLOAD { return }
    $INC{'ExtUtils/MakeMaker/Config.pm'} = __FILE__;
}
$| = 1;
while (my $dir = <STDIN>) {
    chomp $dir;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        chdir $dir or die "chdir $dir: $!";
        $ENV{ORACLE_DIR} = $dir;
        open STDIN, '<', '/dev/null';
        open my $null, '>', '/dev/null'; select $null; $| = 1; select STDOUT;
        local @ARGV = ();
        do './Makefile.PL';
        print "$dir\tERROR ", ($@ || 'no WriteMakefile call'), "\n";
        exit 0;
    }
    waitpid $pid, 0;
}
"#;

/// Archives whose Makefile.PL probes the system (compilers, installed
/// libraries) rather than just calling WriteMakefile.
const NOT_RUN: &[&str] = &["DBD-SQLite-Amalgamation-3.6.1.2.tar.gz"];

/// Makefile.PLs that die under Perl too (sorted by archive name).
const PERL_CANNOT_RUN: &[&str] = &["App-runscript-v1.0.0_02.tgz: ERROR Can't locate ./maint/"];

#[test]
fn known_values_agree_with_perl() {
    let work = tempfile::tempdir().expect("tempdir");
    let mut dirs: BTreeMap<String, (String, cpansec_meta::MakefilePl)> = BTreeMap::new();
    let corpus = support::shared().join("corpus/tarball");
    let mut archives: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    archives.sort();
    for archive in archives {
        let name = archive
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if NOT_RUN.contains(&name.as_str()) || name.ends_with(".tsv") {
            continue;
        }
        let tarball = Tarball::open(&archive, &TarballLimits::default()).expect("opens");
        let Some(makefile) = tarball.makefile_pl() else {
            continue;
        };
        if makefile.args.is_none() {
            continue;
        }
        let dir = work.path().join(&name);
        tarball.unpack_to(&dir).expect("unpacks");
        dirs.insert(dir.display().to_string(), (name, makefile));
    }
    let input: String = dirs.keys().map(|d| format!("{d}\n")).collect();
    let output = support::perl(ORACLE, &[], &input);

    let (mut compared, mut not_static, mut files) = (0u32, 0u32, 0usize);
    let mut perl_failed = Vec::new();
    for line in output.lines() {
        let Some((dir, json)) = line.split_once('\t') else {
            continue;
        };
        let (name, makefile) = &dirs[dir];
        if json.starts_with("ERROR") {
            perl_failed.push(format!("{name}: {json}"));
            continue;
        }
        let perl: Value = serde_json::from_str(json).expect("oracle JSON");
        let args = makefile.args.as_ref().expect("args");
        files += 1;
        for (key, ours) in &args.pairs {
            let mut counts = (0, 0);
            if let Err(e) = compare(ours, perl.get(key), key, &mut counts) {
                panic!("{name}: {e}");
            }
            compared += counts.0;
            not_static += counts.1;
        }
        not_static += args.dynamic.len() as u32;
        // Spot checks through the typed accessors.
        if let Some(Static::Known(n)) = makefile.name() {
            assert_eq!(
                perl.get("NAME").and_then(Value::as_str),
                Some(n.as_str()),
                "{name}"
            );
        }
    }
    // Perl itself cannot run these (they need files the dist does not ship).
    assert_eq!(perl_failed.len(), PERL_CANNOT_RUN.len(), "{perl_failed:#?}");
    for (failure, expected) in perl_failed.iter().zip(PERL_CANNOT_RUN) {
        assert!(failure.starts_with(expected), "{failure}");
    }
    assert_eq!(
        files + perl_failed.len(),
        dirs.len(),
        "every Makefile.PL answered"
    );
    assert!(files >= 18, "{files}");
    eprintln!(
        "Makefile.PL: {files} files, {compared} known leaf values equal to perl's, {not_static} not static"
    );
    assert!(compared >= 171, "{compared}");
}

/// Compares our value with Perl's, leaf by leaf: counts equal leaves and
/// leaves we read as not static; an unequal leaf is an error naming it.
/// Every key we read must be in Perl's hash with the same value; keys Perl
/// has beyond ours were added by code after the literal (MongoDB adds XS
/// prereqs when a compiler is found): not visible statically, and not a
/// disagreement.
fn compare(
    ours: &PerlValue,
    theirs: Option<&Value>,
    at: &str,
    counts: &mut (u32, u32),
) -> Result<(), String> {
    let mismatch = || Err(format!("{at}: ours {ours:?}, perl {theirs:?}"));
    match (ours, theirs) {
        (PerlValue::Dynamic(_), _) => counts.1 += 1,
        (PerlValue::Str(s), Some(Value::String(t))) if s == t => counts.0 += 1,
        (PerlValue::Str(s), Some(Value::Number(n))) if *s == n.to_string() => counts.0 += 1,
        (PerlValue::List(items), Some(Value::Array(theirs))) if items.len() == theirs.len() => {
            for (i, (a, b)) in items.iter().zip(theirs).enumerate() {
                compare(a, Some(b), &format!("{at}[{i}]"), counts)?;
            }
        }
        (PerlValue::Hash(hash), Some(Value::Object(theirs))) => {
            for (k, v) in &hash.pairs {
                compare(v, theirs.get(k), &format!("{at}.{k}"), counts)?;
            }
            counts.1 += hash.dynamic.len() as u32;
        }
        _ => return mismatch(),
    }
    Ok(())
}
