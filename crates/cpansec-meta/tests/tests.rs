//! Integration tests of cpansec-meta: one module per reader.

mod metafile;
mod cpanfile;
mod snapshot;
mod corelist;
mod distpath;
mod purl;
mod installed;
mod module_version;
mod support;
mod tarball;
