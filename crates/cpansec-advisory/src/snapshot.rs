//! The database snapshot compiled into the program, for machines that have
//! never downloaded one. Stored in the binary cache format
//! (`data/cpansa-snapshot.bin`), so that using it costs what a cache hit
//! costs; `data/cpansa-snapshot.json.gz` is the upstream JSON it was built
//! from, kept for the test that the two agree and for exports. Both, and the
//! database's own generation date, are produced by
//! `scripts/refresh-db-snapshot`.

use crate::{Database, Error, Source};

const SNAPSHOT_BIN: &[u8] = include_bytes!("../data/cpansa-snapshot.bin");
const SNAPSHOT_DATE: &str = include_str!("../data/cpansa-snapshot.date");

/// The generation date of the embedded snapshot, `YYYY-MM-DD`.
pub fn embedded_date() -> &'static str {
    SNAPSHOT_DATE.trim()
}

impl Database {
    /// Loads the snapshot compiled into the program.
    pub fn embedded() -> Result<Database, Error> {
        Database::from_cache_slice(SNAPSHOT_BIN, Source::Embedded(embedded_date()))
    }
}
