//! The Atom 1.0 feed of advisories (RFC 4287), newest first: one `<entry>`
//! per advisory, dated by its reported date (the data has no publication
//! time; advisories without one take the database's generation time).
//!
//! Every text is escaped (`& < > " '`), and characters XML 1.0 does not
//! allow (control characters other than tab, newline, carriage return) are
//! replaced by U+FFFD, so the document is well-formed whatever the data holds.

use std::io::{self, Write};

use crate::Database;
use crate::advisory::Advisory;
use crate::time::{format_rfc3339, parse_date};

/// `advisories` with the time a feed dates them by (the reported date, else
/// `generated`), newest first, ties by id: the order of every Atom feed.
pub fn newest_first<'a>(
    advisories: impl Iterator<Item = &'a Advisory>,
    generated: i64,
) -> Vec<(i64, &'a Advisory)> {
    let mut entries: Vec<(i64, &Advisory)> = advisories
        .map(|a| {
            let when = a
                .reported
                .as_deref()
                .and_then(parse_date)
                .unwrap_or(generated);
            (when, a)
        })
        .collect();
    entries.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.id.cmp(&y.1.id)));
    entries
}

/// Writes the Atom feed of `db` to `out`.
pub fn export_atom(db: &Database, out: &mut impl Write) -> io::Result<()> {
    let generated = db.metadata().generated_at().unwrap_or(0);
    let entries = newest_first(db.advisories(), generated);
    writeln!(out, r#"<?xml version="1.0" encoding="utf-8"?>"#)?;
    writeln!(out, r#"<feed xmlns="http://www.w3.org/2005/Atom">"#)?;
    writeln!(out, "  <id>urn:cpansec:advisories</id>")?;
    writeln!(out, "  <title>CPAN security advisories</title>")?;
    writeln!(out, "  <updated>{}</updated>", format_rfc3339(generated))?;
    writeln!(
        out,
        "  <author><name>CPAN security advisory database</name></author>"
    )?;
    for (when, a) in entries {
        writeln!(out, "  <entry>")?;
        writeln!(out, "    <id>urn:cpansa:{}</id>", escape(a.id.as_str()))?;
        writeln!(
            out,
            "    <title>{} ({})</title>",
            escape(a.display_id().as_str()),
            escape(&a.distribution)
        )?;
        writeln!(out, "    <updated>{}</updated>", format_rfc3339(when))?;
        for r in &a.references {
            writeln!(out, r#"    <link rel="related" href="{}"/>"#, escape(r))?;
        }
        writeln!(out, "    <category term=\"{}\"/>", escape(&a.distribution))?;
        writeln!(out, "    <summary>{}</summary>", escape(&a.description))?;
        writeln!(out, "  </entry>")?;
    }
    writeln!(out, "</feed>")
}

/// `text` escaped for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"'\u{1}\u{FFFE}\t"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}\t"
        );
    }
}
