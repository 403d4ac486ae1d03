//! Any text as a CNA YAML document: check and parse never panic and agree
//! (parse succeeds exactly when check reports no schema error other than
//! house style); a parsed document builds a record, whose announcement
//! renders, and reconciling the record with itself keeps its content.
#![no_main]

use cpansec_advisory::cna::{self, BuildOptions, Level};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let problems = cna::check(text);
    let Ok(doc) = cna::parse(text) else {
        assert!(problems.iter().any(|p| p.level == Level::Error));
        return;
    };
    let record = cna::build_record(&doc, &BuildOptions::default());
    let _ = cna::announcement(&record);
    let mut again = record.clone();
    cna::reconcile(&mut again, &record).expect("a record reconciles with itself");
    assert_eq!(again, record);
});
