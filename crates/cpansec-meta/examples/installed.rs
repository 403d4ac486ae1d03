//! Prints, for library directories given as arguments, every installed module
//! with its version and distribution, as JSON: `installed DIR...`.
//! Used by `benchsuite/installed.sh` for whole-process timings.

use std::path::PathBuf;

use cpansec_meta::Installation;

fn main() -> Result<(), serde_json::Error> {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let inst = Installation::discover(&dirs);
    println!("{}", serde_json::to_string(&inst)?);
    Ok(())
}
