//! Integration tests of cpansec-meta: one module per reader.

mod cpanfile;
mod support;
