//! The cpansa-feed export: deterministic, read back by the loader into the
//! same database, and read by perl's JSON::PP as the same structure as the
//! original file.

use std::path::Path;
use std::process::Command;

use cpansec_advisory::{Database, Feed, Source, export_feed};

use crate::support;

fn reload(bytes: &[u8]) -> Database {
    Database::from_json_slice(bytes, Source::File("exported".into())).expect("export loads")
}

#[test]
fn feed_export_loads_into_the_same_database_for_both_snapshots() {
    for (path, db) in [
        (support::current_db_path(), support::current_db()),
        (support::old_db_path(), support::old_db()),
    ] {
        let feed = Feed::load(&path).unwrap();
        let bytes = feed.to_json();
        support::assert_same_db(db, &reload(&bytes));
        let again = Feed::parse(&bytes, "exported").unwrap();
        assert_eq!(again, feed, "{}", path.display());
        assert_eq!(again.to_json(), bytes, "export is a fixed point");
    }
}

#[test]
fn feed_export_keeps_what_the_merged_model_loses() {
    let feed = Feed::load(&support::current_db_path()).unwrap();
    let entries: Vec<_> = feed
        .dists
        .values()
        .flat_map(|d| &d.advisories)
        .filter(|e| e.id.as_str() == "CPANSA-Email-Address-2014-01")
        .collect();
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0].description, entries[1].description);
    // absent severity stays absent, null stays null
    let all: Vec<_> = feed.dists.values().flat_map(|d| &d.advisories).collect();
    assert!(all.iter().any(|e| e.severity.is_none()));
    assert!(all.iter().any(|e| e.severity == Some(None)));
    // release versions written as numbers stay numbers
    let text = String::from_utf8(feed.to_json()).unwrap();
    assert!(text.contains(r#""version":4.85"#));
    assert!(text.contains(r#""dual_lived":1"#));
    // the 2024 file's free-form meta counters are kept
    let old = Feed::load(&support::old_db_path()).unwrap();
    assert_eq!(old.meta.other.get("17"), Some(&serde_json::json!(10)));
}

#[test]
fn feed_keys_are_sorted() {
    let feed = Feed::load(&support::old_db_path()).unwrap();
    let text = String::from_utf8(feed.to_json()).unwrap();
    assert!(text.starts_with(r#"{"dists":{"#), "{}", &text[..40]);
    assert!(text.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn check(v: &serde_json::Value) {
        if let serde_json::Value::Object(m) = v {
            let keys: Vec<&String> = m.keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
            for v in m.values() {
                check(v);
            }
        }
    }
    check(&value);
    let meta = &text[text.find(r#""meta":"#).unwrap()..];
    assert!(
        meta.starts_with(r#""meta":{"124":0,"17":10,"#),
        "{}",
        &meta[..60]
    );
}

/// The perl side of the differential test: both files read with JSON::PP,
/// walked together; every difference in type (hash, array, string, number,
/// null), key set, length or value is printed as `path: what`.
const COMPARE_PL: &str = r#"
use strict; use warnings; use JSON::PP; use B;
sub slurp { local $/; open my $fh, '<:raw', $_[0] or die "$_[0]: $!"; <$fh> }
my ($x, $y) = map { JSON::PP->new->decode(slurp($_)) } @ARGV;
sub kind {
    my $v = shift;
    return 'null' unless defined $v;
    return ref $v if ref $v;
    my $f = B::svref_2object(\$v)->FLAGS;
    return ($f & B::SVp_POK) ? 'string' : 'number';
}
my $n = 0;
sub walk {
    my ($p, $a, $b) = @_;
    my ($ka, $kb) = (kind($a), kind($b));
    if ($ka ne $kb) { print "$p: $ka vs $kb\n"; $n++; return }
    if ($ka eq 'HASH') {
        my %k = map { $_ => 1 } keys %$a, keys %$b;
        for my $k (sort keys %k) {
            if (!exists $a->{$k}) { print "$p.$k: only in the second\n"; $n++; next }
            if (!exists $b->{$k}) { print "$p.$k: only in the first\n"; $n++; next }
            walk("$p.$k", $a->{$k}, $b->{$k});
        }
    } elsif ($ka eq 'ARRAY') {
        if (@$a != @$b) { print "$p: ", scalar @$a, " vs ", scalar @$b, " items\n"; $n++; return }
        walk("$p\[$_]", $a->[$_], $b->[$_]) for 0 .. $#$a;
    } elsif ($ka ne 'null' && $a ne $b) { print "$p: value differs\n"; $n++ }
}
walk('', $x, $y);
print "$n differences\n";
"#;

fn json_pp_differences(a: &Path, b: &Path) -> Vec<String> {
    let out = Command::new("perl")
        .args(["-e", COMPARE_PL])
        .arg(a)
        .arg(b)
        .output()
        .expect("perl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("perl prints UTF-8");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().expect("a count line");
    assert_eq!(last, format!("{} differences", lines.len()));
    lines
}

#[test]
fn json_pp_reads_the_export_as_the_original() {
    for path in [support::current_db_path(), support::old_db_path()] {
        let dir = tempfile::tempdir().unwrap();
        let out = export_feed(&Feed::load(&path).unwrap(), dir.path()).unwrap();
        let diffs = json_pp_differences(&path, &out);
        assert!(diffs.is_empty(), "{}: {diffs:#?}", path.display());
    }
}

#[test]
fn the_comparison_sees_a_changed_type_and_a_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::write(&a, r#"{"v":[1.5,"x",{"k":null}],"w":1}"#).unwrap();
    std::fs::write(&b, r#"{"v":["1.5","x",{}],"w":1}"#).unwrap();
    assert_eq!(
        json_pp_differences(&a, &b),
        [".v[0]: number vs string", ".v[2].k: only in the first"]
    );
}

/// A database without its source document (here: the merged model of the
/// real file) exports one entry per range group. It loads back into the
/// same database except in `conflicts` of the advisories whose entries
/// disagreed: the exported entries carry the merged fields, so only a
/// disagreement in distribution remains.
#[test]
fn model_only_export_loads_back_except_conflicts() {
    let db = support::current_db();
    let bytes = Feed::from_database(db).to_json();
    let back = reload(&bytes);
    assert_eq!(back.entry_count(), db.entry_count());
    assert!(back.modules().eq(db.modules()), "module map");
    assert_eq!(back.misfiled(), db.misfiled());
    let mut with_conflicts = 0;
    for (a, b) in db.advisories().zip(back.advisories()) {
        if a.conflicts.is_empty() {
            assert_eq!(a, b, "{}", a.id);
        } else {
            with_conflicts += 1;
            let (mut a, mut b) = (a.clone(), b.clone());
            a.conflicts.clear();
            b.conflicts.clear();
            assert_eq!(a, b, "{}", a.id);
        }
    }
    assert!(with_conflicts > 0);
    for (x, y) in db.distributions().zip(back.distributions()) {
        assert_eq!(x, y, "{}", x.name);
    }
    // and a YAML-sourced database keeps its GHSA aliases through the feed
    let yaml = Database::load_yaml_dir(&support::shared().join("data/cpansa/yaml")).unwrap();
    let back = reload(&Feed::from_database(&yaml).to_json());
    let ghsas = |d: &Database| {
        d.advisories()
            .flat_map(|a| a.aliases.iter().map(|x| x.to_string()))
            .filter(|x| x.starts_with("GHSA"))
            .count()
    };
    assert!(ghsas(&yaml) > 100);
    assert_eq!(ghsas(&back), ghsas(&yaml));
}

#[test]
fn export_writes_the_file_whole_and_reports_an_unwritable_directory() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Feed::load(&support::old_db_path()).unwrap();
    let path = export_feed(&feed, &dir.path().join("new")).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), feed.to_json());
    let names: Vec<_> = std::fs::read_dir(dir.path().join("new"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["cpan-security-advisory.json"]);
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        export_feed(&feed, &file),
        Err(cpansec_advisory::Error::Io { .. })
    ));
}

#[test]
fn feed_fields_the_upstream_json_lacks_are_read() {
    let text = std::fs::read_to_string(support::old_db_path()).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["dists"]["HTTP-Body"]["advisories"][0]["github_security_advisory"] =
        serde_json::json!(["GHSA-8v7w-j6g2-p6j2"]);
    let db = reload(doc.to_string().as_bytes());
    let ghsa: cpansec_advisory::Id = "GHSA-8v7w-j6g2-p6j2".parse().unwrap();
    assert_eq!(
        db.lookup(&ghsa)[0].id.as_str(),
        "CPANSA-HTTP-Body-2013-4407"
    );
}
