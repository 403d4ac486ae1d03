//! Durable append-and-integrate throughput of the file-backed log: batches of
//! upload records appended to a log directory (tiles, bundles and index written
//! and synced, checkpoint signed and atomically replaced), and the same
//! integration in memory (stored hashes and tile data, no I/O), the operation Go's
//! sumdb/tlog has (`benchsuite/tlog/go-bench.go`, `integrate/...`).

use std::hint::black_box;

use cpansec_tlog::tile::new_tiles;
use cpansec_tlog::{FileLog, MemoryTree, UploadRecord, leaf_hash};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn record(n: u64) -> UploadRecord {
    let path = format!("authors/id/B/BE/BENCH/Bench-Dist-1.{n}.tar.gz");
    let mut sha = [0u8; 32];
    sha[..8].copy_from_slice(&n.to_be_bytes());
    UploadRecord::from_parts(&path, n, sha, "2026-12-02T00:00:00Z").expect("record")
}

fn durable(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_durable");
    g.sample_size(10);
    for batch in [256u64, 4096] {
        g.throughput(Throughput::Elements(batch));
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut log = FileLog::init(&tmp.path().join("log"), "bench.example/log").expect("init");
        g.bench_function(format!("append_batch_{batch}"), |b| {
            b.iter(|| {
                let n = log.size();
                let recs: Vec<UploadRecord> = (n..n + batch).map(record).collect();
                black_box(log.append(&recs).expect("append"));
            });
        });
    }
    g.finish();
}

fn in_memory(c: &mut Criterion) {
    let mut g = c.benchmark_group("integrate");
    let batch = 1024u64;
    g.throughput(Throughput::Elements(batch));
    let mut tree = MemoryTree::new();
    let entries: Vec<Vec<u8>> = (0..batch).map(|i| record(i).to_bytes()).collect();
    g.bench_function("memory_batch_1024", |b| {
        b.iter(|| {
            let old = tree.size();
            for e in &entries {
                tree.push(leaf_hash(e));
            }
            for t in new_tiles(old, tree.size()) {
                black_box(t.read_data(&tree).expect("tile"));
            }
        });
    });
    g.finish();
}

criterion_group!(benches, durable, in_memory);
criterion_main!(benches);
