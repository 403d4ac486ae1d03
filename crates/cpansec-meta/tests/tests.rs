//! Integration tests of cpansec-meta: one module per reader.

mod checksums;
mod corelist;
mod cpanfile;
mod cpanfile_generated;
mod distpath;
mod installed;
mod license;
mod makefile_pl;
mod metafile;
mod module_version;
mod packages;
mod purl;
mod snapshot;
mod support;
mod tarball;
