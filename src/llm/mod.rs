//! Providers: one file per wire format, plus the offline baseline.
//!
//! A provider turns provider-neutral messages and the user's schema into one HTTP exchange (or,
//! for the offline baseline, a local computation) and hands back the model's text, how it
//! finished, and the usage it reported. Everything above this layer — repair, validation, cost,
//! storage — is shared, so adding a provider means adding a file here and nothing in the engine.

pub mod anthropic;
pub mod batch;
pub mod count;
pub mod gemini;
pub mod http;
pub mod offline;
pub mod ollama;
pub mod openai;
pub mod retry;

use crate::core::outcome::Usage;
use crate::core::prompt::{ChatMessage, PromptOptions};
use crate::core::schema::dialect::{self, Transformed};
use crate::core::spec::ProviderKind;
use crate::core::transcript::Conversation;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, so `Provider` can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Everything a provider needs for one call.
#[derive(Debug, Clone, Copy)]
pub struct CompletionRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    /// The user's schema, untransformed; each provider applies its own dialect.
    pub schema: &'a Value,
    /// `^[a-zA-Z0-9_-]{1,64}$`, derived from the spec name.
    pub schema_name: &'a str,
    pub temperature: Option<f64>,
    pub max_output_tokens: Option<u32>,
    /// The conversation itself (the offline baseline reads it instead of the messages).
    pub conversation: &'a Conversation,
    /// The spec's prompt (the offline baseline reads enum definitions from it).
    pub prompt: &'a str,
    /// The spec's provider-specific settings (reasoning effort, thinking, penalties, text bound).
    pub tuning: &'a crate::core::spec::Tuning,
}

/// How the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// A complete answer.
    Stop,
    /// Cut off by the output-token limit.
    Length,
    /// The model declined; the text says why.
    Refusal(String),
    /// Anything else the provider reported (e.g. a content filter).
    Other(String),
}

/// One successful exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The model's output text (the JSON document, when all went well).
    pub text: String,
    pub finish: Finish,
    pub usage: Usage,
    /// The body as sent (never holds the key).
    pub request_body: Value,
    pub http_status: Option<u16>,
    /// Failed tries before this one that were retried (rate limits, server errors, timeouts).
    pub retries: Vec<retry::Retry>,
}

/// Why a call produced no completion.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("{provider}: no API key; set {env} or enter one in the settings")]
    MissingKey { provider: &'static str, env: &'static str },
    #[error("{provider} answered HTTP {status}: {message}")]
    Http {
        provider: &'static str,
        status: u16,
        /// The provider's own error message.
        message: String,
        body: String,
        request_body: Value,
        retries: Vec<retry::Retry>,
    },
    #[error("{provider}: cannot reach {url}: {message}")]
    Network {
        provider: &'static str,
        url: String,
        message: String,
        request_body: Value,
        retries: Vec<retry::Retry>,
    },
    /// No complete reply within the request timeout (a stalled body included).
    #[error(
        "{provider}: timed out after {seconds} s waiting for the reply; raise --timeout or the spec's request_timeout_s: {url}"
    )]
    Timeout {
        provider: &'static str,
        url: String,
        seconds: f64,
        request_body: Value,
        retries: Vec<retry::Retry>,
    },
    /// The reply body was larger than the limit; reading stopped there.
    #[error(
        "{provider}: the reply (HTTP {status}) is larger than {limit_mb} MB, the most debrief reads; check the base URL points at a model endpoint"
    )]
    TooLarge {
        provider: &'static str,
        status: u16,
        limit_mb: usize,
        /// The start of the body, for the history.
        body: String,
        request_body: Value,
        retries: Vec<retry::Retry>,
    },
    #[error("{provider}: unexpected reply: {message}")]
    Decode { provider: &'static str, message: String, body: String, status: u16, request_body: Value },
    #[error("invalid provider setting: {0}")]
    Config(String),
    /// A provider batch job ended without answering this request (cancelled), so no call is
    /// made for it; the text says what happened and what to do.
    #[error("{0}")]
    BatchItem(String),
}

impl LlmError {
    /// The request body that was sent, when the error happened after sending.
    pub fn request_body(&self) -> Value {
        match self {
            LlmError::Http { request_body, .. }
            | LlmError::Network { request_body, .. }
            | LlmError::Timeout { request_body, .. }
            | LlmError::TooLarge { request_body, .. }
            | LlmError::Decode { request_body, .. } => request_body.clone(),
            _ => Value::Null,
        }
    }

    /// The raw reply body, when there was one.
    pub fn raw_body(&self) -> String {
        match self {
            LlmError::Http { body, .. } | LlmError::Decode { body, .. } | LlmError::TooLarge { body, .. } => {
                body.clone()
            }
            _ => String::new(),
        }
    }

    /// Failed tries that were retried before this error.
    pub fn retries(&self) -> &[retry::Retry] {
        match self {
            LlmError::Http { retries, .. }
            | LlmError::Network { retries, .. }
            | LlmError::Timeout { retries, .. }
            | LlmError::TooLarge { retries, .. } => retries,
            _ => &[],
        }
    }

    /// The HTTP status, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            LlmError::Http { status, .. }
            | LlmError::Decode { status, .. }
            | LlmError::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A model endpoint.
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    /// Shown wherever results are shown, e.g. "offline baseline (no LLM)" or "openai".
    fn label(&self) -> String;
    /// The base URL, for the history (`None` for the offline baseline).
    fn base_url(&self) -> Option<String>;
    /// Whether asking again gives the same answer; the engine then makes no repair attempts.
    fn deterministic(&self) -> bool {
        false
    }
    /// Whether calls cost nothing (cost is then 0, never "unknown").
    fn free(&self) -> bool {
        false
    }
    /// A note every result of this provider carries (the offline baseline says what it is).
    fn result_note(&self) -> Option<&'static str> {
        None
    }
    /// Whether the endpoint may silently ignore the schema (llama.cpp runs unconstrained on a
    /// schema its grammar compiler cannot handle); the engine then says so on results whose
    /// replies did not conform.
    fn may_ignore_schema(&self) -> bool {
        false
    }
    /// How prompts are assembled for this provider.
    fn prompt_options(&self) -> PromptOptions {
        PromptOptions::for_provider(self.kind())
    }
    /// The schema copy this provider sends, and what was changed; `max_text_length` is the
    /// spec's bound for free text where the dialect bounds strings.
    fn sent_schema(&self, schema: &Value, max_text_length: Option<u32>) -> Transformed {
        dialect::transform_with(dialect::for_provider(self.kind()), schema, max_text_length)
    }
    /// Make one call.
    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>>;
}

/// Where and how to reach a provider. Keys come from the environment or the settings UI and live
/// only in memory.
#[derive(Clone, Default)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub request_timeout: Option<Duration>,
    /// How transient failures are retried.
    pub retry: retry::RetryPolicy,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a key, even in debug output.
        f.debug_struct("ProviderConfig")
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The endpoint a provider talks to when no base URL is configured.
pub fn default_base_url(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Openai => Some(openai::OPENAI_BASE_URL),
        ProviderKind::OpenaiCompatible => Some(openai::LOCAL_BASE_URL),
        ProviderKind::Anthropic => Some(anthropic::ANTHROPIC_BASE_URL),
        ProviderKind::Gemini => Some(gemini::GEMINI_BASE_URL),
        ProviderKind::Ollama => Some(ollama::OLLAMA_BASE_URL),
        ProviderKind::Offline => None,
    }
}

/// Google's SDKs read `GOOGLE_API_KEY` as well as `GEMINI_API_KEY`, and prefer it when both are
/// set; Debrief does the same.
pub const GOOGLE_API_KEY: &str = "GOOGLE_API_KEY";

/// Every environment variable a provider's key may come from, preferred first.
pub fn key_envs(kind: ProviderKind) -> &'static [&'static str] {
    match kind {
        ProviderKind::Openai => &["OPENAI_API_KEY"],
        ProviderKind::OpenaiCompatible => &["OPENAI_COMPATIBLE_API_KEY"],
        ProviderKind::Anthropic => &["ANTHROPIC_API_KEY"],
        ProviderKind::Gemini => &[GOOGLE_API_KEY, "GEMINI_API_KEY"],
        ProviderKind::Offline | ProviderKind::Ollama => &[],
    }
}

/// How to name a provider's key variables in messages ("GEMINI_API_KEY or GOOGLE_API_KEY").
pub fn key_env_hint(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Gemini => "GEMINI_API_KEY or GOOGLE_API_KEY",
        other => key_env(other).unwrap_or("its API key"),
    }
}

/// The environment variable a provider's key is documented under.
pub fn key_env(kind: ProviderKind) -> Option<&'static str> {
    match kind {
        ProviderKind::Openai => Some("OPENAI_API_KEY"),
        ProviderKind::OpenaiCompatible => Some("OPENAI_COMPATIBLE_API_KEY"),
        ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
        ProviderKind::Gemini => Some("GEMINI_API_KEY"),
        ProviderKind::Offline | ProviderKind::Ollama => None,
    }
}

impl ProviderConfig {
    /// Every value replies and errors must be scrubbed of: the key in use, credentials in the
    /// base URL, and the key variables of the environment.
    pub fn secrets(&self) -> crate::core::secrets::Secrets {
        crate::core::secrets::Secrets::collect(self.api_key.as_deref(), self.base_url.as_deref())
    }

    /// Fill key and base URL from the environment: `--base-url` beats the env var, which beats
    /// the provider's default.
    pub fn from_env(kind: ProviderKind, base_url_flag: Option<String>) -> ProviderConfig {
        ProviderConfig::from_vars(kind, base_url_flag, |name| std::env::var(name).ok())
    }

    /// [`ProviderConfig::from_env`] reading variables through `lookup` (tests pass a map).
    pub fn from_vars(
        kind: ProviderKind,
        base_url_flag: Option<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> ProviderConfig {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let base_url = base_url_flag.or_else(|| match kind {
            ProviderKind::Openai => var("OPENAI_BASE_URL"),
            ProviderKind::OpenaiCompatible => var("OPENAI_COMPATIBLE_BASE_URL"),
            ProviderKind::Anthropic => var("ANTHROPIC_BASE_URL"),
            ProviderKind::Gemini => var("GEMINI_BASE_URL"),
            ProviderKind::Ollama => var("OLLAMA_HOST").map(|h| ollama::base_url_from_host(&h)),
            ProviderKind::Offline => None,
        });
        ProviderConfig {
            kind,
            base_url,
            api_key: key_envs(kind).iter().find_map(|name| var(name)),
            request_timeout: None,
            retry: retry::RetryPolicy::default(),
        }
    }
}

/// Build the provider a config describes.
pub fn build(config: &ProviderConfig) -> Result<Box<dyn Provider>, LlmError> {
    Ok(match config.kind {
        ProviderKind::Offline => Box::new(offline::Offline),
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => Box::new(openai::OpenAi::new(config)?),
        ProviderKind::Anthropic => Box::new(anthropic::Anthropic::new(config)?),
        ProviderKind::Gemini => Box::new(gemini::Gemini::new(config)?),
        ProviderKind::Ollama => Box::new(ollama::Ollama::new(config)?),
    })
}

/// Everything "Preview what is sent" shows: where the request goes, its headers (keys masked),
/// the exact body, and what the provider's dialect changed in the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPreview {
    /// `None` for the offline baseline, which sends nothing.
    pub url: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
    pub notes: Vec<dialect::DialectNote>,
}

/// Build the preview for `kind`, posting to `base_url` (or the provider's default).
pub fn preview(
    kind: ProviderKind,
    spec: &crate::core::spec::AnalysisSpec,
    conversation: &Conversation,
    base_url: Option<&str>,
) -> RequestPreview {
    let base = base_url.or(default_base_url(kind)).unwrap_or_default().trim_end_matches('/');
    let masked = "\u{2022}\u{2022}\u{2022}\u{2022} (never shown or stored)".to_string();
    let (url, headers) = match kind {
        ProviderKind::Offline => (None, Vec::new()),
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => {
            (Some(format!("{base}/chat/completions")), vec![("authorization", format!("Bearer {masked}"))])
        }
        ProviderKind::Anthropic => (
            Some(format!("{base}/v1/messages")),
            vec![("x-api-key", masked), ("anthropic-version", anthropic::API_VERSION.to_string())],
        ),
        ProviderKind::Gemini => (
            Some(format!("{base}/models/{}:generateContent", spec.model.trim_start_matches("models/"))),
            vec![("x-goog-api-key", masked)],
        ),
        ProviderKind::Ollama => (Some(format!("{base}/api/chat")), Vec::new()),
    };
    RequestPreview {
        url,
        headers,
        body: preview_request(kind, spec, conversation),
        notes: dialect::transform_with(dialect::for_provider(kind), &spec.schema, spec.max_text_length).notes,
    }
}

/// The request body `kind` would send for a spec and conversation, for previews ("what is
/// sent"). The offline baseline sends nothing; its preview says so.
pub fn preview_request(
    kind: ProviderKind,
    spec: &crate::core::spec::AnalysisSpec,
    conversation: &Conversation,
) -> Value {
    let messages = crate::core::prompt::build(spec, conversation, PromptOptions::for_provider(kind));
    let name = dialect::schema_name(&spec.name);
    let tuning = crate::core::spec::Tuning::of(spec);
    let request = CompletionRequest {
        model: &spec.model,
        messages: &messages,
        schema: &spec.schema,
        schema_name: &name,
        temperature: spec.temperature,
        max_output_tokens: spec.max_output_tokens,
        conversation,
        prompt: &spec.prompt,
        tuning: &tuning,
    };
    match kind {
        ProviderKind::Offline => {
            serde_json::json!({"provider": offline::LABEL, "note": "nothing is sent anywhere: the baseline reads the transcript locally", "messages": messages})
        }
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => openai::request_body(kind, &request),
        ProviderKind::Anthropic => anthropic::request_body(&request),
        ProviderKind::Gemini => gemini::request_body(&request),
        ProviderKind::Ollama => ollama::request_body(&request),
    }
}

/// The body `kind` sends for one request (the offline baseline sends nothing: `null`). The
/// batch APIs put exactly this in their files, so a batched call asks what a normal one would.
pub fn request_body(kind: ProviderKind, request: &CompletionRequest<'_>) -> Value {
    match kind {
        ProviderKind::Offline => Value::Null,
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => openai::request_body(kind, request),
        ProviderKind::Anthropic => anthropic::request_body(request),
        ProviderKind::Gemini => gemini::request_body(request),
        ProviderKind::Ollama => ollama::request_body(request),
    }
}
