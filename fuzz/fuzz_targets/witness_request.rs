//! Any bytes as a tlog-witness add-checkpoint body: parsing never panics and what
//! parses encodes back to exactly the input; the whole state machine (a witness of
//! one log, in a temporary directory) answers every body with a status of the
//! protocol and never panics. The log is the one of the litewitness exchange, so
//! the seed corpus (its requests) reaches the consistency checks and the durable
//! writes.
#![no_main]

use std::sync::OnceLock;

use cpansec_tlog::witness::{AddCheckpoint, Witness, format_skey};
use libfuzzer_sys::fuzz_target;

const LOG_VKEY: &str = "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP";

fn witness() -> &'static Witness {
    static W: OnceLock<Witness> = OnceLock::new();
    W.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cpansec-fuzz-witness-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join("witness.key"),
            format_skey("fuzz.example/w", &[4; 32]),
        )
        .expect("key");
        std::fs::write(
            dir.join("witness.toml"),
            format!(
                "[[log]]\norigin = {:?}\nkeys = [{LOG_VKEY:?}]\n",
                LOG_VKEY.split('+').next().unwrap_or_default()
            ),
        )
        .expect("config");
        Witness::open(&dir).expect("witness")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpoint::parse(data) {
        assert_eq!(req.to_bytes(), data);
        assert!(req.proof.len() <= 63);
    }
    match witness().add_checkpoint_at(data, 1_767_139_200) {
        Ok(c) => assert!(c.signatures.starts_with("\u{2014} fuzz.example/w ")),
        Err(r) => assert!([400, 403, 404, 409, 422].contains(&r.status()), "{r:?}"),
    }
});
