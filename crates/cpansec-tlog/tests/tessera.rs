//! The 15-entry Tessera log, rebuilt from its entries and key and compared file by
//! file: level-0 partial tiles, entry bundles, signed checkpoints.

use cpansec_tlog::tile::{self, Tile, TileKind};
use cpansec_tlog::{Checkpoint, Ed25519Signer, Ed25519Verifier, MemoryTree, leaf_hash};

use crate::support::{read, vectors};

const ENTRIES: [&str; 15] = [
    "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf",
    "threeten", "fourten", "fivten",
];
const ORIGIN: &str = "example.com/log/testdata";
const SKEY: &str =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
const VKEY: &str = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

#[test]
fn reproduced_byte_for_byte() {
    let dir = vectors("tessera-log");
    let signer = Ed25519Signer::from_skey(SKEY).expect("signer key");
    assert_eq!(signer.verifier().vkey(), VKEY);
    let mut tree = MemoryTree::new();
    let mut compared = 0;
    for n in 0..=ENTRIES.len() as u64 {
        if n > 0 {
            tree.push(leaf_hash(ENTRIES[n as usize - 1].as_bytes()));
            let t = Tile::at_size(TileKind::Hashes(0), 0, n).expect("tile");
            assert_eq!(t.path(), format!("tile/0/000.p/{n}"));
            assert_eq!(
                t.read_data(&tree).expect("tile data"),
                read(&dir.join(t.path())),
                "{t}"
            );
            let b = Tile::at_size(TileKind::Entries, 0, n).expect("bundle");
            assert_eq!(b.path(), format!("tile/entries/000.p/{n}"));
            let bundle = tile::encode_bundle(&ENTRIES[..n as usize]).expect("bundle");
            assert_eq!(bundle, read(&dir.join(b.path())), "{b}");
            assert_eq!(
                tile::parse_bundle(&bundle, b.width()).expect("parse"),
                ENTRIES[..n as usize]
                    .iter()
                    .map(|e| e.as_bytes())
                    .collect::<Vec<_>>()
            );
            // The tiles a log writes growing to n are exactly this one partial tile.
            assert_eq!(tile::new_tiles(n - 1, n), vec![t]);
            assert_eq!(tile::new_bundles(n - 1, n), vec![b]);
            compared += 2;
        }
        let cp = Checkpoint::new(ORIGIN, n, tree.root()).expect("checkpoint");
        let signed = cp.sign(&[&signer]).expect("sign");
        assert_eq!(
            signed.as_bytes(),
            read(&dir.join(format!("checkpoint.{n}"))),
            "checkpoint.{n}"
        );
        compared += 1;
    }
    assert_eq!(
        read(&dir.join("checkpoint")),
        read(&dir.join("checkpoint.15"))
    );
    assert_eq!(
        tree.root().to_base64(),
        "rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs="
    );
    assert_eq!(compared, 46);
}

#[test]
fn checkpoints_open_with_the_verifier_key() {
    let dir = vectors("tessera-log");
    let v = Ed25519Verifier::from_vkey(VKEY).expect("vkey");
    let list = cpansec_tlog::VerifierList::new(vec![Box::new(v)]);
    for n in 0..=15u64 {
        let (cp, note) =
            Checkpoint::open(&read(&dir.join(format!("checkpoint.{n}"))), ORIGIN, &list)
                .expect("opens");
        assert_eq!(cp.size(), n);
        assert_eq!(note.signatures().len(), 1);
        assert!(note.unverified().is_empty());
    }
}

/// Proofs computed from the published tiles alone agree with the in-memory tree.
#[test]
fn proofs_from_published_tiles() {
    let dir = vectors("tessera-log");
    let mut storage = tile::MemoryTiles::new();
    use cpansec_tlog::TileStorage as _;
    let t: Tile = "tile/0/000.p/15".parse().expect("path");
    storage
        .write_tile(&t, &read(&dir.join(t.path())))
        .expect("store");
    let mut tree = MemoryTree::new();
    for e in ENTRIES {
        tree.push(leaf_hash(e.as_bytes()));
    }
    let reader = tile::TileHashReader::new(15, &storage);
    let root = tree.root();
    assert_eq!(reader.tree_hash().expect("root"), root);
    for i in 0..15 {
        let (leaf, proof) = reader.inclusion_proof(i, &root).expect("proof");
        assert_eq!(leaf, leaf_hash(ENTRIES[i as usize].as_bytes()));
        assert_eq!(
            proof,
            cpansec_tlog::merkle::inclusion_proof(i, 15, &tree).expect("memory proof")
        );
    }
}
