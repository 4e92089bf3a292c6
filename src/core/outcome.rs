//! The result of analysing one conversation: never just "the JSON".
//!
//! An `Outcome` carries a status, the validated analysis or the validation errors, every attempt's
//! raw output (so a reviewer can see exactly what the model said before repair), token usage and
//! cost, estimated and actual. The CLI prints it in the documented line format and the store keeps
//! it whole, so nothing a user paid for is ever reduced to a bare value.

use serde::{Deserialize, Serialize};

/// How an analysis ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A result that validates against the user's schema.
    Ok,
    /// The model answered, but its last attempt is not valid JSON or fails the schema.
    Invalid,
    /// The model declined to answer (OpenAI `refusal`, safety stops).
    Refused,
    /// The reply hit the output-token limit before it was complete.
    Truncated,
    /// No usable reply: network, authentication, bad request, server error.
    Error,
    /// Not sent, by policy (too short, not sampled) or because it was already done.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Invalid => "invalid",
            Status::Refused => "refused",
            Status::Truncated => "truncated",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }

    /// Parse the stored/printed name back.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "ok" => Status::Ok,
            "invalid" => Status::Invalid,
            "refused" => Status::Refused,
            "truncated" => Status::Truncated,
            "error" => Status::Error,
            "skipped" => Status::Skipped,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tokens as the provider reported them, in one convention: `input_tokens` is every prompt
/// token, *including* `cached_input_tokens` (cache reads) and `cache_write_tokens` (OpenAI's and
/// Gemini's convention). Anthropic reports them apart; its provider adds them up on arrival
/// (see `cost` for the billing of each part).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub output_tokens: u64,
    /// Part of `output_tokens` spent on hidden reasoning (billed as output).
    pub reasoning_tokens: u64,
    /// Part of `input_tokens` written to the prompt cache (Anthropic bills these above the
    /// input price).
    #[serde(default)]
    pub cache_write_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.cached_input_tokens += other.cached_input_tokens;
        self.output_tokens += other.output_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
    }
}

/// A pre-run estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// `None` when the model has no known price.
    pub cost_usd: Option<f64>,
}

/// One problem with a result, located by JSON pointer into the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

/// One request/response exchange with the provider, kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based.
    pub number: u32,
    /// Why this attempt was made: "initial", "repair", or a retry reason.
    pub reason: String,
    /// The request body as sent (never contains the API key: keys travel in headers).
    pub request: serde_json::Value,
    /// The model's text output, or the error body when the call failed.
    pub raw_reply: String,
    /// HTTP status, when there was an HTTP exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    pub usage: Usage,
    /// What went wrong with this attempt, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: u64,
}

/// Everything about one analysis of one conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub conversation_id: String,
    pub source: String,
    pub provider: String,
    pub model: String,
    pub status: Status,
    /// The final analysis (validated when `status` is `ok`; the last parsed value otherwise).
    pub analysis: Option<serde_json::Value>,
    pub errors: Vec<FieldError>,
    pub attempts: Vec<Attempt>,
    pub usage: Usage,
    pub estimate: Estimate,
    /// `None` when the model has no known price.
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    /// A human note, e.g. "offline baseline (no LLM)" or why the result was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Per field, the quote supporting its value and where it is in the transcript (specs with
    /// `"evidence": true`); kept beside the analysis, never inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::core::evidence::Evidence>,
}

impl Outcome {
    /// An outcome with nothing in it yet: status `error`, no analysis, no attempts, no cost.
    /// Callers fill in what happened.
    pub fn skeleton(conversation_id: &str, source: &str, provider: &str, model: &str) -> Outcome {
        Outcome {
            conversation_id: conversation_id.to_string(),
            source: source.to_string(),
            provider: provider.to_string(),
            model: model.to_string(),
            status: Status::Error,
            analysis: None,
            errors: Vec::new(),
            attempts: Vec::new(),
            usage: Usage::default(),
            estimate: Estimate::default(),
            cost_usd: None,
            latency_ms: 0,
            note: None,
            evidence: None,
        }
    }
}
