//! Every corpus snapshot (with its cpanfile) and every corpus META, through
//! every format, validated against the official schemas; the snapshot's
//! distributions and dependencies checked against CPAN::DistnameInfo's
//! reading of the pathnames.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use cpansec_meta::Snapshot;
use cpansec_sbom::{Format, Sbom};
use serde_json::Value;

use crate::support::{self, FORMATS};

/// Writes every format of every SBOM into `dir`; returns the files by format.
fn write_all(
    sboms: &[(String, Sbom)],
    dir: &std::path::Path,
) -> BTreeMap<&'static str, Vec<PathBuf>> {
    let mut files: BTreeMap<&'static str, Vec<PathBuf>> = BTreeMap::new();
    for (stem, sbom) in sboms {
        for (format, tag) in FORMATS {
            let path = dir.join(format!("{stem}.{tag}.json"));
            std::fs::write(&path, support::render(sbom, format)).expect("write");
            files.entry(tag).or_default().push(path);
        }
    }
    files
}

fn assert_valid(files: &BTreeMap<&'static str, Vec<PathBuf>>, per_type: usize) {
    let mut report = Vec::new();
    for (tag, list) in files {
        let failures = support::schema_failures(tag, list, per_type);
        eprintln!(
            "{tag}: {}/{} valid",
            list.len() - failures.len(),
            list.len()
        );
        report.extend(failures);
    }
    assert!(report.is_empty(), "schema failures:\n{}", report.join("\n"));
}

#[test]
fn every_snapshot_in_every_format_is_valid() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut sboms = Vec::new();
    for (i, (stem, path)) in support::snapshots().into_iter().enumerate() {
        let project = support::project(&stem, &path);
        let sbom = Sbom::from_project(project.path(), &support::options())
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        sboms.push((stem.clone(), sbom));
        // Every eighth project again with perl known: core modules resolve
        // to it (the validators take seconds per large document).
        if i % 8 != 0 {
            continue;
        }
        let mut options = support::options();
        options.perl_version = Some("5.36.0".into());
        let sbom = Sbom::from_project(project.path(), &options)
            .unwrap_or_else(|e| panic!("{stem} with perl: {e}"));
        assert!(sbom.perl.is_some());
        sboms.push((format!("{stem}.perl"), sbom));
    }
    let files = write_all(&sboms, out.path());
    assert_valid(&files, 3);
}

#[test]
fn every_meta_in_every_format_is_valid() {
    let shared = support::shared();
    let out = tempfile::tempdir().expect("tempdir");
    let mut sboms = Vec::new();
    let mut refused = 0;
    for (sub, name) in [("meta-json", "META.json"), ("meta-yml", "META.yml")] {
        let mut metas: Vec<PathBuf> = std::fs::read_dir(shared.join("corpus").join(sub))
            .expect("corpus dir")
            .map(|e| e.expect("entry").path())
            .collect();
        metas.sort();
        for meta in metas {
            let project = tempfile::tempdir().expect("tempdir");
            std::fs::copy(&meta, project.path().join(name)).expect("copy");
            let stem = meta
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            match Sbom::from_project(project.path(), &support::options()) {
                Ok(sbom) => sboms.push((stem, sbom)),
                Err(e) => {
                    // Only where the META reader itself refuses the file
                    // (CPAN::Meta refuses it too: see cpansec-meta's tests).
                    assert!(
                        cpansec_meta::Meta::read(project.path().join(name)).is_err(),
                        "{stem}: {e}"
                    );
                    refused += 1;
                }
            }
        }
    }
    eprintln!(
        "{} META files described, {refused} refused by the META reader",
        sboms.len()
    );
    assert!(sboms.len() >= 90, "most corpus METAs are readable");
    let files = write_all(&sboms, out.path());
    assert_valid(&files, 10);
}

/// dist, version, author of each pathname as CPAN::DistnameInfo reads it.
fn distnameinfo(paths: &[String]) -> BTreeMap<String, (String, String, String)> {
    let out = support::perl(
        r#"use CPAN::DistnameInfo; while (my $p = <STDIN>) { chomp $p; my $d = CPAN::DistnameInfo->new($p);
           print join("\t", $p, $d->dist // "", $d->version // "", $d->cpanid // ""), "\n" }"#,
        &(paths.join("\n") + "\n"),
    );
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            match f.as_slice() {
                [p, d, v, a] => {
                    Some((p.to_string(), (d.to_string(), v.to_string(), a.to_string())))
                }
                _ => None,
            }
        })
        .collect()
}

fn purl_parts(p: &str) -> Option<(String, String, Option<String>)> {
    let purl = cpansec_meta::Purl::parse(p).ok()?;
    Some((
        purl.name().to_string(),
        purl.version()?.to_string(),
        purl.author(),
    ))
}

#[test]
fn every_snapshot_distribution_and_dependency_is_in_every_format() {
    let projects: Vec<(String, PathBuf)> = support::snapshots();
    let snaps: Vec<Snapshot> = projects
        .iter()
        .map(|(_, p)| Snapshot::read(p).expect("snapshot"))
        .collect();
    let paths: Vec<String> = snaps
        .iter()
        .flat_map(|s| s.distributions.iter().map(|d| d.pathname.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let oracle = distnameinfo(&paths);
    let (mut dists, mut edges) = (0, 0);
    for ((stem, path), snap) in projects.iter().zip(&snaps) {
        let project = support::project(stem, path);
        let sbom = Sbom::from_project(project.path(), &support::options()).expect("sbom");
        let cdx = Format::CycloneDx16.document(&sbom);
        let spdx2 = Format::Spdx23.document(&sbom);
        let spdx3 = Format::Spdx301.document(&sbom);
        // CycloneDX: purl -> bom-ref; SPDX 2: purl set; SPDX 3: purl set.
        let mut cdx_ref: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut cdx_purls = BTreeSet::new();
        for c in cdx["components"].as_array().expect("components") {
            if let Some(p) = c["purl"].as_str().and_then(purl_parts) {
                cdx_ref.insert(
                    (p.0.clone(), p.1.clone()),
                    c["bom-ref"].as_str().unwrap_or_default().to_string(),
                );
                cdx_purls.insert(p);
            }
        }
        let spdx2_purls: BTreeSet<_> = spdx2["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .flat_map(|p| p["externalRefs"].as_array().cloned().unwrap_or_default())
            .filter(|r| r["referenceType"] == "purl")
            .filter_map(|r| r["referenceLocator"].as_str().and_then(purl_parts))
            .collect();
        let spdx3_purls: BTreeSet<_> = spdx3["@graph"]
            .as_array()
            .expect("graph")
            .iter()
            .filter(|e| e["type"] == "software_Package")
            .filter_map(|e| e["software_packageUrl"].as_str().and_then(purl_parts))
            .collect();
        let graph: BTreeSet<(String, String)> = cdx["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .flat_map(|d| {
                let from = d["ref"].as_str().unwrap_or_default().to_string();
                d["dependsOn"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(move |t: Value| t.as_str().map(|t| (from.clone(), t.to_string())))
            })
            .collect();
        let key = |pathname: &str| -> Option<(String, String, Option<String>)> {
            let (d, v, a) = oracle.get(pathname)?;
            (!d.is_empty() && !v.is_empty()).then(|| {
                (
                    d.clone(),
                    v.clone(),
                    Some(a.clone()).filter(|a| !a.is_empty()),
                )
            })
        };
        for d in &snap.distributions {
            let Some(k) = key(&d.pathname) else { continue };
            dists += 1;
            assert!(cdx_purls.contains(&k), "{stem}: CycloneDX lacks {k:?}");
            assert!(spdx2_purls.contains(&k), "{stem}: SPDX 2.3 lacks {k:?}");
            assert!(spdx3_purls.contains(&k), "{stem}: SPDX 3.0.1 lacks {k:?}");
            // Every requirement another distribution provides is an edge to
            // one of its providers.
            for m in d.requirements.keys() {
                let providers: Vec<_> = snap
                    .distributions
                    .iter()
                    .filter(|p| p.pathname != d.pathname && p.provides.contains_key(m))
                    .filter_map(|p| key(&p.pathname))
                    .collect();
                if providers.is_empty() {
                    continue;
                }
                edges += 1;
                let from = &cdx_ref[&(k.0.clone(), k.1.clone())];
                assert!(
                    providers.iter().any(|p| cdx_ref
                        .get(&(p.0.clone(), p.1.clone()))
                        .is_some_and(|to| graph.contains(&(from.clone(), to.clone())))),
                    "{stem}: no edge {from} -> a provider of {m}"
                );
            }
        }
    }
    eprintln!("{dists} distributions and {edges} requirement edges found in every format");
    assert!(dists > 1500 && edges > 5000, "{dists} {edges}");
}
