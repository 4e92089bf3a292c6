//! When a failed delivery is tried again.
//!
//! The default is the Standard Webhooks schedule: immediately, then 5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h and 10 h after each failure — eight attempts over about 28 hours, after which the
//! delivery is `failed`. Each wait gets ±10% jitter so that a receiver coming back from an outage
//! is not hit by every delivery in the same second. A `Retry-After` from the receiver replaces
//! the wait (capped at [`MAX_RETRY_AFTER`]), never the number of attempts, so no loop is
//! unbounded.

use std::time::Duration;

/// The longest `Retry-After` honoured; longer asks wait this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 3600);

/// The waits before attempts 1, 2, … (the first is normally zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    waits: Vec<Duration>,
}

/// A schedule that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a retry schedule; write waits separated by commas, e.g. 0,5s,5m,30m,2h")]
pub struct ScheduleError(pub String);

impl Default for RetrySchedule {
    fn default() -> RetrySchedule {
        let (s, m, h) = (1, 60, 3600);
        let waits = [0, 5 * s, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h];
        RetrySchedule { waits: waits.into_iter().map(Duration::from_secs).collect() }
    }
}

impl RetrySchedule {
    /// Parse `0,5s,5m,30m,2h` (units ms, s, m, h; a bare number is seconds).
    pub fn parse(text: &str) -> Result<RetrySchedule, ScheduleError> {
        let err = || ScheduleError(text.to_string());
        let waits = text
            .split(',')
            .map(|part| parse_wait(part.trim()).ok_or_else(err))
            .collect::<Result<Vec<_>, _>>()?;
        if waits.is_empty() || waits.len() > 50 {
            return Err(err());
        }
        Ok(RetrySchedule { waits })
    }

    /// How many attempts a delivery gets in all.
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.waits.len()).unwrap_or(u32::MAX)
    }

    /// The wait before the next attempt after `done` attempts failed; `None` when there is none.
    pub fn wait_after(&self, done: u32) -> Option<Duration> {
        self.waits.get(usize::try_from(done).ok()?).copied()
    }
}

fn parse_wait(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    Some(match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    })
}

/// `wait` with ±10% jitter.
pub fn jittered(wait: Duration) -> Duration {
    wait.mul_f64(0.9 + 0.2 * fastrand::f64())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_standard_webhooks_schedule() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 8);
        assert_eq!(s.wait_after(0), Some(Duration::ZERO));
        assert_eq!(s.wait_after(1), Some(Duration::from_secs(5)));
        assert_eq!(s.wait_after(2), Some(Duration::from_secs(300)));
        assert_eq!(s.wait_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(s.wait_after(8), None, "eight attempts, then failed");
        assert_eq!(RetrySchedule::parse("0,5s,5m,30m,2h,5h,10h,10h").unwrap(), s);
    }

    #[test]
    fn schedules_parse_or_say_how() {
        let s = RetrySchedule::parse("0, 200ms, 1").unwrap();
        assert_eq!(s.wait_after(1), Some(Duration::from_millis(200)));
        assert_eq!(s.wait_after(2), Some(Duration::from_secs(1)));
        assert!(RetrySchedule::parse("5 minutes").unwrap_err().to_string().contains("e.g."));
        assert!(RetrySchedule::parse("").is_err());
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..1000 {
            let j = jittered(Duration::from_secs(100));
            assert!(j >= Duration::from_secs(90) && j <= Duration::from_secs(110), "{j:?}");
        }
    }
}
