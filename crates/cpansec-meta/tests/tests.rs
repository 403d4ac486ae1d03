//! Integration tests of cpansec-meta: one module per reader.

mod support;
mod tarball;
