//! The PyPI validators as oracles: cyclonedx-python-lib's strict JSON
//! validator (CycloneDX 1.6 and 1.5) and spdx-tools' `pyspdxtools -i` (SPDX
//! 2.3), over a spread of corpus projects, perl known and unknown.

use std::path::PathBuf;
use std::process::Command;

use cpansec_sbom::{Format, Sbom};

use crate::support;

/// Every fifth corpus snapshot, as project SBOMs with perl 5.36.0.
fn samples(dir: &std::path::Path, format: Format, tag: &str) -> Vec<PathBuf> {
    support::snapshots()
        .into_iter()
        .step_by(5)
        .map(|(stem, path)| {
            let project = support::project(&stem, &path);
            let mut options = support::options();
            options.perl_version = Some("5.36.0".into());
            let sbom = Sbom::from_project(project.path(), &options).expect("sbom");
            let file = dir.join(format!("{stem}.{tag}.json"));
            std::fs::write(&file, support::render(&sbom, format)).expect("write");
            file
        })
        .collect()
}

#[test]
fn cyclonedx_python_lib_accepts_the_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, tag, version) in [
        (Format::CycloneDx16, "cdx16", "V1_6"),
        (Format::CycloneDx15, "cdx15", "V1_5"),
    ] {
        let files = samples(dir.path(), format, tag);
        let args: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let script = format!(
            "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\nv = JsonStrictValidator(SchemaVersion.{version})\nfor f in sys.argv[1:]:\n    e = v.validate_str(open(f).read())\n    print('OK' if e is None else f'FAIL {{f}}: {{e}}')\n"
        );
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = support::python(&script, &argv);
        let ok = out.lines().filter(|l| *l == "OK").count();
        eprintln!("cyclonedx-python-lib {version}: {ok}/{} valid", files.len());
        assert_eq!(ok, files.len(), "{out}");
    }
}

#[test]
fn pyspdxtools_accepts_the_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = samples(dir.path(), Format::Spdx23, "spdx23");
    let mut ok = 0;
    for f in &files {
        let out = Command::new("pyspdxtools")
            .arg("-i")
            .arg(f)
            .output()
            .expect("pyspdxtools runs");
        assert!(
            out.status.success() && out.stdout.is_empty(),
            "{}: {}{}",
            f.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ok += 1;
    }
    eprintln!("pyspdxtools: {ok}/{} valid", files.len());
}
