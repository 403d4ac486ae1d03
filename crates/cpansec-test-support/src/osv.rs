//! Validation of OSV records against the OSV schema in `../shared`, with only
//! the ecosystem and id-prefix rules widened for CPAN (which OSV does not
//! list), as the advisory export's acceptance check does. Python's
//! `jsonschema` is the validator: one process for a whole directory.

use std::path::Path;
use std::process::Command;

const VALIDATE: &str = r#"
import json, sys, pathlib, jsonschema
schema = json.load(open(sys.argv[1]))
def widen(o):
    if isinstance(o, dict):
        for k, v in list(o.items()):
            if k == "pattern" and isinstance(v, str) and ("GHSA" in v or "PYSEC" in v):
                o[k] = ".*"
            elif k == "pattern" and isinstance(v, str) and "PyPI" in v and v.startswith("^("):
                o[k] = "^(CPAN|" + v[2:]
            elif k == "enum" and isinstance(v, list) and "PyPI" in v:
                o[k] = v + ["CPAN"]
            else:
                widen(v)
    elif isinstance(o, list):
        for x in o: widen(x)
widen(schema)
V = jsonschema.Draft202012Validator if "2020" in schema.get("$schema", "") else jsonschema.Draft7Validator
v = V(schema)
total = 0
for p in sorted(pathlib.Path(sys.argv[2]).glob("*.json")):
    total += 1
    errs = list(v.iter_errors(json.load(open(p))))
    if errs:
        print("invalid", p.name, errs[0].message[:200])
print("checked", total)
"#;

/// Validates every `*.json` file in `dir`; returns how many were checked and
/// one line per invalid file. Panics when the validator cannot run.
pub fn validate_osv_dir(dir: &Path) -> (usize, Vec<String>) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(crate::shared().join("schemas/osv/schema.json"))
        .arg(dir)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the OSV validator failed (python3 with jsonschema; scripts/setup installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let invalid: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("invalid "))
        .map(String::from)
        .collect();
    let checked = text
        .lines()
        .find_map(|l| l.strip_prefix("checked "))
        .and_then(|n| n.trim().parse().ok())
        .expect("the validator reports a count");
    (checked, invalid)
}
