//! `cpansec witness ...`: create a transparency-log witness and serve its
//! tlog-witness HTTP interface. The protocol and the state are in cpansec-tlog's
//! witness module, the HTTP side in cpansec-server.

use std::path::Path;

use anyhow::Context;
use cpansec_tlog::witness::{CONFIG_FILE, Witness};

use crate::cli::WitnessCommand;
use crate::exit;

pub fn run(cmd: WitnessCommand) -> anyhow::Result<u8> {
    match cmd {
        WitnessCommand::Init { dir, name } => {
            let vkey = Witness::init(&dir, &name)?;
            println!("{vkey}");
            eprintln!(
                "add the logs to witness to {}",
                dir.join(CONFIG_FILE).display()
            );
            Ok(exit::OK)
        }
        WitnessCommand::Serve { dir, addr } => serve(&dir, addr),
    }
}

fn serve(dir: &Path, addr: std::net::SocketAddr) -> anyhow::Result<u8> {
    // A server runs for days: its memory must be reused when freed.
    crate::ALLOCATOR.close();
    let witness = Witness::open(dir)?;
    let origins: Vec<String> = witness.origins().map(str::to_owned).collect();
    eprintln!(
        "witness {} ({}) for {} log(s): {}",
        witness.name(),
        witness.verifier().vkey(),
        origins.len(),
        origins.join(", ")
    );
    cpansec_server::witness::run(witness, addr, |bound| {
        eprintln!("listening on http://{bound}");
    })
    .with_context(|| format!("serving on {addr}"))?;
    eprintln!("shutting down");
    Ok(exit::OK)
}
