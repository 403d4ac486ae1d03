//! Integration tests of cpansec-meta: one module per reader.

mod makefile_pl;
mod support;
mod tarball;
