//! Process start-up and exit without Rust's runtime start-up.
//!
//! Before a Rust `main`, the standard library finds the main thread's stack
//! to install a stack-overflow handler, and glibc finds it by reading and
//! parsing `/proc/self/maps`: together about a fifth of the start-up of an
//! empty program here (BENCHMARKS.md, "Process start"), paid by every
//! command, however small. `cpansec` enters at its own C `main` instead and
//! does the rest of that start-up itself: SIGPIPE ignored (a closed pipe is
//! an error the commands handle, as under Rust's start-up), the standard
//! descriptors opened on `/dev/null` where they are closed (so that no file
//! the command opens becomes its stdout), and stdout flushed at exit.
//! Command-line arguments need nothing: on glibc the standard library takes
//! them before any `main`. What is given up is the message on a stack
//! overflow; the process is still stopped by the guard page.

#![allow(unsafe_code)] // calls into libc, each with its safety argument

use std::io::Write;

/// The exit status of a panic, as from a Rust `main`.
pub const PANICKED: u8 = 101;

/// What Rust's start-up does that the commands rely on.
pub fn prepare() {
    // SAFETY: called first, before any thread exists; SIG_IGN is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd for the call's length;
    // a zero timeout does not block.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    if polled < 0 {
        return;
    }
    for fd in fds {
        if fd.revents & libc::POLLNVAL != 0 {
            // SAFETY: a NUL-terminated path and valid flags. Descriptors are
            // taken lowest first, so this fills the closed one; on failure
            // it stays closed, as it was.
            unsafe {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
    }
}

/// Flushes stdout and turns `code` into the process's exit status.
pub fn finish(code: u8) -> std::ffi::c_int {
    // A failed flush leaves nothing to report it to but stderr, and the
    // commands flush what they write themselves.
    let _ = std::io::stdout().flush();
    std::ffi::c_int::from(code)
}

/// `pow`, the one function of the C maths library that the executable needs
/// (tokio's scheduler statistics call it). Defined here, it keeps libm.so
/// from being loaded at all: loading a library costs every process, even an
/// empty one, about 0.1 ms here (BENCHMARKS.md, "Process start"), and the
/// linker drops a library nothing refers to. The pure-Rust port of the same
/// algorithm (musl's) computes it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[unsafe(no_mangle)]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn pow_computes_powers() {
        assert_eq!(super::pow(2.0, 10.0), 1024.0);
        assert_eq!(super::pow(0.5, 3.0), 0.125);
        assert_eq!(super::pow(9.0, 0.5), 3.0);
        assert!((super::pow(0.9, 7.5) - 0.453_752_280_539_336_86).abs() < 1e-15);
        assert!(super::pow(-1.0, 0.5).is_nan());
    }
}
