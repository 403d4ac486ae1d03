//! Integration tests of cpansec-version.

mod support;
