//! Generated cpanfiles: a small grammar of what the language allows, written
//! out in varied styles (quotes, `=>` or `,`, parentheses, trailing commas,
//! optional `;`, comments, POD). The static reader must give the model the
//! generator meant, and Module::CPANfile must read the same files the same way.

use std::collections::BTreeMap;

use cpansec_meta::cpanfile::{RequirementKey, RequirementOptions};
use cpansec_meta::{Cpanfile, Phase, Prereq, Prereqs, Relation};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// A version argument: how it is written and the string Perl passes on.
#[derive(Clone, Debug)]
struct GenVersion {
    written: String,
    value: String,
}

#[derive(Clone, Debug)]
struct GenReq {
    relation: usize,
    /// `Some(phase index)`: written with the `*_requires` shortcut.
    shortcut: Option<usize>,
    module: String,
    version: Option<GenVersion>,
    options: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
enum GenStmt {
    Req(GenReq),
    On(usize, Vec<GenReq>),
    Feature(String, Option<String>, Vec<GenStmt>),
    Mirror(String),
}

/// How to write things; chosen per file.
#[derive(Clone, Debug)]
struct Style {
    double_quotes: bool,
    fat_comma: bool,
    parens: bool,
    trailing_comma: bool,
    last_semicolon: bool,
    comments: bool,
}

const RELATIONS: [&str; 4] = ["requires", "recommends", "suggests", "conflicts"];
const PHASES: [&str; 6] = [
    "runtime",
    "configure",
    "build",
    "test",
    "develop",
    "x_deploy",
];
const SHORTCUTS: [(&str, usize); 4] = [
    ("configure_requires", 1),
    ("build_requires", 2),
    ("test_requires", 3),
    ("author_requires", 4),
];

fn version() -> impl Strategy<Value = GenVersion> {
    let quoted = prop_oneof![
        Just("1.0".to_string()),
        Just("0".to_string()),
        Just(String::new()),
        Just("v1.2.3".to_string()),
        Just(">= 1.2, < 2".to_string()),
        Just("== 0.5".to_string()),
        Just("!= 1.1".to_string()),
        Just("> 2.001_002".to_string()),
        "[1-9][0-9]{0,2}\\.[0-9]{1,4}",
    ]
    .prop_map(|s| GenVersion {
        value: if s.is_empty() { "0".into() } else { s.clone() },
        written: s,
    });
    let bare = prop_oneof![
        Just(("1.10", "1.1")),
        Just(("0.5", "0.5")),
        Just(("2", "2")),
        Just(("1.000008", "1.000008")),
        Just(("0", "0")),
        Just(("0.0", "0")),
        Just(("v1.2", "v1.2")),
        Just(("1.2.3", "v1.2.3")),
        Just(("5.010_001", "5.010001")),
    ]
    .prop_map(|(w, v)| GenVersion {
        written: format!("@{w}"),
        value: v.to_string(),
    });
    prop_oneof![3 => quoted, 1 => bare]
}

fn module() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{0,5}(::[A-Z][a-z0-9]{0,5}){0,2}"
}

fn req() -> impl Strategy<Value = GenReq> {
    (
        0..4usize,
        prop::option::weighted(0.2, 0..4usize),
        module(),
        prop::option::of(version()),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("dist".to_string()),
                    Just("url".to_string()),
                    Just("mirror".to_string()),
                    Just("git".to_string()),
                    Just("ref".to_string()),
                    Just("x_note".to_string()),
                ],
                "[a-z0-9/.:-]{1,10}",
            ),
            0..2,
        ),
    )
        .prop_map(|(relation, shortcut, module, version, options)| GenReq {
            relation,
            shortcut,
            module,
            version,
            options,
        })
}

fn statement() -> impl Strategy<Value = GenStmt> {
    let leaf = prop_oneof![
        6 => req().prop_map(GenStmt::Req),
        2 => (0..6usize, prop::collection::vec(req(), 0..4)).prop_map(|(p, b)| GenStmt::On(p, b)),
        1 => "https://[a-z]{1,8}/".prop_map(GenStmt::Mirror),
    ];
    prop_oneof![
        8 => leaf.clone(),
        1 => (
            "[a-z]{1,6}",
            prop::option::of("[A-Za-z ]{0,10}"),
            prop::collection::vec(leaf, 0..4),
        )
            .prop_map(|(id, d, b)| GenStmt::Feature(id, d, b)),
    ]
}

fn style() -> impl Strategy<Value = Style> {
    any::<[bool; 6]>().prop_map(|b| Style {
        double_quotes: b[0],
        fat_comma: b[1],
        parens: b[2],
        trailing_comma: b[3],
        last_semicolon: b[4],
        comments: b[5],
    })
}

fn file() -> impl Strategy<Value = (Vec<GenStmt>, Style)> {
    (prop::collection::vec(statement(), 0..12), style())
}

fn quote(s: &str, style: &Style) -> String {
    if style.double_quotes {
        let mut out = String::from("\"");
        for c in s.chars() {
            if matches!(c, '"' | '\\' | '$' | '@') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn write_req(r: &GenReq, style: &Style, out: &mut String) {
    let keyword = match r.shortcut {
        Some(s) => SHORTCUTS[s].0,
        None => RELATIONS[r.relation],
    };
    let sep = if style.fat_comma { " => " } else { ", " };
    let mut args = vec![quote(&r.module, style)];
    if let Some(v) = &r.version {
        args.push(match v.written.strip_prefix('@') {
            Some(bare) => bare.to_string(),
            None => quote(&v.written, style),
        });
    } else if !r.options.is_empty() {
        // Options alone would be read as a version: write the `0` out.
        args.push(quote("0", style));
    }
    for (k, v) in &r.options {
        args.push(format!("{k} => {}", quote(v, style)));
    }
    let mut list = args[0].clone();
    for (n, a) in args.iter().enumerate().skip(1) {
        list.push_str(if n == 1 { sep } else { ", " });
        list.push_str(a);
    }
    if style.trailing_comma {
        list.push(',');
    }
    if style.parens {
        out.push_str(&format!("{keyword}({list})"));
    } else {
        out.push_str(&format!("{keyword} {list}"));
    }
}

fn write_block(stmts: &[GenStmt], style: &Style, indent: &str, out: &mut String) {
    for (n, s) in stmts.iter().enumerate() {
        out.push_str(indent);
        match s {
            GenStmt::Req(r) => write_req(r, style, out),
            GenStmt::Mirror(url) => out.push_str(&format!("mirror {}", quote(url, style))),
            GenStmt::On(phase, body) => {
                let sep = if style.fat_comma { " => " } else { ", " };
                out.push_str(&format!("on {}{sep}sub {{\n", quote(PHASES[*phase], style)));
                let reqs: Vec<GenStmt> = body.iter().cloned().map(GenStmt::Req).collect();
                write_block(&reqs, style, &format!("{indent}    "), out);
                out.push_str(indent);
                out.push('}');
            }
            GenStmt::Feature(id, desc, body) => {
                out.push_str(&format!("feature {}", quote(id, style)));
                if let Some(d) = desc {
                    out.push_str(&format!(", {}", quote(d, style)));
                }
                out.push_str(" => sub {\n");
                write_block(body, style, &format!("{indent}    "), out);
                out.push_str(indent);
                out.push('}');
            }
        }
        let last = n + 1 == stmts.len();
        if !last || style.last_semicolon || indent.is_empty() {
            out.push(';');
        }
        if style.comments {
            out.push_str(" # note");
        }
        out.push('\n');
    }
}

fn render(stmts: &[GenStmt], style: &Style) -> String {
    let mut out = String::new();
    if style.comments {
        out.push_str("#!perl\n=pod\n\nrequires 'Not::Read';\n\n=cut\n");
    }
    write_block(stmts, style, "", &mut out);
    if style.comments {
        out.push_str("__END__\nrequires 'Not::Read';\n");
    }
    out
}

/// The model the generator meant: Module::CPANfile's rules, stated for this
/// small grammar (the last requirement wins, a false version is `0`).
fn expected(stmts: &[GenStmt]) -> Cpanfile {
    let mut out = Cpanfile::default();
    fn add(out: &mut Cpanfile, feature: Option<&str>, phase: usize, r: &GenReq) {
        let (phase, relation) = match r.shortcut {
            Some(s) => (SHORTCUTS[s].1, 0),
            None => (phase, r.relation),
        };
        let phase: Phase = PHASES[phase].parse().unwrap_or(Phase::Runtime);
        let relation: Relation = RELATIONS[relation].parse().unwrap_or(Relation::Requires);
        let version = r
            .version
            .as_ref()
            .map(|v| v.value.clone())
            .filter(|v| !v.is_empty() && v != "0")
            .unwrap_or_else(|| "0".into());
        let prereqs: &mut Prereqs = match feature {
            Some(id) => &mut out.features.entry(id.to_string()).or_default().prereqs,
            None => &mut out.prereqs,
        };
        prereqs.insert(
            phase.clone(),
            relation.clone(),
            &r.module,
            Prereq {
                requirement: version,
                location: None,
            },
        );
        let mut options = RequirementOptions::default();
        for (k, v) in &r.options {
            options.set(k, v.clone());
        }
        let key = RequirementKey {
            feature: feature.map(str::to_string),
            phase,
            relation,
            module: r.module.clone(),
        };
        if options.is_empty() {
            out.options.remove(&key);
        } else {
            out.options.insert(key, options);
        }
    }
    fn run(out: &mut Cpanfile, feature: Option<&str>, stmts: &[GenStmt]) {
        for s in stmts {
            match s {
                GenStmt::Req(r) => add(out, feature, 0, r),
                GenStmt::On(p, body) => body.iter().for_each(|r| add(out, feature, *p, r)),
                GenStmt::Mirror(url) => out.mirrors.push(url.clone()),
                GenStmt::Feature(id, desc, body) => {
                    let f = out.features.entry(id.clone()).or_default();
                    f.description = desc.clone().filter(|d| d != id);
                    run(out, Some(id), body);
                }
            }
        }
    }
    run(&mut out, None, stmts);
    out
}

proptest! {
    #![proptest_config(Config::with_cases(512))]

    #[test]
    fn generated_files_read_as_meant((stmts, style) in file()) {
        let text = render(&stmts, &style);
        let got = Cpanfile::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(got.without_locations(), expected(&stmts), "{}", text);
        let again = Cpanfile::parse(&got.to_cpanfile_string())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", got.to_cpanfile_string())))?;
        prop_assert_eq!(again.without_locations(), got.without_locations());
    }
}

/// 400 generated files, one Module::CPANfile process: both readings agree,
/// down to raw versions, options, mirrors and feature descriptions.
#[test]
fn generated_files_read_as_module_cpanfile_reads_them() {
    let mut runner = TestRunner::new(Config::default());
    let dir = std::env::temp_dir().join(format!("cpansec-cpanfile-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for n in 0..400 {
        let (stmts, style) = file().new_tree(&mut runner).expect("generate").current();
        let path = dir.join(format!("{n}.cpanfile"));
        std::fs::write(&path, render(&stmts, &style)).expect("write");
        files.push(path);
    }
    let perl = Cpanfile::read_many_with_perl(&files).expect("perl runs");
    let mut failures = Vec::new();
    for (path, perl) in files.iter().zip(perl) {
        let text = std::fs::read_to_string(path).expect("read back");
        let ours = Cpanfile::parse(&text).map(|c| c.without_locations());
        let perl = perl.map(|mut c| {
            c.evaluated_by_perl = false;
            c
        });
        match (ours, perl) {
            (Ok(a), Ok(b)) if a == b => {
                // CPAN::Meta's normalised form too.
                let (ja, jb) = (a.to_meta_json(), b.to_meta_json());
                if ja.as_ref().ok() != jb.as_ref().ok() {
                    failures.push(format!("{}: meta differs\n{text}", path.display()));
                }
            }
            (Err(_), Err(_)) => {}
            (a, b) => failures.push(format!(
                "{}:\n{text}\nours: {a:?}\nperl: {b:?}",
                path.display()
            )),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let summary: BTreeMap<&str, usize> =
        [("files", files.len()), ("disagreements", failures.len())]
            .into_iter()
            .collect();
    eprintln!("generated vs Module::CPANfile: {summary:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Pieces of cpanfile text joined at random: mostly nonsense, which is the
/// point. Nothing here can do anything but call the cpanfile keywords.
const FRAGMENTS: &[&str] = &[
    "requires",
    "requires",
    "recommends",
    "suggests",
    "conflicts",
    "test_requires",
    "author_requires",
    "on",
    "feature",
    "mirror",
    "'A'",
    "'B::C'",
    "\"D\"",
    "'test'",
    "'develop'",
    "'1.0'",
    "'>= 1, < 2'",
    "1.10",
    "0",
    "v1.2",
    "1.2.3",
    "''",
    "'junk'",
    "dist",
    "=>",
    ",",
    ",",
    "(",
    ")",
    "sub {",
    "}",
    ";",
    ";",
    ";",
    "qw(E 2)",
    "q{F}",
    "'0'",
    "\n",
];

/// Random fragment soups, one Module::CPANfile process: whatever the static
/// reader accepts, Module::CPANfile reads the same way. (The static reader
/// may refuse what Perl accepts: that is counted, not failed.)
#[test]
fn fragment_soup_never_reads_differently_from_module_cpanfile() {
    let mut runner = TestRunner::new(Config::default());
    let soup = prop::collection::vec(0..FRAGMENTS.len(), 1..24);
    let dir = std::env::temp_dir().join(format!("cpansec-cpanfile-soup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for n in 0..3000 {
        let picks = soup.new_tree(&mut runner).expect("generate").current();
        let text: Vec<&str> = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        let path = dir.join(format!("{n}.cpanfile"));
        std::fs::write(&path, text.join(" ")).expect("write");
        files.push(path);
    }
    let perl = Cpanfile::read_many_with_perl(&files).expect("perl runs");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, perl) in files.iter().zip(perl) {
        let text = std::fs::read_to_string(path).expect("read back");
        let ours = Cpanfile::parse(&text).map(|c| c.without_locations());
        let perl = perl.map(|mut c| {
            c.evaluated_by_perl = false;
            c
        });
        let class = match (&ours, &perl) {
            (Ok(a), Ok(b)) if a == b => "both read, identical",
            (Err(_), Err(_)) => "both refuse",
            (Err(_), Ok(_)) => "static refuses, Perl reads",
            _ => {
                failures.push(format!("{text}\nours: {ours:?}\nperl: {perl:?}"));
                "DISAGREE"
            }
        };
        *counts.entry(class).or_default() += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("fragment soup vs Module::CPANfile: {counts:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Statements built from keywords, argument fragments and separators, with
/// chained calls, `on` and `feature` blocks nested to three levels: mostly
/// valid files that exercise the odd corners (chained commas, false
/// versions and feature names, empty argument lists, v-strings, `qw`).
fn statement_soup() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(vec![
        "requires",
        "requires",
        "recommends",
        "suggests",
        "conflicts",
        "test_requires",
        "build_requires",
        "configure_requires",
        "author_requires",
        "mirror",
    ]);
    let arg = prop::sample::select(vec![
        "'A'",
        "'A'",
        "'B::C'",
        "\"D\\x41\"",
        "'1.0'",
        "'0'",
        "''",
        "1.10",
        "0",
        "0.0",
        "v1.2",
        "1.2.3",
        "'>= 1, < 2'",
        "qw(E 2)",
        "q{F}",
        "dist => 'x/y.tar.gz'",
        "url => 'u'",
        "()",
        "('G', '3')",
        "'== 1.5'",
        "010",
    ]);
    let sep = prop::sample::select(vec![", ", " => ", ",, ", ","]);
    let call = (
        keyword,
        prop::collection::vec((arg, sep), 0..4),
        any::<bool>(),
    )
        .prop_map(|(k, args, parens)| {
            let list: String = args
                .iter()
                .enumerate()
                .map(|(n, (a, s))| {
                    if n == 0 {
                        a.to_string()
                    } else {
                        format!("{s}{a}")
                    }
                })
                .collect();
            if parens {
                format!("{k}({list})")
            } else {
                format!("{k} {list}")
            }
        });
    call.prop_recursive(3, 32, 4, |inner| {
        let phase = prop::sample::select(vec![
            "'test'",
            "'runtime'",
            "'develop'",
            "'devel'",
            "'x_y'",
            "'Test'",
            "build",
        ]);
        let feature = prop::sample::select(vec!["'f'", "'g'", "'0'", "''", "h"]);
        let desc = prop::option::of(prop::sample::select(vec!["'Desc'", "'f'", "\"x\""]));
        let body = prop::collection::vec(inner.clone(), 0..3).prop_map(|stmts| stmts.join(";\n  "));
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| {
                // A comma where a `;` was meant: `requires 'A', requires 'B'`.
                format!("{a}, {b}")
            }),
            (phase, body.clone()).prop_map(|(p, b)| format!("on {p} => sub {{\n  {b}\n}}")),
            (feature, desc, body).prop_map(|(f, d, b)| match d {
                Some(d) => format!("feature {f}, {d} => sub {{\n  {b}\n}}"),
                None => format!("feature {f} => sub {{\n  {b}\n}}"),
            }),
        ]
    })
}

#[test]
fn statement_soup_reads_as_module_cpanfile_reads_it() {
    let mut runner = TestRunner::new(Config::default());
    let files_strategy = prop::collection::vec(statement_soup(), 1..8);
    let dir = std::env::temp_dir().join(format!("cpansec-cpanfile-stmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for n in 0..1500 {
        let stmts = files_strategy
            .new_tree(&mut runner)
            .expect("generate")
            .current();
        let path = dir.join(format!("{n}.cpanfile"));
        std::fs::write(&path, stmts.join(";\n")).expect("write");
        files.push(path);
    }
    let perl = Cpanfile::read_many_with_perl(&files).expect("perl runs");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, perl) in files.iter().zip(perl) {
        let text = std::fs::read_to_string(path).expect("read back");
        let ours = Cpanfile::parse(&text).map(|c| c.without_locations());
        let perl = perl.map(|mut c| {
            c.evaluated_by_perl = false;
            c
        });
        let class = match (&ours, &perl) {
            (Ok(a), Ok(b)) if a == b => "both read, identical",
            (Err(_), Err(_)) => "both refuse",
            (Err(_), Ok(_)) => {
                failures.push(format!("{text}\nours: {ours:?}\nperl: {perl:?}"));
                "static refuses, Perl reads"
            }
            _ => {
                failures.push(format!("{text}\nours: {ours:?}\nperl: {perl:?}"));
                "DISAGREE"
            }
        };
        *counts.entry(class).or_default() += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("statement soup vs Module::CPANfile: {counts:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Literal syntax: random quoted strings (escapes included), `q`/`qq`/`qw`
/// forms and numeric literals, each as a module name and as a version,
/// decoded as Perl decodes them.
fn literal() -> impl Strategy<Value = String> {
    let dq_piece = prop_oneof![
        "[a-zA-Z0-9 :.'{}]{1,4}",
        prop::sample::select(vec![
            "\\t",
            "\\n",
            "\\\\",
            "\\\"",
            "\\$",
            "\\@",
            "\\x41",
            "\\x{263A}",
            "\\101",
            "\\0",
            "\\e",
            "\\q",
            "@",
            "$",
            "\\x4",
            "\\x{}",
            "@ ",
        ])
        .prop_map(str::to_string),
    ];
    let sq_piece = prop_oneof![
        "[a-zA-Z0-9 :.\"${}]{1,4}",
        prop::sample::select(vec!["\\\\", "\\'", "\\n", "\\"]).prop_map(str::to_string),
    ];
    prop_oneof![
        prop::collection::vec(dq_piece, 0..5).prop_map(|p| format!("\"{}\"", p.concat())),
        prop::collection::vec(sq_piece, 0..5).prop_map(|p| {
            let body = p.concat();
            // A lone trailing backslash would escape the closing quote.
            let body = if body.ends_with('\\') && !body.ends_with("\\\\") {
                format!("{body}\\")
            } else {
                body
            };
            format!("'{body}'")
        }),
        "q\\{[a-zA-Z0-9 :]{0,6}\\}",
        "qq\\([a-zA-Z0-9 :]{0,6}\\)",
        "[1-9][0-9_]{0,21}(\\.[0-9_]{0,18})?([eE][-+]?[0-9]{1,3})?",
        "0[0-7_]{1,8}",
        "0[xX][0-9a-fA-F_]{1,16}",
        "0[bB][01_]{1,20}",
        "\\.[0-9]{1,8}",
        "v[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
    ]
}

#[test]
fn literals_decode_as_perl_decodes_them() {
    let mut runner = TestRunner::new(Config::default());
    let dir = std::env::temp_dir().join(format!("cpansec-cpanfile-lit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files = Vec::new();
    for n in 0..2000 {
        let lit = literal().new_tree(&mut runner).expect("generate").current();
        let path = dir.join(format!("{n}.cpanfile"));
        let text = if n % 2 == 0 {
            format!("requires {lit};\n")
        } else {
            format!("requires 'M', {lit};\n")
        };
        std::fs::write(&path, text).expect("write");
        files.push(path);
    }
    let perl = Cpanfile::read_many_with_perl(&files).expect("perl runs");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, perl) in files.iter().zip(perl) {
        let text = std::fs::read_to_string(path).expect("read back");
        let ours = Cpanfile::parse(&text).map(|c| c.without_locations());
        let perl = perl.map(|mut c| {
            c.evaluated_by_perl = false;
            c
        });
        let class = match (&ours, &perl) {
            (Ok(a), Ok(b)) if a == b => "both read, identical",
            (Err(_), Err(_)) => "both refuse",
            (Err(e), Ok(_)) => {
                eprintln!("static refuses, Perl reads: {} -- {e}", text.trim_end());
                "static refuses, Perl reads"
            }
            _ => {
                failures.push(format!("{text}\nours: {ours:?}\nperl: {perl:?}"));
                "DISAGREE"
            }
        };
        *counts.entry(class).or_default() += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("literals vs Perl: {counts:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
