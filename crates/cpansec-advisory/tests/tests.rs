//! Integration tests of cpansec-advisory over the real database files in ../shared.

mod loading;
mod query;
mod support;
