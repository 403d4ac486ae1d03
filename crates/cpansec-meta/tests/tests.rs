//! Integration tests of cpansec-meta: one module per reader.

mod installed;
mod module_version;
mod support;
