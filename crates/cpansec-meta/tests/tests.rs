//! Integration tests of cpansec-meta: one module per reader.

mod snapshot;
mod support;
