//! Pages: everything escaped, links only to web URLs, the pages a reader
//! needs, on a database crafted with markup in every field and on the real one.

use crate::support::{Server, get, real, start};
use cpansec_server::serve::Limits;

/// A database in the published format whose texts carry markup and script.
pub fn hostile_db(extra_advisory: bool) -> String {
    let mut advisories = vec![serde_json::json!({
        "id": "CPANSA-Evil-Dist-2026-0001",
        "distribution": "Evil-Dist",
        "cves": ["CVE-2026-0001"],
        "affected_versions": ["<1.02"],
        "fixed_versions": [">=1.02"],
        "severity": "<img src=x onerror=alert(1)>",
        "description": "<script>alert('desc')</script><b>bold</b> & \"quoted\" </p><iframe src=//x>",
        "comment": "<style>body{display:none}</style>",
        "references": ["javascript:alert(1)", "https://example.org/a?x=\"><script>alert(2)</script>", "data:text/html,<script>alert(3)</script>"],
        "reported": "2026-01-02"
    })];
    if extra_advisory {
        advisories.push(serde_json::json!({
            "id": "CPANSA-Evil-Dist-2026-0002",
            "distribution": "Evil-Dist",
            "cves": [],
            "affected_versions": ["==1.02"],
            "fixed_versions": [],
            "severity": "high",
            "description": "A second advisory, added later.",
            "references": [],
            "reported": "2026-02-03"
        }));
    }
    serde_json::json!({
        "meta": {"commit": "<b>c</b>", "date": "Sun Aug 16 14:31:00 2026", "epoch": 1786890660},
        "module2dist": {"Evil::Dist": "Evil-Dist"},
        "dists": {
            "Evil-Dist": {
                "main_module": "Evil::Dist<script>",
                "versions": [
                    {"version": "1.00", "date": "2025-01-01T00:00:00"},
                    {"version": "1.01", "date": "2025-02-01T00:00:00"},
                    {"version": "1.02", "date": "2025-03-01T00:00:00"},
                    {"version": "1.03", "date": "2025-04-01T00:00:00"}
                ],
                "advisories": advisories
            }
        }
    })
    .to_string()
}

pub fn hostile_server(
    limits: Limits,
    watch: Option<std::time::Duration>,
) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.json");
    std::fs::write(&path, hostile_db(false)).unwrap();
    (start(&path, None, limits, watch), dir)
}

/// Parses the page as a browser would (python's html.parser) and fails on
/// any element or attribute the data could have brought in.
const HTML_CHECK: &str = r#"
import sys
from html.parser import HTMLParser
bad = []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "style", "object", "embed"):
            bad.append(tag)
        for k, v in attrs:
            if k.startswith("on") or (k in ("href", "src") and (v or "").strip().lower().startswith(("javascript:", "data:"))):
                bad.append(f"{tag} {k}={v}")
P().feed(sys.stdin.read())
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;

fn assert_inert_html(page: &str) {
    let mut child = std::process::Command::new("python3")
        .args(["-c", HTML_CHECK])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), page.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "elements from the data: {}\n{page}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_inert(page);
}

/// No tag from the data made it into the text unescaped.
fn assert_inert(page: &str) {
    let lower = page.to_lowercase();
    for bad in [
        "<script",
        "<img",
        "<iframe",
        "<style",
        "href=\"javascript:",
        "href=\"data:",
        "<b>bold",
    ] {
        assert!(!lower.contains(bad), "page contains {bad}:\n{page}");
    }
}

#[test]
fn markup_and_script_in_the_data_are_escaped_everywhere() {
    let (s, _dir) = hostile_server(Limits::default(), None);
    for path in [
        "/",
        "/advisories/CPANSA-Evil-Dist-2026-0001",
        "/dists/Evil-Dist",
        "/search?q=Evil",
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/backlog",
        "/dists/%3Cscript%3E",
        "/advisories/%3Cscript%3E",
    ] {
        let r = get(s.addr, path);
        assert!(r.status == 200 || r.status == 404, "{path}: {}", r.status);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert_inert_html(&r.text());
    }
    let page = get(s.addr, "/advisories/CPANSA-Evil-Dist-2026-0001").text();
    assert!(page.contains("&lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"));
    // The one web reference is a link; the others are shown as text.
    assert!(page.contains("href=\"https://example.org/a?x=&quot;&gt;&lt;script&gt;"));
    assert!(page.contains("<code>javascript:alert(1)</code>"));
    // Feeds are well-formed XML with the same texts escaped.
    for feed in ["/feed.atom", "/dists/Evil-Dist/feed.atom"] {
        let r = get(s.addr, feed);
        assert_eq!(r.status, 200);
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/atom+xml")
        );
        let xml = r.text();
        assert_inert(&xml);
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName('entry')))"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                std::io::Write::write_all(c.stdin.as_mut().unwrap(), xml.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success(), "{feed} is not well-formed XML");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    }
}

#[test]
fn pages_show_ids_timeline_verdicts_and_patches() {
    let s = real();
    let home = get(s.addr, "/");
    assert_eq!(home.status, 200);
    let h = home.text();
    assert!(h.contains("Latest advisories") && h.contains("name=\"q\""));
    assert!(h.contains("<meta name=\"viewport\""));
    let csp = home.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));

    let a = get(s.addr, "/advisories/CPANSA-HTTP-Body-2013-4407").text();
    for want in [
        "CVE-2013-4407",
        "CPANSA-HTTP-Body-2013-4407",
        "moderate",
        "affected <code>&gt;=1.08,&lt;1.23</code>; fixed <code>&gt;=1.23</code>",
        "1.08 – 1.22 (",
        "Fixed in 1.23",
        "href=\"/v1/vulns/CPANSA-HTTP-Body-2013-4407\"",
        "https://cveawg.mitre.org/api/cve/CVE-2013-4407",
        "https://security-tracker.debian.org/tracker/CVE-2013-4407",
    ] {
        assert!(a.contains(want), "advisory page lacks {want}");
    }
    // A CVE redirects to its advisory; an unknown id is 404.
    let r = get(s.addr, "/advisories/CVE-2013-4407");
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/advisories/CPANSA-HTTP-Body-2013-4407"))
    );
    assert_eq!(get(s.addr, "/advisories/CVE-1999-99999").status, 404);

    let d = get(s.addr, "/dists/HTTP-Body").text();
    assert!(d.contains("First safe release: <b>1.23</b>"), "{d}");
    assert!(d.contains("<td>1.22</td>") && d.contains("class=\"v-affected\""));
    // Patches from the registry on the advisory and distribution pages.
    let p = get(s.addr, "/dists/Net-IP-LPM").text();
    assert!(p.contains("/patches/Net-IP-LPM/1.10/CVE-2025-40910-r1.patch"));
    let adv = get(s.addr, "/advisories/CVE-2025-40910");
    let adv = get(s.addr, adv.header("location").unwrap()).text();
    assert!(
        adv.contains("/patches/Net-IP-LPM/1.10/CVE-2025-40910-r1.patch"),
        "{adv}"
    );
}

#[test]
fn search_finds_distributions_modules_and_ids() {
    let s = real();
    let go = |q: &str| get(s.addr, &format!("/search?q={q}"));
    assert_eq!(go("HTTP-Body").header("location"), Some("/dists/HTTP-Body"));
    assert_eq!(
        go("HTTP%3A%3ABody").header("location"),
        Some("/dists/HTTP-Body")
    );
    assert_eq!(
        go("cve-2013-4407").header("location"),
        Some("/advisories/CPANSA-HTTP-Body-2013-4407")
    );
    let partial = go("http-bo");
    assert_eq!(partial.status, 200);
    assert!(partial.text().contains("href=\"/dists/HTTP-Body\""));
    let ids = go("2013-4407").text();
    assert!(ids.contains("/advisories/CPANSA-HTTP-Body-2013-4407"));
    let nothing = go("zzzz-no-such-thing");
    assert!(nothing.text().contains("Nothing found"));
    let backlog = get(s.addr, "/backlog").text();
    let db = cpansec_advisory::Database::load_json_file(&crate::support::real_db_path()).unwrap();
    let without = db.summary().without_cve;
    assert!(backlog.contains(&format!("CVE backlog ({without})")));
    assert_eq!(
        backlog.matches("<tr><td><a href=\"/advisories/").count(),
        without
    );
}
