//! Atom 1.0 feeds (RFC 4287): every advisory, and one per distribution,
//! newest first by reported date (advisories without one take the
//! database's generation time). Links are relative to the feed's URL.

use std::fmt::Write;

use cpansec_advisory::Advisory;

use super::data::Snapshot;
use super::markup::{E, Seg, safe_url};
use super::time::format_rfc3339;

/// Entries in a feed, at most.
const MAX_ENTRIES: usize = 500;

/// The feed of `advisories` (any order), titled `title`, with feed id `id`
/// and `self_path` its own path.
pub fn atom<'a>(
    s: &Snapshot,
    title: &str,
    id: &str,
    self_path: &str,
    advisories: impl Iterator<Item = &'a Advisory>,
) -> String {
    let generated = s.db.metadata().generated_at().unwrap_or(0);
    let mut entries = cpansec_advisory::newest_first(advisories, generated);
    entries.truncate(MAX_ENTRIES);
    let updated = entries
        .iter()
        .map(|e| e.0)
        .max()
        .unwrap_or(generated)
        .max(generated);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(out, "  <id>{}</id>", E(id));
    let _ = writeln!(out, "  <title>{}</title>", E(title));
    let _ = writeln!(out, "  <updated>{}</updated>", format_rfc3339(updated));
    let _ = writeln!(out, "  <link rel=\"self\" href=\"{}\"/>", E(self_path));
    out.push_str("  <author><name>CPAN security advisory database</name></author>\n");
    for (when, a) in entries {
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <id>urn:cpansa:{}</id>", E(a.id.as_str()));
        let _ = writeln!(
            out,
            "    <title>{} ({})</title>",
            E(a.display_id().as_str()),
            E(&a.distribution)
        );
        let _ = writeln!(out, "    <updated>{}</updated>", format_rfc3339(when));
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"/advisories/{}\"/>",
            Seg(a.id.as_str())
        );
        for r in a.references.iter().filter_map(|r| safe_url(r)) {
            let _ = writeln!(out, "    <link rel=\"related\" href=\"{}\"/>", E(r));
        }
        for d in a.distributions() {
            let _ = writeln!(out, "    <category term=\"{}\"/>", E(d));
        }
        let _ = writeln!(out, "    <summary>{}</summary>", E(&a.description));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
