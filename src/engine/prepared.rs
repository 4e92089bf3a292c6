//! What a run works out once for all its conversations, instead of once per call.
//!
//! The schema a provider is sent, whether its dialect rewrote `required`, the schema's size and
//! a tokenizer-free bound of the reply's tokens depend only on the spec and the provider, not on
//! the conversation. Working them out per call cost a schema transform, a serialisation and a
//! tokenizer walk each time (and the first walk of a process built tiktoken's BPE on an async
//! worker, holding back the whole first wave of a batch). The schema's share of the cost
//! estimate needs the tokenizer, so it is counted once, lazily, on a blocking thread.

use crate::core::context_window;
use crate::core::cost::{self, SchemaTokens};
use crate::core::evidence;
use crate::core::schema::CompiledSchema;
use crate::core::schema::dialect::{NoteAction, Transformed};
use crate::core::spec::AnalysisSpec;
use crate::llm::Provider;
use serde_json::Value;
use std::sync::OnceLock;

/// The per-run, per-provider part of an analysis.
#[derive(Debug)]
pub struct Prepared {
    /// The schema asked for: the user's, plus the evidence object when the spec wants it.
    pub(super) asked: Value,
    /// `asked` as this provider receives it, with the dialect's notes.
    pub(super) sent: Transformed,
    /// The dialect made optional fields required-but-nullable (their nulls are dropped again).
    pub(super) nullable_rewrite: bool,
    /// Bytes of the serialised sent schema, for the context-window guard.
    pub(super) schema_bytes: u64,
    /// The reply's output budget for the guard: the spec's cap, or a byte-count upper bound of
    /// the estimate (never below the tokenizer's figure, so "surely fits" stays true).
    pub(super) output_bound: u64,
    /// The schema's share of the estimate, counted with the tokenizer on first need.
    schema_tokens: OnceLock<SchemaTokens>,
}

impl Prepared {
    /// Work out what every call of `spec` through `provider` shares.
    pub fn new(provider: &dyn Provider, spec: &AnalysisSpec, compiled: &CompiledSchema) -> Prepared {
        // Evidence asks for one more object beside the fields, in the sent copy only.
        let asked =
            if spec.evidence { evidence::augment(compiled.schema()) } else { compiled.schema().clone() };
        let sent = provider.sent_schema(&asked, spec.max_text_length);
        let nullable_rewrite =
            sent.notes.iter().any(|n| n.keyword == "required" && n.action == NoteAction::Rewritten);
        let schema_bytes = context_window::schema_bytes(&sent.schema);
        let output_bound = spec
            .max_output_tokens
            .map(u64::from)
            .unwrap_or_else(|| cost::output_tokens_upper_bound(&sent.schema));
        Prepared { asked, sent, nullable_rewrite, schema_bytes, output_bound, schema_tokens: OnceLock::new() }
    }

    /// The schema's tokens for `model` (built once; call from a blocking thread, as the first
    /// call may build the tokenizer).
    pub(super) fn schema_tokens(&self, model: &str) -> SchemaTokens {
        *self.schema_tokens.get_or_init(|| SchemaTokens::of(model, &self.sent.schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_byte_bound_is_never_below_the_tokenizer_estimate() {
        for schema in [
            json!({"type": "object", "properties": {"sentiment": {"enum": ["positive", "negative", "mixed"]},
                "summary": {"type": "string", "description": "2-3 sentence summary"},
                "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["sentiment"]}),
            json!({"type": "object", "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}}}),
        ] {
            let tokens = cost::estimate_output_tokens(&schema);
            let bound = cost::output_tokens_upper_bound(&schema);
            assert!(bound >= tokens, "{bound} < {tokens} for {schema}");
            assert!(bound > 0);
        }
        // The bound is a different number (bytes, not tokens), so it really is computed apart.
        let long =
            json!({"type": "object", "properties": {"a_rather_long_property_name": {"type": "integer"}}});
        assert!(cost::output_tokens_upper_bound(&long) > cost::estimate_output_tokens(&long));
    }
}
