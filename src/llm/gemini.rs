//! Google Gemini `models/{model}:generateContent` with `responseJsonSchema`.
//!
//! The prompt goes in `systemInstruction`, the transcript in `contents`, and the schema (in
//! Gemini's dialect) in `generationConfig.responseJsonSchema` with `responseMimeType:
//! application/json`. Never `responseSchema`: that older field takes an OpenAPI subset that
//! rejects `additionalProperties`, and sending both is an error. Usage is converted on arrival:
//! `thoughtsTokenCount` is billed as output but not counted in `candidatesTokenCount`.

use super::http::{self, Keyed};
use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider, ProviderConfig};
use crate::core::cost::usage_from_gemini;
use crate::core::models::{self, GeminiThinking};
use crate::core::prompt::Role;
use crate::core::schema::dialect;
use crate::core::spec::{ProviderKind, Tuning};
use serde_json::{Value, json};

/// The public endpoint.
pub const GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// `generateContent` client.
pub struct Gemini(Keyed);

impl Gemini {
    pub fn new(config: &ProviderConfig) -> Result<Gemini, LlmError> {
        Ok(Gemini(Keyed::new(config, GEMINI_BASE_URL)?))
    }

    async fn call(&self, request: CompletionRequest<'_>) -> Result<Completion, LlmError> {
        let body = request_body(&request);
        let model = request.model.trim_start_matches("models/");
        let url = format!("{}/models/{model}:generateContent", self.0.base_url);
        // The key travels in a header, never in the URL, so it cannot leak into logs or history.
        let headers = [("x-goog-api-key", self.0.api_key.as_str())];
        let reply = self.0.http.post(&url, &headers, &body).await?;
        let mut completion = parse_reply(&reply, &body)?;
        completion.retries = reply.retries;
        Ok(completion)
    }
}

/// The `generateContent` body. A free function so previews show exactly what would be sent.
pub fn request_body(request: &CompletionRequest<'_>) -> Value {
    let schema = dialect::transform(dialect::for_provider(ProviderKind::Gemini), request.schema).schema;
    let system: Vec<&str> =
        request.messages.iter().filter(|m| m.role == Role::System).map(|m| m.content.as_str()).collect();
    let contents: Vec<Value> = request
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| {
            let role = if m.role == Role::Assistant { "model" } else { "user" };
            json!({"role": role, "parts": [{"text": m.content}]})
        })
        .collect();
    let mut config = json!({"responseMimeType": "application/json", "responseJsonSchema": schema});
    let tuning = request.tuning;
    if let Some(t) = request.temperature {
        // Google advises Gemini 3 to stay at 1.0: lower values can loop. Sent only if the spec
        // insists (`keep_temperature`); lint says so either way.
        let advised_against = t < 1.0 && models::gemini_prefers_default_temperature(request.model);
        if !advised_against || tuning.keep_temperature {
            config["temperature"] = json!(t);
        }
    }
    if let Some(max) = request.max_output_tokens {
        config["maxOutputTokens"] = json!(max);
    }
    if let Some(thinking) = thinking_config(request.model, tuning) {
        config["thinkingConfig"] = thinking;
    }
    json!({
        "systemInstruction": {"parts": [{"text": system.join("\n\n")}]},
        "contents": contents,
        "generationConfig": config,
    })
}

/// `thinkingConfig` for the model: `thinkingBudget` for 2.5, `thinkingLevel` for Gemini 3 and
/// later — never both, which the API refuses. The spec's setting wins; without one, extraction
/// gets the least thinking the model allows (2.5 Flash otherwise thinks by default and spends
/// `maxOutputTokens` on it, which ends in truncated results).
pub fn thinking_config(model: &str, tuning: &Tuning) -> Option<Value> {
    match models::gemini_thinking(model) {
        GeminiThinking::Budget { default, .. } => {
            Some(json!({"thinkingBudget": tuning.thinking_budget.unwrap_or(default)}))
        }
        GeminiThinking::Level { default, .. } => {
            Some(json!({"thinkingLevel": tuning.thinking_level.as_deref().unwrap_or(default)}))
        }
        // Unknown or older models: pass on what the spec says, budget first.
        GeminiThinking::None => match (tuning.thinking_budget, &tuning.thinking_level) {
            (Some(b), _) => Some(json!({"thinkingBudget": b})),
            (None, Some(l)) => Some(json!({"thinkingLevel": l})),
            (None, None) => None,
        },
    }
}

/// Decode a 2xx `generateContent` body.
pub(crate) fn parse_reply(reply: &http::Reply, request_body: &Value) -> Result<Completion, LlmError> {
    let decode = |message: &str| http::decode_error("gemini", reply, message, request_body);
    let v: Value = serde_json::from_str(&reply.text).map_err(|e| decode(&format!("not JSON: {e}")))?;
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let usage = usage_from_gemini(
        n("/usageMetadata/promptTokenCount"),
        n("/usageMetadata/cachedContentTokenCount"),
        n("/usageMetadata/candidatesTokenCount"),
        n("/usageMetadata/thoughtsTokenCount"),
    );
    let completion = |text: String, finish: Finish| Completion {
        text,
        finish,
        usage,
        request_body: request_body.clone(),
        http_status: Some(reply.status),
        retries: Vec::new(),
    };
    let Some(candidate) = v.pointer("/candidates/0") else {
        // No candidate at all: the prompt itself was blocked.
        return match v.pointer("/promptFeedback/blockReason").and_then(Value::as_str) {
            Some(reason) => {
                Ok(completion(String::new(), Finish::Refusal(format!("prompt blocked by Gemini: {reason}"))))
            }
            None => Err(decode("no `candidates` in the reply")),
        };
    };
    let text: String = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .map(|parts| {
            // Thought summaries are not the answer.
            parts.iter().filter(|p| p["thought"] != json!(true)).filter_map(|p| p["text"].as_str()).collect()
        })
        .unwrap_or_default();
    let finish = match candidate.get("finishReason").and_then(Value::as_str) {
        Some("STOP") | None => Finish::Stop,
        Some("MAX_TOKENS") => Finish::Length,
        Some(reason @ ("SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII")) => {
            Finish::Refusal(format!("stopped by Gemini: {reason}"))
        }
        Some(other) => Finish::Other(other.to_string()),
    };
    Ok(completion(text, finish))
}

impl Provider for Gemini {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Gemini
    }

    fn label(&self) -> String {
        "gemini".to_string()
    }

    fn base_url(&self) -> Option<String> {
        Some(self.0.base_url.clone())
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(request))
    }
}
