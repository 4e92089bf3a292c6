//! Administration of the pipeline: agents, server API keys, webhook endpoints and rules.
//!
//! The CLI (`debrief agents|keys|webhooks|rules`), the GUI's Server and Deliveries views and the
//! server all go through these, so every check (an id must not be empty, a spec must compile, a
//! URL must be http(s), an event name must be dotted lower case, a rule must parse) is made once.
//! Secrets are made here from the operating system's CSPRNG and returned once; what is stored of
//! an API key is its SHA-256, of a webhook secret the secret itself (it is needed to sign).

use super::{Engine, EngineError};
use crate::core::rules::Rule;
use crate::core::spec::AnalysisSpec;
use crate::core::webhook::{WebhookSecret, is_valid_event_name};
use crate::store::{Agent, ApiKeyInfo, Endpoint, StoredRule};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// How long the previous secret keeps signing after a rotation (Svix and Standard Webhooks'
/// libraries use a day too), so receivers can switch without missing a message.
pub const ROTATION_OVERLAP_S: i64 = 24 * 3600;

/// How API keys start, so a leaked one is recognisable in logs and secret scanners.
pub const KEY_PREFIX: &str = "dbk_";

/// SHA-256 hex of an API key, as stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

fn check_id(what: &str, id: &str) -> Result<(), EngineError> {
    let ok = !id.trim().is_empty()
        && id.len() <= 200
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@'));
    if ok {
        Ok(())
    } else {
        Err(EngineError::Invalid(format!(
            "{what} {id:?} is not usable: use 1-200 letters, digits, and _ - . : @"
        )))
    }
}

impl Engine {
    /// Add or replace an agent. The spec's schema must compile. Returns `true` when it replaced one.
    pub fn add_agent(
        &self,
        id: &str,
        spec: &AnalysisSpec,
        base_url: Option<&str>,
    ) -> Result<bool, EngineError> {
        check_id("agent id", id)?;
        super::compile_spec(spec)?;
        if let Some(url) = base_url {
            check_url(url)?;
        }
        self.with(|s| s.put_agent(id, spec, base_url))
    }

    /// Every agent.
    pub fn agents(&self) -> Result<Vec<Agent>, EngineError> {
        self.with(|s| s.agents())
    }

    /// One agent, or `NotFound`.
    pub fn agent(&self, id: &str) -> Result<Agent, EngineError> {
        self.with(|s| s.agent(id))?.ok_or_else(|| {
            EngineError::not_found(format!("agent {id:?}"), "`debrief agents list` lists them")
        })
    }

    /// Remove an agent (its results stay).
    pub fn remove_agent(&self, id: &str) -> Result<(), EngineError> {
        if self.with(|s| s.remove_agent(id))? {
            Ok(())
        } else {
            Err(EngineError::not_found(format!("agent {id:?}"), "`debrief agents list` lists them"))
        }
    }

    /// Create an API key called `name`; returns the key, which is never shown again.
    pub fn create_key(&self, name: &str) -> Result<String, EngineError> {
        check_id("key name", name)?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| EngineError::Invalid(format!("the system's random number generator failed: {e}")))?;
        let key = format!("{KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let prefix: String = key.chars().take(KEY_PREFIX.len() + 4).collect();
        if !self.with(|s| s.insert_api_key(name, &hash_key(&key), &prefix))? {
            return Err(EngineError::Invalid(format!(
                "a key called {name:?} exists already; revoke it or choose another name"
            )));
        }
        Ok(key)
    }

    /// Every key (never the keys themselves).
    pub fn keys(&self) -> Result<Vec<ApiKeyInfo>, EngineError> {
        self.with(|s| s.api_keys())
    }

    /// Revoke a key by name.
    pub fn revoke_key(&self, name: &str) -> Result<(), EngineError> {
        if self.with(|s| s.revoke_api_key(name))? {
            Ok(())
        } else {
            Err(EngineError::not_found(format!("active key {name:?}"), "`debrief keys list` lists them"))
        }
    }

    /// The stored hashes of the active keys, as bytes (for constant-time comparison).
    pub fn active_key_hashes(&self) -> Result<Vec<Vec<u8>>, EngineError> {
        let hashes = self.with(|s| s.active_key_hashes())?;
        Ok(hashes.iter().filter_map(|h| hex::decode(h).ok()).collect())
    }

    /// Add an endpoint; returns it and its new secret (shown once).
    pub fn add_webhook(
        &self,
        url: &str,
        events: &[String],
        agent_id: Option<&str>,
    ) -> Result<(Endpoint, WebhookSecret), EngineError> {
        check_url(url)?;
        for e in events {
            if e != "*" && !is_valid_event_name(e) {
                return Err(EngineError::Invalid(format!(
                    "{e:?} is not an event name; use dotted lower-case words such as conversation.analyzed or qa.review_needed"
                )));
            }
        }
        let secret = WebhookSecret::generate().map_err(|e| EngineError::Invalid(e.to_string()))?;
        let id = self.with(|s| s.insert_webhook(url, events, agent_id, &secret.expose()))?;
        Ok((self.webhook(id)?, secret))
    }

    /// Every endpoint (no secrets).
    pub fn webhooks(&self) -> Result<Vec<Endpoint>, EngineError> {
        self.with(|s| s.webhooks())
    }

    /// One endpoint, or `NotFound`.
    pub fn webhook(&self, id: i64) -> Result<Endpoint, EngineError> {
        self.with(|s| s.webhook(id))?.ok_or_else(|| no_endpoint(id))
    }

    /// Enable or disable an endpoint.
    pub fn set_webhook_enabled(&self, id: i64, enabled: bool) -> Result<(), EngineError> {
        let reason = (!enabled).then_some("disabled by hand");
        if self.with(|s| s.set_webhook_enabled(id, enabled, reason))? { Ok(()) } else { Err(no_endpoint(id)) }
    }

    /// Remove an endpoint and its delivery log.
    pub fn remove_webhook(&self, id: i64) -> Result<(), EngineError> {
        if self.with(|s| s.remove_webhook(id))? { Ok(()) } else { Err(no_endpoint(id)) }
    }

    /// Give an endpoint a new secret; the old one keeps signing for [`ROTATION_OVERLAP_S`].
    pub fn rotate_webhook(&self, id: i64) -> Result<WebhookSecret, EngineError> {
        let secret = WebhookSecret::generate().map_err(|e| EngineError::Invalid(e.to_string()))?;
        let until = jiff::Timestamp::now().as_second() + ROTATION_OVERLAP_S;
        if self.with(|s| s.rotate_webhook(id, &secret.expose(), until))? {
            Ok(secret)
        } else {
            Err(no_endpoint(id))
        }
    }

    /// Add or replace a rule; it must parse, and its event (if any) must be a valid name.
    pub fn add_rule(&self, name: &str, expression: &str, event: Option<&str>) -> Result<bool, EngineError> {
        Rule::new(name, expression).compile().map_err(|e| EngineError::Invalid(e.to_string()))?;
        if let Some(e) = event
            && !is_valid_event_name(e)
        {
            return Err(EngineError::Invalid(format!(
                "{e:?} is not an event name; use dotted lower-case words such as qa.review_needed or lead.hot"
            )));
        }
        self.with(|s| s.put_rule(name, expression, event))
    }

    /// Replace every rule (the GUI's review queue saves its list this way); all must be valid.
    pub fn replace_rules(&self, rules: &[Rule]) -> Result<(), EngineError> {
        let mut rows = Vec::new();
        for r in rules {
            r.compile().map_err(|e| EngineError::Invalid(e.to_string()))?;
            let event = r.event.as_deref().map(str::trim).filter(|e| !e.is_empty());
            if let Some(e) = event
                && !is_valid_event_name(e)
            {
                return Err(EngineError::Invalid(format!(
                    "rule {:?}: {e:?} is not an event name; use dotted lower-case words such as qa.review_needed",
                    r.name
                )));
            }
            rows.push((r.name.clone(), r.expression.clone(), event.map(str::to_string)));
        }
        self.with(|s| s.replace_rules(&rows))
    }

    /// Every rule.
    pub fn rules(&self) -> Result<Vec<StoredRule>, EngineError> {
        self.with(|s| s.rules())
    }

    /// Remove a rule.
    pub fn remove_rule(&self, name: &str) -> Result<(), EngineError> {
        if self.with(|s| s.remove_rule(name))? {
            Ok(())
        } else {
            Err(EngineError::not_found(format!("rule {name:?}"), "`debrief rules list` lists them"))
        }
    }
}

fn no_endpoint(id: i64) -> EngineError {
    EngineError::not_found(format!("webhook endpoint {id}"), "`debrief webhooks list` lists them")
}

/// An endpoint or base URL must be absolute http(s) with a host.
fn check_url(url: &str) -> Result<(), EngineError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(EngineError::Invalid(format!(
            "{url:?} is not an http(s) URL; write it in full, e.g. http://127.0.0.1:9000/hooks"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_shown_once_and_stored_as_hashes() {
        let engine = Engine::open_memory().unwrap();
        let key = engine.create_key("ci").unwrap();
        assert!(key.starts_with("dbk_") && key.len() > 40, "{key}");
        let listed = engine.keys().unwrap();
        assert!(!format!("{listed:?}").contains(&key[8..]), "a listing never holds the key");
        assert_eq!(engine.active_key_hashes().unwrap(), vec![hex::decode(hash_key(&key)).unwrap()]);
        assert!(engine.create_key("ci").unwrap_err().to_string().contains("exists already"));
        engine.revoke_key("ci").unwrap();
        assert!(engine.active_key_hashes().unwrap().is_empty());
        assert!(matches!(engine.revoke_key("ci"), Err(EngineError::NotFound { .. })));
    }

    #[test]
    fn bad_input_is_refused_with_what_to_do() {
        let engine = Engine::open_memory().unwrap();
        let spec = AnalysisSpec::template("post_analysis").unwrap();
        assert!(engine.add_agent("", &spec, None).unwrap_err().to_string().contains("letters, digits"));
        let e = engine.add_webhook("ftp://x", &[], None).unwrap_err().to_string();
        assert!(e.contains("http(s) URL"), "{e}");
        let e =
            engine.add_webhook("http://127.0.0.1:1/h", &["Lead Hot".into()], None).unwrap_err().to_string();
        assert!(e.contains("not an event name"), "{e}");
        let e = engine.add_rule("x", "score <", None).unwrap_err().to_string();
        assert!(e.contains("x"), "{e}");
        assert!(engine.add_rule("qa", "overall_score < 70", Some("qa.review_needed")).is_ok());
    }

    #[test]
    fn rotation_keeps_the_old_secret_signing_for_a_day() {
        let engine = Engine::open_memory().unwrap();
        let (endpoint, first) = engine.add_webhook("http://127.0.0.1:1/h", &[], None).unwrap();
        let second = engine.rotate_webhook(endpoint.id).unwrap();
        assert_ne!(first, second);
        let secrets = engine.with(|s| s.webhook_secrets(endpoint.id)).unwrap().unwrap();
        assert_eq!(secrets.current, second.expose());
        let (previous, until) = secrets.previous.unwrap();
        assert_eq!(previous, first.expose());
        assert!(until > jiff::Timestamp::now().as_second() + ROTATION_OVERLAP_S - 60);
    }
}
