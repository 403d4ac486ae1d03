//! Listening, limits, logs and reload, the same for every front end.
//!
//! - [`harden`] wraps a router: a concurrency limit that answers 503 (with
//!   `Retry-After`) instead of queueing without bound, a per-request
//!   timeout (408; it covers reading the body, so a slow upload cannot hold
//!   a slot), security headers on every response (CSP without scripts,
//!   `nosniff`, no framing, no referrer), and one JSON log line per request.
//!   Body sizes are limited per route by the routers themselves.
//! - [`Reloader`] rebuilds the index's [`Snapshot`] on SIGHUP or when the
//!   database file changes (length or modification time, polled), off the
//!   request threads, and swaps it in whole: a request holds the snapshot
//!   it started with, so none fails or sees half a database. A database
//!   that does not load leaves the current one in place and is logged.
//! - [`run`] serves until the shutdown future completes, then lets requests
//!   in flight finish.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use cpansec_advisory::Database;
use cpansec_patch::Registry;
use tokio::sync::Semaphore;

use crate::index::{Shared, Snapshot, now};

/// Where log lines go.
#[derive(Clone)]
pub struct Log {
    tx: SyncSender<String>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Log")
    }
}

impl Log {
    /// Lines written to stderr by a writer thread; when it falls behind by
    /// more than `capacity` lines, further lines are dropped (and counted in
    /// the next line written) rather than slowing requests down.
    pub fn stderr(capacity: usize) -> Log {
        Log::to_writer(capacity, std::io::stderr())
    }

    /// Lines written to `w` by a writer thread.
    pub fn to_writer(capacity: usize, w: impl std::io::Write + Send + 'static) -> Log {
        let (tx, rx) = sync_channel(capacity);
        std::thread::spawn(move || write_lines(rx, w));
        Log { tx }
    }

    /// Lines collected in memory (tests), read through the returned receiver.
    pub fn channel(capacity: usize) -> (Log, Receiver<String>) {
        let (tx, rx) = sync_channel(capacity);
        (Log { tx }, rx)
    }

    /// Logs one JSON object as one line.
    pub fn event(&self, value: serde_json::Value) {
        match self.tx.try_send(value.to_string()) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

static DROPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn write_lines(rx: Receiver<String>, w: impl std::io::Write) {
    let mut w = std::io::BufWriter::new(w);
    while let Ok(line) = rx.recv() {
        let dropped = DROPPED.swap(0, std::sync::atomic::Ordering::Relaxed);
        if dropped > 0 {
            let _ = writeln!(w, "{{\"event\":\"log-dropped\",\"lines\":{dropped}}}");
        }
        if writeln!(w, "{line}").is_err() {
            return;
        }
        // Flush when nothing else is waiting.
        while let Ok(line) = rx.try_recv() {
            if writeln!(w, "{line}").is_err() {
                return;
            }
        }
        if w.flush().is_err() {
            return;
        }
    }
}

use std::io::Write as _;

/// Limits applied by [`harden`].
#[derive(Clone, Debug)]
pub struct Limits {
    /// Requests handled at once; more are answered 503 at once.
    pub max_in_flight: usize,
    /// Time for one request, body included.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_in_flight: 1024,
            request_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug)]
struct Guard {
    slots: Arc<Semaphore>,
    timeout: Duration,
    log: Log,
}

/// The Content-Security-Policy of every response: no scripts at all, styles
/// and images from this origin, forms post here, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                       base-uri 'none'; frame-ancestors 'none'";

/// Wraps `app` in the limits, security headers and request log.
pub fn harden(app: Router, limits: &Limits, log: Log) -> Router {
    let guard = Arc::new(Guard {
        slots: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
        timeout: limits.request_timeout,
        log,
    });
    app.layer(axum::middleware::from_fn_with_state(guard, guarded))
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(axum::body::Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn guarded(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let mut response = match Arc::clone(&g.slots).try_acquire_owned() {
        Err(_) => {
            let mut r = plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded, retry shortly\n",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        Ok(permit) => {
            let r = match tokio::time::timeout(g.timeout, next.run(req)).await {
                Ok(r) => r,
                Err(_) => plain(StatusCode::REQUEST_TIMEOUT, "request timed out\n"),
            };
            drop(permit);
            r
        }
    };
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    let status = response.status().as_u16();
    let bytes = axum::body::HttpBody::size_hint(response.body()).exact();
    g.log.event(serde_json::json!({
        "ts": crate::index::time_rfc3339(now()),
        "method": method,
        "path": path,
        "status": status,
        "us": u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        "bytes": bytes,
    }));
    response
}

/// Loads the database and the patch registry afresh.
pub type Loader = Arc<dyn Fn() -> Result<(Database, Option<Registry>), String> + Send + Sync>;

/// Rebuilds and swaps the index's snapshot.
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
    loader: Loader,
    log: Log,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reloader")
    }
}

impl Reloader {
    pub fn new(shared: Arc<Shared>, loader: Loader, log: Log) -> Reloader {
        Reloader {
            shared,
            loader,
            log,
            lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Loads and swaps in a new snapshot; on failure the current one stays.
    /// Returns whether the swap happened.
    pub async fn reload(&self, why: &str) -> bool {
        let _one_at_a_time = self.lock.lock().await;
        let start = Instant::now();
        let loader = Arc::clone(&self.loader);
        let shared = Arc::clone(&self.shared);
        let built = tokio::task::spawn_blocking(move || {
            let (db, patches) = loader()?;
            let old = shared.get();
            Snapshot::build(db, patches, Some(&old), now()).map_err(|e| e.to_string())
        })
        .await;
        match built {
            Ok(Ok(snapshot)) => {
                let advisories = snapshot.summary.advisories;
                let changes = snapshot
                    .changes
                    .iter()
                    .filter(|c| c.seen >= snapshot.loaded_at)
                    .count();
                self.shared.replace(snapshot);
                self.log.event(serde_json::json!({
                    "event": "reloaded", "why": why, "advisories": advisories,
                    "changes": changes, "ms": start.elapsed().as_millis() as u64,
                }));
                true
            }
            Ok(Err(e)) => {
                self.log.event(serde_json::json!({
                    "event": "reload-failed", "why": why, "error": e,
                }));
                false
            }
            Err(e) => {
                self.log.event(serde_json::json!({
                    "event": "reload-failed", "why": why, "error": e.to_string(),
                }));
                false
            }
        }
    }

    /// Reloads on every SIGHUP (Unix), until the runtime stops.
    pub fn on_sighup(&self) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut hup = signal(SignalKind::hangup())?;
            let me = self.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    me.reload("SIGHUP").await;
                }
            });
        }
        Ok(())
    }

    /// Reloads when `path` changes (its length or modification time), checked
    /// every `every`.
    pub fn watch(&self, path: PathBuf, every: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let stamp = |p: &PathBuf| -> Option<(u64, SystemTime)> {
                let m = std::fs::metadata(p).ok()?;
                Some((m.len(), m.modified().ok()?))
            };
            let mut last = stamp(&path);
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = stamp(&path);
                if now.is_some() && now != last {
                    last = now;
                    me.reload("file changed").await;
                }
            }
        });
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the
/// requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a Ctrl-C handler, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
