//! Where `cpansec log verify` and `log monitor` read a log: a log directory,
//! or a log server's URL (the tlog-tiles endpoints and `/lookup` of
//! `cpansec serve --log`). Everything read is untrusted: the checks are in
//! cpansec-tlog, against the trusted key or policy.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use cpansec_tlog::tile::{Tile, TileKind, TileStorage};
use cpansec_tlog::{Ed25519Verifier, FileTiles, Policy};

use crate::exit::UsageError;

/// Timeout of one HTTP request.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest checkpoint, lookup answer or key read.
pub const MAX_SMALL: u64 = 1 << 20;

/// A log directory or server.
#[derive(Debug)]
pub enum Source {
    /// A log directory.
    Dir(PathBuf),
    /// A log server's URL prefix (no trailing slash).
    Url(Http),
}

impl Source {
    /// `http://` and `https://` arguments are servers, anything else a
    /// directory.
    pub fn new(arg: &str) -> Source {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            Source::Url(Http::new(arg.trim_end_matches('/')))
        } else {
            Source::Dir(PathBuf::from(arg))
        }
    }

    /// How the source is named in messages.
    pub fn name(&self) -> String {
        match self {
            Source::Dir(d) => d.display().to_string(),
            Source::Url(h) => h.base.clone(),
        }
    }

    /// The current signed checkpoint (untrusted until opened).
    pub fn checkpoint(&self) -> anyhow::Result<String> {
        match self {
            Source::Dir(d) => Ok(cpansec_tlog::sequencer::read_checkpoint(d)?),
            Source::Url(h) => {
                let (status, body) = h.get("/checkpoint", MAX_SMALL)?;
                anyhow::ensure!(status == 200, "{}/checkpoint: HTTP status {status}", h.base);
                String::from_utf8(body).with_context(|| format!("{}/checkpoint: not UTF-8", h.base))
            }
        }
    }

    /// The tiles of the log.
    pub fn tiles(&self) -> Box<dyn TileStorage + '_> {
        match self {
            Source::Dir(d) => Box::new(FileTiles::new(d)),
            Source::Url(h) => Box::new(h),
        }
    }
}

/// The trusted key or policy, owned.
#[derive(Debug)]
pub enum TrustOwned {
    Key(Ed25519Verifier),
    Policy(Policy),
}

impl TrustOwned {
    /// `--policy FILE`, else `--key VKEY`, else a directory's own `log.vkey`; a
    /// server's key is never taken from the server.
    pub fn load(
        source: &Source,
        policy: Option<&Path>,
        key: Option<&str>,
    ) -> anyhow::Result<TrustOwned> {
        if let Some(p) = policy {
            let text = std::fs::File::open(p)
                .and_then(|f| {
                    use std::io::Read;
                    let mut v = Vec::new();
                    f.take(MAX_SMALL + 1).read_to_end(&mut v).map(|_| v)
                })
                .with_context(|| p.display().to_string())?;
            let pol = Policy::parse(&text).with_context(|| p.display().to_string())?;
            return Ok(TrustOwned::Policy(pol));
        }
        if let Some(k) = key {
            let v = Ed25519Verifier::from_vkey(k.trim())
                .map_err(|e| UsageError(format!("--key: {e}")))?;
            return Ok(TrustOwned::Key(v));
        }
        match source {
            Source::Dir(d) => {
                let p = d.join("log.vkey");
                let text = std::fs::read_to_string(&p).with_context(|| p.display().to_string())?;
                let v = Ed25519Verifier::from_vkey(text.trim_end())
                    .with_context(|| p.display().to_string())?;
                Ok(TrustOwned::Key(v))
            }
            Source::Url(h) => Err(UsageError(format!(
                "{}: a log server needs --key VKEY or --policy FILE (its key is not taken from it)",
                h.base
            ))
            .into()),
        }
    }

    pub fn trust(&self) -> cpansec_tlog::verify::Trust<'_> {
        match self {
            TrustOwned::Key(k) => cpansec_tlog::verify::Trust::Key(k),
            TrustOwned::Policy(p) => cpansec_tlog::verify::Trust::Policy(p),
        }
    }
}

/// A log server.
#[derive(Debug)]
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Http {
    /// The URL prefix.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn new(base: &str) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Http {
            base: base.to_string(),
            agent,
        }
    }

    /// GETs `base + path`: the status and at most `limit` bytes of body (more
    /// is an error).
    pub fn get(&self, path: &str, limit: u64) -> anyhow::Result<(u16, Vec<u8>)> {
        let url = format!("{}{path}", self.base);
        let mut resp = self
            .agent
            .get(&url)
            .header("User-Agent", "cpansec")
            .call()
            .with_context(|| url.clone())?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .with_context(|| format!("{url}: body larger than {limit} bytes or unreadable"))?;
        Ok((status, body))
    }
}

impl TileStorage for &Http {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, cpansec_tlog::Error> {
        tiles
            .iter()
            .map(|t| {
                let limit = match t.kind() {
                    TileKind::Entries => cpansec_tlog::storage::MAX_TILE_FILE,
                    TileKind::Hashes(_) => 32 * 256,
                };
                let io = |message: String| cpansec_tlog::Error::Io {
                    path: format!("{}/{}", self.base, t.path()),
                    message,
                };
                let (status, body) = self
                    .get(&format!("/{}", t.path()), limit)
                    .map_err(|e| io(format!("{e:#}")))?;
                match status {
                    200 => Ok(body),
                    404 => Err(cpansec_tlog::Error::TileMissing { path: t.path() }),
                    s => Err(io(format!("HTTP status {s}"))),
                }
            })
            .collect()
    }

    fn write_tile(&mut self, tile: &Tile, _: &[u8]) -> Result<(), cpansec_tlog::Error> {
        Err(cpansec_tlog::Error::Io {
            path: format!("{}/{}", self.base, tile.path()),
            message: "a log server is read-only here".into(),
        })
    }
}
