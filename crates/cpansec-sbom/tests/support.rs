//! Helpers shared by the integration tests: the shared test data, project
//! directories made from it, and the Python validators run as oracles.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cpansec_sbom::{Format, Options, Sbom, Timestamp};

pub use cpansec_test_support::shared;

/// Every corpus snapshot: (stem, path), sorted.
pub fn snapshots() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(shared().join("corpus/snapshot"))
        .expect("corpus/snapshot")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name.trim_end_matches(".cpanfile.snapshot").to_string(), p)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 40, "expected the 40 corpus snapshots");
    out
}

/// A project directory for a corpus snapshot: the snapshot as
/// `cpanfile.snapshot` and, where the corpus has it, the cpanfile of the
/// same stem.
pub fn project(stem: &str, snapshot: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(snapshot, dir.path().join("cpanfile.snapshot")).expect("copy snapshot");
    let cpanfile = shared().join(format!("corpus/cpanfile/{stem}.cpanfile"));
    if cpanfile.is_file() {
        std::fs::copy(cpanfile, dir.path().join("cpanfile")).expect("copy cpanfile");
    }
    dir
}

/// The options every test uses: a fixed time (as SOURCE_DATE_EPOCH would give).
pub fn options() -> Options {
    Options::new(Timestamp::from_unix(1_700_000_000).expect("time"))
}

pub const FORMATS: [(Format, &str); 4] = [
    (Format::CycloneDx16, "cyclonedx-1.6"),
    (Format::CycloneDx15, "cyclonedx-1.5"),
    (Format::Spdx23, "spdx-2.3"),
    (Format::Spdx301, "spdx-3.0.1"),
];

pub fn render(sbom: &Sbom, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    format.write(sbom, &mut out).expect("write to memory");
    out
}

/// Runs `python3 -c SCRIPT ARGS...` and returns stdout; panics with stderr
/// when Python fails: an oracle that did not answer is a failed test.
pub fn python(script: &str, args: &[&str]) -> String {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let _ = child.stdin.take().map(|mut s| s.flush());
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Runs perl with `input` on stdin; returns stdout.
pub fn perl(script: &str, input: &str) -> String {
    cpansec_test_support::perl(script, &[], input)
}

/// Validates every file against the official JSON schema of `format`, in
/// one Python process (jsonschema + referencing). SPDX 3.0.1 documents are
/// validated element by element against the class named by each element's
/// `type` (the whole-document schema costs seconds per document): up to
/// `per_type` elements of each type, their lists cut to 3 items. Returns the
/// failures as `file: message` lines.
pub fn schema_failures(format: &str, files: &[PathBuf], per_type: usize) -> Vec<String> {
    let schemas = shared().join("schemas");
    let list = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let listing = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(listing.path(), list).expect("write list");
    let out = python(
        SCHEMA_SCRIPT,
        &[
            format,
            &schemas.display().to_string(),
            &listing.path().display().to_string(),
            &per_type.to_string(),
        ],
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in out.lines() {
        if line.starts_with("OK ") {
            checked += 1;
        } else {
            failures.push(line.to_string());
        }
    }
    assert_eq!(
        checked + failures.len(),
        files.len(),
        "the validator answered for every file: {out}"
    );
    failures
}

const SCHEMA_SCRIPT: &str = r#"
import json, sys
from pathlib import Path
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
fmt, S, listing, per_type = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def err1(v, doc):
    e = next(iter(v.iter_errors(doc)), None)
    return e and f'{e.message[:300]} at /{"/".join(map(str, e.absolute_path))}'
def trim(o):
    return {k: trim(v) for k, v in o.items()} if isinstance(o, dict) else [trim(x) for x in o[:3]] if isinstance(o, list) else o
if fmt.startswith('cyclonedx'):
    ver = fmt.split('-')[1]
    res = []
    for f in (f'bom-{ver}.schema.json', 'spdx.schema.json', 'jsf-0.82.schema.json', 'cryptography-defs.schema.json'):
        doc = json.load(open(S / 'cyclonedx' / f)); r = Resource.from_contents(doc, default_specification=DRAFT7)
        res += [(f, r), (doc.get('$id', f), r)]
    V = jsonschema.Draft7Validator(json.load(open(S / f'cyclonedx/bom-{ver}.schema.json')), registry=Registry().with_resources(res))
    check = lambda d: err1(V, d)
elif fmt == 'spdx-2.3':
    V = jsonschema.Draft7Validator(json.load(open(S / 'spdx/spdx-2.3-schema.json')))
    check = lambda d: err1(V, d)
else:
    s3 = json.load(open(S / 'spdx/spdx-3.0.1-schema.json')); V3 = {}
    def v3(t):
        if t not in V3: V3[t] = jsonschema.Draft202012Validator({'$defs': s3['$defs'], '$ref': f'#/$defs/{t}', 'unevaluatedProperties': False})
        return V3[t]
    def check(d):
        if d.get('@context') != 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld': return 'wrong @context'
        seen = {}
        for el in d.get('@graph', []):
            t = el.get('type')
            if t not in s3['$defs']: return f'unknown type {t}'
            if seen.get(t, 0) >= per_type: continue
            seen[t] = seen.get(t, 0) + 1
            e = err1(v3(t), trim(el))
            if e: return f'{t} {el.get("spdxId")}: {e}'
        return None
for f in open(listing).read().split('\n'):
    if not f: continue
    e = check(json.load(open(f)))
    print(f'OK {f}' if not e else f'FAIL {f}: {e}')
"#;
