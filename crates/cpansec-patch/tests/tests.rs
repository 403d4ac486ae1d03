//! Integration tests of cpansec-patch: the real registry in `../shared`, and
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers of tests: a failure is a test failure
//! GNU patch as the oracle for applying.

mod apply;
mod registry;
mod support;
