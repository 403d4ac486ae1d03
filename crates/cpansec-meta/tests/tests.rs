//! Integration tests of cpansec-meta: one module per reader.

mod corelist;
mod distpath;
mod purl;
mod support;
