//! The `cpansec` command: parse arguments, dispatch, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod exit;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    }
}
