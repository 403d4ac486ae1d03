//! Integration tests for cpansec-audit, one module per topic.

mod support;

mod policy;
mod reference;
mod scan;
