//! Serves a log directory's transparency-log endpoints, to try them by hand:
//!
//! ```text
//! cargo run -p cpansec-server --example tlog_serve -- DIR [ADDR]
//! curl http://127.0.0.1:8080/checkpoint
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: tlog_serve DIR [ADDR]");
        return ExitCode::from(2);
    };
    let addr = args.next().map_or_else(
        || "127.0.0.1:8080".to_string(),
        |a| a.to_string_lossy().into_owned(),
    );
    let app = match cpansec_server::tlog::router(&dir) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    let served = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        eprintln!(
            "serving {} on http://{}",
            dir.display(),
            listener.local_addr()?
        );
        axum::serve(listener, app).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {addr}: {e}");
            ExitCode::from(3)
        }
    }
}
