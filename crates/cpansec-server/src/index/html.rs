//! The server-rendered pages: home, advisory, distribution, search results,
//! CVE backlog, not found. Plain HTML and one stylesheet; no scripts.

use std::fmt::Write;

use cpansec_advisory::{Advisory, Id, IdKind, Verdict};

use super::data::{ReleaseVerdict, Snapshot};
use super::markup::{E, Nav, Seg, page, safe_url};
use super::time::format_rfc3339;

/// Advisories listed on the home page.
const HOME_LATEST: usize = 20;
/// Results listed per kind on the search page.
const SEARCH_LIMIT: usize = 50;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::NotAffected => "not-affected",
        Verdict::Unknown => "unknown",
    }
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::NotAffected => "not affected",
        Verdict::Unknown => "unknown (a range does not parse)",
    }
}

fn severity_badge(out: &mut String, a: &Advisory) {
    if let Some(s) = a.severity.as_deref().filter(|s| !s.trim().is_empty()) {
        let class = a
            .severity_level()
            .map(|l| format!("{l:?}").to_lowercase())
            .unwrap_or_else(|| "unknown".into());
        let _ = write!(out, r#" <span class="sev sev-{class}">{}</span>"#, E(s));
    }
}

/// First line of the description, shortened.
pub fn summary(a: &Advisory) -> String {
    let line = a.description.lines().find(|l| !l.trim().is_empty());
    let line = line.unwrap_or("").trim();
    if line.chars().count() > 140 {
        let mut s: String = line.chars().take(139).collect();
        s.push('…');
        s
    } else {
        line.to_string()
    }
}

fn advisory_link(out: &mut String, a: &Advisory) {
    let _ = write!(
        out,
        r#"<a href="/advisories/{}">{}</a>"#,
        Seg(a.id.as_str()),
        E(a.display_id().as_str())
    );
}

fn dist_link(out: &mut String, dist: &str) {
    let _ = write!(out, r#"<a href="/dists/{}">{}</a>"#, Seg(dist), E(dist));
}

/// A table of advisories: id, distribution, reported, severity, summary.
fn advisory_table<'a>(out: &mut String, list: impl Iterator<Item = &'a Advisory>) {
    out.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>Advisory</th><th>Distribution</th>\
         <th class=\"hide-narrow\">Reported</th><th>Summary</th></tr></thead><tbody>\n",
    );
    for a in list {
        out.push_str("<tr><td>");
        advisory_link(out, a);
        severity_badge(out, a);
        out.push_str("</td><td>");
        dist_link(out, &a.distribution);
        let _ = writeln!(
            out,
            "</td><td class=\"hide-narrow\">{}</td><td>{}</td></tr>",
            E(a.reported.as_deref().unwrap_or("")),
            E(&summary(a))
        );
    }
    out.push_str("</tbody></table></div>\n");
}

pub fn home(s: &Snapshot, nav: Nav) -> String {
    let mut b = String::new();
    b.push_str("<h1>CPAN security index</h1>\n");
    let _ = writeln!(
        b,
        "<p class=\"muted\">Known vulnerabilities of CPAN distributions, from the CPAN security \
         advisory database{}.</p>",
        match s.generated() {
            Some(g) => format!(" generated {}", E(&g)),
            None => String::new(),
        }
    );
    let sum = &s.summary;
    let _ = writeln!(
        b,
        "<ul class=\"counts\"><li><b>{}</b>advisories</li><li><b>{}</b>CVEs</li>\
         <li><b><a href=\"/backlog\">{}</a></b>without a CVE</li><li><b>{}</b>distributions</li>\
         <li><b>{}</b>releases</li></ul>",
        sum.advisories, sum.cves, sum.without_cve, sum.distributions, sum.releases
    );
    b.push_str(
        "<form class=\"search\" action=\"/search\" method=\"get\"><input type=\"search\" \
         name=\"q\" placeholder=\"HTTP-Body, HTTP::Body, CVE-2013-4407\" aria-label=\"search\"> \
         <button type=\"submit\">Search</button></form>\n",
    );
    if !s.changes.is_empty() {
        b.push_str("<h2>Recently changed</h2>\n<ul class=\"list\">\n");
        for c in s.changes.iter().take(HOME_LATEST) {
            b.push_str("<li>");
            match s.db.advisory(&c.id) {
                Some(a) => advisory_link(&mut b, a),
                None => {
                    let _ = write!(b, "{}", E(c.id.as_str()));
                }
            }
            b.push_str(" (");
            dist_link(&mut b, &c.distribution);
            let _ = writeln!(
                b,
                ") {} <span class=\"muted\">{}</span></li>",
                E(&c.what),
                E(&format_rfc3339(c.seen))
            );
        }
        b.push_str("</ul>\n");
    }
    b.push_str("<h2>Latest advisories</h2>\n");
    advisory_table(
        &mut b,
        s.latest
            .iter()
            .take(HOME_LATEST)
            .filter_map(|id| s.db.advisory(id)),
    );
    page(nav, "Home", &b)
}

/// A release on a timeline: version, date, verdict.
type Point<'a> = (String, &'a str, Verdict);

/// Consecutive releases with the same verdict.
fn runs<'a>(releases: &'a [Point<'a>]) -> Vec<(&'a [Point<'a>], Verdict)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=releases.len() {
        if i == releases.len() || releases[i].2 != releases[start].2 {
            out.push((&releases[start..i], releases[start].2));
            start = i;
        }
    }
    out
}

fn timeline(b: &mut String, releases: &[(String, &str, Verdict)]) {
    if releases.is_empty() {
        b.push_str("<p class=\"muted\">The database lists no releases.</p>\n");
        return;
    }
    b.push_str("<div class=\"strip\" aria-hidden=\"true\">");
    for (v, date, verdict) in releases {
        let _ = write!(
            b,
            "<span class=\"{}\" title=\"{} {}\"></span>",
            verdict_class(*verdict),
            E(v),
            E(date.get(..10).unwrap_or(date))
        );
    }
    b.push_str("</div>\n<ul class=\"runs\">\n");
    for (run, verdict) in runs(releases) {
        let (first, last) = (&run[0], &run[run.len() - 1]);
        let span = if run.len() == 1 {
            format!("{} ({})", first.0, first.1.get(..10).unwrap_or(first.1))
        } else {
            format!(
                "{} – {} ({} releases, {} – {})",
                first.0,
                last.0,
                run.len(),
                first.1.get(..10).unwrap_or(first.1),
                last.1.get(..10).unwrap_or(last.1)
            )
        };
        let _ = writeln!(
            b,
            "<li class=\"{}\">{}: {}</li>",
            verdict_class(verdict),
            E(&span),
            verdict_text(verdict)
        );
    }
    b.push_str("</ul>\n");
}

pub fn advisory(s: &Snapshot, a: &Advisory, nav: Nav) -> String {
    let mut b = String::new();
    let _ = write!(b, "<h1>{}", E(a.display_id().as_str()));
    severity_badge(&mut b, a);
    b.push_str("</h1>\n<ul class=\"ids\">");
    let _ = write!(b, "<li>{}</li>", E(a.id.as_str()));
    for alias in &a.aliases {
        let _ = write!(b, "<li>{}</li>", E(alias.as_str()));
    }
    for other in &a.unrecognised_aliases {
        let _ = write!(b, "<li>{}</li>", E(other));
    }
    b.push_str("</ul>\n<table>");
    b.push_str("<tr><th>Distribution</th><td>");
    let dists: Vec<&str> = a.distributions().into_iter().collect();
    for (i, d) in dists.iter().enumerate() {
        if i > 0 {
            b.push_str(", ");
        }
        dist_link(&mut b, d);
    }
    b.push_str("</td></tr>\n");
    if let Some(r) = &a.reported {
        let _ = writeln!(b, "<tr><th>Reported</th><td>{}</td></tr>", E(r));
    }
    if let Some(sev) = &a.severity {
        let _ = writeln!(b, "<tr><th>Severity</th><td>{}</td></tr>", E(sev));
    }
    for (label, lib) in [
        ("Embedded library", &a.embedded),
        ("External library", &a.external),
    ] {
        if let Some(lib) = lib {
            let _ = writeln!(
                b,
                "<tr><th>{label}</th><td>{}{}{}</td></tr>",
                E(&lib.name),
                lib.distributed_version
                    .as_deref()
                    .map(|v| format!(", ships {}", E(v)))
                    .unwrap_or_default(),
                lib.affected_versions
                    .as_deref()
                    .map(|v| format!(", affected {}", E(v)))
                    .unwrap_or_default()
            );
        }
    }
    let _ = writeln!(
        b,
        "<tr><th>JSON</th><td><a href=\"/v1/vulns/{}\">OSV</a>{}</td></tr>",
        Seg(a.id.as_str()),
        a.cves()
            .map(|c| format!(
                " · <a href=\"https://cveawg.mitre.org/api/cve/{0}\">{1} (CVE JSON)</a> · \
                 <a href=\"https://www.cve.org/CVERecord?id={0}\">cve.org</a>",
                Seg(c.as_str()),
                E(c.as_str())
            ))
            .collect::<String>()
    );
    b.push_str("</table>\n<h2>Description</h2>\n");
    let _ = writeln!(b, "<p class=\"desc\">{}</p>", E(a.description.trim()));
    if let Some(c) = a.comment.as_deref().filter(|c| !c.trim().is_empty()) {
        let _ = writeln!(b, "<p class=\"desc muted\">{}</p>", E(c.trim()));
    }

    b.push_str("<h2>Affected releases</h2>\n");
    for dist in &dists {
        let _ = write!(b, "<h3>");
        dist_link(&mut b, dist);
        b.push_str("</h3>\n<ul class=\"list\">");
        for g in a.groups.iter().filter(|g| g.distribution == *dist) {
            let affected: Vec<&str> = g.affected.iter().map(|r| r.as_str()).collect();
            let fixed: Vec<&str> = g.fixed.iter().map(|r| r.as_str()).collect();
            let _ = write!(b, "<li>affected <code>{}</code>", E(&affected.join(" or ")));
            if !fixed.is_empty() {
                let _ = write!(b, "; fixed <code>{}</code>", E(&fixed.join(" or ")));
            }
            if !g.is_parsed() {
                b.push_str(" <span class=\"v-unknown\">(a range does not parse)</span>");
            }
            b.push_str("</li>");
        }
        b.push_str("</ul>\n");
        let releases: Vec<(String, &str, Verdict)> =
            s.db.distribution(dist)
                .and_then(|d| d.releases.as_ref())
                .map(|rs| {
                    rs.iter()
                        .map(|r| {
                            let verdict = match r.version.known() {
                                Some(v) => a.verdict(dist, v),
                                None => Verdict::Unknown,
                            };
                            (r.version.to_string(), r.date.as_str(), verdict)
                        })
                        .collect()
                })
                .unwrap_or_default();
        timeline(&mut b, &releases);
        let first_fixed = s.db.distribution(dist).and_then(|d| {
            let last_bad = d
                .known_releases()
                .filter(|(_, v)| a.verdict(dist, v) != Verdict::NotAffected)
                .map(|(_, v)| v)
                .last()?;
            d.known_releases()
                .find(|(_, v)| *v > last_bad)
                .map(|(r, _)| r)
        });
        if let Some(r) = first_fixed {
            let _ = writeln!(
                b,
                "<p class=\"safe\">Fixed in {} ({}).</p>",
                E(&r.version.to_string()),
                E(r.date.get(..10).unwrap_or(&r.date))
            );
        }
    }

    b.push_str("<h2>Patches</h2>\n");
    patches_for_advisory(&mut b, s, a);

    if !a.references.is_empty() {
        b.push_str("<h2>References</h2>\n<ul class=\"list\">\n");
        for r in &a.references {
            match safe_url(r) {
                Some(u) => {
                    let _ = writeln!(
                        b,
                        "<li><a href=\"{0}\" rel=\"nofollow noreferrer\">{0}</a></li>",
                        E(u)
                    );
                }
                None => {
                    let _ = writeln!(b, "<li><code>{}</code></li>", E(r));
                }
            }
        }
        b.push_str("</ul>\n");
    }
    page(nav, a.display_id().as_str(), &b)
}

fn patch_link(b: &mut String, e: &cpansec_patch::Entry) {
    let _ = write!(
        b,
        "<a href=\"/patches/{}/{}/{}.patch\">{}</a>",
        Seg(&e.dist),
        Seg(&e.version),
        Seg(&e.name.to_string()),
        E(&e.name.to_string())
    );
    if e.patch.is_err() {
        b.push_str(" <span class=\"v-unknown\">(unusable: does not parse)</span>");
    }
}

fn patches_for_advisory(b: &mut String, s: &Snapshot, a: &Advisory) {
    let Some(reg) = &s.patches else {
        b.push_str("<p class=\"muted\">No patch registry is loaded.</p>\n");
        return;
    };
    let dists = a.distributions();
    let found: Vec<_> = a
        .cves()
        .flat_map(|c| reg.by_cve(c.as_str()))
        .filter(|e| !e.superseded && dists.contains(e.dist.as_str()))
        .collect();
    if found.is_empty() {
        b.push_str("<p class=\"muted\">No patch in the registry.</p>\n");
        return;
    }
    b.push_str("<ul class=\"list\">\n");
    for e in found {
        let _ = write!(b, "<li>{} {}: ", E(&e.dist), E(&e.version));
        patch_link(b, e);
        b.push_str("</li>\n");
    }
    b.push_str("</ul>\n");
}

pub fn distribution(s: &Snapshot, name: &str, nav: Nav) -> Option<String> {
    let d = s.db.distribution(name)?;
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}</h1>", E(&d.name));
    if let Some(m) = &d.main_module {
        let _ = writeln!(
            b,
            "<p class=\"muted\">Main module <code>{}</code></p>",
            E(m)
        );
    }
    let _ = writeln!(
        b,
        "<p><a href=\"/dists/{0}/feed.atom\">Atom feed</a> · <a href=\"/v1/dists/{0}\">JSON</a></p>",
        Seg(&d.name)
    );
    match s.first_safe(&d.name) {
        Some((v, date)) => {
            let _ = writeln!(
                b,
                "<p class=\"safe\">First safe release: <b>{}</b> ({}).</p>",
                E(&v),
                E(date.get(..10).unwrap_or(&date))
            );
        }
        None if d.releases.is_some() => {
            b.push_str(
                "<p class=\"v-affected\">No known release is safe from every advisory.</p>\n",
            );
        }
        None => {}
    }
    let advisories = s.db.advisories_for(&d.name);
    let _ = writeln!(b, "<h2>Advisories ({})</h2>", advisories.len());
    if advisories.is_empty() {
        b.push_str("<p>None.</p>\n");
    } else {
        advisory_table(&mut b, advisories.into_iter());
    }
    b.push_str("<h2>Releases</h2>\n");
    match s.release_verdicts(&d.name) {
        None => b.push_str("<p class=\"muted\">The database lists no releases.</p>\n"),
        Some(rel) => {
            let strip: Vec<(String, &str, Verdict)> = rel
                .iter()
                .map(|r| (r.version.clone(), r.date, r.verdict))
                .collect();
            timeline(&mut b, &strip);
            release_table(&mut b, s, &d.name, &rel);
        }
    }
    Some(page(nav, &d.name, &b))
}

fn release_table(b: &mut String, s: &Snapshot, dist: &str, rel: &[ReleaseVerdict<'_>]) {
    b.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>Release</th><th class=\"hide-narrow\">Date</th>\
         <th>Verdict</th><th>Advisories</th></tr></thead><tbody>\n",
    );
    for r in rel.iter().rev() {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"hide-narrow\">{}</td><td class=\"v-{}\">{}</td><td>",
            E(&r.version),
            E(r.date.get(..10).unwrap_or(r.date)),
            verdict_class(r.verdict),
            if r.unparseable {
                "unknown (version does not parse)"
            } else {
                verdict_text(r.verdict)
            }
        );
        for (i, id) in r.affected_by.iter().chain(&r.unknown_by).enumerate() {
            if i > 0 {
                b.push_str(", ");
            }
            match s.db.advisory(id) {
                Some(a) => advisory_link(b, a),
                None => {
                    let _ = write!(b, "{}", E(id.as_str()));
                }
            }
        }
        if let Some(reg) = &s.patches {
            let mut first = true;
            for e in reg.for_release(dist, &r.version) {
                b.push_str(if first { "<br>patches: " } else { ", " });
                first = false;
                patch_link(b, e);
            }
        }
        b.push_str("</td></tr>\n");
    }
    b.push_str("</tbody></table></div>\n");
}

/// What a search finds.
#[derive(Debug, Default)]
pub struct Hits<'a> {
    pub advisories: Vec<&'a Advisory>,
    pub dists: Vec<&'a str>,
    /// (module, distribution)
    pub modules: Vec<(&'a str, &'a str)>,
}

impl Hits<'_> {
    /// The one page an exact query names, if it names exactly one.
    pub fn exact_target(&self, q: &str) -> Option<String> {
        if let Ok(id) = q.parse::<Id>() {
            if self.advisories.len() == 1
                && (id.kind() != IdKind::Cpansa || self.advisories[0].id == id)
            {
                return Some(format!(
                    "/advisories/{}",
                    Seg(self.advisories[0].id.as_str())
                ));
            }
        }
        if let Some(d) = self.dists.iter().find(|d| **d == q) {
            return Some(format!("/dists/{}", Seg(d)));
        }
        if let Some((_, d)) = self.modules.iter().find(|(m, _)| *m == q) {
            return Some(format!("/dists/{}", Seg(d)));
        }
        None
    }
}

pub fn search<'a>(s: &'a Snapshot, q: &'a str) -> Hits<'a> {
    let mut hits = Hits::default();
    let q = q.trim();
    if q.is_empty() {
        return hits;
    }
    if let Ok(id) = q.parse::<Id>() {
        hits.advisories = s.db.lookup(&id);
    }
    let lower = q.to_lowercase();
    // Ids that contain the text (a partial CVE number, a CPANSA prefix).
    if hits.advisories.is_empty() && lower.len() >= 4 {
        hits.advisories =
            s.db.advisories()
                .filter(|a| {
                    a.id.as_str().to_lowercase().contains(&lower)
                        || a.aliases
                            .iter()
                            .any(|x| x.as_str().to_lowercase().contains(&lower))
                })
                .take(SEARCH_LIMIT)
                .collect();
    }
    let dist_form = lower.replace("::", "-");
    let mut dists: Vec<&str> = s
        .dists_lower
        .iter()
        .filter(|(l, _)| l.contains(&dist_form))
        .map(|(_, n)| n.as_str())
        .collect();
    dists.sort_by_key(|d| (d.to_lowercase() != dist_form, d.len(), *d));
    dists.truncate(SEARCH_LIMIT);
    hits.dists = dists;
    if let Some(d) = s.db.distribution_of_module(q) {
        hits.modules.push((q, d));
    }
    if q.len() >= 2 {
        // The module map iterates in sorted order.
        for (m, d) in s.db.modules().skip_while(|(m, _)| *m < q) {
            if !m.starts_with(q) || hits.modules.len() >= SEARCH_LIMIT {
                break;
            }
            if m != q {
                hits.modules.push((m, d));
            }
        }
    }
    hits
}

pub fn search_page(q: &str, hits: &Hits<'_>, nav: Nav) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Search: {}</h1>", E(q));
    let _ = writeln!(
        b,
        "<form class=\"search\" action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" \
         value=\"{}\" aria-label=\"search\"> <button type=\"submit\">Search</button></form>",
        E(q)
    );
    if hits.advisories.is_empty() && hits.dists.is_empty() && hits.modules.is_empty() {
        b.push_str(
            "<p>Nothing found. Search by distribution (<code>HTTP-Body</code>), module \
                    (<code>HTTP::Body</code>) or id (CPANSA, CVE, GHSA).</p>\n",
        );
    }
    if !hits.advisories.is_empty() {
        let _ = writeln!(b, "<h2>Advisories ({})</h2>", hits.advisories.len());
        advisory_table(&mut b, hits.advisories.iter().copied());
    }
    if !hits.dists.is_empty() {
        let _ = writeln!(
            b,
            "<h2>Distributions ({})</h2>\n<ul class=\"list\">",
            hits.dists.len()
        );
        for d in &hits.dists {
            b.push_str("<li>");
            dist_link(&mut b, d);
            b.push_str("</li>\n");
        }
        b.push_str("</ul>\n");
    }
    if !hits.modules.is_empty() {
        let _ = writeln!(
            b,
            "<h2>Modules ({})</h2>\n<ul class=\"list\">",
            hits.modules.len()
        );
        for (m, d) in &hits.modules {
            let _ = write!(b, "<li><code>{}</code> in ", E(m));
            dist_link(&mut b, d);
            b.push_str("</li>\n");
        }
        b.push_str("</ul>\n");
    }
    page(nav, &format!("Search: {q}"), &b)
}

pub fn backlog(s: &Snapshot, nav: Nav) -> String {
    let mut b = String::new();
    let list: Vec<&Advisory> = s
        .latest
        .iter()
        .filter_map(|id| s.db.advisory(id))
        .filter(|a| a.cves().next().is_none())
        .collect();
    let _ = writeln!(b, "<h1>CVE backlog ({})</h1>", list.len());
    b.push_str("<p class=\"muted\">Advisories that have no CVE id yet, newest first.</p>\n");
    advisory_table(&mut b, list.into_iter());
    page(nav, "CVE backlog", &b)
}

pub fn choose(ids: &[&Advisory], asked: &str, nav: Nav) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>{}</h1>\n<p>This id names {} advisories:</p>",
        E(asked),
        ids.len()
    );
    advisory_table(&mut b, ids.iter().copied());
    page(nav, asked, &b)
}

pub fn not_found(what: &str, nav: Nav) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Not found</h1>\n<p>{}</p>", E(what));
    page(nav, "Not found", &b)
}
