//! The HTTP exchange every provider shares: build a client, POST a JSON body, retry what is
//! transient, and turn the rest into a typed [`LlmError`] carrying the provider's own message.
//!
//! Providers differ in URL, auth header and body shape, not in how a 429 is waited out, so the
//! retry loop lives here once and each provider file holds only its wire format.

use super::retry::{self, Retry, RetryPolicy};
use super::{LlmError, ProviderConfig};
use serde_json::Value;
use std::time::Duration;

/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed to open the connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A configured client for one provider.
pub struct Http {
    pub provider: &'static str,
    client: reqwest::Client,
    retry: RetryPolicy,
}

/// A 2xx reply and the failed tries before it.
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub retries: Vec<Retry>,
}

impl Http {
    pub fn new(provider: &'static str, config: &ProviderConfig) -> Result<Http, LlmError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(config.request_timeout.unwrap_or(DEFAULT_TIMEOUT))
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http { provider, client, retry: config.retry })
    }

    /// Tell the task's retry hook about the newest retry.
    fn announce(&self, retries: &[Retry]) {
        if let Some(last) = retries.last() {
            let n = retries.len() as u32;
            retry::notify_retry(last, n + 1, self.retry.max_retries + 1);
        }
    }

    /// POST `body` to `url` with `headers`, retrying 429/5xx/529, connection errors and timeouts
    /// as the policy allows. Header values are secrets-safe: they are never recorded.
    pub async fn post(&self, url: &str, headers: &[(&str, &str)], body: &Value) -> Result<Reply, LlmError> {
        let provider = self.provider;
        let mut retries: Vec<Retry> = Vec::new();
        loop {
            let tries = retries.len() as u32;
            let mut builder = self.client.post(url).json(body);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
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
                Err(e) if tries < self.retry.max_retries => {
                    let wait = retry::delay(&self.retry, tries, None);
                    let kind = if e.is_timeout() { "timeout" } else { "network error" };
                    tracing::debug!(
                        provider,
                        wait_ms = wait.as_millis() as u64,
                        attempt = tries + 1,
                        "retrying after a {kind}"
                    );
                    retries.push(Retry {
                        http_status: None,
                        reason: format!("{kind}: {}", error_chain(&e)),
                        delay_ms: wait.as_millis() as u64,
                        body: String::new(),
                    });
                    self.announce(&retries);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    return Err(LlmError::Network {
                        provider,
                        url: url.to_string(),
                        message: error_chain(&e),
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
        return Err(LlmError::Config(format!(
            "base URL {url:?} must start with http:// or https://, e.g. {default}"
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
