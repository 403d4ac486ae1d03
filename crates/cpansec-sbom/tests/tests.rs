//! Integration tests of cpansec-sbom, one binary; topics in modules.

mod corpus;
mod local;
mod support;
mod validators;
