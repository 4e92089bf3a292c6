//! OpenAI Chat Completions, strict structured outputs — and the same wire format for local
//! OpenAI-compatible servers (Ollama, llama.cpp, vLLM, LM Studio).
//!
//! OpenAI gets `response_format: {type: "json_schema", json_schema: {name, strict: true, schema}}`
//! with the schema rewritten to the strict dialect. Local servers get the schema as written, no
//! `strict`, and a plain-language summary of it in the system prompt, because several of them
//! never show schema descriptions to the model. Usage follows OpenAI's convention:
//! `prompt_tokens` includes `prompt_tokens_details.cached_tokens`, and `completion_tokens`
//! includes `completion_tokens_details.reasoning_tokens`.

use super::http::{self, Http};
use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider, ProviderConfig};
use crate::core::models;
use crate::core::outcome::Usage;
use crate::core::schema::dialect;
use crate::core::spec::ProviderKind;
use serde_json::{Value, json};

/// The public endpoint.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Ollama's OpenAI-compatible endpoint on this machine.
pub const LOCAL_BASE_URL: &str = "http://127.0.0.1:11434/v1";

/// Chat Completions client.
pub struct OpenAi {
    kind: ProviderKind,
    http: Http,
    base_url: String,
    api_key: Option<String>,
}

impl OpenAi {
    pub fn new(config: &ProviderConfig) -> Result<OpenAi, LlmError> {
        let strict = config.kind == ProviderKind::Openai;
        let base_url = http::base_url(config, if strict { OPENAI_BASE_URL } else { LOCAL_BASE_URL })?;
        if strict && config.api_key.is_none() {
            return Err(LlmError::MissingKey { provider: "openai", env: "OPENAI_API_KEY" });
        }
        let http = Http::new(config.kind.as_str(), config)?;
        Ok(OpenAi { kind: config.kind, http, base_url, api_key: config.api_key.clone() })
    }

    async fn call(&self, request: CompletionRequest<'_>) -> Result<Completion, LlmError> {
        let body = request_body(self.kind, &request);
        let url = format!("{}/chat/completions", self.base_url);
        let auth = self.api_key.as_ref().map(|key| format!("Bearer {key}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let reply = self.http.post(&url, &headers, &body).await?;
        let mut completion = parse_reply(self.http.provider, reply.status, &reply.text, body)?;
        completion.retries = reply.retries;
        Ok(completion)
    }
}

/// The Chat Completions body for `kind` (openai or openai-compatible). A free function so the
/// GUI can preview exactly what would be sent without building a client.
pub fn request_body(kind: ProviderKind, request: &CompletionRequest<'_>) -> Value {
    let strict = kind == ProviderKind::Openai;
    let tuning = request.tuning;
    let schema =
        dialect::transform_with(dialect::for_provider(kind), request.schema, tuning.max_text_length).schema;
    let mut json_schema = json!({"name": request.schema_name, "schema": schema});
    if strict {
        json_schema["strict"] = Value::Bool(true);
    }
    let mut body = json!({
        "model": request.model,
        "messages": request.messages,
        "response_format": {"type": "json_schema", "json_schema": json_schema},
    });
    // Reasoning models (gpt-5 family, o-series) accept only the default temperature and no
    // penalties; they take `reasoning_effort` instead.
    let reasoning = strict && models::openai_reasoning_efforts(request.model).is_some();
    if let Some(t) = request.temperature
        && !reasoning
    {
        body["temperature"] = json!(t);
    }
    if let Some(max) = request.max_output_tokens {
        // OpenAI deprecated `max_tokens` for `max_completion_tokens`; local servers only know
        // the old name.
        let key = if strict { "max_completion_tokens" } else { "max_tokens" };
        body[key] = json!(max);
    }
    if let Some(effort) = &tuning.reasoning_effort
        && reasoning
    {
        body["reasoning_effort"] = json!(effort);
    }
    if let Some(p) = tuning.frequency_penalty
        && !reasoning
    {
        body["frequency_penalty"] = json!(p);
    }
    // llama.cpp and vLLM read `repeat_penalty` / `repetition_penalty` beside the OpenAI fields;
    // OpenAI itself has no such parameter.
    if let Some(p) = tuning.repeat_penalty
        && !strict
    {
        body["repeat_penalty"] = json!(p);
        body["repetition_penalty"] = json!(p);
    }
    body
}

/// Decode a 2xx Chat Completions body.
pub fn parse_reply(
    provider: &'static str,
    status: u16,
    text: &str,
    request_body: Value,
) -> Result<Completion, LlmError> {
    let decode = |message: &str| LlmError::Decode {
        provider,
        message: message.to_string(),
        body: text.to_string(),
        status,
        request_body: request_body.clone(),
    };
    let v: Value = serde_json::from_str(text).map_err(|e| decode(&format!("not JSON: {e}")))?;
    let choice = v.pointer("/choices/0").ok_or_else(|| decode("no `choices[0]` in the reply"))?;
    let message = choice.get("message").ok_or_else(|| decode("no `message` in `choices[0]`"))?;
    let content = message.get("content").and_then(Value::as_str).unwrap_or("").to_string();
    let refusal = message.get("refusal").and_then(Value::as_str).filter(|r| !r.is_empty());
    let finish = match (refusal, choice.get("finish_reason").and_then(Value::as_str)) {
        (Some(r), _) => Finish::Refusal(r.to_string()),
        (None, Some("length")) => Finish::Length,
        (None, Some("stop") | None) => Finish::Stop,
        (None, Some("content_filter")) => Finish::Refusal("blocked by the provider's content filter".into()),
        (None, Some(other)) => Finish::Other(other.to_string()),
    };
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let usage = Usage {
        input_tokens: n("/usage/prompt_tokens"),
        cached_input_tokens: n("/usage/prompt_tokens_details/cached_tokens"),
        output_tokens: n("/usage/completion_tokens"),
        reasoning_tokens: n("/usage/completion_tokens_details/reasoning_tokens"),
        cache_write_tokens: 0,
    };
    Ok(Completion {
        text: content,
        finish,
        usage,
        request_body,
        http_status: Some(status),
        retries: Vec::new(),
    })
}

impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        self.kind
    }

    fn label(&self) -> String {
        self.kind.as_str().to_string()
    }

    fn base_url(&self) -> Option<String> {
        Some(self.base_url.clone())
    }

    fn may_ignore_schema(&self) -> bool {
        self.kind == ProviderKind::OpenaiCompatible
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(request))
    }
}
