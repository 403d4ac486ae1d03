//! Integration tests of the `cpansec` binary: one module per command group,
//! each running the built binary on real inputs from `../shared`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers of tests: a failure is a test failure

mod audit;
mod audit_inputs;
mod audit_sbom;
mod cve;
mod db;
mod log;
mod log_remote;
mod meta;
mod patch;
mod sbom;
mod serve;
mod start;
mod support;
mod version;
mod witness;
