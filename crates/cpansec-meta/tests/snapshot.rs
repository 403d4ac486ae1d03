//! cpanfile.snapshot: every corpus file against Carton's own parser, error
//! positions, and render/parse round trips (checked by Carton too).

use std::collections::BTreeMap;
use std::path::PathBuf;

use cpansec_meta::{ErrorKind, Snapshot, SnapshotDist};
use cpansec_version::Requirement;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support;

/// Loads each file named on the command line (or, with `-`, each text on
/// stdin, each preceded by a line with its length in bytes) with Carton::Snapshot and prints one JSON
/// line per input: the distributions in Carton's order, or the error.
const CARTON_DUMP: &str = r#"
use strict; use warnings;
use Carton::Snapshot; use JSON::XS; use Path::Tiny;
my $json = JSON::XS->new->canonical->utf8;
my @inputs;
if (@ARGV == 1 && $ARGV[0] eq '-') {
    binmode STDIN;
    while (defined(my $len = <STDIN>)) {
        read(STDIN, my $t, $len) == $len or die "short input";
        utf8::decode($t) or die "not UTF-8";
        push @inputs, sub { Carton::Snapshot::Parser->new->parse($t, $_[0]) };
    }
} else {
    @inputs = map { my $f = $_; sub { $_[0]->path($f); $_[0]->load } } @ARGV;
}
for my $load (@inputs) {
    my $snap = Carton::Snapshot->new(path => '/nonexistent');
    my $ok = eval { $load->($snap); 1 };
    if (!$ok) { my $e = "$@"; $e =~ s/\s+\z//; print $json->encode({error => $e}), "\n"; next }
    my @dists;
    for my $d ($snap->distributions) {
        my %provides = map { ($_ => $d->provides->{$_}{version}) } keys %{$d->provides};
        my %req = map { ($_ => $d->requirements_for_module($_)) } $d->required_modules;
        push @dists, { name => $d->name, pathname => $d->pathname,
                       provides => \%provides, requirements => \%req };
    }
    print $json->encode({dists => \@dists}), "\n";
}
"#;

/// Our reading in the shape of the Carton dump (`undef` provides versions as
/// Carton stores them: the string "undef"). Carton keeps requirements as
/// CPAN::Meta::Requirements objects, which print versions normalised
/// (`v1.02.3` as `v1.2.3`); with `normalise` ours are printed the same way
/// through `cpansec_version::Requirement`, else compared as written.
fn as_carton_json(s: &Snapshot, normalise: bool) -> Value {
    let dists: Vec<Value> = s
        .distributions
        .iter()
        .map(|d| {
            let provides: BTreeMap<&str, &str> = d
                .provides
                .iter()
                .map(|(m, v)| (m.as_ref(), v.as_deref().unwrap_or("undef")))
                .collect();
            let requirements: BTreeMap<&str, String> = d
                .requirements
                .iter()
                .map(|(m, r)| {
                    let r = if normalise {
                        Requirement::parse(r)
                            .map_or_else(|e| format!("invalid: {e}"), |r| r.to_string())
                    } else {
                        r.to_string()
                    };
                    (m.as_ref(), r)
                })
                .collect();
            json!({"name": d.name, "pathname": d.pathname, "provides": provides,
                   "requirements": requirements})
        })
        .collect();
    json!({ "dists": dists })
}

/// Where two JSON values first differ, as a short path and both sides.
fn first_difference(ours: &Value, theirs: &Value) -> String {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) if v == w => {}
                    Some(w) => return format!("{k}/{}", first_difference(v, w)),
                    None => return format!("{k}: only ours"),
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map_or_else(|| "same".to_string(), |k| format!("{k}: only theirs"))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                if v != w {
                    return format!("[{i}]/{}", first_difference(v, w));
                }
            }
            format!("lengths {} and {}", a.len(), b.len())
        }
        _ => format!("ours {ours}, theirs {theirs}"),
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = support::shared().join("corpus/snapshot");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus/snapshot")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".snapshot"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_snapshot_reads_as_carton_reads_it() {
    let files = corpus();
    assert_eq!(files.len(), 40, "the corpus has 40 snapshots");
    let args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = support::perl(CARTON_DUMP, &args, "");
    let carton: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(carton.len(), files.len());
    let mut identical = 0;
    let mut differ = Vec::new();
    for (path, expected) in files.iter().zip(&carton) {
        let ours = Snapshot::read(path).map(|s| as_carton_json(&s, false));
        match ours {
            Ok(v) if &v == expected => identical += 1,
            Ok(v) => differ.push(format!(
                "{}: {}",
                path.display(),
                first_difference(&v, expected)
            )),
            Err(e) => differ.push(format!("{}: ours {e}, Carton {expected}", path.display())),
        }
    }
    eprintln!("Carton::Snapshot: {identical}/{} identical", files.len());
    assert!(
        differ.is_empty(),
        "differ from Carton:\n{}",
        differ.join("\n")
    );
}

#[test]
fn carton_written_snapshots_render_byte_for_byte() {
    // Files Carton's emitter wrote (sorted, `provides:`/`requirements:`
    // always present) come back unchanged; the others are counted.
    let mut same = 0;
    let files = corpus();
    let mut not_canonical = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let snap = Snapshot::parse(&text).expect("parse");
        if snap.to_snapshot_string() == text {
            same += 1;
        } else {
            not_canonical.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        }
        // Whatever the layout, what we write reads back the same (sorted).
        let rendered = snap.to_snapshot_string();
        let again = Snapshot::parse(&rendered).expect("reparse");
        assert_eq!(without_lines(&again), without_lines(&sorted(&snap)));
    }
    eprintln!(
        "re-rendered byte for byte: {same}/{} ({not_canonical:?} differ)",
        files.len()
    );
    assert!(same >= 30, "only {same} files re-render unchanged");
}

#[test]
fn largest_snapshot_has_486_distributions() {
    let s = Snapshot::read(
        support::shared().join("corpus/snapshot/metacpan__metacpan-api.cpanfile.snapshot"),
    )
    .expect("read");
    assert_eq!(s.distributions.len(), 486);
    let plack = s
        .find("Plack::Request")
        .expect("Plack provides Plack::Request");
    assert_eq!(plack.author(), Some("MIYAGAWA"));
    assert_eq!(plack.dist_name_version().map(|(n, _)| n), Some("Plack"));
}

/// `CPAN::DistnameInfo` on every corpus pathname against
/// [`SnapshotDist::author`] and [`SnapshotDist::dist_name_version`].
#[test]
fn pathname_helpers_agree_with_distnameinfo() {
    let mut paths = Vec::new();
    for path in corpus() {
        for d in Snapshot::read(&path).expect("read").distributions {
            paths.push(d);
        }
    }
    let input: String = paths.iter().map(|d| format!("{}\n", d.pathname)).collect();
    let out = support::perl(
        r#"use CPAN::DistnameInfo; while (my $p = <STDIN>) { chomp $p;
           my $d = CPAN::DistnameInfo->new("authors/id/$p");
           print join("\t", map { defined $_ ? $_ : '' } $d->cpanid, $d->dist, $d->version), "\n" }"#,
        &[],
        &input,
    );
    let mut agree = 0;
    let mut differ = Vec::new();
    for (d, line) in paths.iter().zip(out.lines()) {
        let ours = format!(
            "{}\t{}\t{}",
            d.author().unwrap_or(""),
            d.dist_name_version().map_or("", |x| x.0),
            d.dist_name_version().map_or("", |x| x.1)
        );
        if ours == line {
            agree += 1;
        } else {
            differ.push(format!(
                "{}: ours {ours:?}, DistnameInfo {line:?}",
                d.pathname
            ));
        }
    }
    eprintln!(
        "pathname helpers vs CPAN::DistnameInfo: {agree}/{} agree",
        paths.len()
    );
    for d in differ.iter().take(20) {
        eprintln!("  {d}");
    }
    assert!(agree * 100 >= paths.len() * 99, "{} differ", differ.len());
}

fn error_of(text: &str) -> (ErrorKind, u32, u32) {
    let e = Snapshot::parse(text).expect_err("must fail");
    let quick = Snapshot::parse_releases(text).expect_err("must fail as parse does");
    assert_eq!(
        quick.to_string(),
        e.to_string(),
        "parse_releases on {text:?}"
    );
    let l = e.location.expect("errors have a location");
    (e.kind, l.line, l.column)
}

const H: &str = "# carton snapshot format: version 1.0\nDISTRIBUTIONS\n";

#[test]
fn errors_name_the_line_and_the_fault() {
    let (k, l, _) = error_of("");
    assert!(matches!(k, ErrorKind::SnapshotHeader { .. }) && l == 1);
    let (k, ..) = error_of("hello\n");
    assert!(matches!(k, ErrorKind::SnapshotHeader { found } if found == "hello"));
    let (k, ..) = error_of("# carton snapshot format: version 2.0\n");
    assert!(matches!(k, ErrorKind::SnapshotFormatVersion { found } if found == "2.0"));
    let (k, l, _) = error_of("# carton snapshot format: version 1.0\nMODULES\n");
    assert!(matches!(k, ErrorKind::SnapshotSection { found } if found == "MODULES") && l == 2);
    // Bad indentation of a distribution, a field, an entry.
    let (k, l, _) = error_of(&format!("{H}   Foo-1\n"));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 3,
        "{k:?}"
    );
    let (k, l, _) = error_of(&format!("{H}  Foo-1\n     pathname: x\n"));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 4,
        "{k:?}"
    );
    let (k, l, _) = error_of(&format!(
        "{H}  Foo-1\n    pathname: F/FO/FOO/Foo-1.tar.gz\n    provides:\n       Foo 1\n"
    ));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 6,
        "{k:?}"
    );
    // A blank line in the middle.
    let (k, l, _) = error_of(&format!("{H}\n  Foo-1\n"));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 3,
        "{k:?}"
    );
    // Missing, empty and repeated pathnames.
    let (k, l, c) = error_of(&format!("{H}  Foo-1\n    provides:\n      Foo 1\n"));
    assert!(
        matches!(&k, ErrorKind::SnapshotMissingPathname { dist } if dist == "Foo-1")
            && l == 3
            && c == 3,
        "{k:?}"
    );
    let (k, ..) = error_of(&format!("{H}  Foo-1\n    pathname: \n"));
    assert!(matches!(k, ErrorKind::SnapshotMissingPathname { .. }));
    let (k, l, _) = error_of(&format!("{H}  Foo-1\n    pathname: a\n    pathname: b\n"));
    assert!(matches!(k, ErrorKind::SnapshotDuplicate { .. }) && l == 5);
    // Text Carton would ignore after a version.
    let (k, l, c) = error_of(&format!(
        "{H}  Foo-1\n    pathname: a\n    provides:\n      Foo 1.0-TRIAL\n"
    ));
    assert!(
        matches!(&k, ErrorKind::SnapshotTrailingText { module, text } if module == "Foo" && text == "-TRIAL")
            && l == 6
            && c == 14,
        "{k:?} {l}:{c}"
    );
    // A carriage return Carton would keep in the value (found by fuzzing:
    // such a value does not survive writing and reading back).
    let (k, l, _) = error_of(&format!("{H}  Foo-1\n    pathname: a.tar.gz\r\r\n"));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 4,
        "{k:?}"
    );
    let (k, l, _) = error_of(&format!(
        "{H}  Foo-1\n    pathname: a\n    provides:\n      Foo 1.0\r"
    ));
    assert!(
        matches!(k, ErrorKind::SnapshotLine { .. }) && l == 6,
        "{k:?}"
    );
    // A module twice.
    let (k, l, _) = error_of(&format!(
        "{H}  Foo-1\n    pathname: a\n    requirements:\n      Bar 1\n      Bar 2\n"
    ));
    assert!(matches!(k, ErrorKind::SnapshotDuplicate { .. }) && l == 7);
}

#[test]
fn lenient_where_carton_is_lenient() {
    // CRLF, trailing blank lines, tabs as field indentation, an empty
    // distribution, two DISTRIBUTIONS sections, empty lists.
    let text = "# carton snapshot format: version 1.0\r\nDISTRIBUTIONS\r\n  A-1\r\n    pathname: A/AA/AAA/A-1.tar.gz\r\n\t\t\t\tprovides:\r\n\t\t\t\t\t\tA undef\r\nDISTRIBUTIONS\n  B-2\n    pathname: B/BB/BBB/B-2.tar.gz\n    requirements:\n\n\n";
    let s = Snapshot::parse(text).expect("parse");
    assert_eq!(s.distributions.len(), 2);
    assert_eq!(s.distributions[0].provides.get("A"), Some(&None));
    assert_eq!(s.distributions[1].line, 8);
    assert!(s.distributions[1].requirements.is_empty());
}

fn without_lines<'a>(s: &Snapshot<'a>) -> Vec<SnapshotDist<'a>> {
    s.distributions
        .iter()
        .cloned()
        .map(|mut d| {
            d.line = 0;
            d
        })
        .collect()
}

fn sorted<'a>(s: &Snapshot<'a>) -> Snapshot<'a> {
    let mut s = s.clone();
    s.distributions.sort_by(|a, b| a.name.cmp(&b.name));
    s
}

prop_compose! {
    fn dist()(
        name in "[A-Za-z][A-Za-z0-9._é+-]{0,12}",
        pathname in "[A-Z]/[A-Z]{2}/[A-Z]{2,6}/[ -~]{1,20}[!-~]|[^\n\r]{1,20}",
        provides in prop::collection::btree_map(
            "[A-Za-z_:][0-9A-Za-z_:]{0,15}",
            prop::option::of("[0-9v._]{1,8}|[0-9._]{1,5}[ \t]{1,2}"),
            0..6),
        requirements in prop::collection::btree_map(
            "[A-Za-z_:][0-9A-Za-z_:]{0,15}",
            "0|[0-9]{1,3}\\.[0-9]{1,6}|v[0-9]{1,2}\\.[0-9]{1,3}\\.[0-9]{1,3}|== [0-9]\\.[0-9]{2}|>= 1\\.0, != 1\\.5, < 2",
            0..6),
    ) -> SnapshotDist<'static> {
        SnapshotDist {
            name: name.into(),
            pathname: pathname.into(),
            line: 0,
            provides: provides.into_iter().map(|(m, v)| (m.into(), v.map(Into::into))).collect(),
            requirements: requirements.into_iter().map(|(m, r)| (m.into(), r.into())).collect(),
        }
    }
}

fn snapshot() -> impl Strategy<Value = Snapshot<'static>> {
    prop::collection::vec(dist(), 0..8).prop_map(|distributions| Snapshot { distributions })
}

proptest! {
    #[test]
    fn render_then_parse_is_the_identity_up_to_order(s in snapshot()) {
        let text = s.to_snapshot_string();
        let back = Snapshot::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(without_lines(&back), without_lines(&sorted(&s)));
        // Rendering is a fixed point.
        prop_assert_eq!(back.to_snapshot_string(), text);
    }

    #[test]
    fn parse_never_panics(text in "[ -~\t\r\n]{0,200}") {
        let _ = Snapshot::parse(&text);
    }

    /// `parse_releases` accepts and rejects what `parse` does, with the same
    /// error, and keeps the same releases.
    #[test]
    fn parse_releases_is_parse_without_the_lists(s in snapshot(), cut in 0usize..400, junk in "[ -~\n]{0,3}") {
        let mut text = s.to_snapshot_string();
        let at = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
        text.insert_str(at, &junk);
        prop_assert_eq!(releases_of(Snapshot::parse(&text)), releases_of(Snapshot::parse_releases(&text)));
    }
}

/// The releases of a parse (names, pathnames, lines), or its error.
fn releases_of(
    parsed: Result<Snapshot<'_>, cpansec_meta::Error>,
) -> Result<Vec<(String, String, u32)>, String> {
    parsed
        .map(|s| {
            s.distributions
                .iter()
                .map(|d| (d.name.to_string(), d.pathname.to_string(), d.line))
                .collect()
        })
        .map_err(|e| e.to_string())
}

#[test]
fn parse_releases_keeps_the_releases_of_every_corpus_snapshot() {
    for path in corpus() {
        let text = std::fs::read_to_string(&path).expect("read");
        let quick = Snapshot::parse_releases(&text).expect("parse_releases");
        assert!(
            quick
                .distributions
                .iter()
                .all(|d| d.provides.is_empty() && d.requirements.is_empty()),
            "{}: lists kept",
            path.display()
        );
        assert_eq!(
            releases_of(Ok(quick)),
            releases_of(Snapshot::parse(&text)),
            "{}",
            path.display()
        );
    }
}

/// Carton reads what we render into the same distributions: 200 generated
/// snapshots through one perl process.
#[test]
fn carton_reads_rendered_snapshots_identically() {
    let mut runner = TestRunner::deterministic();
    let strategy = snapshot();
    let mut cases = Vec::new();
    for _ in 0..200 {
        let s = strategy.new_tree(&mut runner).expect("generate").current();
        cases.push(s);
    }
    let input: String = cases
        .iter()
        .map(|s| {
            let t = s.to_snapshot_string();
            format!("{}\n{t}", t.len())
        })
        .collect();
    let out = support::perl(CARTON_DUMP, &["-"], &input);
    let carton: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(carton.len(), cases.len());
    let mut identical = 0;
    for (s, expected) in cases.iter().zip(&carton) {
        let ours = as_carton_json(&sorted(s), true);
        assert!(
            &ours == expected,
            "Carton reads differently ({}):\n{}",
            first_difference(&ours, expected),
            s.to_snapshot_string()
        );
        identical += 1;
    }
    eprintln!(
        "Carton on rendered snapshots: {identical}/{} identical",
        cases.len()
    );
}

#[test]
fn text_that_is_not_utf8_is_an_error_at_its_byte_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cpanfile.snapshot");
    let mut bytes =
        format!("{H}  Foo-1.0\n    pathname: A/AU/AUTHOR/Foo-1.0.tar.gz\n").into_bytes();
    // Line 4, after the four spaces and "pat": column 8.
    let at = bytes.len() - "hname: A/AU/AUTHOR/Foo-1.0.tar.gz\n".len();
    bytes.insert(at, 0xFF);
    std::fs::write(&path, &bytes).expect("write");
    for e in [
        Snapshot::read_text(&path).expect_err("not UTF-8"),
        Snapshot::read(&path).expect_err("not UTF-8"),
    ] {
        assert!(matches!(e.kind, ErrorKind::NotUtf8 { .. }), "{e:?}");
        let l = e.location.expect("a location");
        assert_eq!((l.line, l.column), (4, 8), "{e}");
        assert_eq!(e.path.as_deref(), Some(path.as_path()), "{e}");
    }
    let good = format!("{H}  Foo-1.0\n    pathname: A/AU/AUTHOR/Foo-1.0.tar.gz\n");
    std::fs::write(&path, &good).expect("write");
    assert_eq!(Snapshot::read_text(&path).expect("UTF-8"), good);
}
