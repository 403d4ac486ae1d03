//! Integration tests of cpansec-tlog against published vectors, Go's
//! `golang.org/x/mod/sumdb/{note,tlog}`, and exhaustive and property checks.

mod support;

mod cosignature;
mod exhaustive;
mod go_interop;
mod litewitness;
mod log;
mod merkle_vectors;
mod notes;
mod policy_proof;
mod properties;
mod tessera;
mod witness;
