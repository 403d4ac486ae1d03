//! The `cpansec` command: parse arguments, dispatch, map the outcome to an exit code.
//!
//! The process enters at a C `main` of its own rather than through Rust's
//! runtime start-up; [`start`] says why and what it does instead.

// Under `cargo test` the test harness provides the entry point.
#![cfg_attr(not(test), no_main)]

use clap::Parser;

mod arena;
mod cli;
mod commands;
mod exit;
#[cfg_attr(test, allow(dead_code))] // the test harness has its own entry point
mod start;

/// Every allocation of the executable (the unit tests keep the system's).
#[cfg_attr(not(test), global_allocator)]
#[cfg_attr(test, allow(dead_code))]
static ALLOCATOR: arena::Arena = arena::Arena::new();

/// The entry point the C runtime calls.
#[cfg(not(test))]
#[allow(unsafe_code)] // the entry point must have this symbol name
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    start::prepare();
    ALLOCATOR.reserve(arena::SIZE);
    start::finish(run())
}

/// Runs the command line's command and returns the exit status. A panic is
/// reported by the panic hook as usual and exits with 101, as from a Rust
/// `main`.
#[cfg_attr(test, allow(dead_code))]
fn run() -> u8 {
    std::panic::catch_unwind(|| match commands::run(cli::Cli::parse()) {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    })
    .unwrap_or(start::PANICKED)
}
