//! Exact input-token counts from the providers that offer an endpoint for them.
//!
//! The local estimate counts Claude and Gemini prompts with an OpenAI tokenizer, which can be
//! off by a tenth or more. `debrief estimate --exact` asks the provider instead — Anthropic's
//! `POST /v1/messages/count_tokens` and Gemini's `POST /v1beta/models/{model}:countTokens` —
//! with the same system prompt, transcript and schema a real request would carry. Both are
//! free and generate nothing. OpenAI has no such endpoint; its models are counted exactly by
//! tiktoken already.

use super::http::Keyed;
use super::{LlmError, ProviderConfig, anthropic, gemini};
use crate::core::prompt::{ChatMessage, Role};
use crate::core::spec::ProviderKind;
use serde_json::{Value, json};

/// A client for one provider's token-counting endpoint.
pub struct Counter {
    kind: ProviderKind,
    keyed: Keyed,
}

impl Counter {
    /// The counter for `config`'s provider: `Ok(None)` when it has no counting endpoint or no
    /// key is configured (the caller then says the counts are local approximations). Gemini
    /// also takes `GOOGLE_API_KEY`, as Google's SDK does.
    pub fn new(config: &ProviderConfig) -> Result<Option<Counter>, LlmError> {
        let default = match config.kind {
            ProviderKind::Anthropic => anthropic::ANTHROPIC_BASE_URL,
            ProviderKind::Gemini => gemini::GEMINI_BASE_URL,
            _ => return Ok(None),
        };
        let mut config = config.clone();
        if config.api_key.is_none() && config.kind == ProviderKind::Gemini {
            config.api_key = std::env::var("GOOGLE_API_KEY").ok().filter(|k| !k.trim().is_empty());
        }
        if config.api_key.is_none() {
            return Ok(None);
        }
        Ok(Some(Counter { kind: config.kind, keyed: Keyed::new(&config, default)? }))
    }

    /// Input tokens of the request `messages` and `schema` (the provider's dialect) would make.
    pub async fn count(
        &self,
        model: &str,
        messages: &[ChatMessage],
        schema: &Value,
        schema_name: &str,
    ) -> Result<u64, LlmError> {
        let k = &self.keyed;
        let (url, body, field) = match self.kind {
            ProviderKind::Anthropic => (
                format!("{}/v1/messages/count_tokens", k.base_url),
                anthropic_body(model, messages, schema, schema_name),
                "input_tokens",
            ),
            _ => {
                let model = model.trim_start_matches("models/");
                (
                    format!("{}/models/{model}:countTokens", k.base_url),
                    gemini_body(model, messages, schema),
                    "totalTokens",
                )
            }
        };
        let reply = match self.kind {
            ProviderKind::Anthropic => {
                let headers =
                    [("x-api-key", k.api_key.as_str()), ("anthropic-version", anthropic::API_VERSION)];
                k.http.post(&url, &headers, &body).await?
            }
            _ => k.http.post(&url, &[("x-goog-api-key", k.api_key.as_str())], &body).await?,
        };
        let parsed: Option<u64> = serde_json::from_str::<Value>(&reply.text)
            .ok()
            .and_then(|v| v.get(field).and_then(Value::as_u64));
        parsed.ok_or_else(|| LlmError::Decode {
            provider: self.kind.as_str(),
            message: format!("the token-count reply has no `{field}` number"),
            body: reply.text.clone(),
            status: reply.status,
            request_body: body.clone(),
        })
    }
}

fn system_text(messages: &[ChatMessage]) -> String {
    let parts: Vec<&str> =
        messages.iter().filter(|m| m.role == Role::System).map(|m| m.content.as_str()).collect();
    parts.join("\n\n")
}

/// `count_tokens` takes a Messages request without `max_tokens`; the schema goes in as the
/// forced tool the analysis request uses, since tool definitions count as input.
fn anthropic_body(model: &str, messages: &[ChatMessage], schema: &Value, schema_name: &str) -> Value {
    let turns: Vec<Value> = messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| {
            let role = if m.role == Role::Assistant { "assistant" } else { "user" };
            json!({"role": role, "content": m.content})
        })
        .collect();
    json!({
        "model": model,
        "system": system_text(messages),
        "messages": turns,
        "tools": [{"name": schema_name, "description": "Record the analysis.", "input_schema": schema}],
        "tool_choice": {"type": "tool", "name": schema_name},
    })
}

/// `countTokens` with a whole `generateContentRequest`, so the system instruction and the
/// response schema are counted as the real call would count them.
fn gemini_body(model: &str, messages: &[ChatMessage], schema: &Value) -> Value {
    let contents: Vec<Value> = messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| {
            let role = if m.role == Role::Assistant { "model" } else { "user" };
            json!({"role": role, "parts": [{"text": m.content}]})
        })
        .collect();
    json!({"generateContentRequest": {
        "model": format!("models/{model}"),
        "systemInstruction": {"parts": [{"text": system_text(messages)}]},
        "contents": contents,
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema},
    }})
}
