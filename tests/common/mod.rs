//! What more than one test module needs, in one place: `cli` (the binary in a temp dir of its
//! own, and a `piket serve` with its log), `in_process` (a server in this process; the benches
//! include it too), `http` (one raw HTTP/1.1 request), `record` (reading an engine's record),
//! `tui` (the TUI tests' world: the engine in memory on a clock the test moves), and the
//! waits below.

#![allow(dead_code)]

pub mod cli;
pub mod http;
pub mod in_process;
pub mod pty;
pub mod record;
pub mod tui;

use std::time::{Duration, Instant};

/// How long any wait may take before the test fails: only a safety net for a hang, never a
/// deadline to meet; every wait ends on the event it waits for.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// Poll `f` every 10 ms until it gives a value; fails the test, naming `what`, after
/// [`PATIENCE`].
pub fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// [`wait_for`] a condition.
pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    wait_for(what, || f().then_some(()));
}
