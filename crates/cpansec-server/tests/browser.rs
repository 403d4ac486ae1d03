//! The pages in a real browser: headless Chromium loads the home page, an
//! advisory, a distribution and a search (the URL the search form submits:
//! GET /search?q=...), at phone and desktop widths, and saves screenshots
//! under the test's target directory (`target/tmp/screenshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::real;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {name}"))
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn run(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new("timeout")
        .arg("60")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

#[test]
fn chromium_renders_home_advisory_distribution_and_search() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: chromium is not installed (apt-get install chromium); no screenshots taken"
        );
        return;
    };
    let s = real();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&out_dir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    // The form a reader fills in submits GET /search?q=...
    let home = run(
        &browser,
        profile.path(),
        &["--dump-dom", &format!("http://{}/", s.addr)],
    );
    let dom = String::from_utf8_lossy(&home.stdout);
    assert!(
        dom.contains("action=\"/search\"") && dom.contains("method=\"get\""),
        "home DOM: {dom}"
    );
    let pages = [
        ("home", "/", "Latest advisories"),
        (
            "advisory",
            "/advisories/CPANSA-HTTP-Body-2013-4407",
            "Fixed in 1.23",
        ),
        ("distribution", "/dists/HTTP-Body", "First safe release"),
        ("search", "/search?q=http", "Distributions ("),
    ];
    for (name, path, text) in pages {
        let url = format!("http://{}{path}", s.addr);
        let dom = render(&browser, profile.path(), &out_dir, name, &url);
        assert!(dom.contains(text), "{name}: rendered DOM lacks {text:?}");
    }
    eprintln!("screenshots in {}", out_dir.display());
}

/// Loads `url` and saves screenshots at phone and desktop widths as
/// `NAME-phone.png` and `NAME-desktop.png`, checking each is a PNG of that
/// width; returns the rendered DOM.
fn render(browser: &Path, profile: &Path, out_dir: &Path, name: &str, url: &str) -> String {
    let dom = run(browser, profile, &["--dump-dom", url]);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    for (width, height, kind) in [(390, 844, "phone"), (1280, 900, "desktop")] {
        let file = out_dir.join(format!("{name}-{kind}.png"));
        let _ = std::fs::remove_file(&file);
        let r = run(
            browser,
            profile,
            &[
                &format!("--screenshot={}", file.display()),
                &format!("--window-size={width},{height}"),
                url,
            ],
        );
        let png = std::fs::read(&file).unwrap_or_else(|_| {
            panic!(
                "no screenshot of {name}: {}",
                String::from_utf8_lossy(&r.stderr)
            )
        });
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is not a PNG");
        let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert_eq!(w, width, "{name} {kind} width");
        assert!(png.len() > 5_000, "{name} {kind}: a blank page?");
    }
    dom
}

#[test]
fn chromium_renders_the_upload_log_pages() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: chromium is not installed (apt-get install chromium); no screenshots taken"
        );
        return;
    };
    let (s, _dir, log) = crate::uploads::log_server();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&out_dir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let base = format!("http://{}", s.addr);
    let dom = render(
        &browser,
        profile.path(),
        &out_dir,
        "uploads",
        &format!("{base}/uploads"),
    );
    assert!(dom.contains("Upload log") && dom.contains(&format!("<b>{}</b>", log.size())));
    // The path markup stayed text: no element the data could bring in.
    assert!(!dom.contains("<script>"), "uploads DOM: {dom}");
    assert!(dom.contains("action=\"/uploads/lookup\"") && dom.contains("name=\"path\""));
    let dom = render(
        &browser,
        profile.path(),
        &out_dir,
        "checkpoint",
        &format!("{base}/uploads/checkpoint"),
    );
    assert!(dom.contains("Latest checkpoint") && dom.contains("the log's signature"));
    // The lookup form submits GET /uploads/lookup?path=...; its answer.
    let rec = cpansec_tlog::UploadRecord::parse(&log.entry(3).unwrap()).unwrap();
    let url = format!(
        "{base}/uploads/lookup?path={}",
        cpansec_server::index::Seg(rec.path())
    );
    let dom = render(&browser, profile.path(), &out_dir, "upload", &url);
    assert!(dom.contains("Inclusion proof") && dom.contains(rec.path()));
    eprintln!("screenshots in {}", out_dir.display());
}
