//! Turns the checked-in snapshot (`data/cpansa-snapshot.json.gz`) into the
//! binary database form in `OUT_DIR`, which `src/snapshot.rs` embeds: git
//! holds only the compressed JSON, the program carries the form it can use
//! without parsing. The loader and encoder are the library's own modules,
//! compiled into this script, so the embedded bytes are exactly what a cache
//! of that JSON holds.
#![allow(dead_code, unused_imports, clippy::all)]

#[path = "src/advisory.rs"]
mod advisory;
#[path = "src/binary.rs"]
mod binary;
#[path = "src/database.rs"]
mod database;
#[path = "src/error.rs"]
mod error;
#[path = "src/feed.rs"]
mod feed;
#[path = "src/id.rs"]
mod id;
#[path = "src/json.rs"]
mod json;
#[path = "src/time.rs"]
mod time;

use std::io::Read;
use std::path::PathBuf;

pub use advisory::{Advisory, Range};
pub use database::{Database, MAX_FILE_LEN, Source};
pub use error::Error;
pub use id::{Id, IdKind};

use sha2::{Digest, Sha256};

fn main() {
    for f in [
        "data/cpansa-snapshot.json.gz",
        "data/cpansa-snapshot.date",
        "src/advisory.rs",
        "src/binary.rs",
        "src/database.rs",
        "src/error.rs",
        "src/feed.rs",
        "src/id.rs",
        "src/json.rs",
        "src/time.rs",
    ] {
        println!("cargo::rerun-if-changed={f}");
    }
    if let Err(e) = run() {
        eprintln!("error: building the embedded advisory snapshot: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let gz_path = "data/cpansa-snapshot.json.gz";
    let gz = std::fs::read(gz_path).map_err(|e| format!("{gz_path}: {e}"))?;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .take(MAX_FILE_LEN + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("{gz_path}: {e}"))?;
    if json.len() as u64 > MAX_FILE_LEN {
        return Err(format!("{gz_path}: more than {MAX_FILE_LEN} bytes of JSON"));
    }
    let db = Database::from_json_slice(&json, Source::Embedded("snapshot"))
        .map_err(|e| e.to_string())?;
    let stamp = binary::SourceStamp {
        len: json.len() as u64,
        mtime_secs: 0,
        mtime_nanos: 0,
        stat_trusted: false,
        sha256: Sha256::digest(&json).into(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?)
        .join("cpansa-snapshot.bin");
    let tmp = out.with_extension("bin.tmp");
    let bytes = binary::encode(&db, &stamp);
    // The program trusts these bytes without checking them again (see
    // `binary::Trust::Built`): check them in full here, once.
    let checked = binary::open(
        std::borrow::Cow::Owned(bytes.clone()),
        Source::Embedded("snapshot"),
        binary::Trust::Check,
    )
    .map_err(|e| format!("the encoded snapshot does not open: {e}"))?;
    if let database::Store::Packed(p) = &checked.store {
        p.decode_all()
            .map_err(|e| format!("the encoded snapshot does not decode: {e}"))?;
    }
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, &out))
        .map_err(|e| format!("{}: {e}", out.display()))
}
