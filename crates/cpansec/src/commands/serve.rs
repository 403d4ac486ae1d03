//! `cpansec serve`: the vulnerability index over HTTP. The database comes
//! from the same resolution as every other command (`--db`, `CPANSEC_DB`,
//! the downloaded copy, the embedded snapshot); the server is
//! `cpansec-server`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cpansec_patch::Registry;
use cpansec_server::index::{self, Shared, Snapshot};
use cpansec_server::serve::{self, Limits, Loader, Log, Reloader};

use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    // A server runs for days, reloading its index: its memory must be reused
    // when freed.
    crate::ALLOCATOR.close();
    let db_path = args.db.clone();
    let patches_dir = args.patches.clone();
    let loader: Loader = Arc::new(move || {
        let (db, _) = super::db::open(db_path.as_deref()).map_err(|e| format!("{e:#}"))?;
        let patches = match &patches_dir {
            Some(dir) => Some(Registry::load(dir).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok((db, patches))
    });
    let (db, patches) = loader().map_err(anyhow::Error::msg)?;
    let watched = super::db::location(args.db.as_deref());
    let snapshot =
        Snapshot::build(db, patches, None, index::now()).context("building the index")?;
    let shared = Arc::new(Shared::new(snapshot));

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.build().context("starting the async runtime")?;
    runtime.block_on(async move {
        let log = Log::stderr(65_536);
        let reloader = Reloader::new(Arc::clone(&shared), loader, log.clone());
        reloader
            .on_sighup()
            .context("installing the SIGHUP handler")?;
        if let (Some(path), true) = (watched, args.watch_interval > 0) {
            reloader.watch(path, Duration::from_millis(args.watch_interval));
        }
        let app = match &args.log {
            Some(dir) => {
                // The log's C2SP tlog-tiles endpoints live under /log/, so its
                // URL for `cpansec log verify --log` is http://HOST/log; its
                // pages are the index's /uploads.
                let (log_router, view) = cpansec_server::tlog::open(dir)
                    .with_context(|| format!("--log {}", dir.display()))?;
                index::router_with_log(Arc::clone(&shared), Some(view)).nest("/log", log_router)
            }
            None => index::router(Arc::clone(&shared)),
        };
        let limits = Limits {
            max_in_flight: args.max_in_flight,
            request_timeout: Duration::from_secs(args.timeout.max(1)),
        };
        let app = serve::harden(app, &limits, log.clone());
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let addr = listener.local_addr()?;
        log.event(serde_json::json!({"event": "listening", "addr": addr.to_string()}));
        serve::run(listener, app, serve::shutdown_signal()).await?;
        log.event(serde_json::json!({"event": "stopped"}));
        log.flush();
        anyhow::Ok(())
    })?;
    Ok(crate::exit::OK)
}
