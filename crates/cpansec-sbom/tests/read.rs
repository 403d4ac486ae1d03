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
            .iter()
            .map(|e| name(e.to.as_str()))
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
            // The serial: the UUID of the bytes with its own digits zeroed.
            let serial = value["serialNumber"].as_str().expect("serialNumber");
            let uuid = serial.strip_prefix("urn:uuid:").expect("urn:uuid:");
            let zeroed = replace_once(&bytes, uuid, ZERO);
            let mut content = format!("cyclonedx-{tag}\0").into_bytes();
            content.extend_from_slice(&zeroed);
            assert_eq!(uuid, cpansec_sbom::uuid_v5(&content), "{stem} {tag}");
            assert_eq!(
                cpansec_sbom::cyclonedx::serial_number(
                    &sbom,
                    match format {
                        Format::CycloneDx15 => cpansec_sbom::cyclonedx::Version::V1_5,
                        _ => cpansec_sbom::cyclonedx::Version::V1_6,
                    }
                ),
                serial,
                "{stem} {tag}: the serial VEX documents refer to"
            );
        }
    }
}

const ZERO: &str = "00000000-0000-0000-0000-000000000000";

/// `bytes` with the first `from` replaced by `to`, which must be there once.
fn replace_once(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert_eq!(text.matches(from).count(), 1, "{from} once");
    text.replacen(from, to, 1).into_bytes()
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

        // SPDX 2.3: the UUID of the bytes with the namespace's UUID zeroed.
        let bytes = support::render(&sbom, Format::Spdx23);
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        let ns = doc["documentNamespace"]
            .as_str()
            .expect("documentNamespace");
        assert!(ns.starts_with("https://spdx.org/spdxdocs/cpansec-"), "{ns}");
        let uuid = ns.get(ns.len() - ZERO.len()..).expect("a UUID");
        let mut content = b"spdx-2.3\0".to_vec();
        content.extend_from_slice(&replace_once(&bytes, uuid, ZERO));
        assert_eq!(uuid, cpansec_sbom::uuid_v5(&content), "{stem}: {ns}");

        // SPDX 3.0.1: the UUID of the bytes with the namespace's UUID zeroed
        // in every IRI.
        let bytes = support::render(&sbom, Format::Spdx301);
        let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        let graph = doc["@graph"].as_array().expect("@graph");
        let id = graph
            .iter()
            .find(|e| e["type"] == "SpdxDocument")
            .and_then(|e| e["spdxId"].as_str())
            .expect("SpdxDocument");
        let ns = id.strip_suffix("SpdxDocument").expect("namespace");
        let uuid = ns
            .strip_suffix('#')
            .and_then(|n| n.get(n.len() - ZERO.len()..))
            .expect("a UUID");
        let zeroed_ns = ns.replace(uuid, ZERO);
        let text = std::str::from_utf8(&bytes).expect("UTF-8");
        let draft = format!("spdx-3.0.1\0{}", text.replace(ns, &zeroed_ns));
        assert_eq!(
            uuid,
            cpansec_sbom::uuid_v5(draft.as_bytes()),
            "{stem}: {ns}"
        );
    }
}
