//! `ModuleInfo` against Module::Metadata 1.000037: synthetic modules covering
//! each rule, then every `.pm` file installed on this machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cpansec_meta::{ModuleInfo, VersionValue};
use serde_json::Value;

use crate::support;

/// For each file named on stdin, one JSON line: Module::Metadata's `name`,
/// `packages_inside`, and `version($p)` stringified for every package it
/// knows (`''`, main without a version, as null), or the error it died with.
/// Version lines are evaluated by Module::Metadata itself, so stdout is
/// moved aside and `exit` is turned into `die`.
const ORACLE: &str = r#"
BEGIN { *CORE::GLOBAL::exit = sub { die "exit called\n" }; }
use strict; use warnings;
use Module::Metadata; use JSON::PP;
open(my $out, '>&', \*STDOUT) or die; open(STDOUT, '>', '/dev/null') or die;
my $json = JSON::PP->new->canonical->utf8;
local $SIG{__WARN__} = sub {};
while (my $file = <STDIN>) {
    chomp $file;
    my %r = (file => $file);
    my $m = eval { Module::Metadata->new_from_file($file) };
    if (!$m) { my $e = $@ || 'undef'; $e =~ s/\n.*//s; $r{error} = $e; }
    else {
        $r{name} = $m->name;
        $r{packages} = [ $m->packages_inside ];
        my %seen;
        for my $p ($m->packages_inside, keys %{ $m->{versions} }) {
            next if $seen{$p}++;
            my $v = $m->version($p);
            $r{versions}{$p} = (defined $v && length "$v") ? "$v" : undef;
        }
        $r{versions} ||= {};
    }
    print $out $json->encode(\%r), "\n";
}
"#;

/// Our reading in the oracle's shape; a dynamic version shows as `dynamic: …`.
fn ours(info: &ModuleInfo) -> Value {
    let versions: BTreeMap<&str, Value> = info
        .packages
        .iter()
        .map(|(p, pv)| {
            let v = match pv.version.as_ref().map(|d| &d.value) {
                Some(VersionValue::Static(s)) => Value::from(s.as_str()),
                Some(VersionValue::Dynamic(code)) => Value::from(format!("dynamic: {code}")),
                None => Value::Null,
            };
            (p.as_str(), v)
        })
        .collect();
    serde_json::json!({
        "name": info.name,
        "packages": info.packages_inside,
        "versions": versions,
    })
}

fn oracle(files: &[PathBuf]) -> Vec<Value> {
    let input: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let out = support::perl(ORACLE, &[], &input);
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle prints JSON"))
        .collect();
    assert_eq!(rows.len(), files.len(), "one oracle answer per file");
    rows
}

fn strip_file(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("file");
    }
    v
}

/// Each rule, with the version Module::Metadata reports. Every one must agree.
const CASES: &[&str] = &[
    "package Foo;\nour $VERSION = '1.23';\n",
    "package Foo;\nour $VERSION = 1.10;\n",
    "package Foo;\nour $VERSION = \"1.23\";\n",
    "package Foo;\n$VERSION = '1.23';\n",
    "package Foo;\n$Foo::VERSION = '1.23';\n",
    "package Foo;\nour $VERSION = '1.23_01'; $VERSION = eval $VERSION;\n",
    "package Foo;\nour $VERSION = '1.23_01';\n$VERSION = eval $VERSION;\n",
    "package Foo;\nour $VERSION = '1.230'; $VERSION = eval $VERSION;\n",
    "package Foo;\nour $VERSION = '1.02'; $VERSION = eval $VERSION if $VERSION =~ /_/;\n",
    "package Foo;\nuse version; our $VERSION = qv('1.2.3');\n",
    "package Foo;\nuse version; our $VERSION = qv('1.2');\n",
    "package Foo;\nuse version; our $VERSION = qv(1.2.3);\n",
    "package Foo;\nuse version; our $VERSION = version->declare('v1.2.3');\n",
    "package Foo;\nuse version; our $VERSION = version->declare(\"1.2\");\n",
    "package Foo;\nuse version; our $VERSION = version->parse('1.2');\n",
    "package Foo;\nour $VERSION = v1.2.3;\n",
    "package Foo;\nour $VERSION = 1.2.3;\n",
    "package Foo 1.50;\n",
    "package Foo v1.2.3 {\n  our $VERSION = '9';\n}\n",
    "package Foo 1.2 { }\npackage Bar 2.3;\n",
    "package Foo; our $VERSION = '1.0';\n",
    "package Foo;\n# our $VERSION = '9';\nour $VERSION = '1.0'; # was 0.9\n",
    "package Foo;\n=head1 NAME\n\nour $VERSION = '9';\n\n=cut\nour $VERSION = '2.0';\n",
    "package Foo;\n__END__\nour $VERSION = '9';\n",
    "package Foo;\n__DATA__\nour $VERSION = '9';\n",
    "package Foo;\nour $VERSION = '1.0';\npackage Foo::Bar;\nour $VERSION = '1.1';\npackage Foo::_Private;\n",
    "package Foo;\n$VERSION = '1';\n$VERSION = '2';\n",
    "our $VERSION = '3.0';\npackage Foo;\n",
    "use strict;\npackage Foo;\nour $VERSION = '1';\n",
    "package Foo;\nour $VERSION = '';\n",
    "package Foo;\nour $VERSION = undef;\n",
    "package Foo;\nour $VERSION = '1.23-TRIAL';\n",
    "package Foo;\nour $VERSION = '1.2_3_4';\n",
    "package Foo;\nour $VERSION = 'abc';\n",
    "package Foo;\nour $VERSION = 2;\n",
    "package Foo;\nour $VERSION = 1_000;\n",
    "package Foo;\nour $VERSION = .5;\n",
    "package Foo;\nour $VERSION = '.5';\n",
    "package Foo;\nour $VERSION = 1e3;\n",
    "package Foo;\nour $VERSION = 0x10;\n",
    "package Foo;\nour $VERSION = 123456789.123456789;\n",
    "package Foo;\nour $VERSION = q{1.5};\n",
    "package Foo;\nour $VERSION = \"1.2\\x30\";\n",
    "package Foo;\n($VERSION) = '1.7';\n",
    "package Foo;\n$DB::VERSION = $DB::VERSION = '1.1';\n",
    "package Foo;\n*VERSION = \\'1.01';\n",
    "package Foo;\nour $VERSION = sprintf \"%d.%02d\", q$Revision: 3.00 $ =~ /(\\d+)/g;\n",
    "package Foo;\nour $VERSION = sprintf(\"%d.%03d\", q$Revision: 1.5 $ =~ /(\\d+)\\.(\\d+)/);\n",
    "package Foo;\nour $VERSION = do { my @r = ( q$Revision: 2.3 $ =~ /\\d+/g ); sprintf \"%d.\" . \"%02d\" x $#r, @r };\n",
    "package Foo;\n($VERSION) = q$Revision: 1.2 $ =~ /(\\d+)/g;\n",
    "package Foo;\n$VERSION = (qw$Revision: 1.5 $)[1];\n",
    "package Foo;\nmy $x = $VERSION; our $VERSION = '4.5';\n",
    "package Foo;\nour $VERSION = '1.0'; use strict;\n",
    "package Foo::Bar'Baz;\nour $VERSION = '1';\n",
    "package Foo;\r\nour $VERSION = '1.2';\r\n",
    "\u{feff}package Foo;\nour $VERSION = '1.3';\n",
    "package Foo;\nmy $x = 1;\nour $VERSION = '1.5';\n",
    "package Foo;\n    our $VERSION = '2.5';\n",
    "package Foo;\n$Foo::Bar::VERSION = '3.1';\n$VERSION = '1';\n",
    "package Foo;\n$::VERSION = '3.1';\n",
];

/// The cases above, with the version lines Module::Metadata must run code for
/// and we report as dynamic.
const DYNAMIC_CASES: &[&str] = &[
    "package Foo;\nour $VERSION = $Bar::VERSION;\n",
    "package Foo;\nour $VERSION = '1.0' . '1';\n",
    "package Foo;\nour $VERSION = \"$x\";\n",
    "package Foo;\nour $VERSION = Foo::Core->VERSION;\n",
];

fn write_cases(dir: &Path, cases: &[&str]) -> Vec<PathBuf> {
    cases
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let sub = dir.join(format!("c{i}"));
            std::fs::create_dir_all(&sub).expect("mkdir");
            let path = sub.join("Foo.pm");
            std::fs::write(&path, text).expect("write");
            path
        })
        .collect()
}

#[test]
fn rules_agree_with_module_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_cases(dir.path(), CASES);
    let expected = oracle(&files);
    let mut failures = Vec::new();
    for ((file, text), want) in files.iter().zip(CASES).zip(expected) {
        let got = ours(&ModuleInfo::read(file).expect("reads"));
        let want = strip_file(want);
        if got != want {
            failures.push(format!("{text:?}\n  expected {want}\n  got      {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Module::Metadata dies on this file: it evaluates the version line with the
/// block's closing brace, which does not compile alone.
#[test]
fn version_line_closing_a_block() {
    let info = ModuleInfo::parse(b"{ package Foo;\n  our $VERSION = '1.4'; }\n");
    assert_eq!(
        info.version("Foo"),
        Some(&VersionValue::Static("1.4".into()))
    );
}

#[test]
fn code_we_do_not_run_is_dynamic() {
    for text in DYNAMIC_CASES {
        let info = ModuleInfo::parse(text.as_bytes());
        let line = text.lines().nth(1).expect("second line");
        assert_eq!(
            info.version("Foo"),
            Some(&VersionValue::Dynamic(line.to_string())),
            "{text:?}"
        );
    }
}

/// Version literals and the statements real modules wrap them in, every
/// combination: each static answer must be Module::Metadata's.
#[test]
fn generated_version_lines_agree_with_module_metadata() {
    let strings = [
        "1.23",
        "1.230",
        "1.23_01",
        "1.2.3",
        "v1.2.3",
        "1.23-TRIAL",
        "1.2_3_4",
        " 1.2",
        "1.",
        ".5",
        "01.02",
        "1.02_03_04",
        "abc",
        "",
        "0",
        "1e3",
        "v1.2",
        "1.2.3_4",
        "10.0001",
        "3.14159265358979",
        "0.000001",
        "2.00b02",
        "1.2 3",
        "v1",
        "0.001_001",
    ];
    let bare = [
        "1.23",
        "1.230",
        "1.23_01",
        "1.2.3",
        "v1.2.3",
        "1e3",
        ".5",
        "1.",
        "0x1F",
        "0.000000001",
        "3.14159265358979",
        "12345678901234567890",
        "1_000",
        "v1.2",
        "0",
        "undef",
    ];
    let mut values: Vec<String> = bare.iter().map(|b| b.to_string()).collect();
    for s in strings {
        values.push(format!("'{s}'"));
        values.push(format!("\"{s}\""));
        values.push(format!("q{{{s}}}"));
    }
    let wrappers = [
        "our $VERSION = X;",
        "$VERSION = X;",
        "my $VERSION = X;",
        "our $VERSION = X; $VERSION = eval $VERSION;",
        "our $VERSION = X; $VERSION = eval $VERSION if $VERSION =~ /_/;",
        "use version; our $VERSION = qv(X);",
        "our $VERSION = version->declare(X);",
        "our $VERSION = version->parse(X);",
        "($VERSION) = X;",
        "$Foo::VERSION = X;",
        "our $VERSION = X; # X",
    ];
    let cases: Vec<String> = wrappers
        .iter()
        .flat_map(|w| {
            values
                .iter()
                .map(move |v| format!("package Foo;\n{}\n", w.replace('X', v)))
        })
        .collect();
    let refs: Vec<&str> = cases.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_cases(dir.path(), &refs);
    let expected = oracle(&files);
    let (mut agree, mut dynamic, mut oracle_died) = (0, 0, 0);
    let mut failures = Vec::new();
    for ((file, text), want) in files.iter().zip(&cases).zip(expected) {
        let info = ModuleInfo::read(file).expect("reads");
        let got = ours(&info);
        let want = strip_file(want);
        if got == want {
            agree += 1;
        } else if matches!(info.version("Foo"), Some(VersionValue::Dynamic(_))) {
            dynamic += 1;
            if std::env::var_os("SHOW_DYNAMIC").is_some() {
                eprintln!(
                    "dynamic: {text:?} (Module::Metadata: {})",
                    want["versions"]["Foo"]
                );
            }
        } else if want.get("error").is_some() {
            oracle_died += 1;
            failures.push(format!("{text:?}\n  oracle died: {want}\n  got {got}"));
        } else {
            failures.push(format!("{text:?}\n  expected {want}\n  got      {got}"));
        }
    }
    eprintln!(
        "generated version lines: {agree}/{} agree, {dynamic} dynamic, {oracle_died} where Module::Metadata died",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every `.pm` regular file under `dir`, not following symbolic links.
fn pm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ty = e.file_type().expect("file type");
        let path = e.path();
        if ty.is_dir() {
            pm_files(&path, out);
        } else if ty.is_file() && path.extension().is_some_and(|x| x == "pm") {
            out.push(path);
        }
    }
}

/// The system library directories: CPAN modules from Debian packages and
/// perl's core library.
pub fn system_dirs() -> Vec<PathBuf> {
    [
        "/usr/share/perl5",
        "/usr/lib/x86_64-linux-gnu/perl5",
        "/usr/share/perl/5.36",
        "/usr/lib/x86_64-linux-gnu/perl/5.36",
        "/usr/lib/x86_64-linux-gnu/perl-base",
    ]
    .iter()
    .map(|d| std::fs::canonicalize(d).expect("system perl library directory exists"))
    .collect()
}

/// Why our reading of a file differs from Module::Metadata's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// Module::Metadata died (a version line it could not run); we report
    /// what we read, with dynamic versions where code would be needed.
    OracleDied,
    /// Every differing package is one we report as dynamic: Module::Metadata
    /// ran code we refuse to run.
    Dynamic,
    /// Anything else: a bug on one side, listed in full.
    Unexplained,
}

fn classify(want: &Value, got: &Value) -> Difference {
    if want.get("error").is_some() {
        return Difference::OracleDied;
    }
    let (Some(w), Some(g)) = (want["versions"].as_object(), got["versions"].as_object()) else {
        return Difference::Unexplained;
    };
    let same_shape = want["packages"] == got["packages"] && want["name"] == got["name"];
    let keys: std::collections::BTreeSet<&String> = w.keys().chain(g.keys()).collect();
    let all_dynamic = keys.iter().all(|k| {
        w.get(*k) == g.get(*k)
            || g.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("dynamic: "))
    });
    if same_shape && all_dynamic {
        Difference::Dynamic
    } else {
        Difference::Unexplained
    }
}

#[test]
fn every_installed_module_agrees_with_module_metadata() {
    let mut files = Vec::new();
    for dir in system_dirs() {
        pm_files(&dir, &mut files);
    }
    let expected = oracle(&files);
    let mut agree = 0;
    let mut packages = 0;
    let mut differences: BTreeMap<Difference, Vec<String>> = BTreeMap::new();
    for (file, want) in files.iter().zip(expected) {
        let got = ours(&ModuleInfo::read(file).expect("reads"));
        let want = strip_file(want);
        if got == want {
            agree += 1;
            packages += got["versions"].as_object().map_or(0, |o| o.len());
        } else {
            differences
                .entry(classify(&want, &got))
                .or_default()
                .push(format!(
                    "{}\n    oracle {want}\n    ours   {got}",
                    file.display()
                ));
        }
    }
    eprintln!(
        "Module::Metadata: {agree}/{} files agree ({packages} packages)",
        files.len()
    );
    for (kind, list) in &differences {
        eprintln!("{kind:?}: {}", list.len());
        for d in list {
            eprintln!("  {d}");
        }
    }
    assert!(
        files.len() > 1000,
        "expected the whole system library, found {}",
        files.len()
    );
    let unexplained = differences
        .get(&Difference::Unexplained)
        .map_or(0, Vec::len);
    assert_eq!(
        unexplained, 0,
        "unexplained differences from Module::Metadata"
    );
}

/// The one deliberate difference: Module::Metadata reads here-document
/// bodies as code lines; they are strings, and we skip them.
#[test]
fn heredoc_bodies_are_not_code() {
    let text = "package Foo;\nmy $t = <<\"EOT\";\npackage Fake;\n$VERSION = '9';\nEOT\nour $VERSION = '1.0';\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write_cases(dir.path(), &[text]);
    let want = strip_file(oracle(&files).remove(0));
    assert_eq!(want["packages"], serde_json::json!(["Foo", "Fake"]));
    assert_eq!(want["versions"]["Foo"], Value::Null);
    let got = ModuleInfo::parse(text.as_bytes());
    assert_eq!(got.packages_inside, ["Foo"]);
    assert_eq!(
        got.version("Foo"),
        Some(&VersionValue::Static("1.0".into()))
    );
}
