//! SIGINT and SIGTERM for command-line runs: stop starting calls, let the calls in flight
//! finish and commit, then end; a second signal, or the grace period running out, drops them.
//!
//! Why wait: a call in flight has been paid for or soon will be. Dropping its reply on Ctrl-C
//! meant the rerun paid again; waiting a bounded time keeps it, and the run says how many calls
//! were dropped when the user insists.

use super::run::Stops;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// How long calls in flight may take to finish after the first signal.
pub const GRACE: Duration = Duration::from_secs(30);

/// SIGINT's number, for the exit code (128 + 2 = 130).
pub const SIGINT: i32 = 2;
/// SIGTERM's number, for the exit code (128 + 15 = 143).
pub const SIGTERM: i32 = 15;

/// Which signal ended the run, if any (0: none).
#[derive(Debug, Clone, Default)]
pub struct Received(Arc<AtomicI32>);

impl Received {
    /// The first signal received, `None` if there was none.
    pub fn signal(&self) -> Option<i32> {
        Some(self.0.load(Ordering::SeqCst)).filter(|&n| n != 0)
    }

    /// The conventional exit code for it (128 + the signal number).
    pub fn exit_code(&self) -> Option<u8> {
        self.signal().and_then(|n| u8::try_from(128 + n).ok())
    }
}

/// Watch for SIGINT and SIGTERM on the current runtime: the first stops `stops.stop` (after
/// `notify` with the signal's name), the second or [`GRACE`] later cancels `stops.cancel`.
pub fn stop_on_signals(stops: Stops, notify: impl Fn(&str) + Send + Sync + 'static) -> Received {
    let received = Received::default();
    let seen = received.clone();
    tokio::spawn(async move {
        let Some(first) = next_signal(&stops).await else { return };
        seen.0.store(first, Ordering::SeqCst);
        notify(if first == SIGTERM { "SIGTERM" } else { "SIGINT" });
        stops.stop.cancel();
        tokio::select! {
            _ = next_signal(&stops) => {}
            _ = tokio::time::sleep(GRACE) => {}
            _ = stops.cancel.cancelled() => return,
        }
        notify("again: dropping the calls in flight");
        stops.cancel.cancel();
    });
    received
}

/// The next SIGINT or SIGTERM, or `None` when the run ended first (or signals are unavailable).
async fn next_signal(stops: &Stops) -> Option<i32> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
        else {
            return None;
        };
        tokio::select! {
            _ = int.recv() => Some(SIGINT),
            _ = term.recv() => Some(SIGTERM),
            _ = stops.cancel.cancelled() => None,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.ok().map(|()| SIGINT),
            _ = stops.cancel.cancelled() => None,
        }
    }
}
