//! Command-line arguments, as clap structs. Validation and work happen in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Supply-chain security for Perl and CPAN.
///
/// Exit codes: 0 ok, 1 findings at or above the threshold, 2 usage or
/// configuration error, 3 input or runtime error.
#[derive(Debug, Parser)]
#[command(name = "cpansec", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare, sort and normalise Perl versions exactly as version.pm does.
    #[command(subcommand)]
    Version(VersionCommand),
}

#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// Compare two versions: prints -1, 0 or 1.
    Cmp { a: String, b: String },
    /// Sort versions, one per line, ascending by version.pm order (stable:
    /// equal versions keep their input order). An unparseable line is an error
    /// naming its line number (exit 3).
    Sort {
        /// Files to read; stdin when none is given (or for `-`).
        files: Vec<PathBuf>,
        /// Sort descending.
        #[arg(short, long)]
        reverse: bool,
    },
    /// Print the normal form (`v1.2.3`).
    Normal { version: String },
    /// Print the numified form (`1.002003`).
    Numify { version: String },
    /// Show everything version.pm knows about a version.
    Show {
        version: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
