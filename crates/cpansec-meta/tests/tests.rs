//! Integration tests of cpansec-meta: one module per reader.

mod packages;
mod snapshot;
mod support;
