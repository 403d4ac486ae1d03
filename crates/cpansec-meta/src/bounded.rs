//! Bounded input for the index and snapshot readers: whole files read with a
//! size cap, and text checked to be UTF-8 with the position of the first bad
//! byte.

// The crate's one `Error` is over clippy's size threshold because of a
// variant shared by all readers; shrinking it is a crate-wide change.
#![allow(clippy::result_large_err)]

use std::io::Read;
use std::path::Path;

use crate::{Error, ErrorKind, Location};

/// Reads at most `limit` bytes of `path`; a longer file is a
/// [`ErrorKind::TooLarge`] error (checked by reading, not by trusting the
/// file's reported size). Errors name the path.
pub(crate) fn read_capped(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    // Sized once from the reported size (the limit is still checked by
    // reading): grown by doubling, the buffer would be copied into fresh
    // pages several times over.
    let hint = file.metadata().map_or(0, |m| m.len().min(limit));
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io(e)).in_file(path))?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(ErrorKind::TooLarge {
            what: what.to_string(),
            limit,
        })
        .in_file(path));
    }
    Ok(bytes)
}

/// `bytes` as text; invalid UTF-8 is an error at the line and column of the
/// first bad byte (the column counts characters before it, plus one).
pub(crate) fn utf8<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = std::str::from_utf8(good.get(line_start..).unwrap_or_default())
            .map_or(1, |s| s.chars().count() + 1);
        Error::at(
            ErrorKind::NotUtf8 { what },
            Location {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            },
        )
    })
}
