//! Installed-module discovery over a Carton/local::lib tree built the way
//! cpanm lays one out, and over the machine's own perl.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cpansec_meta::{DistSource, Installation, VersionValue, WalkLimits, WarningKind, library_dirs};
use serde_json::Value;

use crate::support;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn module(package: &str, version: &str) -> String {
    format!(
        "package {package};\nuse strict;\nour $VERSION = '{version}';\n1;\n__END__\n=head1 NAME\n"
    )
}

/// A Carton project: `local/lib/perl5` with cpanm's `x86_64-linux/.meta`
/// and `auto/.../.packlist` files, plus the odd things discovery must report.
fn carton_project(root: &Path) -> PathBuf {
    let proj = root.join("proj");
    let lib = proj.join("local/lib/perl5");
    let arch = lib.join("x86_64-linux");
    write(&lib.join("Foo/Bar.pm"), &module("Foo::Bar", "1.23"));
    write(
        &lib.join("Foo/Bar/Util.pm"),
        &module("Foo::Bar::Util", "1.23"),
    );
    // install.json exactly as cpanm writes it (JSON::PP canonical).
    write(
        &arch.join(".meta/Foo-Bar-1.23/install.json"),
        r#"{"dist":"Foo-Bar-1.23","name":"Foo::Bar","pathname":"A/AU/AUTHOR/Foo-Bar-1.23.tar.gz","provides":{"Foo::Bar":{"file":"lib/Foo/Bar.pm","version":"1.23"},"Foo::Bar::Util":{"file":"lib/Foo/Bar/Util.pm","version":"1.23"}},"target":"Foo::Bar","version":"1.23"}"#,
    );
    write(&arch.join(".meta/Foo-Bar-1.23/MYMETA.json"), "{}");
    write(
        &arch.join("auto/Foo/Bar/.packlist"),
        &format!(
            "{}\n{}\n{}/man/man3/Foo::Bar.3pm type=file\n",
            lib.join("Foo/Bar.pm").display(),
            lib.join("Foo/Bar/Util.pm").display(),
            proj.join("local").display()
        ),
    );
    // An XS distribution installed by ExtUtils::Install alone: .packlist only.
    write(&arch.join("XS/Thing.pm"), &module("XS::Thing", "0.5"));
    write(&arch.join("auto/XS/Thing/Thing.so"), "");
    write(
        &arch.join("auto/XS/Thing/.packlist"),
        &format!(
            "{}\n{}\n",
            arch.join("XS/Thing.pm").display(),
            arch.join("auto/XS/Thing/Thing.so").display()
        ),
    );
    write(&arch.join(".meta/Bad-1.0/install.json"), "{not json");
    write(
        &lib.join("Dyn.pm"),
        "package Dyn;\nour $VERSION = $Foo::Bar::VERSION;\n",
    );
    write(&lib.join("Foo/Not-A-Package/X.pm"), &module("X", "1"));
    std::os::unix::fs::symlink("..", lib.join("Foo/Loop")).expect("symlink");
    std::os::unix::fs::symlink("nowhere.pm", lib.join("Broken.pm")).expect("symlink");
    proj
}

#[test]
fn carton_layout_is_expanded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let proj = carton_project(dir.path());
    let lib = proj.join("local/lib/perl5");
    assert_eq!(library_dirs(&proj), [lib.join("x86_64-linux"), lib.clone()]);
}

#[test]
fn carton_project_modules_and_dists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let proj = carton_project(dir.path());
    let lib = proj.join("local/lib/perl5");
    let arch = lib.join("x86_64-linux");
    let inst = Installation::discover(&[proj]);

    let names: Vec<&str> = inst.modules.keys().map(String::as_str).collect();
    assert_eq!(names, ["Dyn", "Foo::Bar", "Foo::Bar::Util", "XS::Thing"]);
    let bar = &inst.modules["Foo::Bar"];
    assert_eq!(bar.version, Some(VersionValue::Static("1.23".into())));
    assert_eq!(bar.path, lib.join("Foo/Bar.pm"));
    assert_eq!(bar.dist.as_deref(), Some("Foo-Bar"));
    assert_eq!(inst.modules["XS::Thing"].dist.as_deref(), Some("XS-Thing"));
    assert_eq!(
        inst.modules["Dyn"].version,
        Some(VersionValue::Dynamic(
            "our $VERSION = $Foo::Bar::VERSION;".into()
        ))
    );
    assert_eq!(inst.modules["Dyn"].dist, None);

    let foo = &inst.distributions["Foo-Bar"];
    assert_eq!(foo.version.as_deref(), Some("1.23"));
    assert_eq!(
        foo.pathname.as_deref(),
        Some("A/AU/AUTHOR/Foo-Bar-1.23.tar.gz")
    );
    assert_eq!(
        foo.source,
        DistSource::InstallJson(arch.join(".meta/Foo-Bar-1.23/install.json"))
    );
    assert_eq!(foo.packlist, Some(arch.join("auto/Foo/Bar/.packlist")));
    assert_eq!(
        foo.modules.iter().collect::<Vec<_>>(),
        ["Foo::Bar", "Foo::Bar::Util"]
    );

    let xs = &inst.distributions["XS-Thing"];
    assert_eq!(xs.version.as_deref(), Some("0.5"), "main module's version");
    assert_eq!(xs.pathname, None);
    assert_eq!(
        xs.source,
        DistSource::Packlist(arch.join("auto/XS/Thing/.packlist"))
    );
    assert_eq!(inst.distributions.len(), 2);

    let mut kinds: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for w in &inst.warnings {
        let kind = format!("{:?}", w.kind);
        let kind = kind
            .split(['(', ' '])
            .next()
            .unwrap_or_default()
            .to_string();
        kinds.entry(kind).or_default().push(w.path.clone());
    }
    assert_eq!(kinds["SymlinkLoop"], [lib.join("Foo/Loop")]);
    assert_eq!(kinds["Unreadable"], [lib.join("Broken.pm")]);
    assert_eq!(
        kinds["NotAModulePath"],
        [lib.join("Foo/Not-A-Package/X.pm")]
    );
    assert_eq!(
        kinds["BadInstallJson"],
        [arch.join(".meta/Bad-1.0/install.json")]
    );
    assert_eq!(inst.warnings.len(), 4, "{:#?}", inst.warnings);
}

#[test]
fn later_libraries_are_shadowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    write(&first.join("Foo.pm"), &module("Foo", "2.0"));
    write(&second.join("Foo.pm"), &module("Foo", "1.0"));
    let inst = Installation::discover(&[first.clone(), second.clone()]);
    let foo = &inst.modules["Foo"];
    assert_eq!(foo.path, first.join("Foo.pm"));
    assert_eq!(foo.version, Some(VersionValue::Static("2.0".into())));
    assert_eq!(foo.shadowed, [second.join("Foo.pm")]);
}

#[test]
fn walk_limits_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let proj = carton_project(dir.path());
    let shallow = Installation::discover_with(
        std::slice::from_ref(&proj),
        WalkLimits {
            max_depth: 1,
            max_entries: 1_000,
        },
    );
    assert!(shallow.modules.contains_key("Foo::Bar"));
    assert!(!shallow.modules.contains_key("Foo::Bar::Util"));
    assert!(
        shallow
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::TooDeep)
    );

    let few = Installation::discover_with(
        &[proj],
        WalkLimits {
            max_depth: 64,
            max_entries: 3,
        },
    );
    let cut: Vec<_> = few
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::TooManyEntries)
        .collect();
    assert_eq!(cut.len(), 1, "{:#?}", few.warnings);
}

#[test]
fn missing_directory_is_a_warning() {
    let inst = Installation::discover(&[PathBuf::from("/nonexistent/cpansec-test")]);
    assert!(inst.modules.is_empty());
    assert!(matches!(inst.warnings[0].kind, WarningKind::Unreadable(_)));
}

/// For each file on stdin, Module::Metadata's version of the package the
/// file is named after (`name`), or null.
const ORACLE: &str = r#"
BEGIN { *CORE::GLOBAL::exit = sub { die "exit called\n" }; }
use strict; use warnings; use Module::Metadata; use JSON::PP;
open(my $out, '>&', \*STDOUT) or die; open(STDOUT, '>', '/dev/null') or die;
local $SIG{__WARN__} = sub {};
while (my $line = <STDIN>) {
    chomp $line;
    my ($module, $file) = split /\t/, $line, 2;
    my $m = eval { Module::Metadata->new_from_file($file) };
    my $v = $m ? $m->version($module) : undef;
    print $out JSON::PP->new->allow_nonref->encode(defined $v && length "$v" ? "$v" : undef), "\n";
}
"#;

#[test]
fn system_library_versions_agree_with_module_metadata() {
    let lib = PathBuf::from("/usr/share/perl5");
    let inst = Installation::discover(&[lib]);
    assert!(inst.warnings.is_empty(), "{:#?}", inst.warnings);
    let input: String = inst
        .modules
        .iter()
        .map(|(m, i)| format!("{m}\t{}\n", i.path.display()))
        .collect();
    let out = support::perl(ORACLE, &[], &input);
    let want: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(want.len(), inst.modules.len());
    let mut agree = 0;
    let mut dynamic = Vec::new();
    let mut other = Vec::new();
    for ((name, m), want) in inst.modules.iter().zip(&want) {
        let got = match &m.version {
            Some(VersionValue::Static(s)) => Value::from(s.as_str()),
            Some(VersionValue::Dynamic(code)) => {
                dynamic.push(format!("{name}: {code} (Module::Metadata: {want})"));
                continue;
            }
            None => Value::Null,
        };
        if &got == want {
            agree += 1;
        } else {
            other.push(format!("{name}: ours {got}, Module::Metadata {want}"));
        }
    }
    eprintln!(
        "/usr/share/perl5: {agree}/{} module versions agree with Module::Metadata; {} dynamic: {dynamic:#?}",
        inst.modules.len(),
        dynamic.len()
    );
    assert!(other.is_empty(), "{other:#?}");
    assert!(agree > 500);
}

#[test]
fn perl_inc_is_walked() {
    let inst = Installation::from_perl(Path::new("perl")).expect("perl runs");
    assert!(!inst.libraries.is_empty());
    let mm = &inst.modules["Module::Metadata"];
    let want = support::perl(
        "use Module::Metadata; print $Module::Metadata::VERSION",
        &[],
        "",
    );
    assert_eq!(mm.version, Some(VersionValue::Static(want)));
    assert!(inst.modules.contains_key("strict"));
    eprintln!(
        "perl @INC: {} modules, {} distributions, {} warnings",
        inst.modules.len(),
        inst.distributions.len(),
        inst.warnings.len()
    );
}
