//! Standard Webhooks v1 signatures.
//!
//! A secret is `whsec_` followed by base64 of 32 random bytes; the signing key is the decoded
//! bytes. The signature is `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))
//! over the exact bytes sent; during a secret rotation the header carries one signature per
//! secret, separated by spaces, and a receiver accepts the message when any one matches.
//! (standardwebhooks.com, "Signature scheme".)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix Standard Webhooks gives secrets.
const PREFIX: &str = "whsec_";

/// A webhook signing secret. Its `Debug` never shows the key; only [`WebhookSecret::expose`]
/// does, for the one time it is printed after creation and for storing it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Why a secret could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the system's random number generator failed ({0}); try again")]
    Random(String),
    #[error("a webhook secret must be `whsec_` followed by base64 of at least 24 bytes")]
    Malformed,
}

impl WebhookSecret {
    /// A new secret from 32 bytes of the operating system's CSPRNG.
    pub fn generate() -> Result<WebhookSecret, SecretError> {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
        Ok(WebhookSecret { key })
    }

    /// Read `whsec_…` (the prefix is optional, as receivers' libraries accept it either way).
    pub fn parse(text: &str) -> Result<WebhookSecret, SecretError> {
        let b64 = text.trim().strip_prefix(PREFIX).unwrap_or(text.trim());
        let key = STANDARD.decode(b64).map_err(|_| SecretError::Malformed)?;
        if key.len() < 24 {
            return Err(SecretError::Malformed);
        }
        Ok(WebhookSecret { key })
    }

    /// The secret as text (`whsec_…`): shown once after creation, and stored to sign.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// `base64(HMAC-SHA256(key, content))`.
    pub fn sign(&self, content: &[u8]) -> String {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(content);
                STANDARD.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        }
    }
}

/// What is signed: `{id}.{timestamp}.{body}`.
pub fn signed_content(msg_id: &str, timestamp: i64, body: &str) -> Vec<u8> {
    let mut content = Vec::with_capacity(msg_id.len() + body.len() + 24);
    content.extend_from_slice(msg_id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.to_string().as_bytes());
    content.push(b'.');
    content.extend_from_slice(body.as_bytes());
    content
}

/// The `webhook-signature` header: `v1,<sig>` per secret, space-separated (newest first).
pub fn signature_header(secrets: &[&WebhookSecret], msg_id: &str, timestamp: i64, body: &str) -> String {
    let content = signed_content(msg_id, timestamp, body);
    secrets.iter().map(|s| format!("v1,{}", s.sign(&content))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The example from the Standard Webhooks reference implementations' test suites.
    #[test]
    fn matches_the_standard_webhooks_example() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let header = signature_header(
            &[&secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = WebhookSecret::generate().unwrap();
        let b = WebhookSecret::generate().unwrap();
        assert_ne!(a, b);
        let text = a.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&text[6..]).unwrap().len(), 32);
        assert_eq!(WebhookSecret::parse(&text).unwrap(), a);
        assert!(!format!("{a:?}").contains(&text[6..]));
    }

    #[test]
    fn rotation_sends_one_signature_per_secret() {
        let (a, b) = (WebhookSecret::generate().unwrap(), WebhookSecret::generate().unwrap());
        let header = signature_header(&[&a, &b], "msg_1", 10, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn malformed_secrets_are_refused() {
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err(), "5 bytes is too short");
    }
}
