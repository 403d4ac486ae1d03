//! Cases read off `perl -Mversion` 0.9929; the differential tests in
//! `tests/perl_oracle.rs` check many more against the live perl.

use super::*;

/// (input, components, numify, normal, stringify, alpha)
type Case = (
    &'static str,
    &'static [u32],
    &'static str,
    &'static str,
    &'static str,
    bool,
);

const CASES: &[Case] = &[
    (
        "1.02_03",
        &[1, 20, 300],
        "1.020300",
        "v1.20.300",
        "1.02_03",
        true,
    ),
    ("1.2_3", &[1, 230], "1.230", "v1.230.0", "1.2_3", true),
    ("v1.2_3", &[1, 23, 0], "1.023000", "v1.23.0", "v1.2_3", true),
    (
        "1.2.3_4",
        &[1, 2, 34],
        "1.002034",
        "v1.2.34",
        "1.2.3_4",
        true,
    ),
    (
        "1.0203",
        &[1, 20, 300],
        "1.020300",
        "v1.20.300",
        "1.0203",
        false,
    ),
    (
        "1.002003",
        &[1, 2, 3],
        "1.002003",
        "v1.2.3",
        "1.002003",
        false,
    ),
    ("1.", &[1, 0], "1.000", "v1.0.0", "1.", false),
    (".5", &[0, 500], "0.500", "v0.500.0", ".5", false),
    (
        "0.000_001",
        &[0, 0, 1],
        "0.000001",
        "v0.0.1",
        "0.000_001",
        true,
    ),
    ("1.2 3", &[1, 200], "1.200", "v1.200.0", "1.2", false),
    ("1.2;x", &[1, 200], "1.200", "v1.200.0", "1.2", false),
    ("undef", &[0], "0.000", "v0.0.0", "0", false),
    ("  undef", &[0], "0.000", "v0.0.0", "0", false),
    (" 1.2 ", &[1, 200], "1.200", "v1.200.0", "1.2", false),
    ("v1", &[1, 0, 0], "1.000000", "v1.0.0", "v1", false),
    ("v1.", &[1, 0, 0], "1.000000", "v1.0.0", "v1.", false),
    ("1.2.3", &[1, 2, 3], "1.002003", "v1.2.3", "1.2.3", false),
    ("01.02", &[1, 20], "1.020", "v1.20.0", "01.02", false),
    ("1 2", &[1], "1.000", "v1.0.0", "1", false),
    ("v1.2.3_", &[1, 2, 3], "1.002003", "v1.2.3", "v1.2.3_", true),
    ("1.2.0_", &[1, 2, 0], "1.002000", "v1.2.0", "1.2.0_", true),
    (
        "1.9999999999999",
        &[1, 999, 999, 999, 999, 900],
        "1.999999999999900",
        "v1.999.999.999.999.900",
        "1.9999999999999",
        false,
    ),
    (
        "v1.000000000000001",
        &[1, 1, 0],
        "1.001000",
        "v1.1.0",
        "v1.000000000000001",
        false,
    ),
    (
        "99999999999999999999",
        &[2147483647],
        "2147483647.000",
        "v2147483647.0.0",
        "v.Inf",
        false,
    ),
    (
        "1.2.99999999999",
        &[1, 2, 2147483647],
        "1.0022147483647",
        "v1.2.2147483647",
        "v.Inf",
        false,
    ),
    (
        "00000000001.5",
        &[2147483647],
        "2147483647.000",
        "v2147483647.0.0",
        "v.Inf",
        false,
    ),
    (
        "0000000001.5",
        &[1, 500],
        "1.500",
        "v1.500.0",
        "0000000001.5",
        false,
    ),
];

#[test]
fn parses_like_version_pm() {
    for &(input, parts, numify, normal, string, alpha) in CASES {
        let v = Version::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(v.parts(), parts, "components of {input:?}");
        assert_eq!(v.numify(), numify, "numify of {input:?}");
        assert_eq!(v.normal(), normal, "normal of {input:?}");
        assert_eq!(v.to_string(), string, "stringify of {input:?}");
        assert_eq!(v.is_alpha(), alpha, "is_alpha of {input:?}");
    }
}

#[test]
fn rejects_what_version_pm_rejects() {
    let cases = [
        ("1_2", Reason::AlphaWithoutDecimal),
        ("1.2.3.", Reason::TrailingDecimal),
        ("", Reason::VersionRequired),
        ("1.2 foo", Reason::NonNumeric),
        ("1.2:x", Reason::NonNumeric),
        ("v1.2_3_4", Reason::MultipleUnderscores),
        ("1_", Reason::MisplacedUnderscore),
        ("1._5", Reason::FractionalPartRequired),
        ("1.5_", Reason::MisplacedUnderscore),
        ("undef ", Reason::NonNumeric),
        ("1,2", Reason::NonNumeric),
        ("-1", Reason::Negative),
        ("+1", Reason::NonNumeric),
        ("1e5", Reason::NonNumeric),
        ("v", Reason::DottedNeedsThreeParts),
        ("1.0-TRIAL", Reason::NonNumeric),
        ("2.00b02", Reason::NonNumeric),
    ];
    for (input, reason) in cases {
        let err = Version::parse(input).expect_err(input);
        assert_eq!(err.reason, reason, "{input:?}");
    }
}

#[test]
fn declare_reads_as_dotted() {
    let cases: &[(&str, &[u32], &str)] = &[
        ("1.2", &[1, 2, 0], "v1.2"),
        (" 1.02", &[1, 2, 0], "v1.02"),
        ("1", &[1, 0, 0], "1"),
        ("v1.", &[1, 0, 0], "v1."),
        ("1.2.3", &[1, 2, 3], "1.2.3"),
    ];
    for &(input, parts, string) in cases {
        let v = Version::declare(input).unwrap();
        assert_eq!(v.parts(), parts, "{input:?}");
        assert_eq!(v.to_string(), string, "{input:?}");
        assert!(v.is_qv());
    }
}

#[test]
fn alpha_is_ignored_in_comparison() {
    let p = |s| Version::parse(s).unwrap();
    assert_eq!(p("1.02_03"), p("1.0203"));
    assert_eq!(p("1.2_3"), p("1.23"));
    assert_eq!(p("v1.2.3_4"), p("v1.2.34"));
    assert_eq!(p("1.10"), p("1.1"));
    assert!(p("1.5") > p("1.49"));
    assert_eq!(p("v1.2"), p("v1.2.0.0"));
}

#[test]
fn warnings_are_reported_and_exact_parsing_rejects_them() {
    let (_, w) = Version::parse_with_warnings("1.2 3").unwrap();
    assert_eq!(w.ignored.as_deref(), Some(" 3"));
    let (_, w) = Version::parse_with_warnings("1.2").unwrap();
    assert!(w.is_clean());
    let (_, w) = Version::parse_with_warnings("99999999999").unwrap();
    assert!(w.overflow);
    assert!(Version::parse_exact("1.2 ").is_err());
    assert!(Version::parse_exact("99999999999").is_err());
    assert!(Version::parse_exact("1.2").is_ok());
}

#[test]
fn text_after_a_nul_is_not_seen() {
    assert_eq!(Version::parse("1.2\0junk").unwrap().to_string(), "1.2");
}

mod simple_path {
    use super::super::*;
    use proptest::prelude::*;

    /// Runs the general path alone, as if the simple one did not exist.
    fn general(input: &str, parts: &mut Vec<u32>) -> Result<(bool, bool, String), Reason> {
        let mut copy = String::from(" ");
        copy.push_str(input); // a leading space always takes the general path
        let scanned = scan_into(&copy, false, parts)?;
        Ok((scanned.qv, scanned.alpha, scanned.text.to_string()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]
        #[test]
        fn simple_path_agrees_with_general_path(s in "v?[0-9_]{0,11}(\\.[0-9_]{0,11}){0,5}") {
            let mut fast = Vec::new();
            if let Some(scanned) = scan_simple(&s, &mut fast) {
                let mut slow = Vec::new();
                let expected = general(&s, &mut slow).expect("the general path accepts it too");
                prop_assert_eq!(fast, slow);
                prop_assert_eq!((scanned.qv, scanned.alpha, scanned.text.to_string()), expected);
            }
        }
    }
}
