//! Helpers shared by the integration tests: the shared test data and perl
//! as an oracle, from the workspace's test-support crate.

pub use cpansec_test_support::shared;
