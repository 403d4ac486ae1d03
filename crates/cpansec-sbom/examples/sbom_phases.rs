//! Builds the SBOM of a project directory and writes it, N times, printing
//! the mean time of each phase (model, document) to stderr; the last
//! document goes to stdout. For profiling the library without the CLI:
//!
//! ```text
//! cargo run --release -p cpansec-sbom --example sbom_phases -- DIR spdx-2.3 200 > out.json
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cpansec_sbom::{Format, Options, Sbom, Timestamp};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(format)) = (args.next(), args.next()) else {
        eprintln!("usage: sbom_phases DIR cyclonedx|cyclonedx-1.5|spdx-2.3|spdx-3.0 [N] [PERL]");
        std::process::exit(2);
    };
    let format = match format.as_str() {
        "cyclonedx" => Format::CycloneDx16,
        "cyclonedx-1.5" => Format::CycloneDx15,
        "spdx-2.3" => Format::Spdx23,
        "spdx-3.0" => Format::Spdx301,
        other => {
            eprintln!("unknown format {other}");
            std::process::exit(2);
        }
    };
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1).max(1);
    let mut options = Options::new(Timestamp::from_unix(1_700_000_000).expect("time"));
    options.perl_version = args.next();
    let dir = PathBuf::from(dir);
    let (mut model, mut write) = (Duration::ZERO, Duration::ZERO);
    let mut out = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let sbom = match Sbom::from_project(&dir, &options) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        model += t.elapsed();
        let t = Instant::now();
        out.clear();
        format.write(&sbom, &mut out).expect("write to memory");
        write += t.elapsed();
    }
    eprintln!(
        "model {:?}, document {:?} ({} bytes), mean of {n}",
        model / n,
        write / n,
        out.len()
    );
    std::io::stdout().write_all(&out).expect("stdout");
}
