//! `cpansec log ...`: create a transparency log of CPAN uploads and append to
//! it. The work is in cpansec-tlog's sequencer; this module reads inputs and
//! reports outcomes.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cpansec_meta::Checksums;
use cpansec_tlog::record::{hex32, parse_records, records_from_checksums};
use cpansec_tlog::{FileLog, Outcome, UploadRecord};

use crate::cli::LogCommand;
use crate::exit;

/// Largest records file read by `log add`.
const MAX_RECORDS_INPUT: u64 = 1 << 30;
/// Records appended per batch (one checkpoint per batch).
const BATCH: usize = 4096;

pub fn run(cmd: LogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogCommand::Init { dir, origin } => {
            let log = FileLog::init(&dir, &origin)?;
            println!("{}", log.verifier().vkey());
            Ok(ExitCode::from(exit::OK))
        }
        LogCommand::Add { dir, file } => {
            let text = read_input(file.as_deref())?;
            let records = parse_records(&text)?;
            append(&dir, &records)
        }
        LogCommand::ImportChecksums { dir, mirror } => {
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
            append(&dir, &records)
        }
        LogCommand::Verify {
            file,
            log,
            policy,
            path,
        } => verify(&file, &log, policy.as_deref(), path.as_deref()),
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

fn verify(
    file: &Path,
    dir: &Path,
    policy: Option<&Path>,
    path: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use cpansec_tlog::verify::{Problem, Trust, verify_file};
    use sha2::{Digest, Sha256};
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
    let vkey;
    let pol;
    let trust = match policy {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| p.display().to_string())?;
            pol = cpansec_tlog::Policy::parse(&text).with_context(|| p.display().to_string())?;
            Trust::Policy(&pol)
        }
        None => {
            let p = dir.join("log.vkey");
            let text = std::fs::read_to_string(&p).with_context(|| p.display().to_string())?;
            vkey = cpansec_tlog::Ed25519Verifier::from_vkey(text.trim_end())
                .with_context(|| p.display().to_string())?;
            Trust::Key(&vkey)
        }
    };
    let current = cpansec_tlog::sequencer::read_checkpoint(dir)?;
    let origin = current.lines().next().unwrap_or_default().to_string();
    let cache = seen_path(&origin);
    let seen = cache.as_ref().and_then(|c| std::fs::read_to_string(c).ok());
    let verdict = match verify_file(dir, &name, size, &sha, &trust, seen.as_deref()) {
        Err(
            e @ (cpansec_tlog::Error::ConsistencyProof { .. }
            | cpansec_tlog::Error::LogState { .. }),
        ) => {
            println!(
                "FAIL {}: the log does not extend the checkpoint seen before: {e}",
                file.display()
            );
            return Ok(ExitCode::from(exit::FINDINGS));
        }
        other => other?,
    };
    match verdict {
        Ok(v) => {
            if let Some(c) = &cache {
                cpansec_tlog::storage::write_atomic(c, v.checkpoint.as_bytes(), None).or_else(
                    |_| {
                        std::fs::create_dir_all(c.parent().unwrap_or(Path::new(".")))
                            .map_err(|e| cpansec_tlog::storage::io_error(c, &e))
                            .and_then(|()| {
                                cpansec_tlog::storage::write_atomic(
                                    c,
                                    v.checkpoint.as_bytes(),
                                    None,
                                )
                            })
                    },
                )?;
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
            Ok(ExitCode::from(exit::OK))
        }
        Err(Problem::NotLogged) => {
            println!("FAIL {}: no record for {name} in the log", file.display());
            Ok(ExitCode::from(exit::FINDINGS))
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
            Ok(ExitCode::from(exit::FINDINGS))
        }
    }
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

/// Appends in batches; prints a summary and every alarm. Exit 1 on an alarm.
fn append(dir: &Path, records: &[UploadRecord]) -> anyhow::Result<ExitCode> {
    let mut log = FileLog::open(dir)?;
    let (mut added, mut dup, mut alarms) = (0usize, 0usize, 0usize);
    let mut err = io::stderr().lock();
    for chunk in records.chunks(BATCH) {
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
