//! Integration tests of cpansec-meta: one module per reader.

mod cpanfile;
mod cpanfile_generated;
mod support;
