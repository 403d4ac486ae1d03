//! Parsing the largest corpus snapshot (486 distributions, 9,482 lines,
//! 289 kB).
//!
//! Each benchmark is measured twice: wall-clock time (criterion's default)
//! and the time this thread spent on a CPU (`/proc/thread-self/schedstat`),
//! which stays meaningful on a shared, overloaded machine.

use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// Time this thread has run on a CPU, from Linux's schedstat (nanoseconds);
/// `None` where that file does not exist.
fn on_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

/// Runs `f` `iters` times and returns the on-CPU time (wall time where the
/// kernel does not report it).
fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    let (c0, w0) = (on_cpu(), Instant::now());
    for _ in 0..iters {
        f();
    }
    match (c0, on_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => w0.elapsed(),
    }
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
