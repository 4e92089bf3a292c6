//! Ollama's native chat API (`POST /api/chat`), for when the model runs in Ollama.
//!
//! Ollama's OpenAI-compatible `/v1` endpoint ignores `num_ctx` and silently cuts long prompts at
//! the server's default context (2,048 or 4,096 tokens): a long call would be analysed from its
//! last few minutes without an error. The native endpoint takes `options.num_ctx`, which is sized
//! here from the prompt's estimate plus the output budget, and `format: <schema>`, which Ollama
//! turns into a grammar. `OLLAMA_HOST` is honoured as Ollama's own CLI reads it (`host`,
//! `host:port`, or a URL; `0.0.0.0` means this machine). Usage: `prompt_eval_count` in,
//! `eval_count` out.

use super::http::{self, Http};
use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider, ProviderConfig};
use crate::core::cost::count_messages;
use crate::core::outcome::Usage;
use crate::core::schema::dialect;
use crate::core::spec::ProviderKind;
use serde_json::{Value, json};

/// Where Ollama listens by default.
pub const OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434";
/// Output budget assumed when the spec sets no `max_output_tokens` (for sizing the context).
const DEFAULT_OUTPUT_BUDGET: u64 = 2_048;
/// The smallest context asked for: Ollama's own default.
const MIN_CONTEXT: u64 = 4_096;

/// `OLLAMA_HOST` as Ollama's CLI reads it, as a base URL.
pub fn base_url_from_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    let (scheme, rest) = match host.split_once("://") {
        Some((s, r)) => (s, r),
        None => ("http", host),
    };
    let (name, port) = match rest.rsplit_once(':') {
        Some((n, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (n, p.to_string()),
        _ => (rest, "11434".to_string()),
    };
    // A server bound to every interface is reached on this machine.
    let name = match name {
        "" | "0.0.0.0" => "127.0.0.1",
        other => other,
    };
    format!("{scheme}://{name}:{port}")
}

/// The context to ask for: the prompt's estimate plus the output budget, with a tenth more for
/// the tokenizer difference (the estimate counts with tiktoken, the model with its own), rounded
/// up to a multiple of 1,024.
pub fn context_for(request: &CompletionRequest<'_>) -> u64 {
    let input =
        count_messages(ProviderKind::Ollama, request.model, request.messages, Some(request.schema)).tokens;
    let output = request.max_output_tokens.map(u64::from).unwrap_or(DEFAULT_OUTPUT_BUDGET);
    let wanted = (input + output) * 11 / 10;
    wanted.div_ceil(1_024).saturating_mul(1_024).max(MIN_CONTEXT)
}

/// The `/api/chat` body. A free function so previews show exactly what would be sent.
pub fn request_body(request: &CompletionRequest<'_>) -> Value {
    let tuning = request.tuning;
    let schema = dialect::transform_with(
        dialect::for_provider(ProviderKind::Ollama),
        request.schema,
        tuning.max_text_length,
    )
    .schema;
    let mut options = json!({"num_ctx": context_for(request)});
    if let Some(t) = request.temperature {
        options["temperature"] = json!(t);
    }
    if let Some(max) = request.max_output_tokens {
        options["num_predict"] = json!(max);
    }
    if let Some(p) = tuning.repeat_penalty {
        options["repeat_penalty"] = json!(p);
    }
    if let Some(p) = tuning.frequency_penalty {
        options["frequency_penalty"] = json!(p);
    }
    json!({
        "model": request.model,
        "messages": request.messages,
        "format": schema,
        "stream": false,
        "options": options,
    })
}

/// Native Ollama client.
pub struct Ollama {
    http: Http,
    base_url: String,
}

impl Ollama {
    pub fn new(config: &ProviderConfig) -> Result<Ollama, LlmError> {
        let base_url = http::base_url(config, OLLAMA_BASE_URL)?;
        Ok(Ollama { http: Http::new("ollama", config)?, base_url })
    }

    async fn call(&self, request: CompletionRequest<'_>) -> Result<Completion, LlmError> {
        let body = request_body(&request);
        let url = format!("{}/api/chat", self.base_url);
        let reply = self.http.post(&url, &[], &body).await?;
        let mut completion = parse_reply(&reply, body)?;
        completion.retries = reply.retries;
        Ok(completion)
    }
}

/// Decode a 2xx `/api/chat` body (non-streaming).
fn parse_reply(reply: &http::Reply, request_body: Value) -> Result<Completion, LlmError> {
    let decode = |message: &str| http::decode_error("ollama", reply, message, &request_body);
    let v: Value = serde_json::from_str(&reply.text).map_err(|e| decode(&format!("not JSON: {e}")))?;
    let content = v
        .pointer("/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| decode("no `message.content` in the reply"))?
        .to_string();
    let finish = match v.get("done_reason").and_then(Value::as_str) {
        Some("length") => Finish::Length,
        Some("stop") | None => Finish::Stop,
        Some(other) => Finish::Other(other.to_string()),
    };
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let usage =
        Usage { input_tokens: n("prompt_eval_count"), output_tokens: n("eval_count"), ..Usage::default() };
    Ok(Completion {
        text: content,
        finish,
        usage,
        request_body,
        http_status: Some(reply.status),
        retries: Vec::new(),
    })
}

impl Provider for Ollama {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ollama
    }

    fn label(&self) -> String {
        "ollama".to_string()
    }

    fn base_url(&self) -> Option<String> {
        Some(self.base_url.clone())
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ollama_host_is_read_as_ollama_reads_it() {
        assert_eq!(base_url_from_host("0.0.0.0"), "http://127.0.0.1:11434");
        assert_eq!(base_url_from_host("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(base_url_from_host("gpu-box"), "http://gpu-box:11434");
        assert_eq!(base_url_from_host("https://ollama.example.com:443/"), "https://ollama.example.com:443");
        assert_eq!(base_url_from_host("http://10.0.0.5:11434"), "http://10.0.0.5:11434");
    }
}
