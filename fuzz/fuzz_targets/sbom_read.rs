//! Any bytes: reading an SBOM never panics; what reads has components with
//! a cpan purl that parses back to the same distribution, and every problem
//! names the file; the audit's dependency set built from it never panics
//! and lists only components the SBOM has.
#![no_main]

use std::path::Path;

use cpansec_meta::Purl;
use cpansec_sbom::SbomDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = SbomDocument::parse(data, Path::new("fuzz.json")) else {
        return;
    };
    for c in &doc.components {
        let p = Purl::parse(&c.purl).expect("a component's purl reads back");
        assert_eq!(p.name(), c.dist);
    }
    for p in &doc.problems {
        assert!(p.starts_with("fuzz.json: "), "{p}");
    }
    let n = doc.components.len();
    let input = cpansec_audit::sbom::from_document(doc, "fuzz.json");
    assert!(input.set.dependencies.len() <= n);
});
