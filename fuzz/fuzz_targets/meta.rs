//! Any bytes, read as META JSON and as META YAML: neither reader panics, and
//! a Meta that was read writes a v2 structure (`to_v2_json`) that reads back
//! to the same Meta. Only what the file said before conversion (`source`:
//! the licence strings and meta-spec version as written, and the SPDX
//! expression taken from them) may differ, since the v2 structure carries
//! the converted licence names.
#![no_main]

use cpansec_meta::{Meta, MetaFormat, license};
use libfuzzer_sys::fuzz_target;

fn round_trip(meta: Meta) {
    let json = meta.to_v2_json().to_string();
    let again = match Meta::parse_json(&json) {
        Ok(m) => m,
        Err(e) => panic!("v2 output does not read back: {e}\n{json}"),
    };
    assert_eq!(again.license_spdx, license::spdx_expression(&meta.license));
    let mut expected = meta;
    expected.source = again.source.clone();
    expected.license_spdx = again.license_spdx.clone();
    assert_eq!(again, expected, "{json}");
    assert_eq!(again.to_v2_json(), expected.to_v2_json());
}

fuzz_target!(|data: &[u8]| {
    for format in [MetaFormat::Json, MetaFormat::Yaml] {
        if let Ok(meta) = Meta::parse_bytes(data, Some(format)) {
            round_trip(meta);
        }
    }
    let _ = Meta::parse_bytes(data, None);
});
