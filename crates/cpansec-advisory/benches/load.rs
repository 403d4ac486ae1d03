//! Loading the full advisory database (the 2026 shared file, 4 MB):
//! JSON syntax alone (serde_json::Value) against the whole load into the
//! model, to see what the load spends beyond parsing; and the same model
//! decoded from its binary cache (2.1 MB), with and without dropping it.

use std::path::PathBuf;

use cpansec_advisory::{Database, Source};
use criterion::{Criterion, criterion_group, criterion_main};

fn db_bytes() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/cpansa/cpan-security-advisory.json");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(c: &mut Criterion) {
    let bytes = db_bytes();
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function("json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&bytes).map(|_| ()))
    });
    group.bench_function("database", |b| {
        b.iter(|| Database::from_json_slice(&bytes, Source::Embedded("bench")).map(|_| ()))
    });
    let db = Database::from_json_slice(&bytes, Source::Embedded("bench"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cache = db.to_cache_bytes(&bytes);
    group.bench_function("cache", |b| {
        b.iter(|| Database::from_cache_slice(&cache, Source::Embedded("bench")).map(|_| ()))
    });
    group.bench_function("cache_no_drop", |b| {
        b.iter_with_large_drop(|| Database::from_cache_slice(&cache, Source::Embedded("bench")))
    });
    group.bench_function("cache_encode", |b| {
        b.iter(|| db.to_cache_bytes(&bytes).len())
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
