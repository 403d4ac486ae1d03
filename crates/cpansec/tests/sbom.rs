//! `cpansec sbom`: output file, reproducibility under SOURCE_DATE_EPOCH,
//! usage errors.

use crate::support::{cpansec, shared};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let stem = "hakobe__coding-kata-bowling";
    let c = shared().join("corpus");
    std::fs::copy(
        c.join(format!("snapshot/{stem}.cpanfile.snapshot")),
        dir.path().join("cpanfile.snapshot"),
    )
    .expect("snapshot");
    std::fs::copy(
        c.join(format!("cpanfile/{stem}.cpanfile")),
        dir.path().join("cpanfile"),
    )
    .expect("cpanfile");
    dir
}

#[test]
fn sbom_to_a_file_is_reproducible_with_source_date_epoch() {
    let dir = project();
    for format in ["cyclonedx", "cyclonedx-1.5", "spdx-2.3", "spdx-3.0"] {
        let mut outs = Vec::new();
        for run in 0..2 {
            let file = dir.path().join(format!("{format}.{run}.json"));
            cpansec()
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .args(["sbom", "--format", format, "-o"])
                .arg(&file)
                .arg(dir.path())
                .assert()
                .success();
            outs.push(std::fs::read(&file).expect("written"));
        }
        assert_eq!(outs[0], outs[1], "{format}");
        let text = String::from_utf8(outs[0].clone()).expect("UTF-8");
        assert!(text.contains("2023-11-14T22:13:20Z"), "{format}");
        assert!(
            text.contains("pkg:cpan/Test-Class@0.41?author=RJBS"),
            "{format}"
        );
    }
}

#[test]
fn sbom_usage_errors_exit_2() {
    let dir = project();
    cpansec()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .arg("sbom")
        .arg(dir.path())
        .assert()
        .code(2);
    cpansec()
        .args(["sbom", "/nonexistent/path"])
        .assert()
        .code(2);
    let empty = tempfile::tempdir().expect("tempdir");
    cpansec().arg("sbom").arg(empty.path()).assert().code(3);
}

#[cfg(unix)]
#[test]
fn sbom_output_to_a_pipe_or_link_keeps_it_what_it_is() {
    use std::io::Read;
    let dir = project();
    // A named pipe (as /dev/null or /dev/stdout would be a device): written
    // to, never renamed over.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo)
                .expect("fifo opens")
                .read_to_string(&mut text)
                .expect("fifo reads");
            text
        })
    };
    let sbom_to = |out: &std::path::Path| {
        cpansec()
            .args(["sbom", "-o"])
            .arg(out)
            .arg(dir.path())
            .assert()
            .success();
    };
    sbom_to(&fifo);
    let text = reader.join().expect("reader");
    assert!(text.contains("\"bomFormat\": \"CycloneDX\""), "{text}");
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));

    // A link to a file: the file is replaced, the link stays.
    let target = dir.path().join("target.json");
    std::fs::write(&target, "old").expect("target");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    sbom_to(&link);
    let link_kind = std::fs::symlink_metadata(&link).expect("link").file_type();
    assert!(link_kind.is_symlink());
    let written = std::fs::read_to_string(&target).expect("target written");
    assert!(written.contains("CycloneDX"), "{written}");
}
