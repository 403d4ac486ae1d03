//! Integration tests of the `cpansec` binary.

mod db;
mod support;
