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
