//! Reading the full 2013 CPAN index (129,178 rows; 1.3 MB gzipped, 10 MB
//! of text), measured as on-CPU time (see `cpansec_test_support::cpu_time`).

use std::path::PathBuf;

use cpansec_meta::{MAX_PACKAGES_SIZE, Packages};
use cpansec_test_support::cpu_time::cpu_time;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn index_gz() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/corpus/index/Perl-Toolchain-Gang__CPAN-Common-Index__02packages.details.txt.gz",
    );
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (../shared must sit next to the checkout)",
            path.display()
        )
    })
}

fn packages(c: &mut Criterion) {
    let gz = index_gz();
    let rows = Packages::parse_bytes(&gz, MAX_PACKAGES_SIZE)
        .map(|p| p.len())
        .unwrap_or_default();
    assert_eq!(rows, 129_178, "the 2013 index reads");
    let mut plain = Vec::new();
    {
        use std::io::Read;
        let _ = flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut plain);
    }
    let plain = String::from_utf8(plain).unwrap_or_default();
    let parsed = Packages::parse(&plain).ok();
    let mut group = c.benchmark_group("packages");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(plain.len() as u64));
    group.bench_function("parse text (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let _ = std::hint::black_box(Packages::parse(std::hint::black_box(&plain)).is_ok());
            })
        })
    });
    group.bench_function("gunzip+parse (on-CPU)", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let p = Packages::parse_bytes(std::hint::black_box(&gz), MAX_PACKAGES_SIZE);
                let _ = std::hint::black_box(p.is_ok());
            })
        })
    });
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000 lookups (on-CPU)", |b| {
        let modules: Vec<String> = parsed
            .iter()
            .flat_map(|p| p.iter().step_by(129).map(|r| r.module.to_string()))
            .take(1000)
            .collect();
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                if let Some(p) = &parsed {
                    for m in &modules {
                        let _ = std::hint::black_box(p.lookup(m));
                    }
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, packages);
criterion_main!(benches);
