//! `cpansec log ...`: create a transparency log of CPAN uploads and append to
//! it. The work is in cpansec-tlog's sequencer; this module reads inputs and
//! reports outcomes.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use cpansec_meta::Checksums;
use cpansec_tlog::record::{hex32, parse_records, records_from_checksums};
use cpansec_tlog::{FileLog, Outcome, UploadRecord};

use crate::cli::LogCommand;
use crate::commands::log_source::{self, Source, TrustOwned};
use crate::exit;

/// Largest records file read by `log add`.
const MAX_RECORDS_INPUT: u64 = 1 << 30;

pub fn run(cmd: LogCommand) -> anyhow::Result<u8> {
    match cmd {
        LogCommand::Init { dir, origin } => {
            let log = FileLog::init(&dir, &origin)?;
            println!("{}", log.verifier().vkey());
            Ok(exit::OK)
        }
        LogCommand::Add { dir, file, batch } => {
            let text = read_input(file.as_deref())?;
            let records = parse_records(&text)?;
            append(&dir, &records, batch.batch)
        }
        LogCommand::ImportChecksums { dir, mirror, batch } => {
            let mut files = Vec::new();
            find_checksums(&mirror.join("authors/id"), &mut files)?;
            files.sort();
            let mut records = Vec::new();
            let mut skipped = 0usize;
            for file in &files {
                let rel = file
                    .parent()
                    .and_then(|p| p.strip_prefix(&mirror).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                let sums = Checksums::read(file).with_context(|| file.display().to_string())?;
                let (recs, skip) = records_from_checksums(&rel, &sums);
                skipped += skip.len();
                records.extend(recs);
            }
            eprintln!(
                "{} CHECKSUMS files, {} distribution files, {skipped} other entries not logged",
                files.len(),
                records.len()
            );
            append(&dir, &records, batch.batch)
        }
        LogCommand::Verify {
            file,
            log,
            policy,
            path,
            key,
        } => verify(
            &file,
            &Source::new(&log),
            policy.as_deref(),
            key.as_deref(),
            path.as_deref(),
        ),
        LogCommand::Monitor {
            log,
            authors,
            dists,
            policy,
            key,
        } => monitor(
            &Source::new(&log),
            policy.as_deref(),
            key.as_deref(),
            authors,
            dists,
        ),
    }
}

/// Where the checkpoint seen last time is kept: `$XDG_CACHE_HOME` or
/// `~/.cache`, `cpansec/tlog/<origin>.checkpoint` (origin with `/` as `_`).
fn seen_path(origin: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let name: String = origin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(base.join("cpansec/tlog").join(format!("{name}.checkpoint")))
}

/// The user-cache file of a log origin with the given extension.
fn cache_file(origin: &str, ext: &str) -> Option<PathBuf> {
    seen_path(origin).map(|p| p.with_extension(ext))
}

/// Writes a cache file atomically, creating its directory.
fn write_cache(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    cpansec_tlog::storage::write_atomic(path, data, None)?;
    Ok(())
}

/// Reads a cache file (bounded); a missing one is `None`.
fn read_cache(path: Option<&Path>, limit: u64) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(path) = path else { return Ok(None) };
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(cpansec_tlog::storage::read_bounded(path, limit)?))
}

type Verdict = Result<
    Result<cpansec_tlog::verify::Verified, cpansec_tlog::verify::Problem>,
    cpansec_tlog::Error,
>;

/// Checks a file against a log server: the paths of its name from
/// `/lookup?name=` (or `path`), then each record's proof from `/lookup?path=`.
/// Returns the origin (if the server answered a proof) and the verdict.
fn verify_remote(
    http: &log_source::Http,
    name: &str,
    by_path: bool,
    size: u64,
    sha: &[u8; 32],
    trust: &cpansec_tlog::verify::Trust<'_>,
) -> anyhow::Result<(Option<String>, Verdict)> {
    use cpansec_tlog::verify::{Problem, verify_lookup};
    let paths: Vec<String> = if by_path {
        vec![name.to_string()]
    } else {
        let (status, body) = http.get(
            &format!("/lookup?name={}", log_source::encode_query(name)),
            log_source::MAX_SMALL,
        )?;
        match status {
            404 => Vec::new(),
            200 => String::from_utf8(body)
                .context("lookup answer is not UTF-8")?
                .lines()
                .map(str::to_string)
                .collect(),
            s => anyhow::bail!("lookup of {name}: HTTP status {s}"),
        }
    };
    let mut origin = None;
    let mut mismatch = None;
    for p in paths {
        let (status, body) = http.get(
            &format!("/lookup?path={}", log_source::encode_query(&p)),
            log_source::MAX_SMALL,
        )?;
        match status {
            404 => continue,
            200 => {}
            s => anyhow::bail!("lookup of {p}: HTTP status {s}"),
        }
        let proof = cpansec_tlog::TlogProof::parse(&body)
            .with_context(|| format!("lookup answer for {p}"))?;
        let o = proof
            .checkpoint
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let seen = read_cache(
            cache_file(&o, "checkpoint").as_deref(),
            log_source::MAX_SMALL,
        )?
        .map(String::from_utf8)
        .transpose()
        .context("cached checkpoint is not UTF-8")?;
        origin = Some(o);
        let tiles: &log_source::Http = http;
        let v = match verify_lookup(http.base(), &proof, trust, seen.as_deref(), &tiles) {
            Ok(v) => v,
            Err(e) => return Ok((origin, Err(e))),
        };
        if v.record.path() != p {
            anyhow::bail!("lookup of {p} answered the record of {}", v.record.path());
        }
        if v.record.sha256() == sha && v.record.size() == size {
            return Ok((origin, Ok(Ok(v))));
        }
        mismatch = Some(Box::new(v.record));
    }
    Ok((
        origin,
        Ok(Err(mismatch.map_or(Problem::NotLogged, Problem::Mismatch))),
    ))
}

fn verify(
    file: &Path,
    source: &Source,
    policy: Option<&Path>,
    key: Option<&str>,
    path: Option<&str>,
) -> anyhow::Result<u8> {
    use cpansec_tlog::verify::{Problem, verify_file};
    use sha2::{Digest, Sha256};
    let trust_owned = TrustOwned::load(source, policy, key)?;
    let trust = trust_owned.trust();
    let mut hasher = Sha256::new();
    let mut f = std::fs::File::open(file).with_context(|| file.display().to_string())?;
    let size = io::copy(&mut f, &mut hasher).with_context(|| file.display().to_string())?;
    let sha: [u8; 32] = hasher.finalize().into();
    let name = match path {
        Some(p) => p.to_string(),
        None => file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| exit::UsageError(format!("{}: no file name", file.display())))?,
    };
    let (origin, verdict) = match source {
        Source::Dir(dir) => {
            let current = cpansec_tlog::sequencer::read_checkpoint(dir)?;
            let origin = current.lines().next().unwrap_or_default().to_string();
            let seen = read_cache(
                cache_file(&origin, "checkpoint").as_deref(),
                log_source::MAX_SMALL,
            )?
            .map(String::from_utf8)
            .transpose()
            .context("cached checkpoint is not UTF-8")?;
            let v = verify_file(dir, &name, size, &sha, &trust, seen.as_deref());
            (Some(origin), v)
        }
        Source::Url(http) => verify_remote(http, &name, path.is_some(), size, &sha, &trust)?,
    };
    let origin = origin.unwrap_or_else(|| source.name());
    let verdict = match verdict {
        Err(
            e @ (cpansec_tlog::Error::ConsistencyProof { .. }
            | cpansec_tlog::Error::LogState { .. }),
        ) => {
            println!(
                "FAIL {}: the log does not extend the checkpoint seen before: {e}",
                file.display()
            );
            return Ok(exit::FINDINGS);
        }
        other => other?,
    };
    match verdict {
        Ok(v) => {
            if let Some(c) = cache_file(&origin, "checkpoint") {
                write_cache(&c, v.checkpoint.as_bytes())?;
            }
            println!(
                "OK {}: entry {} of {} in {origin} ({} {} by {}, uploaded {}){}",
                file.display(),
                v.entry,
                v.size,
                v.record.dist(),
                v.record.version(),
                v.record.author(),
                v.record.time(),
                if v.witnesses.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", cosigned by {}",
                        v.witnesses.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                }
            );
            Ok(exit::OK)
        }
        Err(Problem::NotLogged) => {
            println!("FAIL {}: no record for {name} in the log", file.display());
            Ok(exit::FINDINGS)
        }
        Err(Problem::Mismatch(r)) => {
            println!(
                "FAIL {}: the log has {} with size {} and sha256 {}, this file has size {size} and sha256 {}",
                file.display(),
                r.path(),
                r.size(),
                hex32(r.sha256()),
                hex32(&sha)
            );
            Ok(exit::FINDINGS)
        }
    }
}

fn monitor(
    source: &Source,
    policy: Option<&Path>,
    key: Option<&str>,
    authors: Vec<String>,
    dists: Vec<String>,
) -> anyhow::Result<u8> {
    use cpansec_tlog::monitor::{MAX_STATE_SIZE, MonitorState, Watch, monitor};
    if authors.is_empty() && dists.is_empty() {
        return Err(exit::UsageError("give at least one --author or --dist".into()).into());
    }
    let trust_owned = TrustOwned::load(source, policy, key)?;
    let trust = trust_owned.trust();
    let checkpoint = source.checkpoint()?;
    let origin = checkpoint.lines().next().unwrap_or_default().to_string();
    let state_path = cache_file(&origin, "monitor");
    let state = read_cache(state_path.as_deref(), MAX_STATE_SIZE as u64)?
        .map(|data| {
            MonitorState::parse(&data).with_context(|| {
                state_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            })
        })
        .transpose()?;
    let watch = Watch {
        authors: authors.into_iter().collect(),
        dists: dists.into_iter().collect(),
    };
    let tiles = source.tiles();
    let (report, new_state) = match monitor(
        &source.name(),
        &checkpoint,
        &trust,
        &*tiles,
        &watch,
        state.as_ref(),
    ) {
        Err(e @ cpansec_tlog::Error::LogState { .. }) => {
            println!("ALARM {origin}: {e}");
            return Ok(exit::FINDINGS);
        }
        other => other?,
    };
    let mut out = io::stdout().lock();
    for (n, r) in &report.uploads {
        writeln!(
            out,
            "NEW entry {n}: {} {} by {} ({}), uploaded {}",
            r.dist(),
            r.version(),
            r.author(),
            r.path(),
            r.time()
        )?;
    }
    for a in &report.alarms {
        writeln!(
            out,
            "ALARM entry {}: {} {} uploaded by {}, who never released {} before (released by {})",
            a.entry,
            a.record.dist(),
            a.record.version(),
            a.record.author(),
            a.record.dist(),
            a.previous.iter().cloned().collect::<Vec<_>>().join(", ")
        )?;
    }
    match report.old_size {
        None => eprintln!(
            "{origin}: baseline at size {} ({} entries read); later runs report what is new",
            report.size, report.read
        ),
        Some(old) => eprintln!(
            "{origin}: size {old} -> {}, {} entries read, {} watched uploads, {} alarms",
            report.size,
            report.read,
            report.uploads.len(),
            report.alarms.len()
        ),
    }
    if let Some(p) = &state_path {
        write_cache(p, new_state.to_string().as_bytes())?;
    }
    Ok(exit::findings(!report.alarms.is_empty()))
}

fn read_input(file: Option<&Path>) -> anyhow::Result<String> {
    let mut data = Vec::new();
    match file {
        None => io::stdin()
            .lock()
            .take(MAX_RECORDS_INPUT + 1)
            .read_to_end(&mut data)
            .context("stdin")?,
        Some(p) if p == Path::new("-") => io::stdin()
            .lock()
            .take(MAX_RECORDS_INPUT + 1)
            .read_to_end(&mut data)
            .context("stdin")?,
        Some(p) => std::fs::File::open(p)
            .and_then(|f| f.take(MAX_RECORDS_INPUT + 1).read_to_end(&mut data))
            .with_context(|| p.display().to_string())?,
    };
    anyhow::ensure!(
        data.len() as u64 <= MAX_RECORDS_INPUT,
        "input larger than 1 GiB"
    );
    String::from_utf8(data).context("input is not UTF-8")
}

fn find_checksums(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let entry = entry.with_context(|| dir.display().to_string())?;
        let kind = entry
            .file_type()
            .with_context(|| entry.path().display().to_string())?;
        if kind.is_dir() {
            find_checksums(&entry.path(), out)?;
        } else if kind.is_file() && entry.file_name() == "CHECKSUMS" {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Appends in batches of `batch` records (one checkpoint each); prints a
/// summary and every alarm. Exit 1 on an alarm.
fn append(dir: &Path, records: &[UploadRecord], batch: u32) -> anyhow::Result<u8> {
    let mut log = FileLog::open(dir)?;
    let (mut added, mut dup, mut alarms) = (0usize, 0usize, 0usize);
    let mut err = io::stderr().lock();
    for chunk in records.chunks(batch as usize) {
        for (r, o) in chunk.iter().zip(log.append(chunk)?) {
            match o {
                Outcome::Added(_) => added += 1,
                Outcome::Duplicate(_) => dup += 1,
                Outcome::Conflict {
                    entry,
                    logged,
                    submitted,
                } => {
                    alarms += 1;
                    writeln!(
                        err,
                        "ALARM: {} is entry {entry} with sha256 {}, submitted with sha256 {}",
                        r.path(),
                        hex32(&logged),
                        hex32(&submitted)
                    )?;
                }
            }
        }
    }
    writeln!(
        err,
        "{added} added, {dup} already logged, {alarms} alarms; log size {}",
        log.size()
    )?;
    Ok(exit::findings(alarms > 0))
}
