//! The index's OSV query decoding and answering (`/v1/query` and
//! `/v1/querybatch` bodies) over a small database: never panics, and every
//! answer is JSON.
#![no_main]

use std::sync::OnceLock;

use cpansec_advisory::{Database, Source};
use cpansec_server::index::{Snapshot, answer_query};
use libfuzzer_sys::fuzz_target;

const DB: &str = r#"{"meta":{"epoch":1786890660},"module2dist":{"HTTP::Body":"HTTP-Body"},
"dists":{"HTTP-Body":{"main_module":"HTTP::Body","versions":[{"version":"1.07","date":"2010-01-01T00:00:00"},
{"version":"1.22","date":"2012-01-01T00:00:00"},{"version":"1.23","date":"2013-01-01T00:00:00"}],
"advisories":[{"id":"CPANSA-HTTP-Body-2013-4407","distribution":"HTTP-Body","cves":["CVE-2013-4407"],
"affected_versions":[">=1.08,<1.23"],"fixed_versions":[">=1.23"],"description":"d","references":[],
"reported":"2013-09-02","severity":"moderate"},{"id":"CPANSA-HTTP-Body-2099-1","distribution":"HTTP-Body",
"cves":[],"affected_versions":["<1.2x"],"fixed_versions":[],"description":"unparsed","references":[]}]}}}"#;

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| {
        let db = Database::from_json_slice(DB.as_bytes(), Source::Embedded("fuzz")).expect("db");
        Snapshot::build(db, None, None, 0).expect("snapshot")
    })
}

fuzz_target!(|data: &[u8]| {
    let batch = data.first().is_some_and(|b| b & 1 == 1);
    let body = data.get(1..).unwrap_or_default();
    if let Ok(out) = answer_query(snapshot(), body, batch) {
        serde_json::from_str::<serde_json::Value>(&out).expect("answers are JSON");
    }
});
