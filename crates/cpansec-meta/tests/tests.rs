//! Integration tests of cpansec-meta: one module per reader.

mod license;
mod metafile;
mod support;
