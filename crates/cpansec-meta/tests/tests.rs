//! Integration tests of cpansec-meta: one module per reader.

mod distpath;
mod purl;
mod support;
