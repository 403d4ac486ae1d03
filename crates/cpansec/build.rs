//! Links the `cpansec` executable for a fast start on Linux: at a fixed address
//! (no PIE), and with the static unwinder (see [`static_unwinder`]).
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
        static_unwinder();
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// Resolves the standard library's `-lgcc_s` to GCC's static unwinder.
///
/// Loading libgcc_s.so costs every process about 0.14 ms here, a tenth of a
/// small command (its constructor probes the CPU with `cpuid`, which traps
/// in a virtual machine; BENCHMARKS.md, "Process start"). The same unwinder
/// linked in costs nothing at start. The linker takes a linker script in
/// place of an archive: `libgcc_s.a` here names `libgcc_eh.a`, and the
/// linker finds it before the shared library, since this directory is
/// searched first.
fn static_unwinder() {
    let Ok(out) = std::env::var("OUT_DIR") else {
        return;
    };
    let script = std::path::Path::new(&out).join("libgcc_s.a");
    if std::fs::write(&script, "INPUT(-lgcc_eh)\n").is_ok() {
        println!("cargo:rustc-link-search=native={out}");
    }
}
