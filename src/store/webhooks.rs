//! Webhook endpoints: where events go, which events, for which agent, and the secrets to sign
//! them with.
//!
//! Secrets are stored because signing needs them, and only read back by the delivery worker
//! ([`Store::webhook_secrets`]); [`Endpoint`], which every listing returns, has no secret field, so
//! no list, export or log can show one. A rotation keeps the previous secret until
//! `previous_until` so both signatures go out while receivers switch over.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

/// An endpoint as listed (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    /// Event names it receives; empty means every event.
    pub events: Vec<String>,
    /// Only events of this agent, when set.
    pub agent_id: Option<String>,
    pub enabled: bool,
    /// Why it was disabled (by a `410 Gone`, or by hand).
    pub disabled_reason: Option<String>,
    /// While a rotation is in progress: until when (Unix seconds) the old secret also signs.
    pub rotating_until: Option<i64>,
    pub created_at: String,
}

impl Endpoint {
    /// Whether this endpoint takes `event` from `agent_id`.
    pub fn wants(&self, event: &str, agent_id: Option<&str>) -> bool {
        let event_ok = self.events.is_empty() || self.events.iter().any(|e| e == event || e == "*");
        let agent_ok = self.agent_id.as_deref().is_none_or(|a| Some(a) == agent_id);
        self.enabled && event_ok && agent_ok
    }
}

/// The secrets of one endpoint, for signing: the current one, and the previous one while a
/// rotation is in progress (with its end, Unix seconds).
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointSecrets {
    pub current: String,
    pub previous: Option<(String, i64)>,
}

impl std::fmt::Debug for EndpointSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EndpointSecrets(<redacted>)")
    }
}

const ENDPOINT_COLUMNS: &str =
    "id, url, events, agent_id, enabled, disabled_reason, previous_until, created_at";

impl Store {
    /// Add an endpoint; returns its id.
    pub fn insert_webhook(
        &self,
        url: &str,
        events: &[String],
        agent_id: Option<&str>,
        secret: &str,
    ) -> Result<i64, StoreError> {
        let events = self.encode("webhook events", events)?;
        self.conn
            .execute(
                "INSERT INTO webhooks (url, events, agent_id, secret, enabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                params![url, events, agent_id, secret, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every endpoint, oldest first.
    pub fn webhooks(&self) -> Result<Vec<Endpoint>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhooks ORDER BY id"))
            .map_err(|e| self.sql_err(e))?;
        let raws = stmt
            .query_map([], raw_endpoint)
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        raws.into_iter().map(|r| self.decode_endpoint(r)).collect()
    }

    /// One endpoint.
    pub fn webhook(&self, id: i64) -> Result<Option<Endpoint>, StoreError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {ENDPOINT_COLUMNS} FROM webhooks WHERE id = ?1"),
                params![id],
                raw_endpoint,
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        raw.map(|r| self.decode_endpoint(r)).transpose()
    }

    /// Enable or disable an endpoint (with the reason); `false` when there is none.
    pub fn set_webhook_enabled(
        &self,
        id: i64,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE webhooks SET enabled = ?2, disabled_reason = ?3 WHERE id = ?1",
                params![id, enabled, if enabled { None } else { reason }],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Remove an endpoint and its deliveries; `false` when there is none.
    pub fn remove_webhook(&self, id: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM webhooks WHERE id = ?1", params![id])
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Make `secret` the current one, keeping the old one signing until `previous_until`.
    pub fn rotate_webhook(&self, id: i64, secret: &str, previous_until: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE webhooks SET previous_secret = secret, previous_until = ?3, secret = ?2 WHERE id = ?1",
                params![id, secret, previous_until],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// The secrets to sign with (the delivery worker's only way to read them).
    pub fn webhook_secrets(&self, id: i64) -> Result<Option<EndpointSecrets>, StoreError> {
        self.conn
            .query_row(
                "SELECT secret, previous_secret, previous_until FROM webhooks WHERE id = ?1",
                params![id],
                |r| {
                    let previous: Option<String> = r.get(1)?;
                    let until: Option<i64> = r.get(2)?;
                    Ok(EndpointSecrets { current: r.get(0)?, previous: previous.zip(until) })
                },
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    fn decode_endpoint(&self, raw: RawEndpoint) -> Result<Endpoint, StoreError> {
        let events: Vec<String> =
            serde_json::from_str(&raw.2).map_err(|e| self.decode_err(format!("webhook {}", raw.0), e))?;
        Ok(Endpoint {
            id: raw.0,
            url: raw.1,
            events,
            agent_id: raw.3,
            enabled: raw.4,
            disabled_reason: raw.5,
            rotating_until: raw.6,
            created_at: raw.7,
        })
    }
}

type RawEndpoint = (i64, String, String, Option<String>, bool, Option<String>, Option<i64>, String);

fn raw_endpoint(r: &Row<'_>) -> rusqlite::Result<RawEndpoint> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_filter_events_and_agents_and_keep_secrets_apart() {
        let store = Store::open_memory().unwrap();
        let id = store
            .insert_webhook("http://127.0.0.1:9/hook", &["lead.hot".into()], Some("agt"), "whsec_a")
            .unwrap();
        let e = store.webhook(id).unwrap().unwrap();
        assert!(e.wants("lead.hot", Some("agt")));
        assert!(!e.wants("conversation.analyzed", Some("agt")));
        assert!(!e.wants("lead.hot", Some("other")));
        assert!(!format!("{e:?}").contains("whsec_a"), "listings carry no secret");
        assert!(store.rotate_webhook(id, "whsec_b", 99).unwrap());
        let s = store.webhook_secrets(id).unwrap().unwrap();
        assert_eq!(s.current, "whsec_b");
        assert_eq!(s.previous, Some(("whsec_a".to_string(), 99)));
        assert!(!format!("{s:?}").contains("whsec"));
        assert!(store.set_webhook_enabled(id, false, Some("410 Gone")).unwrap());
        let e = store.webhook(id).unwrap().unwrap();
        assert!(!e.enabled && !e.wants("lead.hot", Some("agt")));
        assert_eq!(e.disabled_reason.as_deref(), Some("410 Gone"));
        assert!(store.remove_webhook(id).unwrap());
        assert!(store.webhooks().unwrap().is_empty());
    }
}
