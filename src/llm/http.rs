//! The HTTP exchange every provider shares: build a client, POST a JSON body, retry what is
//! transient, and turn the rest into a typed [`LlmError`] carrying the provider's own message.
//!
//! Providers differ in URL, auth header and body shape, not in how a 429 is waited out, so the
//! retry loop lives here once and each provider file holds only its wire format.

use super::retry::{self, Retry, RetryPolicy};
use super::{LlmError, ProviderConfig};
use crate::core::secrets::{self, Secrets};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// Default whole-request timeout (`--timeout`, the spec's `request_timeout_s`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed to open the connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest reply body read. Structured replies are a few KB; a reply this big is a
/// misconfigured endpoint, and reading it whole would take memory without bound.
pub const MAX_REPLY_BYTES: usize = 16 * 1024 * 1024;

/// A configured client for one provider.
pub struct Http {
    pub provider: &'static str,
    client: reqwest::Client,
    retry: RetryPolicy,
    /// The whole exchange, body included: a reply that stalls halfway is a timeout.
    timeout: Duration,
    /// Everything in replies and errors is scrubbed of these before anyone sees it.
    secrets: Secrets,
}

/// A 2xx reply and the failed tries before it.
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub retries: Vec<Retry>,
}

/// Why one try produced no complete reply.
enum Failure {
    Network(reqwest::Error),
    Timeout,
    TooLarge { status: u16, head: String },
}

impl Http {
    pub fn new(provider: &'static str, config: &ProviderConfig) -> Result<Http, LlmError> {
        // No reqwest total timeout: the exchange is bounded below as a whole, so a stalled body
        // is reported as the timeout it is, not as "error decoding response body".
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            provider,
            client,
            retry: config.retry,
            timeout: config.request_timeout.unwrap_or(DEFAULT_TIMEOUT),
            secrets: config.secrets(),
        })
    }

    /// Tell the task's retry hook about the newest retry.
    fn announce(&self, retries: &[Retry]) {
        if let Some(last) = retries.last() {
            let n = retries.len() as u32;
            retry::notify_retry(last, n + 1, self.retry.max_retries + 1);
        }
    }

    /// One try: send, then read the body in chunks up to [`MAX_REPLY_BYTES`], all within the
    /// timeout. The text is scrubbed of secrets before it is returned.
    async fn exchange(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<(u16, HeaderMap, String), Failure> {
        let mut builder = self.client.post(url).json(body);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let read = async {
            let mut response = builder.send().await.map_err(Failure::Network)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut bytes: Vec<u8> = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(Failure::Network)? {
                if bytes.len() + chunk.len() > MAX_REPLY_BYTES {
                    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
                    return Err(Failure::TooLarge { status, head: self.secrets.scrub(&head) });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok((status, headers, self.secrets.scrub(&String::from_utf8_lossy(&bytes))))
        };
        match tokio::time::timeout(self.timeout, read).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Timeout),
        }
    }

    /// POST `body` to `url` with `headers`, retrying 429/5xx/529, connection errors and timeouts
    /// as the policy allows. Header values are secrets-safe: they are never recorded, and every
    /// reply body and error text is scrubbed of the configured secrets.
    pub async fn post(&self, url: &str, headers: &[(&str, &str)], body: &Value) -> Result<Reply, LlmError> {
        let provider = self.provider;
        let shown_url = secrets::scrub_url(&self.secrets.scrub(url));
        let mut retries: Vec<Retry> = Vec::new();
        loop {
            let tries = retries.len() as u32;
            let sent = self.exchange(url, headers, body).await;
            let transient = match &sent {
                Err(Failure::Network(e)) => Some(if e.is_timeout() { "timeout" } else { "network error" }),
                Err(Failure::Timeout) => Some("timeout"),
                _ => None,
            };
            match sent {
                Ok((status, headers, text))
                    if retry::retryable_status(status) && tries < self.retry.max_retries =>
                {
                    let wait = retry::delay_with_body(&self.retry, tries, Some(&headers), &text);
                    // Status and wait only: a reply body may echo a key back.
                    tracing::debug!(
                        provider,
                        status,
                        wait_ms = wait.as_millis() as u64,
                        attempt = tries + 1,
                        "retrying after HTTP {status}"
                    );
                    retries.push(Retry {
                        http_status: Some(status),
                        reason: format!("HTTP {status}: {}", provider_message(&text)),
                        delay_ms: wait.as_millis() as u64,
                        body: text,
                    });
                    self.announce(&retries);
                    tokio::time::sleep(wait).await;
                }
                Err(failure @ (Failure::Network(_) | Failure::Timeout)) if tries < self.retry.max_retries => {
                    let wait = retry::delay(&self.retry, tries, None);
                    let kind = transient.unwrap_or("network error");
                    tracing::debug!(
                        provider,
                        wait_ms = wait.as_millis() as u64,
                        attempt = tries + 1,
                        "retrying after a {kind}"
                    );
                    retries.push(Retry {
                        http_status: None,
                        reason: format!(
                            "{}: {}",
                            transient.unwrap_or("network error"),
                            self.describe(&failure)
                        ),
                        delay_ms: wait.as_millis() as u64,
                        body: String::new(),
                    });
                    self.announce(&retries);
                    tokio::time::sleep(wait).await;
                }
                Err(Failure::Timeout) => {
                    return Err(LlmError::Timeout {
                        provider,
                        url: shown_url,
                        seconds: self.timeout.as_secs_f64(),
                        request_body: body.clone(),
                        retries,
                    });
                }
                Err(failure @ Failure::Network(_)) => {
                    return Err(LlmError::Network {
                        provider,
                        url: shown_url,
                        message: self.describe(&failure),
                        request_body: body.clone(),
                        retries,
                    });
                }
                Err(Failure::TooLarge { status, head }) => {
                    return Err(LlmError::TooLarge {
                        provider,
                        status,
                        limit_mb: MAX_REPLY_BYTES / (1024 * 1024),
                        body: head,
                        request_body: body.clone(),
                        retries,
                    });
                }
                Ok((status, _, text)) if !(200..300).contains(&status) => {
                    return Err(LlmError::Http {
                        provider,
                        status,
                        message: provider_message(&text),
                        body: text,
                        request_body: body.clone(),
                        retries,
                    });
                }
                Ok((status, _, text)) => return Ok(Reply { status, text, retries }),
            }
        }
    }

    /// A failure in words, scrubbed (reqwest's messages include the URL).
    fn describe(&self, failure: &Failure) -> String {
        let text = match failure {
            Failure::Network(e) if e.is_timeout() => {
                format!("no reply within {} s: {}", self.timeout.as_secs_f64(), error_chain(e))
            }
            Failure::Network(e) => error_chain(e),
            Failure::Timeout => format!("no complete reply within {} s", self.timeout.as_secs_f64()),
            Failure::TooLarge { .. } => format!("the reply is larger than {} MB", MAX_REPLY_BYTES >> 20),
        };
        secrets::scrub_url(&self.secrets.scrub(&text))
    }
}

/// A provider that needs a key: its client, where it posts, and the key (held in memory only).
pub struct Keyed {
    pub http: Http,
    pub base_url: String,
    pub api_key: String,
}

impl Keyed {
    /// Check the base URL and require the key (`MissingKey` names the provider's variable).
    pub fn new(config: &ProviderConfig, default_url: &str) -> Result<Keyed, LlmError> {
        let provider = config.kind.as_str();
        let base_url = base_url(config, default_url)?;
        let Some(api_key) = config.api_key.clone() else {
            return Err(LlmError::MissingKey { provider, env: super::key_env_hint(config.kind) });
        };
        Ok(Keyed { http: Http::new(provider, config)?, base_url, api_key })
    }
}

/// The configured base URL or the provider's default, without a trailing slash; only http(s).
pub fn base_url(config: &ProviderConfig, default: &str) -> Result<String, LlmError> {
    let url = config.base_url.clone().unwrap_or_else(|| default.to_string());
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        let shown = secrets::scrub_url(&url);
        return Err(LlmError::Config(format!(
            "base URL {shown:?} must start with http:// or https://, e.g. {default}"
        )));
    }
    Ok(url)
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

/// The provider's own error message: `{"error": {"message": …}}` (OpenAI, Anthropic, Gemini),
/// `{"error": "…"}` (several local servers) or `{"message": …}`; otherwise the body, shortened.
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

/// A 2xx body that is not what the wire format promises.
pub fn decode_error(provider: &'static str, reply: &Reply, message: &str, request_body: &Value) -> LlmError {
    LlmError::Decode {
        provider,
        message: message.to_string(),
        body: reply.text.clone(),
        status: reply.status,
        request_body: request_body.clone(),
    }
}
