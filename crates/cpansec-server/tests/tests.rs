//! cpansec-server's tests: the index over real HTTP on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod browser;
mod html;
mod ops;
mod support;
mod uploads;
