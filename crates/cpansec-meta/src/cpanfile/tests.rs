//! Unit tests of the cpanfile reader's rules; the corpus and Module::CPANfile
//! comparisons are in `tests/cpanfile.rs`.

use super::*;

fn parse(s: &str) -> Cpanfile {
    Cpanfile::parse(s).unwrap_or_else(|e| panic!("{e}\n{s}"))
}

fn req(c: &Cpanfile, phase: Phase, module: &str) -> String {
    c.prereqs
        .get(&phase, &Relation::Requires, module)
        .unwrap_or_else(|| panic!("{module} missing in {c:?}"))
        .requirement
        .clone()
}

fn err(s: &str) -> String {
    Cpanfile::parse(s).expect_err(s).to_string()
}

#[test]
fn keywords_phases_and_locations() {
    let c = parse(
        "requires 'A', '1.0';\non test => sub {\n  requires('B');\n};\ntest_requires 'C' => 2\n",
    );
    assert_eq!(req(&c, Phase::Runtime, "A"), "1.0");
    assert_eq!(req(&c, Phase::Test, "B"), "0");
    assert_eq!(req(&c, Phase::Test, "C"), "2");
    let b = c.prereqs.get(&Phase::Test, &Relation::Requires, "B");
    assert_eq!(
        b.and_then(|p| p.location),
        Some(Location {
            line: 3,
            column: 12
        })
    );
}

#[test]
fn last_requirement_wins() {
    let c = parse("requires 'A', '1';\nrequires 'A', '2';");
    assert_eq!(req(&c, Phase::Runtime, "A"), "2");
}

#[test]
fn chained_comma_reads_as_module_cpanfile_does() {
    // The inner call runs first; its return value (the count) becomes an
    // argument of the outer one.
    let c = parse("requires 'A', requires 'B', requires 'C';");
    assert_eq!(req(&c, Phase::Runtime, "C"), "0");
    assert_eq!(req(&c, Phase::Runtime, "B"), "1");
    assert_eq!(req(&c, Phase::Runtime, "A"), "2");
    let c = parse("requires 'A' => '1.5', requires 'B' => 2;");
    assert_eq!(req(&c, Phase::Runtime, "A"), "0");
}

#[test]
fn options_and_features() {
    let c = parse(
        "requires 'A', '1', dist => 'X/A-1.tar.gz', git => 'g', ref => 'main';\n\
         feature 'f', 'Desc' => sub { requires 'B' };\nfeature 'g' => sub { on develop => sub { recommends 'C' } };",
    );
    let key = RequirementKey {
        feature: None,
        phase: Phase::Runtime,
        relation: Relation::Requires,
        module: "A".into(),
    };
    let o = &c.options[&key];
    assert_eq!(o.dist.as_deref(), Some("X/A-1.tar.gz"));
    assert_eq!(o.git_ref.as_deref(), Some("main"));
    assert_eq!(c.features["f"].description.as_deref(), Some("Desc"));
    assert_eq!(c.features["g"].description, None);
    assert!(
        c.features["g"]
            .prereqs
            .get(&Phase::Develop, &Relation::Recommends, "C")
            .is_some()
    );
}

#[test]
fn literal_forms() {
    let c = parse(
        "requires qw(A 1.5);\nrequires \"B\", v1.2;\nrequires C => 1.10,;\nrequires('D', 1.2.3)\n",
    );
    assert_eq!(req(&c, Phase::Runtime, "A"), "1.5");
    assert_eq!(req(&c, Phase::Runtime, "B"), "v1.2");
    assert_eq!(req(&c, Phase::Runtime, "C"), "1.1");
    assert_eq!(req(&c, Phase::Runtime, "D"), "v1.2.3");
}

#[test]
fn perl_constructs_are_named_with_their_position() {
    let e = err("requires 'A';\nif ($^O eq 'MSWin32') {\n requires 'B';\n}\n");
    assert!(
        e.starts_with("line 2, column 1: Perl `if` is outside the cpanfile language (conditionals are not supported)"),
        "{e}"
    );
    assert!(err("requires $_ for qw(A B);").contains("variable `$_`"));
    assert!(err("foobar;").contains("the call `foobar`"));
    assert!(err("requires 'A', '1' . '2';").contains("concatenation"));
    assert!(err("my $v = 1;").contains("Perl `my`"));
    assert!(err("requires 'A' if 1;").contains("Perl `if`"));
    assert!(err("requires \"A$x\";").contains("interpolation"));
}

#[test]
fn invalid_requirements_are_refused_like_module_cpanfile() {
    let e = err("requires 'A', 'junk';");
    assert!(e.contains("line 1, column 10"), "{e}");
    // Only the requirement that wins is checked, as Module::CPANfile does.
    parse("requires 'A', 'junk';\nrequires 'A', '1';");
}

#[test]
fn render_reads_back() {
    let c = parse(
        "mirror 'http://x/';\nrequires 'A\\'s', '>= 1, < 2', url => 'u';\nfeature 'f', 'D' => sub { on test => sub { suggests 'B' } };\non devel => sub { conflicts 'C' };",
    );
    let again = parse(&c.to_cpanfile_string());
    assert_eq!(again.without_locations(), c.without_locations());
}

#[test]
fn phases_cpan_meta_ignores_are_reported() {
    let c = parse(
        "on devel => sub {\n  requires 'A';\n  requires 'B' };\non x_deploy => sub { requires 'C' };",
    );
    let ignored = c.ignored_phases();
    assert_eq!(ignored.len(), 1);
    assert_eq!(
        ignored.get(&Phase::Other("devel".into())),
        Some(&Some(Location {
            line: 2,
            column: 12
        }))
    );
    let json = c.to_meta_json().expect("valid");
    assert_eq!(
        json["prereqs"].as_object().map(|m| m.len()),
        Some(1),
        "{json}"
    );
}

#[test]
fn read_names_the_path() {
    let e = Cpanfile::read("/nonexistent/cpanfile").expect_err("missing");
    assert!(e.to_string().starts_with("/nonexistent/cpanfile: "), "{e}");
    assert!(matches!(e.kind, ErrorKind::Io(_)));
}

#[test]
fn syntax_errors_say_what_was_expected() {
    let e = err("requires 'A' 'B';");
    assert!(e.contains("line 1, column 14"), "{e}");
    assert!(e.contains("expected `,`, `=>` or `;`"), "{e}");
    let e = err("on 'test' => sub {\n requires 'A';\n");
    assert!(e.contains("closing the block opened at 1:14"), "{e}");
    let e = err("requires 'A\n");
    assert!(e.contains("closing the string that starts at 1:10"), "{e}");
    assert!(err("feature 'x';").contains("usage: feature"));
    assert!(err("on 'test';").contains("needs a block"));
    assert!(err(&"requires(".repeat(100)).contains("nesting deeper than 64"));
}
