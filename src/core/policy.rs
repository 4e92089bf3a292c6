//! Which conversations a run pays for: the seed's cost controls ("skip analysis for very short
//! interactions", "consider sampling instead of analyzing all conversations").
//!
//! A policy is part of a spec but not of its version hash: it decides *which* conversations are
//! sent, never what the model answers, so changing it keeps stored results reusable. Sampling is
//! deterministic by content hash, so the same conversation is in or out on every run and a
//! resumed batch samples exactly what the interrupted one did.
//!
//! Channel and end-reason conditions serve the intake of `debrief serve`: a voice platform ends
//! calls with reasons such as `voicemail` or `no-answer`, which are not conversations worth
//! paying for. Values compare case-insensitively, with `-` and `_` alike (`no-answer` matches
//! `no_answer`), because platforms spell them differently.

use crate::core::transcript::Conversation;
use serde::{Deserialize, Serialize};

/// Cost controls of a spec. Every field is optional; the default analyses everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Skip conversations with fewer turns than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_turns: Option<u32>,
    /// Skip conversations shorter than this many seconds (when the source records a duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration_s: Option<f64>,
    /// Analyse this fraction of conversations (0 < rate ≤ 1), chosen by content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<f64>,
    /// Skip conversations from these channels (e.g. `sms`), when the source names its channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_channels: Vec<String>,
    /// Skip conversations that ended for these reasons (e.g. `voicemail`, `no-answer`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_end_reasons: Vec<String>,
}

/// `No-Answer`, `no_answer` and `no-answer` are the same reason.
fn same_value(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().to_lowercase().replace('_', "-");
    norm(a) == norm(b)
}

impl Policy {
    pub fn is_default(&self) -> bool {
        *self == Policy::default()
    }

    /// Why `conversation` is not sent, or `None` when it is. `content_hash` is
    /// `conversation.content_hash()` (passed in because callers already have it).
    pub fn skip_reason(&self, conversation: &Conversation, content_hash: &str) -> Option<String> {
        let meta = &conversation.metadata;
        if let Some(channel) = meta.channel.as_deref()
            && self.skip_channels.iter().any(|c| same_value(c, channel))
        {
            return Some(format!("skipped by policy: channel {channel} is in skip_channels"));
        }
        if let Some(reason) = meta.ended_reason.as_deref()
            && self.skip_end_reasons.iter().any(|r| same_value(r, reason))
        {
            return Some(format!("skipped by policy: end_reason {reason} is in skip_end_reasons"));
        }
        let turns = conversation.turns.len();
        if let Some(min) = self.min_turns
            && turns < min as usize
        {
            return Some(format!("skipped by policy: {turns} turn(s), fewer than min_turns {min}"));
        }
        if let (Some(min), Some(d)) = (self.min_duration_s, conversation.metadata.duration_s)
            && d < min
        {
            return Some(format!("skipped by policy: {d:.0} s, shorter than min_duration_s {min}"));
        }
        if let Some(rate) = self.sample_rate
            && !sampled(content_hash, rate)
        {
            return Some(format!("not sampled (sample_rate {rate})"));
        }
        None
    }
}

/// Deterministic sampling: the first 16 hex digits of the content hash, read as a fraction of
/// 2^64, fall below `rate`. Uniform because SHA-256 is.
pub fn sampled(content_hash: &str, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    let prefix = content_hash.get(..16).and_then(|h| u64::from_str_radix(h, 16).ok()).unwrap_or(0);
    (prefix as f64 / u64::MAX as f64) < rate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::transcript::{Metadata, Speaker, Turn};

    fn conversation(turns: usize, duration: Option<f64>) -> Conversation {
        let mut c = Conversation {
            id: "c".into(),
            source: "c.txt".into(),
            turns: (0..turns)
                .map(|i| Turn {
                    speaker: Speaker::Agent,
                    label: "Agent".into(),
                    text: format!("line {i}"),
                    start_s: None,
                })
                .collect(),
            metadata: Metadata::default(),
            expected: None,
        };
        c.metadata.duration_s = duration;
        c
    }

    #[test]
    fn short_conversations_are_skipped_with_the_reason() {
        let p = Policy { min_turns: Some(3), min_duration_s: Some(20.0), ..Policy::default() };
        let short = conversation(2, None);
        assert!(p.skip_reason(&short, &short.content_hash()).unwrap().contains("2 turn(s)"));
        let brief = conversation(4, Some(12.0));
        assert!(p.skip_reason(&brief, &brief.content_hash()).unwrap().contains("12 s"));
        let fine = conversation(4, None);
        assert_eq!(p.skip_reason(&fine, &fine.content_hash()), None, "no duration recorded: not skipped");
    }

    #[test]
    fn sampling_is_deterministic_and_near_the_rate() {
        let hashes: Vec<String> = (0..2000)
            .map(|i| {
                let mut c = conversation(2, None);
                c.turns[0].text = format!("conversation number {i}");
                c.content_hash()
            })
            .collect();
        assert_eq!(hashes.iter().collect::<std::collections::BTreeSet<_>>().len(), 2000);
        let kept = hashes.iter().filter(|h| sampled(h, 0.25)).count();
        // 2000 × 0.25 = 500; a binomial sd is about 19, so ±80 is a > 4-sigma band.
        assert!((420..=580).contains(&kept), "{kept}");
        let again = hashes.iter().filter(|h| sampled(h, 0.25)).count();
        assert_eq!(kept, again);
        assert!(hashes.iter().all(|h| sampled(h, 1.0)));
        assert!(!hashes.iter().any(|h| sampled(h, 0.0)));
    }

    #[test]
    fn channel_and_end_reason_skips_say_why_and_ignore_spelling() {
        let p: Policy = serde_json::from_str(
            r#"{"skip_channels": ["sms"], "skip_end_reasons": ["voicemail", "no-answer"]}"#,
        )
        .unwrap();
        let mut c = conversation(6, None);
        assert_eq!(p.skip_reason(&c, &c.content_hash()), None, "no channel or reason recorded");
        c.metadata.ended_reason = Some("No_Answer".into());
        assert!(p.skip_reason(&c, &c.content_hash()).unwrap().contains("end_reason No_Answer"));
        c.metadata.ended_reason = Some("customer-ended-call".into());
        assert_eq!(p.skip_reason(&c, &c.content_hash()), None);
        c.metadata.channel = Some("SMS".into());
        assert!(p.skip_reason(&c, &c.content_hash()).unwrap().contains("channel SMS"));
    }

    #[test]
    fn policy_reads_from_spec_json_and_rejects_typos() {
        let p: Policy = serde_json::from_str(r#"{"min_turns": 4, "sample_rate": 0.5}"#).unwrap();
        assert_eq!(p.min_turns, Some(4));
        assert!(serde_json::from_str::<Policy>(r#"{"min_turn": 4}"#).is_err());
    }
}
