//! The transparency log's pages, when a log is mounted (`--log`):
//!
//! - `/uploads[?before=N]`: the latest entries, newest first, [`PER_PAGE`]
//!   at a time (`before`: show the entries below entry number `N`);
//! - `/uploads/checkpoint`: the published checkpoint, its signatures and the
//!   signed note as served at `/log/checkpoint`;
//! - `/uploads/lookup?path=authors/id/...`: one upload's record and entry
//!   number, linking to its machine-readable inclusion proof
//!   (`/log/lookup?path=...`), a 404 page when the path is not logged;
//!   `?name=FILE` lists the logged paths with that file name; without either,
//!   the lookup form.
//!
//! Everything is read through [`crate::tlog::LogView`]: the checkpoint (re-read when the
//! file changes) and the entry bundles holding the entries shown, never the
//! whole log.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cpansec_tlog::record::hex32;

use super::markup::{E, Nav, Seg, page};
use super::time::format_rfc3339;
use super::{App, html};
use crate::tlog::{CheckpointView, LoggedUpload, SignatureKind};

/// Entries listed per page of `/uploads`.
pub const PER_PAGE: usize = 50;
/// Paths listed for a file name.
const NAME_LIMIT: usize = 200;
/// Longest path or name looked up.
const MAX_LOOKUP: usize = 1024;

type St = State<Arc<App>>;

/// The answer of every log page when no log is mounted.
fn no_log(nav: Nav) -> Response {
    html(
        StatusCode::NOT_FOUND,
        html::not_found("No page here: this server serves no upload log.", nav),
    )
}

fn failed(nav: Nav, e: &str) -> Response {
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        page(
            nav,
            "Log error",
            &format!(
                "<h1>Log error</h1>\n<p>The log could not be read: {}</p>\n",
                E(e)
            ),
        ),
    )
}

/// Runs `f` on the blocking pool (it reads files).
async fn blocking<T: Send + 'static>(
    nav: Nav,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failed(nav, &e)),
        Err(e) => Err(failed(nav, &e.to_string())),
    }
}

fn lookup_forms(b: &mut String, path: &str, name: &str) {
    let _ = writeln!(
        b,
        "<form class=\"search\" action=\"/uploads/lookup\" method=\"get\"><input type=\"search\" \
         name=\"path\" value=\"{}\" placeholder=\"authors/id/G/GB/GBARR/libnet-1.22.tar.gz\" \
         aria-label=\"path\"> <button type=\"submit\">Look up path</button></form>\n\
         <form class=\"search\" action=\"/uploads/lookup\" method=\"get\"><input type=\"search\" \
         name=\"name\" value=\"{}\" placeholder=\"libnet-1.22.tar.gz\" aria-label=\"file name\"> \
         <button type=\"submit\">Find file name</button></form>",
        E(path),
        E(name)
    );
}

fn upload_link(b: &mut String, path: &str) {
    let _ = write!(
        b,
        "<a href=\"/uploads/lookup?path={}\">{}</a>",
        Seg(path),
        E(path)
    );
}

fn uploads_table(b: &mut String, list: &[LoggedUpload]) {
    b.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>Entry</th><th>Path</th><th>Author</th>\
         <th class=\"hide-narrow\">Size</th><th>Time</th><th class=\"hide-narrow\">SHA-256</th>\
         </tr></thead><tbody>\n",
    );
    for u in list {
        let r = &u.record;
        let _ = write!(b, "<tr><td>{}</td><td>", u.entry);
        upload_link(b, r.path());
        let _ = writeln!(
            b,
            "</td><td>{}</td><td class=\"hide-narrow\">{}</td><td>{}</td>\
             <td class=\"hide-narrow\"><code>{}</code></td></tr>",
            E(r.author()),
            r.size(),
            E(r.time()),
            hex32(r.sha256())
        );
    }
    b.push_str("</tbody></table></div>\n");
}

fn parse_before(params: &HashMap<String, String>) -> Result<Option<u64>, String> {
    match params.get("before").map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("?before={s} is not an entry number.")),
    }
}

/// `GET /uploads[?before=N]`.
pub(super) async fn recent(
    State(app): St,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(log) = app.log.clone() else {
        return no_log(app.nav);
    };
    let nav = app.nav;
    let before = match parse_before(&params) {
        Ok(b) => b,
        Err(e) => {
            return html(
                StatusCode::BAD_REQUEST,
                page(
                    nav,
                    "Bad request",
                    &format!("<h1>Bad request</h1>\n<p>{}</p>\n", E(&e)),
                ),
            );
        }
    };
    let read = blocking(nav, move || {
        let cp = log.checkpoint();
        let list = log.recent(before, PER_PAGE).map_err(|e| e.to_string())?;
        Ok((cp, list))
    })
    .await;
    let (cp, list) = match read {
        Ok(v) => v,
        Err(r) => return r,
    };
    html(StatusCode::OK, recent_page(nav, &cp, before, &list))
}

fn recent_page(
    nav: Nav,
    cp: &CheckpointView,
    before: Option<u64>,
    list: &[LoggedUpload],
) -> String {
    let mut b = String::new();
    b.push_str("<h1>Upload log</h1>\n");
    let _ = writeln!(
        b,
        "<p class=\"muted\">Files uploaded to CPAN, each an entry of the transparency log \
         <code>{}</code>. The log holds <b>{}</b> entries (<a href=\"/uploads/checkpoint\">latest \
         checkpoint</a>).</p>",
        E(&cp.origin),
        cp.size
    );
    lookup_forms(&mut b, "", "");
    match (list.first(), list.last()) {
        (Some(newest), Some(oldest)) => {
            let _ = writeln!(
                b,
                "<h2>Entries {} to {}, newest first</h2>",
                newest.entry, oldest.entry
            );
            uploads_table(&mut b, list);
            b.push_str("<p>");
            if before.is_some_and(|n| n < cp.size) {
                b.push_str("<a href=\"/uploads\">Newest</a> ");
                if let Some(newer) = newest.entry.checked_add(1 + PER_PAGE as u64) {
                    if newer < cp.size {
                        let _ = write!(b, "· <a href=\"/uploads?before={newer}\">Newer</a> ");
                    }
                }
            }
            if oldest.entry > 0 {
                let _ = write!(
                    b,
                    "· <a href=\"/uploads?before={}\" rel=\"next\">Older</a>",
                    oldest.entry
                );
            }
            b.push_str("</p>\n");
        }
        _ => b.push_str("<p>No entries here.</p>\n"),
    }
    page(nav, "Upload log", &b)
}

/// `GET /uploads/checkpoint`.
pub(super) async fn checkpoint(State(app): St) -> Response {
    let Some(log) = app.log.clone() else {
        return no_log(app.nav);
    };
    let nav = app.nav;
    match blocking(nav, move || Ok(log.checkpoint())).await {
        Ok(cp) => html(StatusCode::OK, checkpoint_page(nav, &cp)),
        Err(r) => r,
    }
}

fn seconds(t: std::time::SystemTime) -> Option<i64> {
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_secs()).ok()
}

fn checkpoint_page(nav: Nav, cp: &CheckpointView) -> String {
    let mut b = String::new();
    b.push_str("<h1>Latest checkpoint</h1>\n<table>\n");
    let _ = writeln!(
        b,
        "<tr><th>Origin</th><td><code>{}</code></td></tr>",
        E(&cp.origin)
    );
    let _ = writeln!(b, "<tr><th>Tree size</th><td>{}</td></tr>", cp.size);
    let _ = writeln!(
        b,
        "<tr><th>Root hash</th><td><code>{}</code><br><span class=\"muted\">hex \
         <code>{}</code></span></td></tr>",
        E(&cp.root.to_base64()),
        hex32(cp.root.as_bytes())
    );
    if let Some(t) = cp.written.and_then(seconds) {
        let _ = writeln!(
            b,
            "<tr><th>Published</th><td>{}</td></tr>",
            E(&format_rfc3339(t))
        );
    }
    b.push_str("</table>\n<h2>Signatures</h2>\n<ul class=\"list\">\n");
    for s in &cp.signatures {
        let what = match s.kind {
            SignatureKind::Log => "the log's signature (verified)".to_string(),
            SignatureKind::Cosignature(t) => format!(
                "witness cosignature, {}",
                i64::try_from(t).map_or_else(|_| t.to_string(), format_rfc3339)
            ),
            SignatureKind::Other => "another key's signature (not verified here)".to_string(),
        };
        let _ = writeln!(
            b,
            "<li><code>{}</code> key id <code>{:08x}</code>: {}</li>",
            E(&s.name),
            s.key_id,
            E(&what)
        );
    }
    b.push_str("</ul>\n<h2>Signed note</h2>\n");
    let _ = writeln!(
        b,
        "<p class=\"muted\">As served at <a href=\"/log/checkpoint\">/log/checkpoint</a> \
         (C2SP tlog-tiles; verify with <code>cpansec log verify</code>).</p>\n\
         <pre class=\"note\">{}</pre>",
        E(&cp.text)
    );
    page(nav, "Latest checkpoint", &b)
}

/// `GET /uploads/lookup?path=...` or `?name=...`.
pub(super) async fn lookup(
    State(app): St,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(log) = app.log.clone() else {
        return no_log(app.nav);
    };
    let nav = app.nav;
    let path = params.get("path").map_or("", |s| s.trim()).to_string();
    let name = params.get("name").map_or("", |s| s.trim()).to_string();
    if path.len() > MAX_LOOKUP || name.len() > MAX_LOOKUP {
        return html(
            StatusCode::BAD_REQUEST,
            page(
                nav,
                "Bad request",
                &format!(
                    "<h1>Bad request</h1>\n<p>The text is longer than {MAX_LOOKUP} bytes.</p>\n"
                ),
            ),
        );
    }
    if !path.is_empty() {
        let p = path.clone();
        let found = blocking(nav, move || log.lookup(&p).map_err(|e| e.to_string())).await;
        return match found {
            Ok(Some(u)) => {
                let dist_known = app.get().db.distribution(u.record.dist()).is_some();
                html(StatusCode::OK, record_page(nav, &u, dist_known))
            }
            Ok(None) => {
                let mut b = String::new();
                let _ = writeln!(
                    b,
                    "<h1>Not logged</h1>\n<p><code>{}</code> is not in the upload log.</p>",
                    E(&path)
                );
                lookup_forms(&mut b, &path, "");
                html(StatusCode::NOT_FOUND, page(nav, "Not logged", &b))
            }
            Err(r) => r,
        };
    }
    if !name.is_empty() {
        let n = name.clone();
        let found = blocking(nav, move || Ok(log.by_name(&n, NAME_LIMIT))).await;
        let found = match found {
            Ok(f) => f,
            Err(r) => return r,
        };
        let mut b = String::new();
        let status = if found.is_empty() {
            let _ = writeln!(
                b,
                "<h1>Not logged</h1>\n<p>No logged file is named <code>{}</code>.</p>",
                E(&name)
            );
            StatusCode::NOT_FOUND
        } else {
            let _ = writeln!(b, "<h1>Files named {}</h1>\n<ul class=\"list\">", E(&name));
            for (p, entry) in &found {
                b.push_str("<li>");
                upload_link(&mut b, p);
                let _ = writeln!(b, " <span class=\"muted\">entry {entry}</span></li>");
            }
            b.push_str("</ul>\n");
            StatusCode::OK
        };
        lookup_forms(&mut b, "", &name);
        return html(status, page(nav, &format!("Files named {name}"), &b));
    }
    let mut b = String::from(
        "<h1>Look up an upload</h1>\n<p>By its path below the CPAN root, or by file name.</p>\n",
    );
    lookup_forms(&mut b, "", "");
    html(StatusCode::OK, page(nav, "Look up an upload", &b))
}

fn record_page(nav: Nav, u: &LoggedUpload, dist_known: bool) -> String {
    let r = &u.record;
    let mut b = String::new();
    let file = r.path().rsplit('/').next().unwrap_or(r.path());
    let _ = writeln!(b, "<h1>{}</h1>\n<table>", E(file));
    let _ = writeln!(b, "<tr><th>Entry</th><td>{}</td></tr>", u.entry);
    let _ = writeln!(
        b,
        "<tr><th>Path</th><td><code>{}</code></td></tr>",
        E(r.path())
    );
    if dist_known {
        let _ = writeln!(
            b,
            "<tr><th>Distribution</th><td><a href=\"/dists/{}\">{}</a></td></tr>",
            Seg(r.dist()),
            E(r.dist())
        );
    } else {
        let _ = writeln!(b, "<tr><th>Distribution</th><td>{}</td></tr>", E(r.dist()));
    }
    let _ = writeln!(b, "<tr><th>Version</th><td>{}</td></tr>", E(r.version()));
    let _ = writeln!(b, "<tr><th>Author</th><td>{}</td></tr>", E(r.author()));
    let _ = writeln!(b, "<tr><th>Size</th><td>{} bytes</td></tr>", r.size());
    let _ = writeln!(
        b,
        "<tr><th>SHA-256</th><td><code>{}</code></td></tr>",
        hex32(r.sha256())
    );
    let _ = writeln!(b, "<tr><th>Time</th><td>{}</td></tr>", E(r.time()));
    b.push_str("</table>\n");
    let _ = writeln!(
        b,
        "<p><a href=\"/log/lookup?path={}\">Inclusion proof</a> (c2sp.org/tlog-proof, the record \
         and its proof against the current checkpoint; check it with <code>cpansec log \
         verify</code>).</p>\n<h2>Record</h2>\n<pre class=\"note\">{}</pre>",
        Seg(r.path()),
        E(&r.to_string())
    );
    page(nav, file, &b)
}
