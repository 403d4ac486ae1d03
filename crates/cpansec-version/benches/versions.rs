//! Criterion benchmarks of the hot paths: parsing, comparing and bulk-sorting
//! the release versions of the real advisory database (`../shared`).
#![allow(clippy::unwrap_used)] // a benchmark of known-good data: a failure is a broken setup

use std::path::PathBuf;

use cpansec_version::{AdvisoryRange, Version, sort_lines, sort_permutation};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// Every distinct release version in the advisory database that version.pm
/// accepts, in the database's order.
fn database_versions() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/cpansa/cpan-security-advisory.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared must sit next to the checkout)",
            path.display()
        )
    });
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the database is JSON");
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for dist in doc["dists"].as_object().expect("dists").values() {
        for release in dist["versions"].as_array().into_iter().flatten() {
            if let Some(v) = release["version"].as_str() {
                if Version::parse(v).is_ok() && seen.insert(v.to_string()) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let versions = database_versions();
    let parsed: Vec<Version> = versions
        .iter()
        .map(|v| Version::parse(v).unwrap())
        .collect();

    c.bench_function(
        &format!("parse {} database versions", versions.len()),
        |b| {
            b.iter(|| {
                for v in &versions {
                    black_box(Version::parse(black_box(v)).unwrap());
                }
            })
        },
    );
    c.bench_function(
        &format!("sort_permutation {} database versions", versions.len()),
        |b| b.iter(|| black_box(sort_permutation(black_box(&versions)).unwrap())),
    );
    // What `cpansec version sort` does between reading and writing.
    let text = versions.join("\n") + "\n";
    c.bench_function(
        &format!("sort_lines {} database versions", versions.len()),
        |b| b.iter(|| black_box(sort_lines(black_box(&text), false).unwrap().len())),
    );
    c.bench_function(
        &format!("sort {} parsed versions (Ord)", parsed.len()),
        |b| {
            b.iter_batched(
                || parsed.clone(),
                |mut v| v.sort(),
                criterion::BatchSize::LargeInput,
            )
        },
    );
    let range = AdvisoryRange::parse(">= 1.2, < 2.005, != 1.5").unwrap();
    c.bench_function("advisory range match over database versions", |b| {
        b.iter(|| parsed.iter().filter(|v| range.matches(v)).count())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
