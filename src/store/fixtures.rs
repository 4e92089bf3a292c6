//! Test fixtures shared by the store's tests: small specs, conversations and outcomes that
//! differ where the assertions need them to.

use super::{NewRun, RunId, Store};
use crate::core::outcome::{Attempt, Estimate, FieldError, Outcome, Status, Usage};
use crate::core::spec::{AnalysisSpec, ProviderKind};
use crate::core::transcript::{Conversation, Metadata, Speaker, Turn};
use serde_json::json;

/// A spec whose version hash depends on `name` (the name is folded into the prompt).
pub fn spec(name: &str) -> AnalysisSpec {
    AnalysisSpec {
        name: name.to_string(),
        description: None,
        schema: json!({
            "type": "object",
            "properties": { "summary": { "type": "string" } },
            "required": ["summary"],
            "additionalProperties": false
        }),
        prompt: format!("Summarise the conversation ({name})."),
        provider: ProviderKind::Openai,
        model: "gpt-4o-mini".to_string(),
        temperature: Some(0.0),
        max_output_tokens: Some(400),
        max_repairs: 1,
        agent_id: None,
        policy: Default::default(),
        evidence: false,
        webhook_evidence: false,
        reasoning_effort: None,
        thinking_budget: None,
        thinking_level: None,
        repeat_penalty: None,
        frequency_penalty: None,
        max_text_length: None,
        on_too_long: None,
        request_timeout_s: None,
        keep_temperature: false,
        redact: Default::default(),
    }
}

/// A two-turn conversation.
pub fn conversation(id: &str) -> Conversation {
    Conversation {
        id: id.to_string(),
        turns: vec![
            Turn {
                speaker: Speaker::Customer,
                label: "Customer".to_string(),
                text: format!("I was charged twice ({id})."),
                start_s: Some(0.0),
            },
            Turn {
                speaker: Speaker::Agent,
                label: "Agent".to_string(),
                text: "I have refunded the duplicate charge.".to_string(),
                start_s: None,
            },
        ],
        metadata: Metadata { channel: Some("chat".to_string()), ..Metadata::default() },
        expected: None,
        source: format!("samples/{id}.txt"),
    }
}

/// An outcome with the given status, token counts and cost.
pub fn outcome(status: Status, input: u64, output: u64, cost: Option<f64>) -> Outcome {
    let usage = Usage {
        input_tokens: input,
        cached_input_tokens: input / 2,
        output_tokens: output,
        reasoning_tokens: output / 4,
        cache_write_tokens: 0,
    };
    let ok = status == Status::Ok;
    Outcome {
        conversation_id: "c1".to_string(),
        source: "samples/c1.txt".to_string(),
        provider: "openai".to_string(),
        model: "gpt-4o-mini".to_string(),
        status,
        analysis: Some(json!({ "summary": format!("{status} result") })),
        errors: if ok {
            Vec::new()
        } else {
            vec![FieldError { pointer: "/summary".to_string(), message: "missing".to_string() }]
        },
        attempts: vec![Attempt {
            number: 1,
            reason: "initial".to_string(),
            request: json!({ "model": "gpt-4o-mini", "messages": [] }),
            raw_reply: "{\"summary\": \"…\"}".to_string(),
            http_status: Some(200),
            usage,
            error: None,
            latency_ms: 120,
        }],
        usage,
        estimate: Estimate {
            input_tokens: input + 10,
            output_tokens: output + 5,
            cost_usd: cost.map(|c| c * 1.1),
        },
        cost_usd: cost,
        latency_ms: 130,
        note: (!ok).then(|| "see errors".to_string()),
        evidence: None,
    }
}

/// Save spec `name` and conversation `conv_id`; return (spec hash, conversation hash).
pub fn seed(store: &Store, name: &str, conv_id: &str) -> (String, String) {
    let spec_hash = store.save_spec(&spec(name)).unwrap_or_default();
    let conv_hash = format!("content-{conv_id}");
    let saved = store.save_conversation(&conversation(conv_id), &conv_hash);
    assert!(saved.is_ok(), "{saved:?}");
    (spec_hash, conv_hash)
}

/// Create a batch run of `spec_hash` with the given provider and model.
pub fn run(store: &Store, spec_hash: &str, provider: &str, model: &str) -> RunId {
    let created = store.create_run(&NewRun {
        spec_hash: spec_hash.to_string(),
        spec_name: "fixture".to_string(),
        provider: provider.to_string(),
        model: model.to_string(),
        base_url: None,
        kind: "batch".to_string(),
        n_planned: 3,
    });
    match created {
        Ok(id) => id,
        Err(e) => panic!("create_run: {e}"),
    }
}
