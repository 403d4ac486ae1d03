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

use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
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
    sink: Sink,
}

#[derive(Clone)]
enum Sink {
    /// Lines collected in memory, one message each (tests).
    Channel(SyncSender<String>),
    /// Lines appended to a buffer that a writer thread empties.
    Buffer(Arc<LineBuffer>),
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Log")
    }
}

/// How often the writer thread writes what has been logged.
const LOG_FLUSH_EVERY: Duration = Duration::from_millis(20);

/// Lines waiting to be written, and the writer. Logging a line is a copy
/// into `pending` under a short lock: no system call, no thread to wake on
/// the request path. The writer thread (or [`Log::flush`]) takes the whole
/// buffer at once and writes it with one `write`.
struct LineBuffer {
    pending: Mutex<Pending>,
    /// Lines that may wait at most.
    capacity: usize,
    out: Mutex<Box<dyn std::io::Write + Send>>,
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    lines: usize,
    dropped: u64,
}

impl LineBuffer {
    fn push(&self, line: &[u8]) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.lines >= self.capacity {
            p.dropped += 1;
            return;
        }
        if p.dropped > 0 {
            let dropped = std::mem::take(&mut p.dropped);
            let _ = writeln!(p.bytes, "{{\"event\":\"log-dropped\",\"lines\":{dropped}}}");
        }
        p.bytes.extend_from_slice(line);
        p.bytes.push(b'\n');
        p.lines += 1;
    }

    /// Writes what is pending; `spare` is an empty buffer to swap in (its
    /// allocation is reused), returned emptied. `false` when the writer fails.
    fn write_out(&self, spare: &mut Vec<u8>) -> bool {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut p.bytes, spare);
            p.lines = 0;
        }
        let ok = spare.is_empty() || (out.write_all(spare).is_ok() && out.flush().is_ok());
        spare.clear();
        ok
    }
}

impl Log {
    /// Lines written to stderr by a writer thread; when more than
    /// `capacity` lines wait to be written, further lines are dropped (and
    /// counted in the next line written) rather than slowing requests down.
    pub fn stderr(capacity: usize) -> Log {
        Log::to_writer(capacity, std::io::stderr())
    }

    /// Lines written to `w` by a writer thread, every 20 ms, in one write
    /// each time; the thread stops (after writing what is left) when every
    /// clone of the returned `Log` is dropped.
    pub fn to_writer(capacity: usize, w: impl std::io::Write + Send + 'static) -> Log {
        let buffer = Arc::new(LineBuffer {
            pending: Mutex::new(Pending::default()),
            capacity: capacity.max(1),
            out: Mutex::new(Box::new(w)),
        });
        let weak = Arc::downgrade(&buffer);
        std::thread::spawn(move || {
            let mut spare = Vec::new();
            loop {
                std::thread::sleep(LOG_FLUSH_EVERY);
                let Some(buffer) = weak.upgrade() else { return };
                if !buffer.write_out(&mut spare) {
                    return;
                }
            }
        });
        Log {
            sink: Sink::Buffer(buffer),
        }
    }

    /// Lines collected in memory (tests), read through the returned receiver.
    pub fn channel(capacity: usize) -> (Log, Receiver<String>) {
        let (tx, rx) = sync_channel(capacity);
        (
            Log {
                sink: Sink::Channel(tx),
            },
            rx,
        )
    }

    /// Logs one line (without its newline).
    pub fn line(&self, line: String) {
        match &self.sink {
            Sink::Channel(tx) => match tx.try_send(line) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                Err(TrySendError::Full(_)) => {
                    DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            },
            Sink::Buffer(b) => b.push(line.as_bytes()),
        }
    }

    /// Logs one JSON object as one line.
    pub fn event(&self, value: serde_json::Value) {
        self.line(value.to_string());
    }

    /// Writes the lines logged so far now (before the process exits).
    pub fn flush(&self) {
        if let Sink::Buffer(b) = &self.sink {
            b.write_out(&mut Vec::new());
        }
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        // The last clone is gone: write what is left.
        self.write_out(&mut Vec::new());
    }
}

/// Lines a [`Log::channel`] could not take.
static DROPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Appends `s` as a JSON string (quoted, escaped).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            c if c < ' ' || c == '\u{7f}' => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(esc);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The RFC 3339 time of the current second, formatted once a second per
/// thread.
fn now_rfc3339(out: &mut String) {
    thread_local! {
        static CACHE: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let t = now();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != t {
            *c = (t, crate::index::time_rfc3339(t));
        }
        out.push_str(&c.1);
    });
}

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
    // The log line is begun before the request is handed on (which takes
    // it), finished after: one allocation for the whole line.
    let mut line = String::with_capacity(160);
    line.push_str("{\"ts\":");
    line.push('"');
    now_rfc3339(&mut line);
    line.push_str("\",\"method\":");
    json_str(&mut line, req.method().as_str());
    line.push_str(",\"path\":");
    json_str(&mut line, req.uri().path());
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
    let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    let _ = write!(line, ",\"status\":{status},\"us\":{us},\"bytes\":");
    match axum::body::HttpBody::size_hint(response.body()).exact() {
        Some(n) => {
            let _ = write!(line, "{n}}}");
        }
        None => line.push_str("null}"),
    }
    g.log.line(line);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(s: &Shared) -> String {
        String::from_utf8(s.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn buffered_lines_are_written_in_order_and_overflow_is_counted() {
        let out = Shared::default();
        let log = Log::to_writer(2, out.clone());
        log.line("one".into());
        log.event(serde_json::json!({"event": "two"}));
        log.line("three".into()); // over capacity: dropped
        log.flush();
        assert_eq!(text(&out), "one\n{\"event\":\"two\"}\n");
        log.line("four".into());
        drop(log); // the last clone: what is left is written
        let deadline = Instant::now() + Duration::from_secs(5);
        while !text(&out).ends_with("four\n") {
            assert!(Instant::now() < deadline, "{}", text(&out));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            text(&out),
            "one\n{\"event\":\"two\"}\n{\"event\":\"log-dropped\",\"lines\":1}\nfour\n"
        );
    }

    #[test]
    fn the_writer_thread_writes_without_a_flush() {
        let out = Shared::default();
        let log = Log::to_writer(100, out.clone());
        log.line("x".into());
        let deadline = Instant::now() + Duration::from_secs(5);
        while text(&out) != "x\n" {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        json_str(&mut s, "/a\"b\\c\u{1}d");
        assert_eq!(s, r#""/a\"b\\c\u0001d""#);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v, "/a\"b\\c\u{1}d");
    }
}
