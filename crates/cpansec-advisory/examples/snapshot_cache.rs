//! Writes the binary form of a JSON advisory database: what a cache of it
//! holds (the build script embeds the snapshot in the same form). Used by
//! `scripts/refresh-db-snapshot` to check a new snapshot loads, and to make
//! seeds for the `advisory_cache` fuzz target.
//!
//! usage: cargo run -p cpansec-advisory --example snapshot_cache -- IN.json OUT.bin

use std::path::PathBuf;
use std::process::ExitCode;

use cpansec_advisory::{Database, Source};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: snapshot_cache IN.json OUT.bin");
        return ExitCode::from(2);
    };
    let result = std::fs::read(input)
        .map_err(|e| format!("{}: {e}", input.display()))
        .and_then(|json| {
            let db = Database::from_json_slice(&json, Source::File(input.clone()))
                .map_err(|e| e.to_string())?;
            std::fs::write(output, db.to_cache_bytes(&json))
                .map_err(|e| format!("{}: {e}", output.display()))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(3)
        }
    }
}
