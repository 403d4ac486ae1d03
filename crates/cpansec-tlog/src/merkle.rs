//! The RFC 6962 Merkle tree: tree hashes, the stored-hash layout, and inclusion and
//! consistency proofs (generation and verification).
//!
//! # Stored hashes
//!
//! A log keeps, for every complete subtree, its hash: the leaf hashes (level 0), the
//! hash of each aligned pair (level 1), of each aligned four (level 2), and so on.
//! They are numbered in the order they become known while appending: adding record
//! `n` stores its leaf hash and then the hash of every complete subtree that record
//! closes (one per trailing one bit of `n`). So the store only ever grows by
//! appending, which is what a crash-safe sequencer needs, and a tree of `n` records
//! has exactly [`stored_hash_count`]`(n) = 2n - popcount(n)` hashes.
//!
//! Every hash the functions below need is named by its stored-hash index and read in
//! one batch through a [`HashReader`], so a reader backed by tiles or the network
//! fetches each tile once per call.
//!
//! # Proofs
//!
//! Proofs are RFC 6962 / RFC 9162 audit paths: an inclusion proof lists the sibling
//! hashes from the leaf up to the root's child; a consistency proof is RFC 6962's
//! `PROOF(m, D[n])`. Both have at most `2 * log2(size)` hashes; verification costs one
//! SHA-256 per proof hash and reads nothing.

use crate::Error;
use crate::hash::{Hash, node_hash};

/// Longest proof any tree of at most `2^64` leaves can need (inclusion needs at most
/// 64 hashes, consistency at most 128); longer input is rejected before hashing.
pub const MAX_PROOF_LEN: usize = 128;

/// Source of stored hashes, by stored-hash index (see the module doc).
pub trait HashReader {
    /// Returns the hashes at `indexes`, in the same order.
    ///
    /// # Errors
    /// Whatever the storage reports; [`Error::HashNotStored`] for an index it lacks.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or(Error::HashNotStored { index: i })
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// Number of stored hashes of a tree with `n` records: `2n - popcount(n)`.
///
/// Invariant: the hashes of record `n` occupy indexes
/// `stored_hash_count(n)..stored_hash_count(n + 1)`.
pub fn stored_hash_count(n: u64) -> u64 {
    // 2n - popcount(n) <= 2n, which fits whenever n < 2^63.
    n.wrapping_mul(2).wrapping_sub(u64::from(n.count_ones()))
}

/// Stored-hash index of the hash of the `n`-th complete subtree at `level`, i.e. of
/// leaves `n * 2^level .. (n + 1) * 2^level`.
///
/// That hash is stored when record `(n + 1) * 2^level - 1` is appended, `level`
/// places after that record's leaf hash. `level` must be below 64 and the subtree
/// must lie within `2^63` leaves (true for any real log); beyond that the result
/// is meaningless (but computing it does not panic).
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    let record = n
        .wrapping_add(1)
        .wrapping_shl(u32::from(level))
        .wrapping_sub(1);
    stored_hash_count(record).wrapping_add(u64::from(level))
}

/// Inverse of [`stored_hash_index`]: the `(level, n)` of a stored-hash index.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // stored_hash_count(m) lies in [2m - 64, 2m]: start below and walk up.
    let mut m = (index / 2).saturating_sub(1);
    while stored_hash_count(m + 1) <= index {
        m += 1;
    }
    while m > 0 && stored_hash_count(m) > index {
        m -= 1;
    }
    // index - count(m) <= trailing ones of m, so it fits in a u8.
    let level = u8::try_from(index - stored_hash_count(m)).unwrap_or(u8::MAX);
    let n = ((m + 1) >> level) - 1;
    (level, n)
}

/// The hashes to append to the store when record `n`, with leaf hash `leaf`, is
/// added to a tree of `n` records: the leaf hash, then one hash per complete subtree
/// the record closes. Reads `trailing_ones(n)` earlier hashes from `reader`.
///
/// # Errors
/// Errors from `reader`.
pub fn stored_hashes_for_record<R: HashReader + ?Sized>(
    n: u64,
    leaf: Hash,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    let closes = n.trailing_ones();
    // Left siblings, from the top one down, so indexes are ascending.
    let indexes: Vec<u64> = (0..closes)
        .rev()
        .map(|level| stored_hash_index(level as u8, (n >> level) - 1))
        .collect();
    let left = reader.read_hashes(&indexes)?;
    if left.len() != indexes.len() {
        return Err(Error::ReaderCount {
            want: indexes.len(),
            got: left.len(),
        });
    }
    let mut out = Vec::with_capacity(1 + left.len());
    let mut h = leaf;
    out.push(h);
    for sibling in left.iter().rev() {
        h = node_hash(sibling, &h);
        out.push(h);
    }
    Ok(out)
}

/// Appends to `out` the stored-hash indexes of the maximal complete subtrees that
/// cover leaves `lo..hi`, left to right.
fn cover(mut lo: u64, hi: u64, out: &mut Vec<u64>) {
    while lo < hi {
        // Largest power of two that both aligns with lo and fits in hi - lo.
        let fit = 63 - (hi - lo).leading_zeros();
        let align = if lo == 0 { 63 } else { lo.trailing_zeros() };
        let level = fit.min(align);
        out.push(stored_hash_index(level as u8, lo >> level));
        lo += 1u64 << level;
    }
}

/// Hash of the tree whose maximal complete subtrees have the given hashes, left to
/// right (RFC 6962 combines them right to left).
fn fold(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// Largest power of two strictly below `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A proof in the making: each element is the hash of a range of leaves, computed
/// from a run of stored hashes read in one batch.
#[derive(Default)]
struct Plan {
    indexes: Vec<u64>,
    /// End offset in `indexes` of each element's run.
    ends: Vec<usize>,
}

impl Plan {
    fn push_range(&mut self, lo: u64, hi: u64) {
        cover(lo, hi, &mut self.indexes);
        self.ends.push(self.indexes.len());
    }

    fn run<R: HashReader + ?Sized>(&self, reader: &R) -> Result<Vec<Hash>, Error> {
        let hashes = reader.read_hashes(&self.indexes)?;
        if hashes.len() != self.indexes.len() {
            return Err(Error::ReaderCount {
                want: self.indexes.len(),
                got: hashes.len(),
            });
        }
        let mut start = 0;
        let mut out = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            let run = hashes.get(start..end).ok_or(Error::ReaderCount {
                want: self.indexes.len(),
                got: hashes.len(),
            })?;
            out.push(fold(run).unwrap_or(Hash::EMPTY_TREE));
            start = end;
        }
        Ok(out)
    }
}

/// Root hash of the tree of the first `size` records; [`Hash::EMPTY_TREE`] for 0.
///
/// Reads at most 64 stored hashes (one per set bit of `size`).
///
/// # Errors
/// Errors from `reader`.
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, Error> {
    let mut plan = Plan::default();
    plan.push_range(0, size);
    Ok(plan.run(reader)?.pop().unwrap_or(Hash::EMPTY_TREE))
}

/// RFC 6962 inclusion proof for record `index` in the tree of size `size`.
///
/// Reads `O(log² size)` stored hashes in one batch (each proof hash may be a
/// fold of up to `log size` complete subtrees); the result has at most 64 hashes.
///
/// # Errors
/// [`Error::IndexOutOfRange`] unless `index < size`; errors from `reader`.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let mut plan = Plan::default();
    inclusion_plan(0, size, index, &mut plan);
    plan.run(reader)
}

fn inclusion_plan(lo: u64, hi: u64, index: u64, plan: &mut Plan) {
    if hi - lo <= 1 {
        return;
    }
    let k = split_point(hi - lo);
    if index < lo + k {
        inclusion_plan(lo, lo + k, index, plan);
        plan.push_range(lo + k, hi);
    } else {
        inclusion_plan(lo + k, hi, index, plan);
        plan.push_range(lo, lo + k);
    }
}

/// RFC 6962 consistency proof that the tree of size `size2` extends the tree of
/// size `size1`. Empty when `size1` is 0 or equals `size2`.
///
/// Reads `O(log² size2)` stored hashes in one batch; at most 128 hashes result.
///
/// # Errors
/// [`Error::SizeOrder`] if `size1 > size2`; errors from `reader`.
pub fn consistency_proof<R: HashReader + ?Sized>(
    size1: u64,
    size2: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    if size1 > size2 {
        return Err(Error::SizeOrder { size1, size2 });
    }
    if size1 == 0 || size1 == size2 {
        return Ok(Vec::new());
    }
    let mut plan = Plan::default();
    consistency_plan(size1, 0, size2, true, &mut plan);
    plan.run(reader)
}

/// RFC 6962 `SUBPROOF(m, D[lo:hi], b)`.
fn consistency_plan(m: u64, lo: u64, hi: u64, whole: bool, plan: &mut Plan) {
    let n = hi - lo;
    if m == n {
        if !whole {
            plan.push_range(lo, hi);
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        consistency_plan(m, lo, lo + k, whole, plan);
        plan.push_range(lo + k, hi);
    } else {
        consistency_plan(m - k, lo + k, hi, false, plan);
        plan.push_range(lo, lo + k);
    }
}

/// Root hash implied by an inclusion proof for `leaf` at `index` in a tree of
/// `size` (RFC 9162, section 2.1.3.2). One SHA-256 per proof hash.
///
/// # Errors
/// [`Error::InclusionProof`] if the index is out of range or the proof has the wrong
/// length for it.
pub fn root_from_inclusion_proof(
    proof: &[Hash],
    size: u64,
    index: u64,
    leaf: &Hash,
) -> Result<Hash, Error> {
    if index >= size {
        return Err(Error::InclusionProof {
            reason: "index is not below the tree size",
        });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(Error::InclusionProof {
            reason: "proof too long",
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(Error::InclusionProof {
                reason: "proof too long",
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(Error::InclusionProof {
            reason: "proof too short",
        });
    }
    Ok(r)
}

/// Checks that `proof` proves `leaf` is record `index` of the tree of `size`
/// records whose root is `root`.
///
/// # Errors
/// [`Error::InclusionProof`] naming the failure.
pub fn verify_inclusion(
    proof: &[Hash],
    size: u64,
    root: &Hash,
    index: u64,
    leaf: &Hash,
) -> Result<(), Error> {
    if root_from_inclusion_proof(proof, size, index, leaf)? != *root {
        return Err(Error::InclusionProof {
            reason: "computed root does not match",
        });
    }
    Ok(())
}

/// Checks that `proof` proves the tree (`size2`, `root2`) extends (`size1`, `root1`)
/// (RFC 9162, section 2.1.4.2). One or two SHA-256 per proof hash.
///
/// Equal sizes need an empty proof and equal roots; size 0 needs an empty proof
/// and the empty-tree root (every tree extends the empty tree).
///
/// The proof binds the roots, not the sizes: sizes must come from the signed
/// checkpoints. Cost: at most 256 SHA-256 compressions of 65 bytes.
///
/// # Errors
/// [`Error::ConsistencyProof`] naming the failure.
pub fn verify_consistency(
    proof: &[Hash],
    size1: u64,
    root1: &Hash,
    size2: u64,
    root2: &Hash,
) -> Result<(), Error> {
    let fail = |reason| Err(Error::ConsistencyProof { reason });
    if size1 > size2 {
        return fail("first tree is larger than second");
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return fail("proof between equal sizes must be empty");
        }
        if root1 != root2 {
            return fail("equal sizes but different roots");
        }
        if size1 == 0 && *root1 != Hash::EMPTY_TREE {
            return fail("root of the empty tree is not SHA-256 of nothing");
        }
        return Ok(());
    }
    if size1 == 0 {
        if !proof.is_empty() {
            return fail("proof from the empty tree must be empty");
        }
        if *root1 != Hash::EMPTY_TREE {
            return fail("root of the empty tree is not SHA-256 of nothing");
        }
        return Ok(());
    }
    if proof.is_empty() {
        return fail("empty proof between different sizes");
    }
    if proof.len() > MAX_PROOF_LEN {
        return fail("proof too long");
    }
    let mut hashes = proof.iter();
    let first = if size1.is_power_of_two() {
        *root1
    } else {
        match hashes.next() {
            Some(h) => *h,
            None => return fail("proof too short"),
        }
    };
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in hashes {
        if s == 0 {
            return fail("proof too long");
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return fail("proof too short");
    }
    if fr != *root1 {
        return fail("computed first root does not match");
    }
    if sr != *root2 {
        return fail("computed second root does not match");
    }
    Ok(())
}

/// A whole tree in memory: its stored hashes, appended record by record.
///
/// The simplest [`HashReader`]; used for tests, benchmarks and small logs. Memory:
/// 64 bytes per record.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Number of records.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// All stored hashes, in stored-hash order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a record by its leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let n = self.size;
        // Reading from our own complete store cannot fail.
        let new = stored_hashes_for_record(n, leaf, self.hashes.as_slice()).unwrap_or_default();
        self.hashes.extend(new);
        self.size += 1;
        n
    }

    /// Root hash at the current size.
    pub fn root(&self) -> Hash {
        tree_hash(self.size, self.hashes.as_slice()).unwrap_or(Hash::EMPTY_TREE)
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.hashes.as_slice().read_hashes(indexes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn index_round_trip() {
        for index in 0..10_000u64 {
            let (level, n) = split_stored_hash_index(index);
            assert_eq!(stored_hash_index(level, n), index, "index {index}");
        }
    }

    #[test]
    fn count_matches_push() {
        let mut t = MemoryTree::new();
        for i in 0..300u64 {
            assert_eq!(t.stored_hashes().len() as u64, stored_hash_count(i));
            t.push(leaf_hash(&i.to_be_bytes()));
        }
    }

    /// RFC 6962 recursive MTH, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Hash::EMPTY_TREE,
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn tree_hash_matches_recursive_definition() {
        let mut t = MemoryTree::new();
        let mut leaves = Vec::new();
        for i in 0..70u64 {
            assert_eq!(t.root(), mth(&leaves));
            let h = leaf_hash(&i.to_le_bytes());
            leaves.push(h);
            t.push(h);
        }
    }
}
