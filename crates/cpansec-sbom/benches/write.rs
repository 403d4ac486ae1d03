//! The SBOM of the largest corpus snapshot (486 distributions, with its
//! cpanfile): building the model from the project directory, and writing
//! each format from the model. On-CPU time (see `cpansec_test_support::cpu_time`).

use std::path::PathBuf;

use cpansec_test_support::cpu_time::cpu_time;

use cpansec_sbom::{Format, Options, Sbom, Timestamp};
use criterion::{Criterion, criterion_group, criterion_main};

const STEM: &str = "metacpan__metacpan-api";

/// A project directory holding the largest snapshot and its cpanfile.
fn project() -> tempfile::TempDir {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = corpus.join(format!("snapshot/{STEM}.cpanfile.snapshot"));
    std::fs::copy(&snapshot, dir.path().join("cpanfile.snapshot")).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared must sit next to the checkout)",
            snapshot.display()
        )
    });
    let cpanfile = corpus.join(format!("cpanfile/{STEM}.cpanfile"));
    if cpanfile.is_file() {
        std::fs::copy(cpanfile, dir.path().join("cpanfile")).expect("copy cpanfile");
    }
    dir
}

fn sbom(c: &mut Criterion) {
    let dir = project();
    let options = Options::new(Timestamp::from_unix(1_700_000_000).expect("time"));
    let model = Sbom::from_project(dir.path(), &options).expect("the corpus snapshot reads");
    let mut group = c.benchmark_group("sbom");
    group.bench_function("model (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let s = Sbom::from_project(std::hint::black_box(dir.path()), &options);
                let _ = std::hint::black_box(s);
            })
        })
    });
    for (format, name) in [
        (Format::CycloneDx16, "cyclonedx-1.6"),
        (Format::Spdx23, "spdx-2.3"),
        (Format::Spdx301, "spdx-3.0.1"),
    ] {
        let mut out = Vec::with_capacity(1 << 20);
        group.bench_function(format!("write {name} (on-CPU)"), |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    out.clear();
                    let _ = format.write(std::hint::black_box(&model), &mut out);
                    std::hint::black_box(&out);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sbom);
criterion_main!(benches);
