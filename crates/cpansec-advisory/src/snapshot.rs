//! The database snapshot compiled into the program, for machines that have
//! never downloaded one. The repository keeps it as compressed JSON
//! (`data/cpansa-snapshot.json.gz`, with its generation date in
//! `data/cpansa-snapshot.date`, both written by `scripts/refresh-db-snapshot`);
//! the build script turns it into the binary form, so using it costs what a
//! cache hit costs and nothing is decompressed or parsed at run time.

use crate::{Database, Error, Source};

const SNAPSHOT_BIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cpansa-snapshot.bin"));
const SNAPSHOT_DATE: &str = include_str!("../data/cpansa-snapshot.date");

/// The generation date of the embedded snapshot, `YYYY-MM-DD`.
pub fn embedded_date() -> &'static str {
    SNAPSHOT_DATE.trim()
}

impl Database {
    /// Opens the snapshot compiled into the program.
    pub fn embedded() -> Result<Database, Error> {
        Database::from_built_cache(SNAPSHOT_BIN, Source::Embedded(embedded_date()))
    }
}
