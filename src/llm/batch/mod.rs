//! The providers' batch APIs: OpenAI Batch, Anthropic Message Batches, Gemini Batch Mode.
//!
//! Each takes many requests at once, runs them within 24 hours at half the list price, and is
//! polled for its state. This module holds what the three share — the client (auth headers,
//! timeouts, scrubbed errors), the provider-neutral types the engine sees (a submitted job, its
//! state and counts, one result per custom id) — and one file per wire format. The request
//! bodies are built by the normal providers' builders (`openai::request_body`…), so a batched
//! call sends exactly what a normal call would, and replies are decoded by the same parsers.

pub mod anthropic;
pub mod gemini;
pub mod openai;

use super::{Completion, CompletionRequest, ProviderConfig};
use crate::core::secrets::Secrets;
use crate::core::spec::ProviderKind;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Whole-exchange timeout for one batch-API request (uploads and downloads included).
const TIMEOUT: Duration = Duration::from_secs(300);
/// Largest results download read into memory.
const MAX_DOWNLOAD_BYTES: usize = 512 * 1024 * 1024;

/// Why a batch-API exchange failed. Every message is scrubbed of the key.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(
        "{provider} has no batch API debrief can use; --via batch-api works with openai, anthropic and gemini"
    )]
    Unsupported { provider: &'static str },
    #[error("{provider}: no API key; set {env}")]
    MissingKey { provider: &'static str, env: &'static str },
    #[error("{provider} batch API answered HTTP {status}: {message} ({url})")]
    Http { provider: &'static str, status: u16, message: String, url: String },
    #[error("{provider} batch API: cannot reach {url}: {message}")]
    Network { provider: &'static str, url: String, message: String },
    #[error("{provider} batch API: unexpected reply: {message} ({url})")]
    Decode { provider: &'static str, message: String, url: String },
    #[error("invalid batch setting: {0}")]
    Config(String),
}

/// One request of a job: the id the provider echoes back and the body a normal call would send.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    pub custom_id: String,
    pub body: Value,
}

/// What the provider said when it accepted a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub remote_id: String,
    /// OpenAI's uploaded input file.
    pub input_file_id: Option<String>,
    pub state: String,
}

/// A job's state as last polled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobStatus {
    /// The provider's own word for it.
    pub state: String,
    /// No more results will come (completed, failed, expired, cancelled, ended).
    pub terminal: bool,
    pub counts: BTreeMap<String, u64>,
    /// Where the results are, once there are any (file id or URL).
    pub output_ref: Option<String>,
    pub error_ref: Option<String>,
}

/// One request's result.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemResult {
    /// A reply, decoded as a normal call's reply would be.
    Succeeded(Box<Completion>),
    /// The provider's reason (errored, expired, cancelled), scrubbed.
    Failed(String),
}

/// A client for one provider's batch API.
pub struct BatchClient {
    pub kind: ProviderKind,
    provider: &'static str,
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    secrets: Secrets,
}

impl BatchClient {
    /// A client for `config`'s provider; only OpenAI, Anthropic and Gemini have batch APIs.
    pub fn new(config: &ProviderConfig) -> Result<BatchClient, BatchError> {
        let provider = config.kind.as_str();
        let default = match config.kind {
            ProviderKind::Openai | ProviderKind::Anthropic | ProviderKind::Gemini => {
                super::default_base_url(config.kind).unwrap_or_default()
            }
            _ => return Err(BatchError::Unsupported { provider }),
        };
        let base_url =
            super::http::base_url(config, default).map_err(|e| BatchError::Config(e.to_string()))?;
        let Some(api_key) = config.api_key.clone() else {
            return Err(BatchError::MissingKey { provider, env: super::key_env_hint(config.kind) });
        };
        let client = reqwest::Client::builder()
            .connect_timeout(super::http::CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| BatchError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(BatchClient { kind: config.kind, provider, client, base_url, api_key, secrets: config.secrets() })
    }

    /// The base URL as it may be shown and stored.
    pub fn endpoint(&self) -> String {
        crate::core::secrets::scrub_url(&self.base_url)
    }

    /// The body a normal call would send for `request` (the providers' own builders).
    pub fn request_body(&self, request: &CompletionRequest<'_>) -> Value {
        super::request_body(self.kind, request)
    }

    /// Split requests into jobs the provider accepts (OpenAI: 50,000 lines and 200 MB a file).
    pub fn split(&self, requests: Vec<BatchRequest>) -> Vec<Vec<BatchRequest>> {
        let (max_n, max_bytes) = match self.kind {
            ProviderKind::Anthropic => (anthropic::MAX_REQUESTS, anthropic::MAX_BYTES),
            ProviderKind::Gemini => (gemini::MAX_REQUESTS, gemini::MAX_INLINE_BYTES),
            _ => (openai::MAX_REQUESTS, openai::MAX_FILE_BYTES),
        };
        split_by(requests, max_n, max_bytes)
    }

    /// Submit one job.
    pub async fn submit(&self, model: &str, requests: &[BatchRequest]) -> Result<Submitted, BatchError> {
        match self.kind {
            ProviderKind::Anthropic => anthropic::submit(self, requests).await,
            ProviderKind::Gemini => gemini::submit(self, model, requests).await,
            _ => openai::submit(self, requests).await,
        }
    }

    /// Poll a job once.
    pub async fn status(&self, remote_id: &str) -> Result<JobStatus, BatchError> {
        match self.kind {
            ProviderKind::Anthropic => anthropic::status(self, remote_id).await,
            ProviderKind::Gemini => gemini::status(self, remote_id).await.map(|(s, _)| s),
            _ => openai::status(self, remote_id).await,
        }
    }

    /// Every result the provider has for a job, by custom id (in no particular order).
    pub async fn results(
        &self,
        remote_id: &str,
        status: &JobStatus,
    ) -> Result<Vec<(String, ItemResult)>, BatchError> {
        match self.kind {
            ProviderKind::Anthropic => anthropic::results(self, remote_id, status).await,
            ProviderKind::Gemini => gemini::results(self, remote_id).await,
            _ => openai::results(self, status).await,
        }
    }

    /// Ask the provider to cancel a job; returns its state afterwards.
    pub async fn cancel(&self, remote_id: &str) -> Result<JobStatus, BatchError> {
        match self.kind {
            ProviderKind::Anthropic => anthropic::cancel(self, remote_id).await?,
            ProviderKind::Gemini => gemini::cancel(self, remote_id).await?,
            _ => openai::cancel(self, remote_id).await?,
        }
        self.status(remote_id).await
    }

    /// Send a request with the provider's auth headers; the reply body on 2xx.
    async fn send(&self, request: reqwest::RequestBuilder, url: &str) -> Result<String, BatchError> {
        let request = match self.kind {
            ProviderKind::Anthropic => request
                .header("x-api-key", &self.api_key)
                .header("anthropic-version", super::anthropic::API_VERSION),
            ProviderKind::Gemini => request.header("x-goog-api-key", &self.api_key),
            _ => request.bearer_auth(&self.api_key),
        };
        let shown = crate::core::secrets::scrub_url(url);
        let network = |e: reqwest::Error| BatchError::Network {
            provider: self.provider,
            url: shown.clone(),
            message: self.secrets.scrub(&e.to_string()),
        };
        let reply = request.send().await.map_err(network)?;
        let status = reply.status().as_u16();
        if reply.content_length().is_some_and(|n| n as usize > MAX_DOWNLOAD_BYTES) {
            return Err(self.decode(url, "the reply is larger than 512 MB"));
        }
        let text = self.secrets.scrub(&reply.text().await.map_err(network)?);
        if !(200..300).contains(&status) {
            let message = super::http::provider_message(&text);
            return Err(BatchError::Http { provider: self.provider, status, message, url: shown });
        }
        Ok(text)
    }

    async fn get(&self, url: &str) -> Result<String, BatchError> {
        self.send(self.client.get(url), url).await
    }

    async fn post_json(&self, url: &str, body: &Value) -> Result<Value, BatchError> {
        let text = self.send(self.client.post(url).json(body), url).await?;
        self.parse(url, &text)
    }

    fn parse(&self, url: &str, text: &str) -> Result<Value, BatchError> {
        serde_json::from_str(text).map_err(|e| self.decode(url, &format!("not JSON: {e}")))
    }

    fn decode(&self, url: &str, message: &str) -> BatchError {
        BatchError::Decode {
            provider: self.provider,
            message: message.to_string(),
            url: crate::core::secrets::scrub_url(url),
        }
    }

    fn scrub(&self, text: &str) -> String {
        self.secrets.scrub(text)
    }
}

/// Cut `requests` into consecutive parts of at most `max_n` requests and about `max_bytes` of
/// JSON each (a single request larger than the limit still gets a part of its own).
fn split_by(requests: Vec<BatchRequest>, max_n: usize, max_bytes: usize) -> Vec<Vec<BatchRequest>> {
    let mut parts: Vec<Vec<BatchRequest>> = Vec::new();
    let mut bytes = 0;
    for r in requests {
        // Line overhead (custom id, method, url) is small; 200 bytes covers it.
        let size = r.body.to_string().len() + r.custom_id.len() + 200;
        let full =
            parts.last().is_none_or(|p| p.len() >= max_n || (bytes + size > max_bytes && !p.is_empty()));
        if full {
            parts.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(p) = parts.last_mut() {
            p.push(r);
        }
    }
    parts
}

/// Numbers under `pointer` in `v`, as counts.
fn counts_of(v: &Value, pointer: &str) -> BTreeMap<String, u64> {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, n)| Some((k.clone(), as_count(n)?))).collect())
        .unwrap_or_default()
}

/// A count that may arrive as a number or (proto3 int64 in JSON) a string.
fn as_count(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(i: usize, pad: usize) -> BatchRequest {
        BatchRequest { custom_id: format!("c{i}"), body: json!({"p": "x".repeat(pad)}) }
    }

    #[test]
    fn a_corpus_over_the_count_or_byte_limit_is_split_in_order() {
        let parts = split_by((0..5).map(|i| req(i, 10)).collect(), 2, 1 << 20);
        assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 2, 1]);
        assert_eq!(parts[2][0].custom_id, "c4");
        // Each request is ~1,200 bytes: three fit under 4,000 bytes.
        let parts = split_by((0..7).map(|i| req(i, 1000)).collect(), 100, 4000);
        assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 1]);
        assert!(split_by(Vec::new(), 2, 10).is_empty());
    }
}
