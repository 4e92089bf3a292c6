//! The live request log the GUI's Server panel shows: method, path, status, latency. Never a
//! header or a body, so no key or transcript can reach it.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many requests are kept.
pub const KEPT: usize = 500;

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    pub at: String,
    pub method: String,
    /// The path without its query (queries may carry ids, never keys, but paths are enough).
    pub path: String,
    pub status: u16,
    pub latency_ms: f64,
}

/// A shared ring of the last [`KEPT`] requests.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    inner: Arc<Mutex<VecDeque<LogEntry>>>,
    total: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestLog {
    pub fn push(&self, entry: LogEntry) {
        self.total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut log) = self.inner.lock() {
            if log.len() == KEPT {
                log.pop_front();
            }
            log.push_back(entry);
        }
    }

    /// The kept entries, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.inner.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default()
    }

    /// Requests served since start.
    pub fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }
}
