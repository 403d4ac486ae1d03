//! `cpansec audit --sbom FILE` and `cpansec audit --format cyclonedx-vex`,
//! end to end: SBOMs cpansec writes (every corpus snapshot, every format)
//! and SBOMs another tool writes (cyclonedx-python-lib, spdx-tools) read
//! back give the findings of auditing the project itself; the VEX document
//! validates against the official CycloneDX 1.6 schema and
//! cyclonedx-python-lib, and refers to the SBOM's components.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{cpansec, current_db, shared};

const EPOCH: &str = "1700000000";

/// Every corpus snapshot: (stem, path).
fn snapshots() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(shared().join("corpus/snapshot"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            (n.trim_end_matches(".cpanfile.snapshot").to_string(), p)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 40, "the 40 corpus snapshots");
    out
}

/// A project directory: the snapshot, and the corpus cpanfile of the same
/// stem when `with_cpanfile`.
fn project(stem: &str, snapshot: &Path, with_cpanfile: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(snapshot, dir.path().join("cpanfile.snapshot")).unwrap();
    let c = shared().join(format!("corpus/cpanfile/{stem}.cpanfile"));
    if with_cpanfile && c.is_file() {
        std::fs::copy(c, dir.path().join("cpanfile")).unwrap();
    }
    dir
}

fn audit_json(args: &[&std::ffi::OsStr]) -> Value {
    try_audit_json(args).unwrap_or_else(|e| panic!("audit failed: {e}"))
}

/// The JSON report, or the error text when audit exits 2 or 3.
fn try_audit_json(args: &[&std::ffi::OsStr]) -> Result<Value, String> {
    let out = cpansec()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .arg("audit")
        .arg("--db")
        .arg(current_db())
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

fn sbom(dir: &Path, format: &str, file: &Path) {
    cpansec()
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["sbom", "--format", format, "-o"])
        .arg(file)
        .arg(dir)
        .assert()
        .success();
}

/// (dist, version, id, uncertain) of every finding.
fn findings(report: &Value) -> BTreeSet<(String, String, String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["dist"].as_str().unwrap().to_string(),
                f["version"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
                f["uncertain"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// dist -> (version, advisories, fix) of every remediation.
fn remediations(report: &Value) -> BTreeMap<String, (String, Value, Value)> {
    report["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["dist"].as_str().unwrap().to_string(),
                (
                    r["version"].as_str().unwrap().to_string(),
                    r["advisories"].clone(),
                    r["fix"].clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_corpus_sbom_in_every_format_audits_like_the_project() {
    let formats = ["cyclonedx", "cyclonedx-1.5", "spdx-2.3", "spdx-3.0"];
    let mut compared = 0;
    let mut with_findings = 0;
    let mut advice_outside = Vec::new();
    let mut skipped = 0;
    for (stem, snap) in snapshots() {
        for with_cpanfile in [false, true] {
            let dir = project(&stem, &snap, with_cpanfile);
            let direct = match try_audit_json(&[dir.path().as_os_str()]) {
                Ok(r) => r,
                // A cpanfile outside the static language is refused by the
                // project audit (and read as unknown prerequisites by sbom):
                // nothing to compare against.
                Err(e) if with_cpanfile && e.contains("needs Perl") => {
                    skipped += 1;
                    continue;
                }
                Err(e) => panic!("{stem}: {e}"),
            };
            let want_f = findings(&direct);
            let want_r = remediations(&direct);
            if !with_cpanfile && !want_f.is_empty() {
                with_findings += 1;
            }
            for format in formats {
                let file = dir.path().join(format!("sbom.{format}.json"));
                sbom(dir.path(), format, &file);
                let got = audit_json(&["--sbom".as_ref(), file.as_os_str()]);
                assert_eq!(
                    findings(&got),
                    want_f,
                    "{stem} {format} cpanfile={with_cpanfile}"
                );
                let got_r = remediations(&got);
                assert_eq!(
                    got_r.keys().collect::<Vec<_>>(),
                    want_r.keys().collect::<Vec<_>>(),
                    "{stem} {format}"
                );
                for (dist, (v, ids, fix)) in &want_r {
                    let (gv, gids, gfix) = &got_r[dist];
                    assert_eq!((gv, gids), (v, ids), "{stem} {format} {dist}");
                    // An SBOM carries no requirement ranges: the advice is the
                    // smallest newer safe release, which is the project's own
                    // advice unless its cpanfile excludes that release.
                    if gfix != fix {
                        assert!(with_cpanfile, "{stem} {format} {dist}: {fix} / {gfix}");
                        assert_eq!(gfix["kind"], "upgrade", "{stem} {dist}");
                        assert_eq!(
                            gfix["within_requirement"],
                            Value::Bool(true),
                            "{stem} {dist}"
                        );
                        assert_eq!(fix["kind"], "upgrade", "{stem} {dist}");
                        advice_outside.push(format!("{stem} {dist}: {fix} / {gfix}"));
                    }
                }
                // How it was reached: with a cpanfile, the SBOM's root edges
                // are the project's direct dependencies.
                // (Without a cpanfile the SBOM's root depends on the
                // distributions nothing else requires, with completeness
                // `unknown`: not the project's direct dependencies.)
                if dir.path().join("cpanfile").is_file() && format != "cyclonedx-1.5" {
                    let direct_dists = |r: &Value| -> BTreeSet<String> {
                        r["findings"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|f| {
                                f["reached"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .any(|x| x["direct"] == Value::Bool(true))
                            })
                            .map(|f| f["dist"].as_str().unwrap().to_string())
                            .collect()
                    };
                    assert_eq!(direct_dists(&got), direct_dists(&direct), "{stem} {format}");
                }
                compared += 1;
            }
        }
    }
    eprintln!(
        "{compared} SBOM audits compared; {with_findings} projects with findings; {skipped} cpanfiles the project audit refuses; advice that differs only through cpanfile ranges: {}",
        advice_outside.len()
    );
    assert!(skipped <= 5, "{skipped} projects not compared");
    assert!(with_findings >= 30, "the corpus has findings to compare");
}

#[test]
fn transitive_findings_say_through_which_distributions() {
    let (stem, snap) = snapshots()
        .into_iter()
        .find(|(s, _)| s == "metacpan__metacpan-web")
        .unwrap();
    let dir = project(&stem, &snap, true);
    let file = dir.path().join("sbom.json");
    sbom(dir.path(), "cyclonedx", &file);
    let got = audit_json(&["--sbom".as_ref(), file.as_os_str()]);
    let transitive: Vec<&Value> = got["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["reached"].as_array().unwrap())
        .filter(|r| r["direct"] == Value::Bool(false))
        .collect();
    assert!(!transitive.is_empty());
    assert!(
        transitive
            .iter()
            .any(|r| r["via"].as_array().is_some_and(|v| !v.is_empty())),
        "{transitive:?}"
    );
}

/// Runs `python3 -c SCRIPT ARGS...`, returns stdout.
fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The snapshot's releases as CPAN::DistnameInfo reads their pathnames:
/// dist, version, PAUSE id, one tab-separated line each.
fn distnameinfo(snapshot: &Path) -> String {
    let text = std::fs::read_to_string(snapshot).unwrap();
    let paths: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pathname: "))
        .collect();
    cpansec_test_support::perl(
        "use CPAN::DistnameInfo; while (<STDIN>) { chomp; my $d = CPAN::DistnameInfo->new($_); print join(qq{\\t}, $d->dist // q{}, $d->version // q{}, $d->cpanid // q{}), qq{\\n} if defined $d->dist && defined $d->version }",
        &[],
        &(paths.join("\n") + "\n"),
    )
}

const CDX_PY: &str = r#"
import sys
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot4, JsonV1Dot6
from packageurl import PackageURL
rows, out4, out6 = sys.argv[1], sys.argv[2], sys.argv[3]
bom = Bom()
root = Component(name='project', type=ComponentType.APPLICATION, bom_ref='project')
bom.metadata.component = root
comps = []
for i, line in enumerate(open(rows).read().splitlines()):
    dist, version, author = line.split('\t')
    # The older purl form, the author as namespace; every other one also
    # without a bom-ref of its own.
    p = PackageURL(type='cpan', namespace=author or None, name=dist, version=version)
    c = Component(name=dist, version=version, type=ComponentType.LIBRARY, purl=p,
                  bom_ref=(f'c{i}' if i % 2 else None))
    comps.append(c)
    bom.components.add(c)
bom.register_dependency(root, comps)
open(out4, 'w').write(JsonV1Dot4(bom).output_as_string())
open(out6, 'w').write(JsonV1Dot6(bom).output_as_string())
"#;

const SPDX_PY: &str = r#"
import sys
from datetime import datetime
from spdx_tools.spdx.model import (Actor, ActorType, CreationInfo, Document, ExternalPackageRef,
    ExternalPackageRefCategory, Package, Relationship, RelationshipType, SpdxNoAssertion)
from spdx_tools.spdx.writer.write_anything import write_file
rows, out = sys.argv[1], sys.argv[2]
ci = CreationInfo(spdx_version='SPDX-2.3', spdx_id='SPDXRef-DOCUMENT', name='project',
    document_namespace='https://example.org/spdx/project', creators=[Actor(ActorType.TOOL, 'spdx-tools')],
    created=datetime(2023, 11, 14, 22, 13, 20))
pkgs = [Package(spdx_id='SPDXRef-root', name='project', download_location=SpdxNoAssertion())]
rels = [Relationship('SPDXRef-DOCUMENT', RelationshipType.DESCRIBES, 'SPDXRef-root')]
for i, line in enumerate(open(rows).read().splitlines()):
    dist, version, author = line.split('\t')
    purl = f'pkg:cpan/{dist}@{version}' + (f'?author={author}' if author else '')
    pkgs.append(Package(spdx_id=f'SPDXRef-p{i}', name=dist, version=version, download_location=SpdxNoAssertion(),
        external_references=[ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, 'purl', purl)]))
    rels.append(Relationship('SPDXRef-root', RelationshipType.DEPENDS_ON, f'SPDXRef-p{i}'))
write_file(Document(ci, packages=pkgs, relationships=rels), out, validate=True)
"#;

#[test]
fn sboms_written_by_other_tools_audit_like_the_project() {
    let mut checked = 0;
    for (stem, snap) in snapshots().into_iter().step_by(4) {
        let dir = project(&stem, &snap, false);
        let rows = dir.path().join("rows.tsv");
        let info = distnameinfo(&snap);
        // The project audit keeps the first snapshot entry of a distribution.
        let mut seen = BTreeSet::new();
        let rows_text: String = info
            .lines()
            .filter(|l| seen.insert(l.split('\t').next().unwrap_or_default().to_string()))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&rows, rows_text).unwrap();
        let (c4, c6, s23) = (
            dir.path().join("cdx14.json"),
            dir.path().join("cdx16.json"),
            dir.path().join("spdx23.json"),
        );
        let p = |x: &Path| x.display().to_string();
        python(CDX_PY, &[&p(&rows), &p(&c4), &p(&c6)]);
        python(SPDX_PY, &[&p(&rows), &p(&s23)]);
        let direct = audit_json(&[dir.path().as_os_str()]);
        for file in [&c4, &c6, &s23] {
            let got = audit_json(&["--sbom".as_ref(), file.as_os_str()]);
            assert_eq!(
                findings(&got),
                findings(&direct),
                "{stem} {}",
                file.display()
            );
            assert_eq!(
                remediations(&got),
                remediations(&direct),
                "{stem} {}",
                file.display()
            );
            // Every component is a direct dependency of the root here.
            assert!(
                got["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["reached"][0]["direct"] == Value::Bool(true))
            );
            checked += 1;
        }
    }
    assert!(checked >= 30);
}

#[test]
fn malformed_sboms_are_errors_naming_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 5] = [
        (
            "broken.json",
            "{\"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"components\": [\n",
        ),
        (
            "wrongtype.json",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":{"a":1}}"#,
        ),
        ("unknown.json", r#"{"hello":"world"}"#),
        (
            "badspdx.json",
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"x","externalRefs":[{"referenceType":"purl","referenceLocator":7}]}]}"#,
        ),
        (
            "oldcdx.json",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.1"}"#,
        ),
    ];
    let expect = [
        "line 4",
        "/components: expected an array, found an object",
        "neither CycloneDX",
        "/packages/0/externalRefs/0/referenceLocator: expected a string, found a number",
        "/specVersion: CycloneDX 1.1 is not read",
    ];
    for ((name, text), want) in cases.iter().zip(expect) {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let out = cpansec()
            .args(["audit", "--db"])
            .arg(current_db())
            .arg("--sbom")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&file.display().to_string()), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
    // A component whose purl does not parse is reported; the rest is audited.
    let file = dir.path().join("mixed.json");
    std::fs::write(
        &file,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"type":"library","name":"x","purl":"pkg:cpan/Foo::Bar@1.0"},
            {"type":"library","name":"DBI","purl":"pkg:cpan/TIMB/DBI@1.632"}]}"#,
    )
    .unwrap();
    let out = cpansec()
        .args(["audit", "--format", "json", "--db"])
        .arg(current_db())
        .arg("--sbom")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/components/0/purl"), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings(&report)
            .iter()
            .any(|f| f.0 == "DBI" && f.1 == "1.632")
    );
}

const VALIDATE_PY: &str = r#"
import json, sys
from pathlib import Path
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.schema import SchemaVersion
S = Path(sys.argv[1]); res = []
for f in ('bom-1.6.schema.json', 'spdx.schema.json', 'jsf-0.82.schema.json', 'cryptography-defs.schema.json'):
    doc = json.load(open(S / f)); r = Resource.from_contents(doc, default_specification=DRAFT7)
    res += [(f, r), (doc.get('$id', f), r)]
V = jsonschema.Draft7Validator(json.load(open(S / 'bom-1.6.schema.json')), registry=Registry().with_resources(res))
strict = JsonStrictValidator(SchemaVersion.V1_6)
for f in sys.argv[2:]:
    text = open(f).read()
    e = next(iter(V.iter_errors(json.loads(text))), None)
    if e: print(f'FAIL {f}: schema: {e.message[:200]} at {list(e.absolute_path)}'); continue
    e = strict.validate_str(text)
    print('OK' if e is None else f'FAIL {f}: cyclonedx-python-lib: {e}')
"#;

#[test]
fn vex_is_valid_and_refers_to_the_sbom_components() {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut vulnerabilities = 0;
    for (stem, snap) in snapshots().into_iter().step_by(3) {
        let dir = project(&stem, &snap, true);
        let sbom_file = dir.path().join("sbom.json");
        sbom(dir.path(), "cyclonedx", &sbom_file);
        let sbom_doc: Value = serde_json::from_slice(&std::fs::read(&sbom_file).unwrap()).unwrap();
        let refs: BTreeMap<String, (String, String)> = sbom_doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["bom-ref"].as_str().unwrap().to_string(),
                    (
                        c["name"].as_str().unwrap().to_string(),
                        c["version"].as_str().unwrap_or_default().to_string(),
                    ),
                )
            })
            .collect();
        let report = audit_json(&[dir.path().as_os_str()]);
        for (input, tag) in [(None, "project"), (Some(&sbom_file), "sbom")] {
            let mut cmd = cpansec();
            cmd.env("SOURCE_DATE_EPOCH", EPOCH)
                .args(["audit", "--format", "cyclonedx-vex", "--db"])
                .arg(current_db());
            match input {
                Some(f) => cmd.arg("--sbom").arg(f),
                None => cmd.arg(dir.path()),
            };
            let out = cmd.output().unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let vex: Value = serde_json::from_slice(&out.stdout).unwrap();
            // Linked to the SBOM by its serial number.
            let serial = sbom_doc["serialNumber"]
                .as_str()
                .unwrap()
                .trim_start_matches("urn:uuid:");
            assert_eq!(
                vex["externalReferences"][0]["url"],
                format!("urn:cdx:{serial}/1"),
                "{stem}"
            );
            let vulns = vex["vulnerabilities"].as_array().unwrap();
            assert_eq!(
                vulns.len(),
                report["findings"].as_array().unwrap().len(),
                "{stem}"
            );
            let fixes = remediations(&report);
            for (v, f) in vulns.iter().zip(report["findings"].as_array().unwrap()) {
                let r = v["affects"][0]["ref"].as_str().unwrap();
                let (name, version) = refs
                    .get(r)
                    .unwrap_or_else(|| panic!("{stem}: {r} is no bom-ref of the SBOM"));
                assert_eq!(
                    (name.as_str(), version.as_str()),
                    (f["dist"].as_str().unwrap(), f["version"].as_str().unwrap())
                );
                assert_eq!(v["id"], f["id"]);
                let aliases: Vec<&Value> = v["references"]
                    .as_array()
                    .map(|a| a.iter().map(|x| &x["id"]).collect())
                    .unwrap_or_default();
                let want: Vec<&Value> = f["aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| **a != f["id"])
                    .collect();
                assert_eq!(aliases, want);
                let fix = &fixes[f["dist"].as_str().unwrap()].2;
                let rec = v["recommendation"].as_str().unwrap();
                match fix["kind"].as_str().unwrap() {
                    "upgrade" => assert!(
                        rec.contains(&format!("upgrade to {}", fix["to"].as_str().unwrap())),
                        "{rec}"
                    ),
                    _ => assert!(rec.ends_with("no fixed release"), "{rec}"),
                }
                if let Some(sev) = f["severity"].as_str() {
                    assert_eq!(v["ratings"][0]["severity"], sev);
                }
                vulnerabilities += 1;
            }
            let file = dir.path().join(format!("vex.{tag}.json"));
            std::fs::write(&file, &out.stdout).unwrap();
            files.push(file.display().to_string());
        }
        dirs.push(dir);
    }
    assert!(vulnerabilities > 100, "{vulnerabilities}");
    let schemas = shared().join("schemas/cyclonedx").display().to_string();
    let mut args = vec![schemas.as_str()];
    args.extend(files.iter().map(String::as_str));
    let out = python(VALIDATE_PY, &args);
    assert_eq!(
        out.lines().filter(|l| *l == "OK").count(),
        files.len(),
        "{out}"
    );
}
