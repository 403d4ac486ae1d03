//! The database snapshot compiled into the program, for machines that have
//! never downloaded one. Produced by `scripts/refresh-db-snapshot` (gzip of
//! the upstream JSON, plus the database's own generation date).

use std::io::Read;

use crate::database::MAX_FILE_LEN;
use crate::{Database, Error, Source};

const SNAPSHOT_GZ: &[u8] = include_bytes!("../data/cpansa-snapshot.json.gz");
const SNAPSHOT_DATE: &str = include_str!("../data/cpansa-snapshot.date");

/// The generation date of the embedded snapshot, `YYYY-MM-DD`.
pub fn embedded_date() -> &'static str {
    SNAPSHOT_DATE.trim()
}

impl Database {
    /// Loads the snapshot compiled into the program. Costs a decompression
    /// (about 4 MB) on top of the usual load.
    pub fn embedded() -> Result<Database, Error> {
        let source = Source::Embedded(embedded_date());
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(SNAPSHOT_GZ)
            .take(MAX_FILE_LEN + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| Error::Io {
                source_name: source.to_string(),
                err,
            })?;
        if bytes.len() as u64 > MAX_FILE_LEN {
            return Err(Error::TooLarge {
                source_name: source.to_string(),
                size: bytes.len() as u64,
                limit: MAX_FILE_LEN,
            });
        }
        Database::from_json_slice(&bytes, source)
    }
}
