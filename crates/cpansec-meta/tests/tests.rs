//! Integration tests of cpansec-meta: one module per reader.

mod checksums;
mod packages;
mod snapshot;
mod support;
