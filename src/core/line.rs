//! The documented result line: one JSON object per conversation.
//!
//! Field names and order are a contract (scripts and CI parse them), so the line is built here
//! explicitly rather than by serialising `Outcome`, whose shape may grow.

use crate::core::outcome::Outcome;
use serde_json::{Value, json};

/// The `analyze` line for one outcome.
pub fn result_line(outcome: &Outcome, run_id: Option<i64>) -> Value {
    let mut line = json!({
        "conversation_id": outcome.conversation_id,
        "source": outcome.source,
        "run_id": run_id,
        "provider": outcome.provider,
        "model": outcome.model,
        "status": outcome.status,
        "analysis": outcome.analysis,
        "errors": outcome.errors,
        "attempts": outcome.attempts.len(),
        "usage": {
            "input_tokens": outcome.usage.input_tokens,
            "cached_input_tokens": outcome.usage.cached_input_tokens,
            "output_tokens": outcome.usage.output_tokens,
            "reasoning_tokens": outcome.usage.reasoning_tokens,
            "cache_write_tokens": outcome.usage.cache_write_tokens,
        },
        "estimate": {
            "input_tokens": outcome.estimate.input_tokens,
            "output_tokens": outcome.estimate.output_tokens,
            "cost_usd": outcome.estimate.cost_usd,
        },
        "cost_usd": outcome.cost_usd,
        "latency_ms": outcome.latency_ms,
    });
    if let Some(note) = &outcome.note {
        line["note"] = json!(note);
    }
    if let Some(evidence) = &outcome.evidence {
        line["evidence"] = json!(evidence);
    }
    line
}
