//! Reading every module under /usr/share/perl5: the static `$VERSION` reader
//! on bytes already in memory, and the whole discovery (walk, read, parse).

use std::path::{Path, PathBuf};

use cpansec_meta::{Installation, ModuleInfo};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const LIBRARY: &str = "/usr/share/perl5";

fn pm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => pm_files(&path, out),
            Ok(t) if t.is_file() && path.extension().is_some_and(|x| x == "pm") => out.push(path),
            _ => {}
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut files = Vec::new();
    pm_files(Path::new(LIBRARY), &mut files);
    let texts: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|p| {
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                std::fs::read(p).ok()?,
            ))
        })
        .collect();
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();

    let mut group = c.benchmark_group("module_version");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("parse {} files in memory", texts.len()), |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|(name, text)| ModuleInfo::parse_named(text, name).packages.len())
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("installed");
    group.sample_size(20);
    group.bench_function("discover /usr/share/perl5", |b| {
        b.iter(|| {
            Installation::discover(&[PathBuf::from(LIBRARY)])
                .modules
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
