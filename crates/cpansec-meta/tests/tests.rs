//! Integration tests of cpansec-meta: one module per reader.

mod module_version;
mod support;
