//! Any bytes as a Perl module file: reading never panics; every package in
//! `packages_inside` is in `packages` and declared; every static version is
//! one version.pm accepts (or one of its `v.…` renderings it cannot read back); line numbers point into the file; reading with and
//! without a file name finds the same packages.
#![no_main]

use cpansec_meta::{ModuleInfo, VersionValue};
use cpansec_version::Version;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let info = ModuleInfo::parse(data);
    let named = ModuleInfo::parse_named(data, "lib/Foo/Bar.pm");
    assert_eq!(info.packages, named.packages);
    assert_eq!(info.packages_inside, named.packages_inside);
    let lines = data.split(|b| *b == b'\n').count() as u32;
    for name in &info.packages_inside {
        assert!(info.packages[name].declared);
    }
    if let Some(n) = &named.name {
        assert!(n == "Bar" || n.ends_with("::Bar"));
    }
    for p in info.packages.values() {
        assert!(p.line >= 1 && p.line <= lines);
        if let Some(d) = &p.version {
            assert!(d.line >= 1 && d.line <= lines);
            if let VersionValue::Static(s) = &d.value {
                // version.pm's own renderings it cannot read back (`v.Inf` for an
                // overflow, `v.12` for `qv('.12')`) are kept as it prints them.
                assert!(!s.is_empty() && !s.contains(char::is_whitespace), "{s:?}");
                if !s.starts_with("v.") {
                    assert!(
                        Version::parse(s).is_ok(),
                        "static version {s:?} is a version"
                    );
                }
            }
        }
    }
});
