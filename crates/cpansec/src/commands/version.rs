//! `cpansec version ...`: version.pm arithmetic on the command line.

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cpansec_version::{Version, sort_permutation};

use crate::cli::{Format, VersionCommand};

pub fn run(cmd: VersionCommand) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match cmd {
        VersionCommand::Cmp { a, b } => {
            let ordering = parse(&a)?.cmp(&parse(&b)?);
            writeln!(out, "{}", ordering as i8)?;
        }
        VersionCommand::Normal { version } => writeln!(out, "{}", parse(&version)?.normal())?,
        VersionCommand::Numify { version } => writeln!(out, "{}", parse(&version)?.numify())?,
        VersionCommand::Show { version, format } => show(&mut out, &parse(&version)?, format)?,
        VersionCommand::Sort { reverse, files } => {
            let input = read_inputs(&files)?;
            let lines = split_lines(&input);
            let mut order = sort_permutation(&lines).map_err(|(n, err)| {
                anyhow::Error::new(err).context(format!("line {}: {:?}", n + 1, lines[n]))
            })?;
            if reverse {
                reverse_stably(&lines, &mut order);
            }
            let mut sorted = Vec::with_capacity(input.len() + 1);
            for n in order {
                sorted.extend_from_slice(lines[n].as_bytes());
                sorted.push(b'\n');
            }
            out.write_all(&sorted)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn parse(s: &str) -> anyhow::Result<Version> {
    Ok(Version::parse(s)?)
}

/// The concatenated contents of `files`, or stdin when there are none (`-` is
/// stdin too).
fn read_inputs(files: &[PathBuf]) -> anyhow::Result<String> {
    let mut input = String::new();
    if files.is_empty() {
        io::stdin()
            .lock()
            .read_to_string(&mut input)
            .context("reading versions from stdin")?;
    }
    for file in files {
        if file.as_os_str() == "-" {
            io::stdin().lock().read_to_string(&mut input)
        } else {
            fs::File::open(file).and_then(|mut f| f.read_to_string(&mut input))
        }
        .with_context(|| format!("reading {}", file.display()))?;
        if !input.is_empty() && !input.ends_with('\n') {
            input.push('\n');
        }
    }
    Ok(input)
}

/// `str::lines` without its per-character work: split on `\n`, drop one
/// trailing `\r`, no empty last line.
fn split_lines(input: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(input.len() / 6);
    let mut start = 0;
    for (i, &b) in input.as_bytes().iter().enumerate() {
        if b == b'\n' {
            let line = &input[start..i];
            lines.push(line.strip_suffix('\r').unwrap_or(line));
            start = i + 1;
        }
    }
    if start < input.len() {
        let line = &input[start..];
        lines.push(line.strip_suffix('\r').unwrap_or(line));
    }
    lines
}

/// Turns an ascending stable order into a descending one that still keeps equal
/// versions in input order.
fn reverse_stably(lines: &[&str], order: &mut [usize]) {
    order.reverse();
    let mut start = 0;
    while start < order.len() {
        let first = Version::parse(lines[order[start]]).ok();
        let mut end = start + 1;
        while end < order.len() && Version::parse(lines[order[end]]).ok() == first {
            end += 1;
        }
        order[start..end].reverse();
        start = end;
    }
}

fn show(out: &mut impl Write, v: &Version, format: Format) -> io::Result<()> {
    match format {
        Format::Text => {
            writeln!(out, "stringify {v}")?;
            writeln!(out, "normal    {}", v.normal())?;
            writeln!(out, "numify    {}", v.numify())?;
            writeln!(out, "is_alpha  {}", v.is_alpha())?;
            writeln!(out, "is_qv     {}", v.is_qv())?;
            writeln!(out, "parts     {:?}", v.parts())
        }
        Format::Json => {
            let doc = serde_json::json!({
                "stringify": v.to_string(),
                "normal": v.normal(),
                "numify": v.numify(),
                "is_alpha": v.is_alpha(),
                "is_qv": v.is_qv(),
                "parts": v.parts(),
            });
            writeln!(out, "{doc:#}")
        }
    }
}
