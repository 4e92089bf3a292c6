//! Webhooks, the pure part: the event payloads, Standard Webhooks signing, and the retry
//! schedule.
//!
//! Why here and not in the engine: what an event says, how its signature is computed and when a
//! failed delivery is tried again are facts a receiver relies on, so they are plain functions
//! over values, tested without a network. The engine's delivery worker only sends what these
//! build. HMAC-SHA256 and base64 come from the `hmac`, `sha2` and `base64` crates.

mod payload;
mod schedule;
mod sign;

pub use payload::{ANALYZED, AnalyzedEvent, PAYLOAD_SCHEMA, RuleEvent, TEST_EVENT, is_valid_event_name};
pub use schedule::{MAX_RETRY_AFTER, RetrySchedule, ScheduleError, jittered};
pub use sign::{SecretError, WebhookSecret, signature_header, signed_content};
