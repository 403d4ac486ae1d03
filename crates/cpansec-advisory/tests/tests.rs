//! Integration tests of cpansec-advisory over the real database files in ../shared.

mod cache;
mod cna;
mod diff;
mod feed;
mod lint;
mod loading;
mod osv;
mod perl;
mod query;
mod support;
mod update;
mod yaml;
