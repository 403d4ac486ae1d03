//! Integration tests of cpansec-sbom, one binary; topics in modules.

mod support;
