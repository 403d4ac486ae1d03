//! Any string: parsing a purl never panics; an accepted purl's canonical
//! string parses back to an equal purl and prints identically; its
//! author-qualifier form does too.
#![no_main]

use cpansec_meta::Purl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let Ok(p) = Purl::parse(data) else { return };
    let text = p.to_string();
    let again = Purl::parse(&text).expect("canonical string parses");
    assert_eq!(again, p);
    assert_eq!(again.to_string(), text);
    assert!(!p.name().contains("::"));
    if let Ok(a) = p.to_author_form() {
        assert_eq!(a.namespace(), None);
        assert_eq!(Purl::parse(&a.to_string()).unwrap(), a);
    }
});
