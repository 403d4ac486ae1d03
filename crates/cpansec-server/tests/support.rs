//! A server on loopback for each test that needs one, and a minimal
//! HTTP/1.1 client (one request per connection).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cpansec_advisory::Database;
use cpansec_patch::Registry;
use cpansec_server::index::{self, Shared, Snapshot};
use cpansec_server::serve::{self, Limits, Loader, Log, Reloader};

pub fn shared_dir() -> PathBuf {
    cpansec_test_support::shared()
}

pub fn real_db_path() -> PathBuf {
    shared_dir().join("data/cpansa/cpan-security-advisory.json")
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    pub reloader: Reloader,
    log: std::sync::Mutex<Receiver<String>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// The next request-log line, if one comes within `wait`.
    pub fn next_log(&self, wait: Duration) -> Option<String> {
        self.log.lock().unwrap().recv_timeout(wait).ok()
    }
}

/// Starts a server over the database file `db` (reloaded from it, watched
/// every `watch` when given), with `limits`.
pub fn start(db: &Path, patches: Option<&Path>, limits: Limits, watch: Option<Duration>) -> Server {
    start_with_log(db, patches, limits, watch, None)
}

/// [`start`], with the transparency log in `log` mounted as `cpansec serve
/// --log` does: its endpoints under `/log/`, its pages under `/uploads`.
pub fn start_with_log(
    db: &Path,
    patches: Option<&Path>,
    limits: Limits,
    watch: Option<Duration>,
    log_dir: Option<&Path>,
) -> Server {
    let db = db.to_path_buf();
    let patches = patches.map(Path::to_path_buf);
    let db2 = db.clone();
    let loader: Loader = Arc::new(move || {
        let d = Database::load_json_file(&db2).map_err(|e| e.to_string())?;
        let p = match &patches {
            Some(dir) => Some(Registry::load(dir).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok((d, p))
    });
    let (d, p) = loader().expect("database loads");
    let shared = Arc::new(Shared::new(
        Snapshot::build(d, p, None, index::now()).unwrap(),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (log, rx) = Log::channel(100_000);
    let reloader = Reloader::new(Arc::clone(&shared), loader, log.clone());
    let app = match log_dir {
        Some(dir) => {
            let _guard = runtime.enter();
            let (tlog, view) = cpansec_server::tlog::open(dir).unwrap();
            index::router_with_log(Arc::clone(&shared), Some(view)).nest("/log", tlog)
        }
        None => index::router(Arc::clone(&shared)),
    };
    let app = serve::harden(app, &limits, log);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(serve::run(listener, app, std::future::pending()));
    if let Some(every) = watch {
        let _guard = runtime.enter();
        reloader.watch(db, every);
    }
    Server {
        addr,
        shared,
        reloader,
        log: std::sync::Mutex::new(rx),
        _runtime: runtime,
    }
}

/// One server over the real database and patch registry, shared by the
/// read-only tests.
pub fn real() -> &'static Server {
    static REAL: OnceLock<Server> = OnceLock::new();
    REAL.get_or_init(|| {
        start(
            &real_db_path(),
            Some(&shared_dir().join("data/patches")),
            Limits::default(),
            None,
        )
    })
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends raw request bytes, reads the whole answer (connection: close).
pub fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    parse(&buf)
}

pub fn parse(buf: &[u8]) -> Reply {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        b = &b[nl + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Reply {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

pub fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Reply {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}
