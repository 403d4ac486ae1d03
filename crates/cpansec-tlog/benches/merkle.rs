//! Criterion benchmarks of the hot paths: hashing, proof generation and
//! verification on a tree of 2^20 records, and note signing and opening. The same
//! operations are timed with Go's sumdb/tlog by `benchsuite/tlog/go-bench.go`
//! (see BENCHMARKS.md).

use std::hint::black_box;

use cpansec_tlog::note::{self, Ed25519Signer, Verifier, VerifierList};
use cpansec_tlog::{Checkpoint, MemoryTree, leaf_hash, merkle, node_hash};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const SIZE: u64 = 1 << 20;

fn tree() -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..SIZE {
        t.push(leaf_hash(format!("entry {i}").as_bytes()));
    }
    t
}

/// Deterministic spread of indexes over the tree.
fn index(k: u64, n: u64) -> u64 {
    k.wrapping_mul(0x9e37_79b9_7f4a_7c15) % n
}

fn hashing(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    let data = vec![0x5au8; 1024];
    g.throughput(Throughput::Bytes(1024));
    g.bench_function("leaf_1KiB", |b| b.iter(|| leaf_hash(black_box(&data))));
    g.throughput(Throughput::Elements(1));
    let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
    g.bench_function("node", |b| {
        b.iter(|| node_hash(black_box(&l), black_box(&r)))
    });
    g.bench_function("append_record", |b| {
        b.iter_batched_ref(
            || {
                let mut t = MemoryTree::new();
                for i in 0..4095u64 {
                    t.push(leaf_hash(&i.to_be_bytes()));
                }
                t
            },
            |t| t.push(leaf_hash(b"new")),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let t = tree();
    let root = t.root();
    let mut g = c.benchmark_group("proof_2^20");
    let mut k = 0u64;
    g.bench_function("inclusion_prove", |b| {
        b.iter(|| {
            k += 1;
            merkle::inclusion_proof(index(k, SIZE), SIZE, &t)
        })
    });
    let cases: Vec<_> = (0..1024u64)
        .map(|k| {
            let i = index(k, SIZE);
            (
                i,
                leaf_hash(format!("entry {i}").as_bytes()),
                merkle::inclusion_proof(i, SIZE, &t).unwrap_or_default(),
            )
        })
        .collect();
    let mut k = 0usize;
    g.bench_function("inclusion_verify", |b| {
        b.iter(|| {
            k = (k + 1) % cases.len();
            let (i, leaf, p) = &cases[k];
            merkle::verify_inclusion(p, SIZE, &root, *i, leaf)
        })
    });
    let mut k = 0u64;
    g.bench_function("consistency_prove", |b| {
        b.iter(|| {
            k += 1;
            merkle::consistency_proof(1 + index(k, SIZE - 1), SIZE, &t)
        })
    });
    let cases: Vec<_> = (0..256u64)
        .map(|k| {
            let m = 1 + index(k, SIZE - 1);
            (
                m,
                merkle::tree_hash(m, &t).unwrap_or_default(),
                merkle::consistency_proof(m, SIZE, &t).unwrap_or_default(),
            )
        })
        .collect();
    let mut k = 0usize;
    g.bench_function("consistency_verify", |b| {
        b.iter(|| {
            k = (k + 1) % cases.len();
            let (m, r1, p) = &cases[k];
            merkle::verify_consistency(p, *m, r1, SIZE, &root)
        })
    });
    g.bench_function("tree_hash", |b| {
        b.iter(|| merkle::tree_hash(black_box(SIZE - 3), &t))
    });
    g.finish();
}

fn notes(c: &mut Criterion) {
    let signer =
        Ed25519Signer::from_seed("example.com/log", &[1; 32]).unwrap_or_else(|e| panic!("{e}"));
    let cp = Checkpoint::new("example.com/log", SIZE, leaf_hash(b"root"))
        .unwrap_or_else(|e| panic!("{e}"));
    let list = VerifierList::new(vec![Box::new(signer.verifier()) as Box<dyn Verifier>]);
    let msg = cp.sign(&[&signer]).unwrap_or_default();
    let mut g = c.benchmark_group("note");
    g.bench_function("sign_checkpoint", |b| b.iter(|| cp.sign(&[&signer])));
    g.bench_function("open_checkpoint", |b| {
        b.iter(|| note::open(black_box(msg.as_bytes()), &list))
    });
    g.finish();
}

criterion_group!(benches, hashing, proofs, notes);
criterion_main!(benches);
