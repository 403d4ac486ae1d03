//! Integration tests for cpansec-audit, one module per topic.

mod support;

mod inputs;
mod policy;
mod reference;
mod scan;
