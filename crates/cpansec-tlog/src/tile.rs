//! tlog-tiles: the Merkle tree and the entries cut into static, cacheable files
//! (<https://c2sp.org/tlog-tiles>).
//!
//! # Tiles
//!
//! A tile at level `L` holds up to 256 consecutive stored hashes of tree level
//! `8 * L`: tile `N` of level `L` holds the hashes of the complete subtrees
//! `N * 256 + i` (i < width) at height `8 * L`, i.e. it spans leaves
//! `N * 256^(L+1) .. (N + 1) * 256^(L+1)`. A *full* tile has 256 hashes (8,192
//! bytes) and never changes. The rightmost tile of each level is usually *partial*:
//! for tree size `s` it has `floor(s / 256^L) mod 256` hashes; an empty tile does
//! not exist. A partial tile is never hashed into the level above.
//!
//! Hashes between tile levels (tree levels `8L + 1 .. 8L + 7`) are not stored: they
//! are recomputed from the 2..128 tile hashes below them.
//!
//! # Paths
//!
//! ```text
//! tile/<L>/<N>[.p/<W>]        L: 0..=63, no leading zeros
//! tile/entries/<N>[.p/<W>]    W: 1..=255, no leading zeros; only for partial tiles
//! ```
//!
//! `<N>` is written in groups of three digits, every group but the last prefixed
//! with `x`: 1234067 is `x001/x234/067`, 5 is `005`. The first group is never
//! `x000` (one spelling per number). A full tile has no `.p/<W>` suffix.
//!
//! # Entry bundles
//!
//! `tile/entries/<N>` holds the entries `N * 256 ..`; see [`crate::bundle`] for the
//! encoding. Entry `i` of the bundle hashes ([`leaf_hash`](crate::hash::leaf_hash))
//! to hash `i` of level-0 tile `N`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::Error;
use crate::hash::{HASH_SIZE, Hash, node_hash};
use crate::merkle::{self, HashReader, split_stored_hash_index, stored_hash_index};

pub use crate::bundle::{encode_bundle, parse_bundle};

/// Tree levels per tile level.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Highest tile level in a path.
pub const MAX_TILE_LEVEL: u8 = 63;

/// What a tile holds: Merkle hashes at a tile level, or entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TileKind {
    /// Hashes at tile level `L` (tree level `8 L`), `L <= 63`.
    Hashes(u8),
    /// An entry bundle (same coordinates as level-0 hash tiles).
    Entries,
}

/// Coordinates of one tile or entry bundle.
///
/// Invariant: level at most 63, width in `1..=256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    kind: TileKind,
    index: u64,
    width: u16,
}

impl Tile {
    /// A tile at the given coordinates.
    ///
    /// # Errors
    /// [`Error::TileCoordinates`] if the level is above 63 or the width is not in
    /// `1..=256`.
    pub fn new(kind: TileKind, index: u64, width: u16) -> Result<Tile, Error> {
        if let TileKind::Hashes(level) = kind
            && level > MAX_TILE_LEVEL
        {
            return Err(Error::TileCoordinates {
                reason: "level above 63",
            });
        }
        if width == 0 || width > TILE_WIDTH {
            return Err(Error::TileCoordinates {
                reason: "width not in 1..=256",
            });
        }
        Ok(Tile { kind, index, width })
    }

    /// The tile `index` of `kind` as it is in a tree of `tree_size` records: full,
    /// partial, or `None` if it does not exist at that size.
    pub fn at_size(kind: TileKind, index: u64, tree_size: u64) -> Option<Tile> {
        let count = level_count(kind, tree_size)?;
        let start = index.checked_mul(u64::from(TILE_WIDTH))?;
        let width = count.checked_sub(start)?.min(u64::from(TILE_WIDTH));
        Tile::new(kind, index, u16::try_from(width).ok()?).ok()
    }

    /// Hashes or entries?
    pub fn kind(&self) -> TileKind {
        self.kind
    }

    /// Index within the level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes or entries, 1..=256.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Is this a full (256-wide, immutable) tile?
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Tree level of the hashes in the tile (0 for entry bundles).
    fn tree_level(&self) -> u32 {
        match self.kind {
            TileKind::Hashes(l) => u32::from(l) * u32::from(TILE_HEIGHT),
            TileKind::Entries => 0,
        }
    }

    /// The leaves under this tile, `start..end`, saturated at `u64::MAX` for tiles
    /// beyond any 64-bit tree (high levels and indexes are valid paths).
    pub fn leaf_range(&self) -> (u64, u64) {
        let level = self.tree_level();
        let per_hash = 1u64.checked_shl(level).unwrap_or(u64::MAX);
        let start = self
            .index
            .saturating_mul(u64::from(TILE_WIDTH))
            .saturating_mul(per_hash);
        let end = start.saturating_add(u64::from(self.width).saturating_mul(per_hash));
        (start, end)
    }

    /// The tile's path, as in the module doc.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Builds the content of a hash tile from stored hashes: its `width` hashes
    /// concatenated (32 × width bytes).
    ///
    /// # Errors
    /// [`Error::TileCoordinates`] for an entry bundle; errors from `reader`.
    pub fn read_data<R: HashReader + ?Sized>(&self, reader: &R) -> Result<Vec<u8>, Error> {
        if self.kind == TileKind::Entries {
            return Err(Error::TileCoordinates {
                reason: "entry bundles are not built from hashes",
            });
        }
        let beyond = Error::TileCoordinates {
            reason: "tile lies beyond a 2^63-leaf tree",
        };
        let level = self.tree_level();
        let first = self
            .index
            .checked_mul(u64::from(TILE_WIDTH))
            .ok_or(beyond.clone())?;
        let end = u128::from(first) + u128::from(self.width);
        // Stored-hash indexes exist for trees of fewer than 2^63 leaves.
        if level >= 63 || end << level > 1u128 << 63 {
            return Err(beyond);
        }
        let level = level as u8;
        let indexes: Vec<u64> = (0..u64::from(self.width))
            .map(|i| stored_hash_index(level, first + i))
            .collect();
        let hashes = reader.read_hashes(&indexes)?;
        Ok(hashes.iter().flat_map(|h| h.0).collect())
    }
}

/// Number of stored hashes at the tile's tree level in a tree of `size` records
/// (entries count as level 0).
fn level_count(kind: TileKind, size: u64) -> Option<u64> {
    match kind {
        TileKind::Hashes(l) => size.checked_shr(u32::from(l) * u32::from(TILE_HEIGHT)),
        TileKind::Entries => Some(size),
    }
}

/// The tiles (of every level, not bundles) whose content is new or changed when
/// the tree grows from `old_size` to `new_size` records: what a log writes before
/// it publishes the new checkpoint. Ordered by level, then index.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    for level in 0..=MAX_TILE_LEVEL {
        let kind = TileKind::Hashes(level);
        let (Some(old), Some(new)) = (level_count(kind, old_size), level_count(kind, new_size))
        else {
            break;
        };
        if new == 0 {
            break;
        }
        if new <= old {
            continue;
        }
        let w = u64::from(TILE_WIDTH);
        for n in old / w..=(new - 1) / w {
            out.extend(Tile::at_size(kind, n, new_size));
        }
    }
    out
}

/// The entry bundles new or changed when the tree grows from `old_size` to
/// `new_size`.
pub fn new_bundles(old_size: u64, new_size: u64) -> Vec<Tile> {
    if new_size <= old_size {
        return Vec::new();
    }
    let w = u64::from(TILE_WIDTH);
    (old_size / w..=(new_size - 1) / w)
        .filter_map(|n| Tile::at_size(TileKind::Entries, n, new_size))
        .collect()
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TileKind::Hashes(l) => write!(f, "tile/{l}/")?,
            TileKind::Entries => f.write_str("tile/entries/")?,
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{g:03}/")?;
            } else {
                write!(f, "{g:03}")?;
            }
        }
        if !self.is_full() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

impl FromStr for Tile {
    type Err = Error;

    /// Parses a tile path, accepting exactly one spelling per tile.
    fn from_str(path: &str) -> Result<Tile, Error> {
        let bad = |reason| Error::TilePath {
            path: path.to_owned(),
            reason,
        };
        let rest = path
            .strip_prefix("tile/")
            .ok_or(bad("does not start with tile/"))?;
        let (level, rest) = rest.split_once('/').ok_or(bad("no index"))?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            TileKind::Hashes(
                parse_decimal(level, 63).ok_or(bad("level is not a number in 0..=63"))? as u8,
            )
        };
        let (digits, width) = match rest.split_once(".p/") {
            Some((digits, w)) => (
                digits,
                parse_decimal(w, 255)
                    .filter(|&w| w > 0)
                    .ok_or(bad("width is not in 1..=255"))? as u16,
            ),
            None => (rest, TILE_WIDTH),
        };
        let groups: Vec<&str> = digits.split('/').collect();
        let mut index: u64 = 0;
        for (i, group) in groups.iter().enumerate() {
            let last = i + 1 == groups.len();
            let g = if last {
                *group
            } else {
                group
                    .strip_prefix('x')
                    .ok_or(bad("index group lacks its x prefix"))?
            };
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("index group is not three digits"));
            }
            if i == 0 && !last && g == "000" {
                return Err(bad("index has a leading zero group"));
            }
            let value: u64 = g
                .parse()
                .map_err(|_| bad("index group is not three digits"))?;
            index = index
                .checked_mul(1000)
                .and_then(|n| n.checked_add(value))
                .ok_or(bad("index overflows 64 bits"))?;
        }
        Tile::new(kind, index, width).map_err(|_| bad("bad coordinates"))
    }
}

/// Parses a decimal with no sign and no leading zeros, at most `max`.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok().filter(|&v| v <= max)
}

/// Where tiles and bundles are kept: a directory, an object store, memory.
///
/// The log server will implement this over files written atomically; clients over
/// HTTP. Readers are untrusted: anything read must be checked against a signed
/// root (see [`TileHashReader`]).
pub trait TileStorage {
    /// Reads whole tiles, in order. Each must be exactly as written.
    ///
    /// # Errors
    /// [`Error::TileMissing`] for a tile that is not there, or a storage error.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error>;

    /// Stores a tile. Full tiles are immutable: writing different content over a
    /// full tile is an error.
    ///
    /// # Errors
    /// Storage errors; [`Error::TileConflict`] when a full tile would change.
    fn write_tile(&mut self, tile: &Tile, data: &[u8]) -> Result<(), Error>;
}

/// Tiles kept in memory, keyed by tile. For tests and as a reference for
/// [`TileStorage`] implementations.
#[derive(Clone, Debug, Default)]
pub struct MemoryTiles {
    tiles: BTreeMap<Tile, Vec<u8>>,
}

impl MemoryTiles {
    /// No tiles.
    pub fn new() -> MemoryTiles {
        MemoryTiles::default()
    }

    /// Every tile held, by path order of the tile coordinates.
    pub fn tiles(&self) -> &BTreeMap<Tile, Vec<u8>> {
        &self.tiles
    }
}

impl TileStorage for MemoryTiles {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        tiles
            .iter()
            .map(|t| {
                self.tiles
                    .get(t)
                    .cloned()
                    .ok_or(Error::TileMissing { path: t.path() })
            })
            .collect()
    }

    fn write_tile(&mut self, tile: &Tile, data: &[u8]) -> Result<(), Error> {
        if tile.is_full()
            && let Some(old) = self.tiles.get(tile)
            && old != data
        {
            return Err(Error::TileConflict { path: tile.path() });
        }
        self.tiles.insert(*tile, data.to_vec());
        Ok(())
    }
}

/// A [`HashReader`] over the tiles of a tree of a given size.
///
/// Every requested hash is served from the tile that holds it, or recomputed from
/// the up to 128 tile hashes below it; each tile is read once per call. The size
/// decides which partial tiles exist.
///
/// Tiles come from storage that may be remote and untrusted, so hashes read here
/// are *claims*: the methods that return proofs verify them against the trusted
/// root before returning, which binds every hash used to the signed checkpoint.
#[derive(Debug)]
pub struct TileHashReader<'a, S: ?Sized> {
    size: u64,
    storage: &'a S,
}

impl<'a, S: TileStorage + ?Sized> TileHashReader<'a, S> {
    /// Reads hashes of the tree of `size` records from `storage`.
    pub fn new(size: u64, storage: &'a S) -> Self {
        TileHashReader { size, storage }
    }

    /// Inclusion proof and leaf hash of record `index`, checked against `root`
    /// (the trusted root at this reader's size).
    ///
    /// # Errors
    /// Storage errors, [`Error::IndexOutOfRange`], or [`Error::InclusionProof`] if
    /// the tiles do not match `root`.
    pub fn inclusion_proof(&self, index: u64, root: &Hash) -> Result<(Hash, Vec<Hash>), Error> {
        let proof = merkle::inclusion_proof(index, self.size, self)?;
        let leaf = self
            .read_hashes(&[stored_hash_index(0, index)])?
            .pop()
            .ok_or(Error::ReaderCount { want: 1, got: 0 })?;
        merkle::verify_inclusion(&proof, self.size, root, index, &leaf)?;
        Ok((leaf, proof))
    }

    /// Consistency proof from size `size1` (with trusted root `root1`) to this
    /// reader's size (with trusted root `root`), checked before it is returned.
    ///
    /// # Errors
    /// Storage errors, [`Error::SizeOrder`], or [`Error::ConsistencyProof`] if the
    /// tiles do not match the roots.
    pub fn consistency_proof(
        &self,
        size1: u64,
        root1: &Hash,
        root: &Hash,
    ) -> Result<Vec<Hash>, Error> {
        let proof = merkle::consistency_proof(size1, self.size, self)?;
        merkle::verify_consistency(&proof, size1, root1, self.size, root)?;
        Ok(proof)
    }

    /// The root hash computed from the tiles (to compare with a checkpoint).
    ///
    /// # Errors
    /// Storage errors.
    pub fn tree_hash(&self) -> Result<Hash, Error> {
        merkle::tree_hash(self.size, self)
    }
}

/// Where a stored hash lives in the tiles: tile, and the range of tile hashes that
/// make it (one hash, or `2^k` to be folded).
fn locate(index: u64, size: u64) -> Option<(Tile, usize, usize)> {
    let (level, n) = split_stored_hash_index(index);
    let tile_level = level / TILE_HEIGHT;
    let within = u32::from(level % TILE_HEIGHT);
    let first = n.checked_shl(within)?;
    let count = 1u64 << within;
    let w = u64::from(TILE_WIDTH);
    let tile = Tile::at_size(TileKind::Hashes(tile_level), first / w, size)?;
    let start = usize::try_from(first % w).ok()?;
    let end = start + usize::try_from(count).ok()?;
    (end <= usize::from(tile.width())).then_some((tile, start, end))
}

/// Merkle hash of a complete subtree given its `2^k` leaves-of-the-tile.
fn complete_subtree_hash(hashes: &[Hash]) -> Option<Hash> {
    match hashes {
        [] => None,
        [h] => Some(*h),
        _ => {
            let (l, r) = hashes.split_at(hashes.len() / 2);
            Some(node_hash(
                &complete_subtree_hash(l)?,
                &complete_subtree_hash(r)?,
            ))
        }
    }
}

impl<S: TileStorage + ?Sized> HashReader for TileHashReader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let mut places = Vec::with_capacity(indexes.len());
        let mut wanted: BTreeMap<Tile, usize> = BTreeMap::new();
        for &index in indexes {
            let place = locate(index, self.size).ok_or(Error::HashNotStored { index })?;
            let next = wanted.len();
            wanted.entry(place.0).or_insert(next);
            places.push(place);
        }
        let mut order: Vec<(Tile, usize)> = wanted.iter().map(|(t, &i)| (*t, i)).collect();
        order.sort_by_key(|&(_, i)| i);
        let tiles: Vec<Tile> = order.iter().map(|&(t, _)| t).collect();
        let data = self.storage.read_tiles(&tiles)?;
        if data.len() != tiles.len() {
            return Err(Error::ReaderCount {
                want: tiles.len(),
                got: data.len(),
            });
        }
        let mut parsed: Vec<Vec<Hash>> = Vec::with_capacity(tiles.len());
        for (tile, bytes) in tiles.iter().zip(&data) {
            parsed.push(parse_hash_tile(tile, bytes)?);
        }
        places
            .iter()
            .zip(indexes)
            .map(|((tile, start, end), &index)| {
                let slot = wanted.get(tile).copied();
                slot.and_then(|s| parsed.get(s))
                    .and_then(|hashes| hashes.get(*start..*end))
                    .and_then(complete_subtree_hash)
                    .ok_or(Error::HashNotStored { index })
            })
            .collect()
    }
}

/// Splits a hash tile into its hashes, checking its length against its width.
///
/// # Errors
/// [`Error::TileSize`] if the data is not exactly `32 × width` bytes.
pub fn parse_hash_tile(tile: &Tile, data: &[u8]) -> Result<Vec<Hash>, Error> {
    if data.len() != usize::from(tile.width()) * HASH_SIZE {
        return Err(Error::TileSize {
            path: tile.path(),
            len: data.len(),
        });
    }
    data.chunks_exact(HASH_SIZE).map(Hash::from_slice).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let t = |kind, index, width| Tile::new(kind, index, width).map(|t| t.path()).ok();
        assert_eq!(
            t(TileKind::Hashes(0), 1_234_067, 256).as_deref(),
            Some("tile/0/x001/x234/067")
        );
        assert_eq!(
            t(TileKind::Hashes(2), 5, 7).as_deref(),
            Some("tile/2/005.p/7")
        );
        assert_eq!(
            t(TileKind::Entries, 1000, 256).as_deref(),
            Some("tile/entries/x001/000")
        );
        for bad in [
            "tile/0/1",
            "tile/00/001",
            "tile/64/001",
            "tile/0/x000/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/0/001/x002",
            "tile/0/x18446744073/709/551/616",
            "tile/0/001.p/",
            "tile/x/001",
            "tiles/0/001",
        ] {
            assert!(bad.parse::<Tile>().is_err(), "{bad} accepted");
        }
        let max = Tile::new(TileKind::Hashes(0), u64::MAX, 1).map(|t| t.path());
        assert_eq!(
            max.ok()
                .and_then(|p| p.parse::<Tile>().ok())
                .map(|t| t.index()),
            Some(u64::MAX)
        );
    }

    /// Found by fuzzing: a high index overflowed the leaf range.
    #[test]
    fn huge_coordinates_do_not_overflow() {
        let t: Tile = "tile/63/x018/x446/x744/x073/x709/x551/615"
            .parse()
            .expect("path");
        assert_eq!(t.leaf_range(), (u64::MAX, u64::MAX));
        assert!(t.read_data(&Vec::<Hash>::new()).is_err());
        let t = Tile::new(TileKind::Hashes(0), u64::MAX, 256).expect("coords");
        assert!(t.read_data(&Vec::<Hash>::new()).is_err());
    }

    #[test]
    fn spec_example_70000() {
        // tlog-tiles: size 70,000 has 273 full level-0 tiles, a partial one of width
        // 112, one full level-1 tile, a partial of 17, and a partial level-2 tile of 1.
        let tiles = new_tiles(0, 70_000);
        let count = |l, full: bool| {
            tiles
                .iter()
                .filter(|t| t.kind() == TileKind::Hashes(l) && t.is_full() == full)
                .count()
        };
        assert_eq!((count(0, true), count(0, false)), (273, 1));
        assert_eq!((count(1, true), count(1, false)), (1, 1));
        assert_eq!((count(2, true), count(2, false)), (0, 1));
        assert_eq!(tiles.len(), 277);
        let widths: Vec<u16> = tiles
            .iter()
            .filter(|t| !t.is_full())
            .map(Tile::width)
            .collect();
        assert_eq!(widths, vec![112, 17, 1]);
    }
}
