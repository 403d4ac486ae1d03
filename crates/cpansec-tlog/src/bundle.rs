//! Entry bundles (<https://c2sp.org/tlog-tiles>, "Log entries"): the entries of
//! one level-0 tile, each written as a big-endian `u16` length followed by that
//! many bytes, nothing between or after them.
//!
//! A bundle at `tile/entries/<N>[.p/<W>]` holds entries `N * 256 .. N * 256 + W`
//! (W = 256 for a full bundle), so an entry is at most 65,535 bytes.

use crate::Error;
use crate::tile::TILE_WIDTH;

/// Largest entry an entry bundle can hold.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Encodes entries as an entry bundle (big-endian `u16` length, then the bytes).
///
/// # Errors
/// [`Error::EntryTooLarge`] for an entry over 65,535 bytes; [`Error::BundleCount`]
/// for more than 256 entries.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(Error::BundleCount {
            want: usize::from(TILE_WIDTH),
            got: entries.len(),
        });
    }
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for (i, e) in entries.iter().enumerate() {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| Error::EntryTooLarge {
            position: i,
            len: e.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries; the bundle must hold exactly `width`
/// entries (a tile's width) and nothing after them.
///
/// # Errors
/// [`Error::BundleTruncated`] if an entry runs past the end,
/// [`Error::BundleCount`] if the count differs from `width`.
pub fn parse_bundle(data: &[u8], width: u16) -> Result<Vec<&[u8]>, Error> {
    let mut out = Vec::with_capacity(usize::from(width));
    let mut rest = data;
    while !rest.is_empty() {
        let offset = data.len() - rest.len();
        let truncated = Error::BundleTruncated {
            offset,
            position: out.len(),
        };
        let (len, tail) = rest.split_first_chunk::<2>().ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(truncated);
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry);
        rest = tail;
        if out.len() > usize::from(TILE_WIDTH) {
            break;
        }
    }
    if out.len() != usize::from(width) {
        return Err(Error::BundleCount {
            want: usize::from(width),
            got: out.len(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_round_trip_and_errors() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three"];
        let data = encode_bundle(&entries).unwrap_or_default();
        assert_eq!(parse_bundle(&data, 3).ok(), Some(entries));
        assert!(matches!(
            parse_bundle(&data, 2),
            Err(Error::BundleCount { .. })
        ));
        assert!(matches!(
            parse_bundle(&data[..data.len() - 1], 3),
            Err(Error::BundleTruncated { .. })
        ));
        assert!(matches!(
            parse_bundle(&[0], 1),
            Err(Error::BundleTruncated { .. })
        ));
        let big = vec![0u8; 65_536];
        assert!(matches!(
            encode_bundle(&[big]),
            Err(Error::EntryTooLarge { .. })
        ));
    }
}
