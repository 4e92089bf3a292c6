//! Retrying transient HTTP failures: which statuses, how long to wait, and the record of it.
//!
//! Rate limits (429), server errors (500, 502, 503, 504) and Anthropic's "overloaded" (529) are
//! retried up to four times, as are connection failures and timeouts. The wait is what the
//! server asked for (`Retry-After` in seconds or as an HTTP date, `retry-after-ms`, or the
//! `x-ratelimit-reset-*` durations), else exponential backoff with full jitter. Client errors
//! (400, 401, 403, 404, …) are never retried: asking again would fail the same way. Every retry
//! is recorded so the outcome shows what happened and how long it waited.

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    /// First backoff step; doubles each retry.
    pub base: Duration,
    /// Longest wait, whatever the server asks.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { max_retries: 4, base: Duration::from_millis(500), cap: Duration::from_secs(60) }
    }
}

/// One failed try that was retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    pub http_status: Option<u16>,
    /// "HTTP 429: Rate limit reached…" or "timeout: …".
    pub reason: String,
    /// How long Debrief waited before trying again.
    pub delay_ms: u64,
    /// The error body, verbatim.
    pub body: String,
}

/// Told before each wait for a retry: the failed try, the number of the try that follows
/// (2 for the first retry) and the most tries there will be. Set per task with [`RETRY_HOOK`] so
/// a front end can show "retrying in 4 s (attempt 2 of 5)" without the providers knowing it.
pub type RetryHook = std::sync::Arc<dyn Fn(&Retry, u32, u32) + Send + Sync>;

tokio::task_local! {
    /// The hook of the task making the call, if any.
    pub static RETRY_HOOK: RetryHook;
}

/// Call the current task's hook, if it has one.
pub fn notify_retry(retry: &Retry, next_try: u32, max_tries: u32) {
    let _ = RETRY_HOOK.try_with(|hook| hook(retry, next_try, max_tries));
}

/// Statuses worth trying again.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// The wait the server asked for, if any.
pub fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    if let Some(v) = header("retry-after") {
        if let Ok(secs) = v.parse::<f64>() {
            return Some(Duration::from_secs_f64(secs.max(0.0)));
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .iter()
        .filter_map(|name| header(name).and_then(parse_go_duration))
        .max()
}

/// OpenAI's reset headers use Go-style durations: "1s", "6m0s", "20ms", "1h2m3.5s".
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0.0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut seen = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += value * unit;
        seen = true;
    }
    if !number.is_empty() || !seen {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

/// Exponential backoff with full jitter for retry number `retry` (0-based).
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let ceiling = policy.base.saturating_mul(2u32.saturating_pow(retry)).min(policy.cap);
    let millis = ceiling.as_millis() as u64;
    // Full jitter spreads retries of concurrent requests, half of it as a floor keeps a real pause.
    Duration::from_millis(millis / 2 + fastrand::u64(0..=millis / 2))
}

/// The wait before retry number `retry`: the server's wish, else backoff; never above the cap.
pub fn delay(policy: &RetryPolicy, retry: u32, headers: Option<&HeaderMap>) -> Duration {
    delay_with_body(policy, retry, headers, "")
}

/// [`delay`], also reading Google's wait from the error body when no header gives one:
/// `{"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
/// "retryDelay": "12s"}]}}`.
pub fn delay_with_body(
    policy: &RetryPolicy,
    retry: u32,
    headers: Option<&HeaderMap>,
    body: &str,
) -> Duration {
    headers
        .and_then(|h| server_delay(h, SystemTime::now()))
        .or_else(|| body_delay(body))
        .unwrap_or_else(|| backoff(policy, retry))
        .min(policy.cap)
}

/// `retryDelay` ("12s", "0.5s") from a google.rpc.RetryInfo detail.
fn body_delay(body: &str) -> Option<Duration> {
    if !body.contains("retryDelay") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let details = v.pointer("/error/details")?.as_array()?;
    details.iter().find_map(|d| {
        let secs: f64 = d.get("retryDelay")?.as_str()?.strip_suffix('s')?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn googles_retry_info_in_the_body_is_honoured() {
        let policy = RetryPolicy { cap: Duration::from_secs(60), ..RetryPolicy::default() };
        let body = r#"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"}]}}"#;
        assert_eq!(delay_with_body(&policy, 0, None, body), Duration::from_millis(12_500));
        // A header still wins, and the cap still applies.
        let h = headers(&[("retry-after", "3")]);
        assert_eq!(delay_with_body(&policy, 0, Some(&h), body), Duration::from_secs(3));
        let capped = RetryPolicy { cap: Duration::from_secs(5), ..policy };
        assert_eq!(delay_with_body(&capped, 0, None, body), Duration::from_secs(5));
    }

    #[test]
    fn statuses() {
        for s in [429, 500, 502, 503, 504, 529] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_seconds_date_and_reset_headers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000);
        assert_eq!(server_delay(&headers(&[("retry-after", "7")]), now), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(12));
        assert_eq!(server_delay(&headers(&[("retry-after", &date)]), now), Some(Duration::from_secs(12)));
        assert_eq!(
            server_delay(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        let reset = headers(&[("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-reset-tokens", "6m0s")]);
        assert_eq!(server_delay(&reset, now), Some(Duration::from_secs(360)));
        assert_eq!(server_delay(&HeaderMap::new(), now), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_go_duration("1h2m3.5s"), Some(Duration::from_secs_f64(3723.5)));
        assert_eq!(parse_go_duration("soon"), None);
        assert_eq!(parse_go_duration("5"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy { max_retries: 4, base: Duration::from_millis(400), cap: Duration::from_secs(2) };
        for retry in 0..6 {
            let d = backoff(&p, retry);
            let ceiling = (400u64 << retry).min(2000);
            assert!(d.as_millis() as u64 >= ceiling / 2 && d.as_millis() as u64 <= ceiling, "{retry}: {d:?}");
        }
        assert_eq!(delay(&p, 0, Some(&headers(&[("retry-after", "600")]))), Duration::from_secs(2), "capped");
    }
}
