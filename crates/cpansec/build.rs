//! Links the `cpansec` executable at a fixed address (no PIE) on Linux.
//!
//! A position-independent executable has every pointer in its read-only data
//! (vtables, string tables, clap's static command definitions: ~14,000 of them
//! in this binary) relocated by the dynamic loader at every start, which
//! touches and copies ~60 pages before `main` runs. The CLI is a short-lived
//! process started many times over (in scripts, CI, editors), so that start-up
//! cost is paid on every command; a fixed-address executable has none of it.
//! The libraries' code is still position-independent; only the final link
//! changes.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
