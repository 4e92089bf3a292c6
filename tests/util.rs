//! Shared helpers: a strict-mode schema checker written from OpenAI's documented rules, canned
//! Chat Completions replies, and small constructors.

use debrief::core::transcript::{self, Conversation};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// ../shared/real_conversations beside the repository.
pub fn real_conversations() -> PathBuf {
    root().join("../shared/real_conversations")
}

/// Parse a small plain-text transcript.
pub fn conversation(text: &str) -> Conversation {
    let mut convs =
        transcript::parse_bytes(Path::new("test_call.txt"), text.as_bytes()).expect("test transcript parses");
    convs.remove(0)
}

/// A short billing call used by provider tests.
pub fn billing_call() -> Conversation {
    conversation(
        "Agent: Thank you for calling Northwind, this is Sam.\n\
         Customer: I was charged twice for my plan this month.\n\
         Agent: I see the duplicate charge and have refunded it.\n\
         Customer: Great, thanks!\n",
    )
}

/// Keywords OpenAI strict mode accepts (Structured Outputs guide, "Supported schemas").
const STRICT_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "anyOf",
    "$ref",
    "$defs",
    "definitions",
    "description",
    "title",
    "pattern",
    "format",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
];

/// Every rule of OpenAI strict mode a schema breaks; empty when the server would accept it.
pub fn strict_violations(name: &str, schema: &Value) -> Vec<String> {
    let mut v = Vec::new();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        v.push(format!("json_schema.name {name:?} must match ^[a-zA-Z0-9_-]{{1,64}}$"));
    }
    if schema.get("type") != Some(&json!("object")) || schema.get("anyOf").is_some() {
        v.push("root must be an object and not anyOf".into());
    }
    let mut props = 0usize;
    let mut enums = 0usize;
    let mut chars = 0usize;
    walk(schema, "", 1, &mut v, &mut props, &mut enums, &mut chars);
    if props > 5000 {
        v.push(format!("{props} properties > 5000"));
    }
    if enums > 1000 {
        v.push(format!("{enums} enum values > 1000"));
    }
    if chars > 120_000 {
        v.push(format!("{chars} characters of names and enum values > 120000"));
    }
    v
}

fn walk(
    s: &Value,
    ptr: &str,
    depth: usize,
    v: &mut Vec<String>,
    props: &mut usize,
    enums: &mut usize,
    chars: &mut usize,
) {
    let Some(obj) = s.as_object() else { return };
    if depth > 10 {
        v.push(format!("{ptr}: nesting deeper than 10 levels"));
    }
    for key in obj.keys() {
        if !STRICT_KEYWORDS.contains(&key.as_str()) {
            v.push(format!("{ptr}: keyword {key:?} is not supported in strict mode"));
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array) {
        *enums += e.len();
        *chars += e.iter().filter_map(Value::as_str).map(str::len).sum::<usize>();
    }
    if let Some(p) = obj.get("properties").and_then(Value::as_object) {
        if obj.get("additionalProperties") != Some(&json!(false)) {
            v.push(format!("{ptr}: additionalProperties must be false"));
        }
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (k, sub) in p {
            *props += 1;
            *chars += k.len();
            if !required.contains(&k.as_str()) {
                v.push(format!("{ptr}/properties/{k}: every property must be required"));
            }
            walk(sub, &format!("{ptr}/properties/{k}"), depth + 1, v, props, enums, chars);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = obj.get(key).filter(|s| s.is_object()) {
            walk(sub, &format!("{ptr}/{key}"), depth + 1, v, props, enums, chars);
        }
    }
    for key in ["anyOf"] {
        if let Some(subs) = obj.get(key).and_then(Value::as_array) {
            for (i, sub) in subs.iter().enumerate() {
                walk(sub, &format!("{ptr}/{key}/{i}"), depth, v, props, enums, chars);
            }
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(defs) = obj.get(key).and_then(Value::as_object) {
            for (k, sub) in defs {
                walk(sub, &format!("{ptr}/{key}/{k}"), depth, v, props, enums, chars);
            }
        }
    }
}

/// A Chat Completions reply body.
pub fn chat_reply(
    content: &str,
    finish_reason: &str,
    prompt_tokens: u64,
    cached: u64,
    completion: u64,
) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "system_fingerprint": "fp_test"
    })
}

/// OpenAI's error envelope.
pub fn error_body(message: &str, kind: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

/// A user schema that no provider's structured-output mode takes as written: string lengths, a
/// pattern, `const`, `oneOf`, numeric bounds, `minItems` above 1, `maxItems` and `uniqueItems`,
/// plus an annotation. The dialect rewrite has to make it acceptable without weakening the local
/// check.
pub fn poor_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "summary": {"type": "string", "minLength": 40, "maxLength": 400, "description": "What happened on the call"},
            "ticket": {"type": "string", "pattern": "^T-[0-9]{4}$", "description": "The ticket number"},
            "channel": {"const": "phone"},
            "contact": {"oneOf": [
                {"type": "string", "format": "email", "pattern": "^[^@]+@[^@]+$"},
                {"type": "string", "pattern": "^\\+[0-9]{6,15}$"}
            ]},
            "effort": {"type": "integer", "minimum": 1, "maximum": 5, "multipleOf": 1, "exclusiveMaximum": 6},
            "tags": {
                "type": "array",
                "items": {"type": "string", "enum": ["billing", "refund", "other"]},
                "minItems": 2,
                "maxItems": 3,
                "uniqueItems": true
            }
        },
        "required": ["summary", "ticket", "channel", "effort", "tags"]
    })
}

/// An answer that satisfies every constraint of [`poor_schema`].
pub fn poor_schema_good_answer() -> Value {
    json!({
        "summary": "The customer was charged twice this month and the agent refunded the duplicate charge.",
        "ticket": "T-1234",
        "channel": "phone",
        "contact": "+4915112345678",
        "effort": 2,
        "tags": ["billing", "refund"]
    })
}
