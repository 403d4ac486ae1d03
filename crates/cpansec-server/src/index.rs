//! The public vulnerability index: HTML pages and the OSV-compatible API.
//!
//! Routes (documented for clients in `openapi.yaml`, served at
//! `/openapi.yaml`):
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/query`, `POST /v1/querybatch` | osv.dev v1 queries, ecosystem `CPAN` |
//! | `GET /v1/vulns/{id}` | the OSV record of a CPANSA id, CVE or GHSA |
//! | `GET /v1/dists/{dist}` | advisories, releases with verdicts, first safe release, patches |
//! | `POST /v1/audit` | `cpansec audit --format json` of an uploaded snapshot, cpanfile or META |
//! | `GET /all.zip`, `GET /modified_id.csv` | osv.dev's bulk layout |
//! | `GET /cpansa.json` | the cpansa-feed format, rebuilt from the loaded database (one entry per id) |
//! | `GET /healthz` | liveness and the loaded database |
//! | `GET /`, `/advisories/{id}`, `/dists/{dist}`, `/search?q=`, `/backlog` | pages |
//! | `GET /feed.atom`, `/dists/{dist}/feed.atom` | Atom feeds |
//! | `GET /patches/{dist}/{version}/{name}.patch` | a patch of the registry |
//! | `GET /static/{name}` | the stylesheet (a fixed table, never the file system) |
//! | `GET /uploads[?before=N]`, `/uploads/checkpoint`, `/uploads/lookup?path=` or `?name=` | the transparency log's pages (with `--log` only) |
//!
//! Every handler reads one [`Snapshot`] (taken once per request from
//! [`Shared`]), so a reload never changes the data under a request.

mod api;
mod data;
mod feed;
mod html;
mod markup;
mod time;
mod uploads;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::tlog::LogView;

pub use api::{ApiError, MAX_BATCH};
pub use data::{Change, Shared, Snapshot};
pub use markup::{E, Nav, Seg, safe_url};
pub use time::{format_rfc3339 as time_rfc3339, now};

/// Largest body of `/v1/query` and `/v1/querybatch`.
pub const MAX_QUERY_BODY: usize = 256 * 1024;
/// Largest body of `/v1/audit` (a large cpanfile.snapshot is ~300 KB).
pub const MAX_AUDIT_BODY: usize = 4 * 1024 * 1024;

/// The OpenAPI description of the API.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// What the index's handlers share: the current snapshot, the navigation
/// of the pages and, with a log mounted, the log's pages.
#[derive(Debug)]
struct App {
    shared: Arc<Shared>,
    nav: Nav,
    log: Option<LogView>,
}

impl App {
    fn get(&self) -> Arc<Snapshot> {
        self.shared.get()
    }
}

type St = State<Arc<App>>;

/// The index's routes over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    router_with_log(shared, None)
}

/// The index's routes over `shared`, with the pages of the transparency log
/// `log` (`/uploads`, `/uploads/checkpoint`, `/uploads/lookup`; linked from
/// every page) when there is one. The log's own endpoints
/// ([`crate::tlog::open`]) are mounted by the caller, under `/log/`.
pub fn router_with_log(shared: Arc<Shared>, log: Option<LogView>) -> Router {
    let app = Arc::new(App {
        shared,
        nav: Nav { log: log.is_some() },
        log,
    });
    let api = Router::new()
        .route("/v1/query", post(query))
        .route("/v1/querybatch", post(querybatch))
        .layer(DefaultBodyLimit::max(MAX_QUERY_BODY));
    let audit = Router::new()
        .route("/v1/audit", post(audit))
        .layer(DefaultBodyLimit::max(MAX_AUDIT_BODY));
    Router::new()
        .merge(api)
        .merge(audit)
        .route("/v1/vulns/{id}", get(vuln))
        .route("/v1/dists/{dist}", get(dist_json))
        .route("/all.zip", get(all_zip))
        .route("/modified_id.csv", get(modified_csv))
        .route("/cpansa.json", get(cpansa_json))
        .route("/healthz", get(healthz))
        .route("/openapi.yaml", get(openapi))
        .route("/", get(home))
        .route("/advisories/{id}", get(advisory_page))
        .route("/dists/{dist}", get(dist_page))
        .route("/dists/{dist}/feed.atom", get(dist_feed))
        .route("/search", get(search))
        .route("/backlog", get(backlog))
        .route("/feed.atom", get(feed_all))
        .route("/patches/{dist}/{version}/{file}", get(patch_file))
        .route("/static/{name}", get(static_file))
        .route("/uploads", get(uploads::recent))
        .route("/uploads/checkpoint", get(uploads::checkpoint))
        .route("/uploads/lookup", get(uploads::lookup))
        .fallback(not_found)
        .with_state(app)
}

fn typed(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<axum::body::Body>,
) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json(body: String) -> Response {
    typed(StatusCode::OK, "application/json", body)
}

fn api_error(e: &ApiError) -> Response {
    typed(
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        "application/json",
        e.body(),
    )
}

const HTML: &str = "text/html; charset=utf-8";

fn html(status: StatusCode, body: String) -> Response {
    typed(status, HTML, body)
}

fn redirect(to: &str) -> Response {
    let mut r = typed(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Answers a `/v1/query` body (`batch`: a `/v1/querybatch` body) from `s`:
/// the JSON response, or the error to send.
pub fn answer_query(s: &Snapshot, body: &[u8], batch: bool) -> Result<String, ApiError> {
    if batch {
        let b: api::Batch = api::parse_json(body)?;
        api::batch_response(s, &b)
    } else {
        let q: api::Query = api::parse_json(body)?;
        let found = api::run_query(s, &q)?;
        Ok(api::query_response(s, &found))
    }
}

async fn query(State(sh): St, body: Bytes) -> Response {
    match answer_query(&sh.get(), &body, false) {
        Ok(out) => json(out),
        Err(e) => api_error(&e),
    }
}

async fn querybatch(State(sh): St, body: Bytes) -> Response {
    match answer_query(&sh.get(), &body, true) {
        Ok(out) => json(out),
        Err(e) => api_error(&e),
    }
}

async fn vuln(State(sh): St, Path(id): Path<String>) -> Response {
    let s = sh.get();
    match api::vuln(&s, &id) {
        Ok((record, others)) => {
            let mut r = json(record.to_string());
            for other in others {
                let link = format!("</v1/vulns/{}>; rel=\"alternate\"", Seg(other.as_str()));
                if let Ok(v) = HeaderValue::from_str(&link) {
                    r.headers_mut().append(header::LINK, v);
                }
            }
            r
        }
        Err(e) => api_error(&e),
    }
}

async fn dist_json(State(sh): St, Path(name): Path<String>) -> Response {
    match api::dist(&sh.get(), &name) {
        Ok(body) => json(body),
        Err(e) => api_error(&e),
    }
}

async fn audit(
    State(sh): St,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let s = sh.get();
    let file = params.get("file").cloned();
    let outcome = tokio::task::spawn_blocking(move || api::audit(&s, &body, file.as_deref())).await;
    match outcome {
        Ok(Ok(body)) => json(body),
        Ok(Err(e)) => api_error(&e),
        Err(e) => api_error(&ApiError {
            status: 500,
            code: 13,
            message: format!("audit failed: {e}"),
        }),
    }
}

async fn cpansa_json(State(sh): St) -> Response {
    let s = sh.get();
    typed(StatusCode::OK, "application/json", s.cpansa_json.clone())
}

async fn all_zip(State(sh): St) -> Response {
    let s = sh.get();
    typed(StatusCode::OK, "application/zip", s.all_zip.clone())
}

async fn modified_csv(State(sh): St) -> Response {
    let s = sh.get();
    typed(
        StatusCode::OK,
        "text/csv; charset=utf-8",
        s.modified_csv.clone(),
    )
}

async fn healthz(State(sh): St) -> Response {
    let s = sh.get();
    let body = serde_json::json!({
        "status": "ok",
        "database": {
            "source": s.db.source().to_string(),
            "generated": s.generated(),
            "commit": s.db.metadata().commit,
            "advisories": s.summary.advisories,
        },
        "loaded": time::format_rfc3339(s.loaded_at),
        "patches": s.patches.as_ref().map(|r| r.entries().len()),
    });
    json(body.to_string())
}

async fn openapi() -> Response {
    typed(StatusCode::OK, "application/yaml", OPENAPI_YAML)
}

async fn home(State(sh): St) -> Response {
    html(StatusCode::OK, html::home(&sh.get(), sh.nav))
}

async fn advisory_page(State(sh): St, Path(id): Path<String>) -> Response {
    let s = sh.get();
    let Ok(parsed) = id.parse::<cpansec_advisory::Id>() else {
        return html(
            StatusCode::NOT_FOUND,
            html::not_found(&format!("{id:?} is not an advisory id."), sh.nav),
        );
    };
    let found = s.db.lookup(&parsed);
    match found.as_slice() {
        [] => html(
            StatusCode::NOT_FOUND,
            html::not_found(&format!("No advisory {parsed}."), sh.nav),
        ),
        [a] if a.id == parsed => {
            let page = s.page(a.id.as_str(), || Some(html::advisory(&s, a, sh.nav)));
            typed(StatusCode::OK, HTML, page.unwrap_or_default())
        }
        [a] => redirect(&format!("/advisories/{}", Seg(a.id.as_str()))),
        many => html(StatusCode::OK, html::choose(many, parsed.as_str(), sh.nav)),
    }
}

async fn dist_page(State(sh): St, Path(name): Path<String>) -> Response {
    let s = sh.get();
    match s.page(&format!("/dists/{name}"), || {
        html::distribution(&s, &name, sh.nav)
    }) {
        Some(page) => typed(StatusCode::OK, HTML, page),
        None => html(
            StatusCode::NOT_FOUND,
            html::not_found(&format!("No distribution {name} in the database."), sh.nav),
        ),
    }
}

async fn search(State(sh): St, Query(params): Query<HashMap<String, String>>) -> Response {
    let s = sh.get();
    let q = params.get("q").map(|q| q.trim()).unwrap_or("");
    if q.len() > 200 {
        return html(
            StatusCode::BAD_REQUEST,
            html::not_found("The search text is longer than 200 bytes.", sh.nav),
        );
    }
    let hits = html::search(&s, q);
    if let Some(to) = hits.exact_target(q) {
        return redirect(&to);
    }
    html(StatusCode::OK, html::search_page(q, &hits, sh.nav))
}

async fn backlog(State(sh): St) -> Response {
    html(StatusCode::OK, html::backlog(&sh.get(), sh.nav))
}

const ATOM: &str = "application/atom+xml; charset=utf-8";

async fn feed_all(State(sh): St) -> Response {
    let s = sh.get();
    let body = feed::atom(
        &s,
        "CPAN security advisories",
        "urn:cpansec:advisories",
        "/feed.atom",
        s.db.advisories(),
    );
    typed(StatusCode::OK, ATOM, body)
}

async fn dist_feed(State(sh): St, Path(name): Path<String>) -> Response {
    let s = sh.get();
    let Some(d) = s.db.distribution(&name) else {
        return html(
            StatusCode::NOT_FOUND,
            html::not_found(&format!("No distribution {name} in the database."), sh.nav),
        );
    };
    let body = feed::atom(
        &s,
        &format!("CPAN security advisories: {}", d.name),
        &format!("urn:cpansec:advisories:{}", d.name),
        &format!("/dists/{}/feed.atom", Seg(&d.name)),
        s.db.advisories_for(&d.name).into_iter(),
    );
    typed(StatusCode::OK, ATOM, body)
}

async fn patch_file(
    State(sh): St,
    Path((dist, version, file)): Path<(String, String, String)>,
) -> Response {
    let s = sh.get();
    let entry = s.patches.as_ref().and_then(|reg| {
        reg.entries().iter().find(|e| {
            e.dist == dist
                && e.version == version
                && file.strip_suffix(".patch") == Some(&e.name.to_string())
        })
    });
    match entry {
        Some(e) => typed(StatusCode::OK, "text/x-diff; charset=utf-8", e.text.clone()),
        None => html(
            StatusCode::NOT_FOUND,
            html::not_found("No such patch.", sh.nav),
        ),
    }
}

/// The static files: a fixed table compiled in, so no request can name a
/// file outside it.
const STATIC: &[(&str, &str, &str)] =
    &[("style.css", "text/css; charset=utf-8", markup::STYLE_CSS)];

async fn static_file(State(sh): St, Path(name): Path<String>) -> Response {
    match STATIC.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => {
            let mut r = typed(StatusCode::OK, ct, *body);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            r
        }
        None => html(
            StatusCode::NOT_FOUND,
            html::not_found("No such file.", sh.nav),
        ),
    }
}

async fn not_found(State(sh): St) -> impl IntoResponse {
    html(
        StatusCode::NOT_FOUND,
        html::not_found("No such page.", sh.nav),
    )
}
