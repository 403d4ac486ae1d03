//! On-CPU time for criterion's `iter_custom`: the time this thread spent on
//! a CPU (`/proc/thread-self/schedstat`), which stays meaningful on a
//! shared, overloaded machine where wall-clock time mostly measures waiting.

use std::time::{Duration, Instant};

/// Time this thread has run on a CPU, from Linux's schedstat (nanoseconds);
/// `None` where that file does not exist.
fn on_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

/// Runs `f` `iters` times and returns the on-CPU time; wall time where the
/// kernel does not report it, or has not accounted the run yet (it adds a
/// running thread's time at scheduler ticks and switches, so a run shorter
/// than a tick can read as zero, which criterion rejects).
pub fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    let (c0, w0) = (on_cpu(), Instant::now());
    for _ in 0..iters {
        f();
    }
    match (c0, on_cpu()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => w0.elapsed(),
    }
}
