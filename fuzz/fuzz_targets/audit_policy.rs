//! `.cpansec.toml` policies: any text parses or errors (no panic), and a
//! parsed policy applies to a report with any date string without panicking
//! and never adds findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (policy_text, today) = text.split_once('\u{0}').unwrap_or((text, "2026-12-02"));
    if let Ok(policy) =
        cpansec_audit::Policy::parse(policy_text, std::path::Path::new(".cpansec.toml"))
    {
        let mut report = cpansec_audit::Report::default();
        let outcome = policy.apply(&mut report, today);
        assert!(report.findings.is_empty());
        assert!(outcome.warnings.len() <= policy.ignore.len());
    }
});
