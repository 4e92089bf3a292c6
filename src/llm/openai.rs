//! OpenAI Chat Completions, strict structured outputs — and the same wire format for local
//! OpenAI-compatible servers (Ollama, llama.cpp, vLLM, LM Studio).
//!
//! OpenAI gets `response_format: {type: "json_schema", json_schema: {name, strict: true, schema}}`
//! with the schema rewritten to the strict dialect. Local servers get the schema as written, no
//! `strict`, and a plain-language summary of it in the system prompt, because several of them
//! never show schema descriptions to the model. Usage follows OpenAI's convention:
//! `prompt_tokens` includes `prompt_tokens_details.cached_tokens`, and `completion_tokens`
//! includes `completion_tokens_details.reasoning_tokens`.

use super::retry::{self, Retry, RetryPolicy};
use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider, ProviderConfig};
use crate::core::outcome::Usage;
use crate::core::schema::dialect;
use crate::core::spec::ProviderKind;
use serde_json::{Value, json};
use std::time::Duration;

/// The public endpoint.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Ollama's OpenAI-compatible endpoint on this machine.
pub const LOCAL_BASE_URL: &str = "http://127.0.0.1:11434/v1";
/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Chat Completions client.
pub struct OpenAi {
    kind: ProviderKind,
    client: reqwest::Client,
    base_url: String,
    api_key: Option<String>,
    retry: RetryPolicy,
}

impl OpenAi {
    pub fn new(config: &ProviderConfig) -> Result<OpenAi, LlmError> {
        let strict = config.kind == ProviderKind::Openai;
        let default_url = if strict { OPENAI_BASE_URL } else { LOCAL_BASE_URL };
        let base_url = config.base_url.clone().unwrap_or_else(|| default_url.to_string());
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(LlmError::Config(format!(
                "base URL {base_url:?} must start with http:// or https://, e.g. {default_url}"
            )));
        }
        if strict && config.api_key.is_none() {
            return Err(LlmError::MissingKey { provider: "openai", env: "OPENAI_API_KEY" });
        }
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.request_timeout.unwrap_or(DEFAULT_TIMEOUT))
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(OpenAi {
            kind: config.kind,
            client,
            base_url,
            api_key: config.api_key.clone(),
            retry: config.retry,
        })
    }

    fn name(&self) -> &'static str {
        self.kind.as_str()
    }

    /// The exact request body for a call.
    pub fn body(&self, request: &CompletionRequest<'_>) -> Value {
        request_body(self.kind, request)
    }

    async fn call(&self, request: CompletionRequest<'_>) -> Result<Completion, LlmError> {
        let provider = self.name();
        let body = self.body(&request);
        let url = format!("{}/chat/completions", self.base_url);
        let mut retries: Vec<Retry> = Vec::new();
        loop {
            let tries = retries.len() as u32;
            let mut builder = self.client.post(&url).json(&body);
            if let Some(key) = &self.api_key {
                builder = builder.bearer_auth(key);
            }
            let sent = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    response.text().await.map(|text| (status, headers, text))
                }
                Err(e) => Err(e),
            };
            match sent {
                Ok((status, headers, text))
                    if retry::retryable_status(status) && tries < self.retry.max_retries =>
                {
                    let wait = retry::delay(&self.retry, tries, Some(&headers));
                    retries.push(Retry {
                        http_status: Some(status),
                        reason: format!("HTTP {status}: {}", provider_message(&text)),
                        delay_ms: wait.as_millis() as u64,
                        body: text,
                    });
                    tokio::time::sleep(wait).await;
                }
                Err(e) if tries < self.retry.max_retries => {
                    let wait = retry::delay(&self.retry, tries, None);
                    let kind = if e.is_timeout() { "timeout" } else { "network error" };
                    retries.push(Retry {
                        http_status: None,
                        reason: format!("{kind}: {}", error_chain(&e)),
                        delay_ms: wait.as_millis() as u64,
                        body: String::new(),
                    });
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    return Err(LlmError::Network {
                        provider,
                        url,
                        message: error_chain(&e),
                        request_body: body,
                        retries,
                    });
                }
                Ok((status, _, text)) if !(200..300).contains(&status) => {
                    let message = provider_message(&text);
                    return Err(LlmError::Http {
                        provider,
                        status,
                        message,
                        body: text,
                        request_body: body,
                        retries,
                    });
                }
                Ok((status, _, text)) => {
                    let mut completion = parse_reply(provider, status, &text, body)?;
                    completion.retries = retries;
                    return Ok(completion);
                }
            }
        }
    }
}

/// The Chat Completions body for `kind` (openai or openai-compatible). A free function so the
/// GUI can preview exactly what would be sent without building a client.
pub fn request_body(kind: ProviderKind, request: &CompletionRequest<'_>) -> Value {
    let strict = kind == ProviderKind::Openai;
    let schema = dialect::transform(dialect::for_provider(kind), request.schema).schema;
    let mut json_schema = json!({"name": request.schema_name, "schema": schema});
    if strict {
        json_schema["strict"] = Value::Bool(true);
    }
    let mut body = json!({
        "model": request.model,
        "messages": request.messages,
        "response_format": {"type": "json_schema", "json_schema": json_schema},
    });
    if let Some(t) = request.temperature
        && !reasoning_model(request.model)
    {
        body["temperature"] = json!(t);
    }
    if let Some(max) = request.max_output_tokens {
        // OpenAI deprecated `max_tokens` for `max_completion_tokens`; local servers only know
        // the old name.
        let key = if strict { "max_completion_tokens" } else { "max_tokens" };
        body[key] = json!(max);
    }
    body
}

/// o-series and gpt-5 models accept only the default temperature.
fn reasoning_model(model: &str) -> bool {
    let m = model.trim_start_matches("openai/");
    m.starts_with("gpt-5") || m.starts_with("o1") || m.starts_with("o3") || m.starts_with("o4")
}

/// reqwest's Display hides the cause ("error sending request"); show the whole chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `{"error": {"message": …}}` → the message; otherwise the body itself, shortened.
pub fn provider_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .or_else(|| v.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    message.unwrap_or_else(|| body.chars().take(300).collect())
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
        self.name().to_string()
    }

    fn base_url(&self) -> Option<String> {
        Some(self.base_url.clone())
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(request))
    }
}
