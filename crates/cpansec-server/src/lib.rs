//! HTTP front ends of cpansec, each a [`axum::Router`] the CLI's `serve`
//! commands mount: the vulnerability index ([`index`]: HTML pages and the
//! OSV-compatible API) and the transparency log ([`tlog`]: C2SP tlog-tiles
//! endpoints, the witness's add-checkpoint; its web pages, `/uploads`, are
//! the index's, see [`index::router_with_log`]). Listening, shutdown and reload
//! live here too, so every front end behaves the same way.

pub mod index;
pub mod serve;
pub mod tlog;
pub mod witness;
