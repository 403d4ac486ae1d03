//! Property tests: proof laws, note round trips, tile path round trips.

use cpansec_tlog::note::{self, Ed25519Signer, Note, Verifier, VerifierList};
use cpansec_tlog::tile::{self, Tile, TileKind};
use cpansec_tlog::{Checkpoint, Hash, MemoryTree, TlogProof, leaf_hash, merkle};
use proptest::prelude::*;

/// One tree of 2000 records shared by every case: the store of a larger tree
/// serves every smaller size.
fn tree(_n: u64) -> &'static MemoryTree {
    static TREE: std::sync::OnceLock<MemoryTree> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let mut t = MemoryTree::new();
        for i in 0..2000u64 {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Inclusion: a generated proof verifies, and flipping any bit of it, or of the
    /// leaf, fails.
    #[test]
    fn inclusion_law(n in 1u64..2000, i in any::<u64>(), flip in any::<(usize, u8)>()) {
        let i = i % n;
        let t = tree(n);
        let root = merkle::tree_hash(n, t).unwrap();
        let p = merkle::inclusion_proof(i, n, t).unwrap();
        let leaf = leaf_hash(&i.to_be_bytes());
        prop_assert!(p.len() <= 64);
        prop_assert!(merkle::verify_inclusion(&p, n, &root, i, &leaf).is_ok());
        prop_assert_eq!(merkle::root_from_inclusion_proof(&p, n, i, &leaf).unwrap(), root);
        if !p.is_empty() {
            let mut bad = p.clone();
            let k = flip.0 % bad.len();
            bad[k].0[usize::from(flip.1) % 32] ^= 1 << (flip.1 % 8);
            prop_assert!(merkle::verify_inclusion(&bad, n, &root, i, &leaf).is_err());
        }
        let mut other = leaf;
        other.0[0] ^= 1;
        prop_assert!(merkle::verify_inclusion(&p, n, &root, i, &other).is_err());
    }

    /// Consistency: a proof from m to n verifies, composes with inclusion (a leaf
    /// in the old tree is in the new one), and a different old root fails.
    #[test]
    fn consistency_law(n in 1u64..2000, m in any::<u64>()) {
        let m = m % (n + 1);
        let t = tree(n);
        let (r1, r2) = (merkle::tree_hash(m, t).unwrap(), merkle::tree_hash(n, t).unwrap());
        let p = merkle::consistency_proof(m, n, t).unwrap();
        prop_assert!(p.len() <= 128);
        prop_assert!(merkle::verify_consistency(&p, m, &r1, n, &r2).is_ok());
        if m > 0 && m < n {
            let mut bad = r1;
            bad.0[31] ^= 1;
            prop_assert!(merkle::verify_consistency(&p, m, &bad, n, &r2).is_err());
            prop_assert!(merkle::verify_consistency(&p, m, &r1, n, &bad).is_err());
        }
    }

    /// Stored-hash indexes and their inverse.
    #[test]
    fn stored_index_round_trip(index in 0u64..(1 << 62)) {
        let (level, n) = merkle::split_stored_hash_index(index);
        prop_assert_eq!(merkle::stored_hash_index(level, n), index);
    }

    /// Tile paths: format then parse is the identity, and parse then format gives
    /// the input back (one spelling per tile).
    #[test]
    fn tile_path_round_trip(level in 0u8..=63, entries in any::<bool>(), index in any::<u64>(), width in 1u16..=256) {
        let kind = if entries { TileKind::Entries } else { TileKind::Hashes(level) };
        let t = Tile::new(kind, index, width).unwrap();
        let path = t.path();
        let back: Tile = path.parse().unwrap();
        prop_assert_eq!(back, t);
        prop_assert_eq!(back.path(), path);
    }

    /// Any string that parses as a tile path formats back to itself.
    #[test]
    fn tile_path_parse_is_canonical(s in "tile/(entries|[0-9x]{1,3})(/x?[0-9]{1,4}){1,4}(\\.p/[0-9]{1,4})?") {
        if let Ok(t) = s.parse::<Tile>() {
            prop_assert_eq!(t.path(), s);
        }
    }

    /// Entry bundles round trip.
    #[test]
    fn bundle_round_trip(entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..=256)) {
        let data = tile::encode_bundle(&entries).unwrap();
        let back = tile::parse_bundle(&data, entries.len() as u16).unwrap();
        prop_assert_eq!(back, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    }

    /// Checkpoints: format then parse is the identity.
    #[test]
    fn checkpoint_round_trip(origin in "[a-z./]{1,30}", size in any::<u64>(), root in any::<[u8; 32]>(), ext in proptest::collection::vec("[ -~]{1,20}", 0..3)) {
        let ext: Vec<&str> = ext.iter().map(String::as_str).collect();
        let cp = Checkpoint::new(&origin, size, Hash(root)).unwrap().with_extensions(&ext).unwrap();
        let text = cp.to_string();
        let back: Checkpoint = text.parse().unwrap();
        prop_assert_eq!(&back, &cp);
        prop_assert_eq!(back.to_string(), text);
    }

    /// tlog-proof: format then parse is the identity.
    #[test]
    fn tlog_proof_round_trip(extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)), index in any::<u64>(), hashes in proptest::collection::vec(any::<[u8; 32]>(), 0..64)) {
        let p = TlogProof { extra, index, proof: hashes.into_iter().map(Hash).collect(), checkpoint: "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— o AAAAAAA=\n".into() };
        let text = p.to_string();
        prop_assert_eq!(TlogProof::parse(text.as_bytes()).unwrap(), p);
    }
}

proptest! {
    // Ed25519 in an unoptimised test build costs milliseconds per signature.
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Notes: sign then open gives the text and the signatures back; the encoded
    /// note is stable under open-then-sign.
    #[test]
    fn note_round_trip(lines in proptest::collection::vec("[^\\x00-\\x1f]{0,40}", 1..6), names in proptest::collection::vec("[a-z./]{1,12}", 1..4)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let signers: Vec<Ed25519Signer> = names.iter().enumerate().map(|(i, n)| Ed25519Signer::from_seed(n, &[i as u8; 32]).unwrap()).collect();
        let refs: Vec<&dyn note::Signer> = signers.iter().map(|s| s as &dyn note::Signer).collect();
        let msg = note::sign(&Note::new(text.clone()), &refs).unwrap();
        let vs = VerifierList::new(signers.iter().map(|s| Box::new(s.verifier()) as Box<dyn Verifier>).collect());
        let n = note::open(msg.as_bytes(), &vs).unwrap();
        prop_assert_eq!(n.text(), text.as_str());
        let distinct: std::collections::BTreeSet<_> = signers.iter().map(|s| (s.verifier().name().to_owned(), note::Signer::key_id(s))).collect();
        prop_assert_eq!(n.signatures().len(), distinct.len());
        prop_assert_eq!(note::sign(&n, &[]).unwrap(), msg);
    }
}
