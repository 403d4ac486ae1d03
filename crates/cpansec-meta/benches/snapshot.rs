//! Parsing the largest corpus snapshot (486 distributions, 9,482 lines,
//! 289 kB).
//!
//! Parsing is measured twice: wall-clock time (criterion's default) and
//! on-CPU time (see `cpansec_test_support::cpu_time`).

use std::path::PathBuf;

use cpansec_test_support::cpu_time::cpu_time;

use cpansec_meta::Snapshot;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn largest() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/snapshot/metacpan__metacpan-api.cpanfile.snapshot");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared must sit next to the checkout)",
            path.display()
        )
    })
}

fn snapshot(c: &mut Criterion) {
    let text = largest();
    let parsed = Snapshot::parse(&text).unwrap_or_default();
    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse (wall)", |b| {
        b.iter(|| Snapshot::parse(std::hint::black_box(&text)).is_ok())
    });
    group.bench_function("parse (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let _ = std::hint::black_box(Snapshot::parse(std::hint::black_box(&text)));
            })
        })
    });
    group.bench_function("parse+into_owned (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let s = Snapshot::parse(std::hint::black_box(&text)).map(Snapshot::into_owned);
                let _ = std::hint::black_box(s);
            })
        })
    });
    group.bench_function("render (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let _ = std::hint::black_box(std::hint::black_box(&parsed).to_snapshot_string());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, snapshot);
criterion_main!(benches);
