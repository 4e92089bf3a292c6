//! Adaptive concurrency: as many calls in flight as the provider tolerates, never more than
//! asked for.
//!
//! Additive increase, multiplicative decrease, as TCP does it: a result that met a rate limit
//! (HTTP 429) halves the limit, and a streak of clean results as long as the limit grows it by
//! one. Shrinking never cancels calls in flight; finished calls simply do not hand their slot
//! back until the debt is paid.

use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The largest concurrency a run accepts.
pub const MAX_CONCURRENCY: usize = 256;

/// A concurrency limit that adapts to rate limits.
pub struct Limiter {
    sem: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: usize,
    max: usize,
    /// Slots to withhold as calls finish (after a decrease).
    debt: usize,
    streak: usize,
}

impl Limiter {
    /// Start at `max` (clamped to 1..=256).
    pub fn new(max: usize) -> Limiter {
        let max = max.clamp(1, MAX_CONCURRENCY);
        Limiter {
            sem: Arc::new(Semaphore::new(max)),
            state: Mutex::new(State { limit: max, max, debt: 0, streak: 0 }),
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.state.lock().map(|s| s.limit).unwrap_or(1)
    }

    /// Wait for a slot. `None` only if the semaphore was closed, which this type never does.
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.sem).acquire_owned().await.ok()
    }

    /// Give a slot back after a call, telling whether the call met a rate limit.
    pub fn release(&self, permit: OwnedSemaphorePermit, rate_limited: bool) {
        let Ok(mut s) = self.state.lock() else {
            return; // A poisoned lock only loses adaptation, never a slot's safety.
        };
        if rate_limited {
            let new = (s.limit / 2).max(1);
            if new != s.limit {
                tracing::debug!(from = s.limit, to = new, "concurrency: halved after a rate limit");
            }
            s.debt += s.limit - new;
            s.limit = new;
            s.streak = 0;
        } else {
            s.streak += 1;
            if s.streak >= s.limit && s.limit < s.max {
                s.streak = 0;
                s.limit += 1;
                tracing::debug!(to = s.limit, "concurrency: raised after a run of successes");
                if s.debt > 0 {
                    s.debt -= 1;
                } else {
                    self.sem.add_permits(1);
                }
            }
        }
        if s.debt > 0 {
            s.debt -= 1;
            permit.forget();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn halves_on_a_rate_limit_and_grows_back_by_streaks() {
        let l = Limiter::new(8);
        let permits: Vec<_> = futures_like_acquire(&l, 8).await;
        assert_eq!(l.sem.available_permits(), 0);
        let mut permits = permits.into_iter();
        l.release(permits.next().unwrap(), true);
        assert_eq!(l.limit(), 4);
        // The halving is paid by the next finishing calls: 7 in flight, 4 allowed.
        for p in permits.by_ref().take(3) {
            l.release(p, false);
        }
        assert_eq!(l.sem.available_permits(), 0, "debt of 4 paid by 4 finished calls");
        // The 4th clean result in a row at limit 4 grows it to 5.
        for p in permits {
            l.release(p, false);
        }
        assert_eq!((l.limit(), l.sem.available_permits()), (5, 5));
        // Streaks as long as the limit grow it by one each … never above the requested 8.
        for _ in 0..100 {
            let p = l.acquire().await.unwrap();
            l.release(p, false);
        }
        assert_eq!(l.limit(), 8);
        assert_eq!(l.sem.available_permits(), 8);
    }

    #[tokio::test]
    async fn never_below_one() {
        let l = Limiter::new(1);
        for _ in 0..3 {
            let p = l.acquire().await.unwrap();
            l.release(p, true);
        }
        assert_eq!(l.limit(), 1);
        assert_eq!(l.sem.available_permits(), 1);
        assert_eq!(Limiter::new(10_000).limit(), MAX_CONCURRENCY);
    }

    async fn futures_like_acquire(l: &Limiter, n: usize) -> Vec<OwnedSemaphorePermit> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(l.acquire().await.unwrap());
        }
        v
    }
}
