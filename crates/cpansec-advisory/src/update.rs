//! `db update`: download the database into the cache directory.
//!
//! - Conditional: the `ETag` and `Last-Modified` of the last download are
//!   kept in `<cache>/cpan-security-advisory.json.http` and sent back as
//!   `If-None-Match` / `If-Modified-Since`; a `304` leaves the copy as it is.
//! - Validated: the body (gzip or plain JSON, at most [`MAX_FILE_LEN`]
//!   bytes either way) must load as a database before it replaces anything.
//! - Atomic: written to a temporary file in the same directory, synced, then
//!   renamed over the old copy, so a reader sees the old file or the new one.
//! - Cached: the binary cache (`<file>.bin`, see [`crate::cache`]) is
//!   written beside the new copy, so the next load is fast.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::database::MAX_FILE_LEN;
use crate::location::CACHE_FILE;
use crate::{Database, Error, Source};

/// Where the database is published (the upstream's latest release asset).
pub const DEFAULT_URL: &str = "https://github.com/briandfoy/cpan-security-advisory/releases/latest/download/cpan-security-advisory.json.gz";

/// The whole download may take this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What an update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The server said the cached copy is current (`304 Not Modified`).
    NotModified { path: PathBuf },
    /// A new copy was written.
    Updated { path: PathBuf, bytes: u64 },
}

/// The validators of the last download.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Validators {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

fn validators_path(dir: &Path) -> PathBuf {
    dir.join(format!("{CACHE_FILE}.http"))
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |err| Error::Io {
        source_name: path.display().to_string(),
        err,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced,
/// then renamed.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_error(path))
}

/// Decompresses `body` when it is gzip, within [`MAX_FILE_LEN`].
fn decode(body: Vec<u8>, url: &str) -> Result<Vec<u8>, Error> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .take(MAX_FILE_LEN + 1)
        .read_to_end(&mut out)
        .map_err(|err| Error::Io {
            source_name: url.to_string(),
            err,
        })?;
    if out.len() as u64 > MAX_FILE_LEN {
        return Err(Error::TooLarge {
            source_name: url.to_string(),
            size: out.len() as u64,
            limit: MAX_FILE_LEN,
        });
    }
    Ok(out)
}

/// Downloads the database from `url` into `dir` (created if missing),
/// conditionally when a previous download from the same URL exists.
pub fn update(url: &str, dir: &Path) -> Result<UpdateOutcome, Error> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let path = dir.join(CACHE_FILE);
    let vpath = validators_path(dir);
    let previous: Validators = std::fs::read(&vpath)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|v: &Validators| v.url == url && path.is_file())
        .unwrap_or_default();

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(url).header("User-Agent", "cpansec");
    if let Some(etag) = &previous.etag {
        request = request.header("If-None-Match", etag);
    }
    if let Some(lm) = &previous.last_modified {
        request = request.header("If-Modified-Since", lm);
    }
    let network = |e: ureq::Error| Error::Network {
        url: url.to_string(),
        message: e.to_string(),
    };
    let mut response = request.call().map_err(network)?;
    let status = response.status().as_u16();
    if status == 304 {
        return Ok(UpdateOutcome::NotModified { path });
    }
    if status != 200 {
        return Err(Error::Network {
            url: url.to_string(),
            message: format!("HTTP status {status}"),
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        url: url.to_string(),
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_FILE_LEN)
        .read_to_vec()
        .map_err(network)?;
    let json = decode(body, url)?;
    let db = Database::from_json_slice(&json, Source::File(url.into()))?;
    write_atomically(&path, &json)?;
    crate::cache::write_cache(&db, &path, &json, &crate::cache::sibling_cache_path(&path))?;
    let record = serde_json::to_vec_pretty(&validators).unwrap_or_default();
    write_atomically(&vpath, &record)?;
    Ok(UpdateOutcome::Updated {
        path,
        bytes: json.len() as u64,
    })
}
