//! Reading SBOMs back (`SbomDocument`): every corpus project written in every
//! format and read again lists the same distributions, with the same purls
//! and versions, and the same graph; the CycloneDX writer's bytes are those
//! of the sorted-map JSON form, and its serial number is the UUID of the
//! content.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cpansec_sbom::{Format, Sbom, SbomDocument, SbomKind};

use crate::support;

#[test]
fn every_corpus_sbom_reads_back_in_every_format() {
    for (stem, path) in support::snapshots() {
        let project = support::project(&stem, &path);
        let sbom = Sbom::from_project(project.path(), &support::options()).expect("sbom");
        let want: BTreeSet<(String, String, String)> = sbom
            .components
            .iter()
            .filter_map(|c| Some((c.name.clone(), c.version.clone()?, c.purl.clone()?)))
            .collect();
        // Project prerequisites, as distribution names.
        let name = |id: &str| -> String {
            sbom.components
                .iter()
                .find(|c| c.id.as_str() == id)
                .map_or_else(|| id.to_string(), |c| c.name.clone())
        };
        let root_edges: BTreeSet<String> = sbom.dependencies[&sbom.root.id]
            .on
            .keys()
            .map(|k| name(k.as_str()))
            .collect();
        let edges: usize = sbom
            .dependencies
            .iter()
            .filter(|(k, _)| **k != sbom.root.id)
            .map(|(_, d)| d.on.len())
            .sum();
        for (format, tag) in support::FORMATS {
            let bytes = support::render(&sbom, format);
            let doc = SbomDocument::parse(&bytes, Path::new(tag)).expect("reads back");
            assert!(doc.problems.is_empty(), "{stem} {tag}: {:?}", doc.problems);
            match (format, &doc.kind) {
                (Format::CycloneDx16, SbomKind::CycloneDx(v)) => assert_eq!(v, "1.6"),
                (Format::CycloneDx15, SbomKind::CycloneDx(v)) => assert_eq!(v, "1.5"),
                (Format::Spdx23, SbomKind::Spdx2(v)) => assert_eq!(v, "SPDX-2.3"),
                (Format::Spdx301, SbomKind::Spdx3) => {}
                other => panic!("{stem}: {other:?}"),
            }
            let got: BTreeSet<(String, String, String)> = doc
                .components
                .iter()
                .map(|c| {
                    (
                        c.dist.clone(),
                        c.version.clone().unwrap_or_default(),
                        c.purl.clone(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{stem} {tag}");
            let by_ref: BTreeMap<&str, &str> = doc
                .components
                .iter()
                .map(|c| (c.reference.as_str(), c.dist.as_str()))
                .collect();
            let root = doc.root.as_deref().expect("a root");
            let got_root: BTreeSet<String> = doc
                .edges
                .get(root)
                .into_iter()
                .flatten()
                .map(|e| {
                    by_ref
                        .get(e.to.as_str())
                        .map_or_else(|| e.to.clone(), |d| d.to_string())
                })
                .collect();
            // Edges to perl are to a non-CPAN element named by its own id.
            let want_root: BTreeSet<String> = root_edges
                .iter()
                .filter(|d| by_ref.values().any(|x| x == d))
                .cloned()
                .collect();
            let got_root: BTreeSet<String> = got_root
                .into_iter()
                .filter(|d| by_ref.values().any(|x| x == d))
                .collect();
            assert_eq!(got_root, want_root, "{stem} {tag}");
            let got_edges: usize = doc
                .edges
                .iter()
                .filter(|(k, _)| k.as_str() != root)
                .map(|(_, e)| e.iter().map(|x| &x.to).collect::<BTreeSet<_>>().len())
                .sum();
            assert_eq!(
                got_edges, edges,
                "{stem} {tag}: edges between distributions"
            );
        }
    }
}

#[test]
fn cyclonedx_bytes_are_the_sorted_map_form_and_the_serial_is_the_content_uuid() {
    for (stem, path) in support::snapshots().into_iter().step_by(3) {
        let project = support::project(&stem, &path);
        let mut options = support::options();
        options.perl_version = Some("5.36.0".into());
        let sbom = Sbom::from_project(project.path(), &options).expect("sbom");
        for (format, tag) in [(Format::CycloneDx16, "1.6"), (Format::CycloneDx15, "1.5")] {
            let bytes = support::render(&sbom, format);
            let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            let mut again = serde_json::to_vec_pretty(&value).expect("JSON");
            again.push(b'\n');
            assert!(
                bytes == again,
                "{stem} {tag}: keys out of order or spacing differs"
            );
            assert_eq!(value, format.document(&sbom), "{stem} {tag}");
            let mut without = value.clone();
            let serial = without
                .as_object_mut()
                .and_then(|o| o.remove("serialNumber"))
                .expect("serialNumber");
            let mut content = format!("cyclonedx-{tag}\0").into_bytes();
            serde_json::to_writer(&mut content, &without).expect("JSON");
            assert_eq!(
                serial.as_str(),
                Some(format!("urn:uuid:{}", cpansec_sbom::uuid_v5(&content)).as_str()),
                "{stem} {tag}"
            );
        }
    }
}

/// The SPDX writers write typed structs straight to the output: their bytes
/// must be those of the sorted-map form, and the namespaces the UUIDs of the
/// content as the format's documentation defines them.
#[test]
fn spdx_bytes_are_the_sorted_map_form_and_the_namespace_is_the_content_uuid() {
    for (stem, path) in support::snapshots().into_iter().skip(1).step_by(3) {
        let project = support::project(&stem, &path);
        let mut options = support::options();
        options.perl_version = Some("5.36.0".into());
        let sbom = Sbom::from_project(project.path(), &options).expect("sbom");
        for format in [Format::Spdx23, Format::Spdx301] {
            let bytes = support::render(&sbom, format);
            let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            let mut again = serde_json::to_vec_pretty(&value).expect("JSON");
            again.push(b'\n');
            assert!(
                bytes == again,
                "{stem} {format:?}: keys out of order or spacing differs"
            );
            assert_eq!(value, format.document(&sbom), "{stem} {format:?}");
        }

        // SPDX 2.3: the UUID of the document without its namespace.
        let mut doc = format_value(&sbom, Format::Spdx23);
        let ns = doc
            .as_object_mut()
            .and_then(|o| o.remove("documentNamespace"))
            .and_then(|v| v.as_str().map(str::to_string))
            .expect("documentNamespace");
        let mut content = b"spdx-2.3\0".to_vec();
        serde_json::to_writer(&mut content, &doc).expect("JSON");
        let uuid = cpansec_sbom::uuid_v5(&content);
        assert!(
            ns.starts_with("https://spdx.org/spdxdocs/cpansec-") && ns.ends_with(&uuid),
            "{stem}: {ns} does not end in {uuid}"
        );

        // SPDX 3.0.1: the UUID of the graph with the placeholder namespace.
        let doc = format_value(&sbom, Format::Spdx301);
        let graph = doc["@graph"].as_array().expect("@graph");
        let id = graph
            .iter()
            .find(|e| e["type"] == "SpdxDocument")
            .and_then(|e| e["spdxId"].as_str())
            .expect("SpdxDocument");
        let ns = id.strip_suffix("SpdxDocument").expect("namespace");
        let draft = serde_json::to_string(&doc)
            .expect("JSON")
            .replace(ns, "urn:cpansec:placeholder#");
        let uuid = cpansec_sbom::uuid_v5(format!("spdx-3.0.1\0{draft}").as_bytes());
        assert!(
            ns.ends_with(&format!("-{uuid}#")),
            "{stem}: {ns} does not end in {uuid}"
        );
    }
}

fn format_value(sbom: &Sbom, format: Format) -> serde_json::Value {
    serde_json::from_slice(&support::render(sbom, format)).expect("JSON")
}
