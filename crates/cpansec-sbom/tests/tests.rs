//! Integration tests of cpansec-sbom, one binary; topics in modules.

mod corpus;
mod local;
mod read;
mod support;
mod validators;
