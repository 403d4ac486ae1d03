//! HTML and XML building blocks. Every piece of data goes into a page
//! through [`E`] (text and attribute values) or [`Seg`] (a URL path
//! segment, percent-encoded then escaped); links to other sites only
//! through [`safe_url`], which admits `http` and `https` URLs alone.

use std::fmt::{self, Display, Write};

/// Text escaped for HTML/XML content and quoted attribute values.
/// Characters XML 1.0 forbids are replaced by U+FFFD.
#[derive(Debug)]
pub struct E<'a>(pub &'a str);

impl Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if c < ' ' || c == '\u{7f}' || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&s[start..i])?;
            f.write_str(rep)?;
            start = i + c.len_utf8();
        }
        f.write_str(&s[start..])
    }
}

/// A URL path segment: everything but unreserved characters percent-encoded
/// (so the result needs no further escaping).
#[derive(Debug)]
pub struct Seg<'a>(pub &'a str);

impl Display for Seg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
                f.write_char(b as char)?;
            } else {
                write!(f, "%{b:02X}")?;
            }
        }
        Ok(())
    }
}

/// `url` when it is an absolute `http`/`https` URL without whitespace or
/// control characters, else `None` (shown as text, never as a link).
pub fn safe_url(url: &str) -> Option<&str> {
    let lower = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let ok = (lower.starts_with("http://") || lower.starts_with("https://"))
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(url)
}

/// The stylesheet, served as `/static/style.css`.
pub const STYLE_CSS: &str = include_str!("static/style.css");

/// What the header's navigation links to besides the index's own pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nav {
    /// A transparency log is mounted: link its pages (`/uploads`).
    pub log: bool,
}

/// A whole page around `body`.
pub fn page(nav: Nav, title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · CPAN security index</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="alternate" type="application/atom+xml" title="All advisories" href="/feed.atom">
</head>
<body>
<header><a class="brand" href="/">CPAN security index</a>
<nav><a href="/backlog">CVE backlog</a>{} <a href="/feed.atom">Atom</a> <a href="/openapi.yaml">API</a></nav>
<form class="search" action="/search" method="get" role="search"><input type="search" name="q" placeholder="distribution, module or id" aria-label="search"> <button type="submit">Search</button></form>
</header>
<main>
{}
</main>
<footer>Data: the CPAN security advisory database. JSON: <a href="/all.zip">all.zip</a> · <a href="/modified_id.csv">modified_id.csv</a> · <a href="/openapi.yaml">OpenAPI</a></footer>
</body>
</html>
"#,
        E(title),
        if nav.log {
            r#" <a href="/uploads">Upload log</a>"#
        } else {
            ""
        },
        body
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(
            E("<script>alert('x')</script> & \"q\"\u{1}").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
        assert_eq!(Seg("a b/../<x>").to_string(), "a%20b%2F..%2F%3Cx%3E");
    }

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(safe_url("https://x.org/a"), Some("https://x.org/a"));
        assert_eq!(safe_url("HTTP://x.org"), Some("HTTP://x.org"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("https://x.org/a b"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
    }
}
