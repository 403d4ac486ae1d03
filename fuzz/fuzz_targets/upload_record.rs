//! Upload records (cpan-upload/v1): parsing never panics, only canonical bytes
//! are accepted (a parsed record re-encodes to the input), and record streams
//! re-encode to records that parse back the same.
#![no_main]

use cpansec_tlog::UploadRecord;
use cpansec_tlog::record::parse_records;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = UploadRecord::parse(data) {
        assert_eq!(r.to_bytes(), data);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(records) = parse_records(text)
    {
        for r in records {
            assert_eq!(UploadRecord::parse(&r.to_bytes()).ok(), Some(r));
        }
    }
});
