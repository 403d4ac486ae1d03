//! Integration tests of cpansec-advisory over the real database files in ../shared.

mod cache;
mod cna;
mod diff;
mod lint;
mod loading;
mod osv;
mod query;
mod support;
mod update;
mod yaml;
