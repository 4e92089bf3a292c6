//! Scrubbing secrets out of text that is stored or printed.
//!
//! Why this exists: providers echo what they were sent. A 401 that says "Incorrect API key
//! provided: sk-…", a proxy's 429 page, or a 200 HTML page from a misconfigured gateway can carry
//! the key verbatim, and those bodies are kept (attempts, error messages) and printed. Keys travel
//! only in headers, so the request bodies are clean; what comes back is not. The HTTP layer runs
//! every reply through a [`Secrets`] built from the provider's configuration before anything else
//! sees it, and base URLs are recorded through [`scrub_url`], so credentials in a URL
//! (`http://user:KEY@host`, `?key=…`) never reach the history either.

use serde_json::Value;

/// What replaces a secret.
pub const MASK: &str = "[redacted]";

/// Shorter values are not treated as secrets: masking every "ab" in a reply would wreck it, and a
/// real key is never this short.
const MIN_SECRET_LEN: usize = 6;

/// Query parameters whose values are credentials.
const SECRET_PARAMS: &[&str] =
    &["key", "api_key", "apikey", "api-key", "access_token", "token", "auth", "password", "secret", "sig"];

/// Environment variables that may hold a key, whichever provider is in use (a key for one
/// provider echoed through another's proxy is still a key).
pub const KEY_ENV_VARS: &[&str] =
    &["OPENAI_API_KEY", "OPENAI_COMPATIBLE_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"];

/// The secrets of one configuration: every value that must never be stored or printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    values: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} value(s))", self.values.len())
    }
}

impl Secrets {
    /// The key in use, the credentials in `base_url`, and every key variable of the environment.
    pub fn collect(api_key: Option<&str>, base_url: Option<&str>) -> Secrets {
        let mut secrets = Secrets::default();
        if let Some(key) = api_key {
            secrets.add(key);
        }
        if let Some(url) = base_url {
            for value in url_credentials(url) {
                secrets.add(&value);
            }
        }
        for var in KEY_ENV_VARS {
            if let Ok(value) = std::env::var(var) {
                secrets.add(&value);
            }
        }
        secrets
    }

    /// Add one value (trimmed; ignored when too short to be a key).
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() >= MIN_SECRET_LEN && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a key that contains another is masked whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret masked.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), MASK);
            }
        }
        out
    }

    /// Mask every secret in every string of a JSON value, in place.
    pub fn scrub_json(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => *s = self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.scrub_json(v)),
            _ => {}
        }
    }
}

/// The user name, password and secret query values written into a URL.
fn url_credentials(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((user, pass)) = userinfo(url) {
        found.push(user.to_string());
        if let Some(pass) = pass {
            found.push(pass.to_string());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split(['&', '#']) {
            if let Some((name, value)) = pair.split_once('=')
                && SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str())
            {
                // A path glued after the query (`…?key=K/models/…`) is not part of the key.
                let value = value.split(['/', '#']).next().unwrap_or(value);
                found.push(value.to_string());
            }
        }
    }
    found
}

/// `user` and `password` of `scheme://user:password@host/…`.
fn userinfo(url: &str) -> Option<(&str, Option<&str>)> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (info, _) = authority.rsplit_once('@')?;
    Some(match info.split_once(':') {
        Some((user, pass)) => (user, Some(pass)),
        None => (info, None),
    })
}

/// A URL as it may be stored or printed: user info and secret query values masked.
pub fn scrub_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some((_, host)) = authority.rsplit_once('@') {
            out = format!("{scheme}://{MASK}@{host}{}", &rest[end..]);
        }
    }
    let Some((base, query)) = out.split_once('?') else { return out };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str()) => {
                format!("{name}={MASK}")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_url_credentials_are_masked() {
        let s = Secrets::collect(
            Some("sk-live-123456"),
            Some("http://bob:hunter2hunter@h:1/v1?key=AIzaSECRET&x=1"),
        );
        let text = "bad key sk-live-123456; user bob pass hunter2hunter; AIzaSECRET";
        let scrubbed = s.scrub(text);
        assert!(!scrubbed.contains("sk-live-123456") && !scrubbed.contains("hunter2hunter"), "{scrubbed}");
        assert!(!scrubbed.contains("AIzaSECRET"), "{scrubbed}");
        assert!(scrubbed.contains("user bob"), "too short to be a secret: {scrubbed}");
        let mut v = serde_json::json!({"error": {"message": ["sk-live-123456"]}});
        s.scrub_json(&mut v);
        assert_eq!(v, serde_json::json!({"error": {"message": [MASK]}}));
    }

    #[test]
    fn urls_lose_user_info_and_secret_params() {
        assert_eq!(scrub_url("http://u:KEY@127.0.0.1:9/v1"), "http://[redacted]@127.0.0.1:9/v1");
        assert_eq!(scrub_url("https://h/v1?key=AIza&alt=sse"), "https://h/v1?key=[redacted]&alt=sse");
        assert_eq!(scrub_url("https://api.openai.com/v1"), "https://api.openai.com/v1");
    }
}
