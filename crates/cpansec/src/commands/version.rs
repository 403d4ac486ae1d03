//! `cpansec version ...`: version.pm arithmetic on the command line.

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use cpansec_version::{Version, sort_lines};

use crate::cli::{Format, VersionCommand};

pub fn run(cmd: VersionCommand) -> anyhow::Result<u8> {
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
            let sorted = sort_lines(&input, reverse).map_err(|(n, err)| {
                let line = format!("{:?}", err.input);
                anyhow::Error::new(err).context(format!("line {}: {line}", n + 1))
            })?;
            // Through a small buffer, reused: a copy of the whole output
            // would touch as many fresh pages as the input did.
            let mut out = BufWriter::with_capacity(SORT_OUTPUT_BUFFER, out.get_mut());
            sorted.write_to(&mut out)?;
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(crate::exit::OK)
}

fn parse(s: &str) -> anyhow::Result<Version> {
    Ok(Version::parse(s)?)
}

/// The buffer `version sort` writes through: a few system calls for the
/// advisory database's versions, and few pages to touch.
const SORT_OUTPUT_BUFFER: usize = 16 * 1024;

/// The most `version sort` reads: far more than any list of versions, and
/// well inside what the sorter indexes with 32-bit offsets.
const MAX_SORT_INPUT: u64 = 1 << 30;

/// The concatenated contents of `files`, or stdin when there are none (`-` is
/// stdin too), each read up to [`MAX_SORT_INPUT`] in all.
fn read_inputs(files: &[PathBuf]) -> anyhow::Result<String> {
    let mut input = String::new();
    let stdin = [PathBuf::from("-")];
    for file in if files.is_empty() { &stdin[..] } else { files } {
        let name = if file.as_os_str() == "-" {
            "stdin".to_string()
        } else {
            file.display().to_string()
        };
        let source = if file.as_os_str() == "-" {
            stdin_file()
        } else {
            fs::File::open(file)
        }
        .with_context(|| format!("reading {name}"))?;
        // The size, when known, lets one allocation hold the whole input.
        let size = source.metadata().map(|m| m.len()).unwrap_or(0);
        input.reserve(usize::try_from(size.min(MAX_SORT_INPUT)).unwrap_or(0));
        let limit = MAX_SORT_INPUT - input.len() as u64;
        let read = source
            .take(limit + 1)
            .read_to_string(&mut input)
            .with_context(|| format!("reading {name}"))?;
        if read as u64 > limit {
            anyhow::bail!("reading {name}: the input is over {MAX_SORT_INPUT} bytes");
        }
        if !input.is_empty() && !input.ends_with('\n') {
            input.push('\n');
        }
    }
    Ok(input)
}

/// Standard input as a file, so that its size is known when it is one.
fn stdin_file() -> io::Result<fs::File> {
    use std::os::fd::AsFd;
    Ok(fs::File::from(io::stdin().as_fd().try_clone_to_owned()?))
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
