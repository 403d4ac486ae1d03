//! The built-in core-module table against `perl -MModule::CoreList` (one
//! process): every module of every release with its version, every module's
//! first release, removal and upstream, and `is_core` at sample perls.

use std::collections::BTreeSet;

use cpansec_meta::{CoreList, CoreVersion};
use cpansec_version::Version;

use crate::support;

const ORACLE: &str = r#"
use strict; use warnings; use Module::CoreList;
binmode STDOUT;
my @perls = @ARGV;
my (%seen, @rel, %mods);
for my $k (keys %Module::CoreList::version) { my $c = sprintf "%.6f", $k; next if $seen{$c}++; push @rel, $c; }
for my $r (sort { $a <=> $b } @rel) {
    my $h = $Module::CoreList::version{$r} // $Module::CoreList::version{$r + 0};
    for my $m (sort keys %$h) {
        $mods{$m} = 1; my $v = $h->{$m};
        print "R\t$r\t$m\t", (defined $v ? $v : "(undef)"), "\n";
    }
}
for my $m (sort keys %mods) {
    my $f = Module::CoreList->first_release($m);
    my $x = Module::CoreList->removed_from($m);
    my $u = $Module::CoreList::upstream{$m};
    print "F\t$m\t", sprintf("%.6f", $f), "\t", (defined $x ? sprintf("%.6f", $x) : "-"),
        "\t", ($u // "-"), "\n";
    for my $p (@perls) { print "C\t$p\t$m\t", (Module::CoreList::is_core($m, undef, $p) ? 1 : 0), "\n"; }
}
print "V\t$Module::CoreList::VERSION\n";
"#;

/// Perls to ask `is_core` about: releases in the table, maintenance releases
/// and perls newer than the table.
const PERLS: &[&str] = &[
    "5.005", "5.006", "5.008", "5.008008", "5.010001", "5.012", "5.014", "5.018", "5.020", "5.022",
    "5.026", "5.030", "5.034", "5.036", "5.038", "5.040",
];

fn ours(table: &CoreList) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    for r in table.perl_releases() {
        for (m, v) in table.modules_in(r.version()).expect("release of the table") {
            lines.insert(format!(
                "R\t{}\t{m}\t{}",
                r.name(),
                v.raw().unwrap_or("(undef)")
            ));
        }
    }
    for m in table.modules() {
        let (first, _) = table
            .first_release(m)
            .expect("every module has a first release");
        let removed = table.removed_from(m).map_or("-", |r| r.name());
        let upstream = table.upstream(m).map_or("-", |u| u.as_str());
        lines.insert(format!("F\t{m}\t{}\t{removed}\t{upstream}", first.name()));
        for p in PERLS {
            let core = table.is_core(m, &Version::parse(p).expect("perl version"));
            lines.insert(format!("C\t{p}\t{m}\t{}", u8::from(core)));
        }
    }
    lines.insert(format!("V\t{}", table.corelist_version()));
    lines
}

#[test]
fn agrees_with_module_corelist() {
    let table = CoreList::builtin().expect("built-in table");
    let out = support::perl(ORACLE, PERLS, "");
    let theirs: BTreeSet<String> = out.lines().map(str::to_string).collect();
    let ours = ours(table);
    for (kind, what) in [
        ("R", "module/version pairs over all releases"),
        ("F", "modules: first release, removal, upstream"),
        ("C", "is_core answers"),
    ] {
        let t = theirs.iter().filter(|l| l.starts_with(kind)).count();
        let same = ours
            .iter()
            .filter(|l| l.starts_with(kind) && theirs.contains(*l))
            .count();
        println!("Module::CoreList {what}: {same}/{t} identical");
    }
    let missing: Vec<_> = theirs.difference(&ours).take(20).collect();
    let extra: Vec<_> = ours.difference(&theirs).take(20).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "only Module::CoreList: {missing:#?}\nonly ours: {extra:#?}"
    );
    assert!(theirs.len() > 150_000);
}

#[test]
fn dual_life_follows_upstream() {
    let table = CoreList::builtin().expect("built-in table");
    let dual: Vec<&str> = table.modules().filter(|m| table.is_dual_life(m)).collect();
    assert!(dual.contains(&"Test::More"));
    assert!(!dual.contains(&"strict"));
    assert!(dual.iter().all(|m| table.upstream(m).is_some()));
    let v5_36 = Version::parse("5.036").expect("version");
    let (_, v) = table
        .modules_in(&v5_36)
        .expect("5.36")
        .find(|(m, _)| *m == "Test::More")
        .expect("Test::More in 5.36");
    assert_eq!(
        v,
        &CoreVersion::Known(Version::parse("1.302190").expect("version"))
    );
}

#[test]
fn read_names_the_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corelist.txt");
    let table = CoreList::read(&path).expect("the data file reads");
    assert_eq!(table.perl_releases().len(), 226);
    let missing = path.with_file_name("no-such-table.txt");
    let e = CoreList::read(&missing).expect_err("missing file");
    assert!(e.to_string().contains("no-such-table.txt"), "{e}");
}
