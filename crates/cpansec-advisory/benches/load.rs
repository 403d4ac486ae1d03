//! Loading the full advisory database (the 2026 shared file, 4 MB):
//! JSON syntax alone (serde_json::Value) against the whole load into the
//! model, to see what the load spends beyond parsing; and the binary form:
//! opening it (checks, no decoding), opening plus the queries of a small
//! audit, and decoding all of it.

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
    // Opening checks the whole file and locates its tables; nothing is
    // decoded until a query needs it.
    group.bench_function("cache_open", |b| {
        b.iter(|| Database::from_cache_slice(&cache, Source::Embedded("bench")).map(|_| ()))
    });
    group.bench_function("embedded_open", |b| {
        b.iter(|| Database::embedded().map(|_| ()))
    });
    // What an audit does: open, then map modules and judge a few
    // distributions' releases (decoding only those).
    let dists = [
        "HTTP-Body",
        "Mojolicious",
        "DBI",
        "Plack",
        "Catalyst-Runtime",
        "JSON-XS",
    ];
    group.bench_function("cache_open_and_query", |b| {
        b.iter(|| {
            let db = Database::from_cache_slice(&cache, Source::Embedded("bench"))
                .unwrap_or_else(|e| panic!("{e}"));
            let mut n = 0;
            for module in [
                "HTTP::Body",
                "Mojo::Base",
                "DBI",
                "Plack::Request",
                "No::Such",
            ] {
                n += usize::from(db.distribution_of_module(module).is_some());
            }
            for d in dists {
                for (_, v) in db.distribution(d).iter().flat_map(|d| d.known_releases()) {
                    n += db.findings(d, v).affected.len();
                }
            }
            n
        })
    });
    group.bench_function("cache_decode_all", |b| {
        let db = Database::from_cache_slice(&cache, Source::Embedded("bench"))
            .unwrap_or_else(|e| panic!("{e}"));
        b.iter(|| db.decode_all())
    });
    group.bench_function("cache_encode", |b| {
        b.iter(|| db.to_cache_bytes(&bytes).len())
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
