//! One module per command group; each turns validated arguments into work in
//! the library crates and writes the result.

use crate::cli::{Cli, Command};

mod audit;
mod cve;
mod db;
mod log;
mod log_source;
mod meta;
mod patch;
mod sbom;
mod serve;
mod version;
mod witness;

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Version(cmd) => version::run(cmd),
        Command::Db(args) => db::run(args),
        Command::Patch(args) => patch::run(args),
        Command::Meta(cmd) => meta::run(cmd),
        Command::Sbom(args) => sbom::run(args),
        Command::Cve(args) => cve::run(args),
        Command::Log(cmd) => log::run(cmd),
        Command::Audit(args) => audit::run(*args),
        Command::Witness(cmd) => witness::run(cmd),
        Command::Serve(args) => serve::run(args),
    }
}
