//! Anthropic Messages API: structured outputs for the models that have them, a forced tool for
//! older ones.
//!
//! Claude 4.5 and later (see `core::models::anthropic_structured_outputs`) get
//! `output_config: {format: {type: "json_schema", schema}}` (generally available, no beta
//! header): constrained decoding, so the reply's text block is JSON that fits the sent copy.
//! Older models get the schema as one tool's `input_schema` with `tool_choice` forcing the call,
//! so the analysis arrives as the `tool_use` block's `input` — not enforced, only asked. Both
//! send the schema in Anthropic's dialect (numeric bounds and string lengths are not supported:
//! they move into descriptions, and small integer ranges become enums). The system prompt goes in the top-level `system` field (a `system`
//! role inside `messages` is rejected) and `max_tokens` is required. Usage is converted on
//! arrival: Anthropic's `input_tokens` exclude cache reads and writes.

use super::http::{self, Keyed};
use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider, ProviderConfig};
use crate::core::cost::usage_from_anthropic;
use crate::core::models;
use crate::core::prompt::Role;
use crate::core::schema::dialect;
use crate::core::spec::ProviderKind;
use serde_json::{Value, json};

/// The public endpoint (the SDKs' `ANTHROPIC_BASE_URL` convention: no `/v1`).
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// The API version header every request carries.
pub const API_VERSION: &str = "2023-06-01";
/// `max_tokens` when the spec sets none (the API requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// Messages API client.
pub struct Anthropic(Keyed);

impl Anthropic {
    pub fn new(config: &ProviderConfig) -> Result<Anthropic, LlmError> {
        Ok(Anthropic(Keyed::new(config, ANTHROPIC_BASE_URL)?))
    }

    async fn call(&self, request: CompletionRequest<'_>) -> Result<Completion, LlmError> {
        let body = request_body(&request);
        let url = format!("{}/v1/messages", self.0.base_url);
        let headers = [("x-api-key", self.0.api_key.as_str()), ("anthropic-version", API_VERSION)];
        let reply = self.0.http.post(&url, &headers, &body).await?;
        let mut completion = parse_reply(&reply, request.schema_name, &body)?;
        completion.retries = reply.retries;
        Ok(completion)
    }
}

/// The Messages API body. A free function so previews show exactly what would be sent.
pub fn request_body(request: &CompletionRequest<'_>) -> Value {
    let schema = dialect::transform(dialect::for_provider(ProviderKind::Anthropic), request.schema).schema;
    let system: Vec<&str> =
        request.messages.iter().filter(|m| m.role == Role::System).map(|m| m.content.as_str()).collect();
    // Consecutive messages of one role are merged: the API wants user and assistant to alternate.
    let mut messages: Vec<Value> = Vec::new();
    for m in request.messages.iter().filter(|m| m.role != Role::System) {
        let role = if m.role == Role::Assistant { "assistant" } else { "user" };
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                let joined = format!("{}\n\n{}", last["content"].as_str().unwrap_or(""), m.content);
                last["content"] = Value::String(joined);
            }
            _ => messages.push(json!({"role": role, "content": m.content})),
        }
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_output_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "system": system.join("\n\n"),
        "messages": messages,
    });
    if models::anthropic_structured_outputs(request.model) {
        body["output_config"] = json!({"format": {"type": "json_schema", "schema": schema}});
    } else {
        body["tools"] = json!([{
            "name": request.schema_name,
            "description": "Record the analysis of the conversation. Call this exactly once with every field filled in.",
            "input_schema": schema,
        }]);
        body["tool_choice"] = json!({"type": "tool", "name": request.schema_name});
    }
    if let Some(t) = request.temperature {
        body["temperature"] = json!(t);
    }
    body
}

/// Decode a 2xx Messages body: the forced tool's `input` is the analysis (serialised back to
/// text so repair and validation treat every provider alike); with structured outputs the text
/// blocks are.
pub(crate) fn parse_reply(
    reply: &http::Reply,
    tool_name: &str,
    request_body: &Value,
) -> Result<Completion, LlmError> {
    let decode = |message: &str| http::decode_error("anthropic", reply, message, request_body);
    let v: Value = serde_json::from_str(&reply.text).map_err(|e| decode(&format!("not JSON: {e}")))?;
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| decode("no `content` array in the reply"))?;
    let tool_input = blocks
        .iter()
        .find(|b| b["type"] == "tool_use" && b["name"] == tool_name)
        .or_else(|| blocks.iter().find(|b| b["type"] == "tool_use"))
        .and_then(|b| b.get("input"));
    let prose: Vec<&str> =
        blocks.iter().filter(|b| b["type"] == "text").filter_map(|b| b["text"].as_str()).collect();
    let text = match tool_input {
        Some(input) => input.to_string(),
        None => prose.join("\n"),
    };
    let finish = match v.get("stop_reason").and_then(Value::as_str) {
        // Both mean the answer was cut off before it was complete.
        Some("max_tokens" | "model_context_window_exceeded") => Finish::Length,
        Some("refusal") => {
            let why = prose.join("\n");
            Finish::Refusal(if why.trim().is_empty() {
                "the model declined (stop_reason: refusal)".into()
            } else {
                why
            })
        }
        Some("end_turn" | "tool_use" | "stop_sequence") | None => Finish::Stop,
        Some(other) => Finish::Other(other.to_string()),
    };
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let usage = usage_from_anthropic(
        n("/usage/input_tokens"),
        n("/usage/cache_creation_input_tokens"),
        n("/usage/cache_read_input_tokens"),
        n("/usage/output_tokens"),
    );
    Ok(Completion {
        text,
        finish,
        usage,
        request_body: request_body.clone(),
        http_status: Some(reply.status),
        retries: Vec::new(),
    })
}

impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn label(&self) -> String {
        "anthropic".to_string()
    }

    fn base_url(&self) -> Option<String> {
        Some(self.0.base_url.clone())
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(request))
    }
}
