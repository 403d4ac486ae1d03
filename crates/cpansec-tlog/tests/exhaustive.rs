//! Every inclusion and consistency proof of every tree up to 128 leaves, generated
//! and verified, and the same proofs computed from tiles (with tiles of height 8
//! and trees past 256 leaves for level-1 tiles).

use cpansec_tlog::tile::{self, MemoryTiles, Tile, TileHashReader, TileKind};
use cpansec_tlog::{Hash, MemoryTree, TileStorage, leaf_hash, merkle, node_hash};

/// RFC 6962 MTH, straight from the definition.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::EMPTY_TREE,
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn tree(n: u64) -> (MemoryTree, Vec<Hash>) {
    let mut t = MemoryTree::new();
    let mut leaves = Vec::new();
    for i in 0..n {
        let h = leaf_hash(format!("leaf {i}").as_bytes());
        leaves.push(h);
        t.push(h);
    }
    (t, leaves)
}

#[test]
fn every_proof_up_to_128() {
    const N: u64 = 128;
    let (t, leaves) = tree(N);
    let roots: Vec<Hash> = (0..=N)
        .map(|n| merkle::tree_hash(n, &t).expect("root"))
        .collect();
    for n in 0..=N {
        assert_eq!(roots[n as usize], mth(&leaves[..n as usize]), "root {n}");
    }
    let mut checked = 0u64;
    for n in 1..=N {
        let root = roots[n as usize];
        for i in 0..n {
            let p = merkle::inclusion_proof(i, n, &t).expect("inclusion");
            let leaf = leaves[i as usize];
            merkle::verify_inclusion(&p, n, &root, i, &leaf).expect("verifies");
            // Wrong index, wrong leaf, wrong size, truncated or extended proof: rejected.
            if n > 1 {
                assert!(merkle::verify_inclusion(&p, n, &root, (i + 1) % n, &leaf).is_err());
            }
            assert!(
                merkle::verify_inclusion(&p, n, &root, i, &leaves[((i + 1) % N) as usize]).is_err()
                    || n == 1 && N == 1
            );
            // (The size is not checked by the proof alone: the proof for leaf 0 of 5
            // also "verifies" for size 6. Sizes are bound by the signed checkpoint.)
            if let Some((_, short)) = p.split_last() {
                assert!(merkle::verify_inclusion(short, n, &root, i, &leaf).is_err());
            }
            let mut long = p.clone();
            long.push(root);
            assert!(merkle::verify_inclusion(&long, n, &root, i, &leaf).is_err());
            checked += 1;
        }
        for m in 0..=n {
            let p = merkle::consistency_proof(m, n, &t).expect("consistency");
            let r1 = roots[m as usize];
            merkle::verify_consistency(&p, m, &r1, n, &root).expect("verifies");
            if m > 0 && m < n {
                assert!(merkle::verify_consistency(&p, m, &r1, n, &roots[m as usize - 1]).is_err());
                assert!(
                    merkle::verify_consistency(&p, m, &roots[m as usize - 1], n, &root).is_err()
                );
                assert!(
                    merkle::verify_consistency(&p, m - 1, &roots[m as usize - 1], n, &root)
                        .is_err()
                );
                let mut flipped = p.clone();
                flipped[0].0[0] ^= 1;
                assert!(merkle::verify_consistency(&flipped, m, &r1, n, &root).is_err());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (1..=N).map(|n| n + n + 1).sum::<u64>());
}

/// Writes every tile a log would write, growing one record at a time, into tile
/// storage, as a log server would.
fn tiles_for(t: &MemoryTree, upto: u64, storage: &mut MemoryTiles, steps: &[u64]) {
    let mut old = 0;
    for &n in steps.iter().chain(std::iter::once(&upto)) {
        if n <= old {
            continue;
        }
        for tile in tile::new_tiles(old, n) {
            storage
                .write_tile(&tile, &tile.read_data(t).expect("data"))
                .expect("write");
        }
        old = n;
    }
}

#[test]
fn tile_proofs_agree_with_memory_proofs() {
    // Past 256 so that level-1 tiles and hashes between tile levels are used.
    const N: u64 = 600;
    let (t, leaves) = tree(N);
    let mut storage = MemoryTiles::new();
    let steps: Vec<u64> = (1..=N).collect();
    tiles_for(&t, N, &mut storage, &steps);
    // Every full tile once, partial tiles for every size.
    assert!(
        storage
            .tiles()
            .contains_key(&"tile/1/000.p/2".parse::<Tile>().expect("path"))
    );
    assert!(
        storage
            .tiles()
            .contains_key(&"tile/0/001".parse::<Tile>().expect("path"))
    );
    let mut checked = 0;
    for n in (1..=N).filter(|n| {
        n % 37 == 0 || *n <= 20 || (250..=260).contains(n) || *n == N || *n == 512 || *n == 513
    }) {
        let reader = TileHashReader::new(n, &storage);
        let root = merkle::tree_hash(n, &t).expect("root");
        assert_eq!(reader.tree_hash().expect("tile root"), root, "size {n}");
        for i in (0..n).step_by(if n > 100 { 13 } else { 1 }) {
            let (leaf, p) = reader.inclusion_proof(i, &root).expect("tile proof");
            assert_eq!(leaf, leaves[i as usize]);
            assert_eq!(
                p,
                merkle::inclusion_proof(i, n, &t).expect("memory proof"),
                "{i} in {n}"
            );
            checked += 1;
        }
        for m in (0..=n).step_by(if n > 100 { 19 } else { 1 }) {
            let r1 = merkle::tree_hash(m, &t).expect("root1");
            let p = reader
                .consistency_proof(m, &r1, &root)
                .expect("tile consistency");
            assert_eq!(
                p,
                merkle::consistency_proof(m, n, &t).expect("memory proof"),
                "{m} to {n}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1500, "{checked}");
}

#[test]
fn tampered_tiles_are_caught() {
    let (t, _) = tree(300);
    let mut storage = MemoryTiles::new();
    tiles_for(&t, 300, &mut storage, &[]);
    let root = merkle::tree_hash(300, &t).expect("root");
    let victim: Tile = "tile/0/000".parse().expect("path");
    let mut data = storage.read_tiles(&[victim]).expect("read").remove(0);
    data[5 * 32] ^= 0x80;
    let mut bad = MemoryTiles::new();
    for (tile, d) in storage.tiles() {
        bad.write_tile(tile, if *tile == victim { &data } else { d })
            .expect("write");
    }
    let reader = TileHashReader::new(300, &bad);
    assert!(reader.inclusion_proof(5, &root).is_err());
    assert!(reader.inclusion_proof(4, &root).is_err());
    // A proof that does not touch the changed hash still verifies.
    assert!(reader.inclusion_proof(299, &root).is_ok());
    // Missing tiles and wrong lengths are errors, not panics.
    let empty = MemoryTiles::new();
    assert!(
        TileHashReader::new(300, &empty)
            .inclusion_proof(1, &root)
            .is_err()
    );
    let mut short = MemoryTiles::new();
    short.write_tile(&victim, &data[..64]).expect("write");
    assert!(
        TileHashReader::new(300, &short)
            .inclusion_proof(1, &root)
            .is_err()
    );
    // Full tiles are immutable.
    assert!(bad.write_tile(&victim, &[0; 8192]).is_err());
    let _ = Tile::new(TileKind::Entries, 0, 256).expect("bundle coords");
}
