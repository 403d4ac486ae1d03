//! What a perl prints for `cpansec audit --perl`: any text is read or
//! refused (no panic); what is read has a version.pm version and no empty
//! `@INC` entry.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok((version, inc)) = cpansec_audit::installed::parse_perl_output(&text) {
        assert!(cpansec_version::Version::parse(&version).is_ok());
        assert!(inc.iter().all(|i| !i.is_empty() && !i.contains('\n')));
        let _ = cpansec_audit::PerlTarget::new(&version, "fuzz");
    }
});
