//! Any bytes as a cpansa feed, and as the output of the perl program that
//! prints an installed module's database: neither parse panics; a feed that
//! parses writes out deterministically, parses back to itself and loads
//! into the same database as its source bytes.
#![no_main]

use cpansec_advisory::{Database, Feed, PerlModule, Source, from_perl_output};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let module = PerlModule::parse("CPAN::Audit").expect("valid name");
    if let Ok(p) = from_perl_output(&module, data) {
        let _ = Database::from_feed(p.feed, p.source);
    }
    let Ok(feed) = Feed::parse(data, "fuzz.json") else {
        return;
    };
    let bytes = feed.to_json();
    let again = Feed::parse(&bytes, "out.json").expect("an export parses");
    assert_eq!(again, feed);
    assert_eq!(again.to_json(), bytes);
    let a = Database::from_json_slice(data, Source::File("a".into()));
    let b = Database::from_json_slice(&bytes, Source::File("a".into()));
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.entry_count(), b.entry_count());
            assert!(a.advisories().eq(b.advisories()));
            assert!(a.distributions().eq(b.distributions()));
            assert!(a.modules().eq(b.modules()), "module map");
        }
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "source and export disagree: {:?} / {:?}",
            a.is_ok(),
            b.is_ok()
        ),
    }
});
