//! One module per command group; each turns validated arguments into work in
//! the library crates and writes the result.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

mod patch;
mod sbom;
mod version;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Version(cmd) => version::run(cmd),
        Command::Patch(args) => patch::run(args),
        Command::Sbom(args) => sbom::run(args),
    }
}
