//! Agents: an `agent_id` mapped to the spec that analyses its conversations and where to reach
//! the model.
//!
//! Why the whole spec is stored with the agent and not only its version hash: the spec's policy
//! (skip short calls, sampling, channels, end reasons) is not part of the version, yet it decides
//! what the agent pays for. The version is kept beside it for display and for the runs the intake
//! creates. Provider keys are never stored: the server reads them from its environment.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use crate::core::spec::AnalysisSpec;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A stored agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    pub id: String,
    pub spec: AnalysisSpec,
    /// `AnalysisSpec::version_hash` of `spec`.
    pub spec_hash: String,
    /// The provider endpoint, when not the provider's default (local servers).
    pub base_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Store {
    /// Add or replace an agent (the spec version is saved too). Returns `true` when it replaced one.
    pub fn put_agent(
        &self,
        id: &str,
        spec: &AnalysisSpec,
        base_url: Option<&str>,
    ) -> Result<bool, StoreError> {
        let hash = self.save_spec(spec)?;
        let json = self.encode("agent spec", spec)?;
        let now = now_rfc3339();
        let existed = self.exists("SELECT 1 FROM agents WHERE id = ?1", id)?;
        self.conn
            .execute(
                "INSERT INTO agents (id, spec_json, spec_hash, base_url, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT(id) DO UPDATE SET spec_json = ?2, spec_hash = ?3, base_url = ?4,
                     updated_at = ?5",
                params![id, json, hash, base_url, now],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(existed)
    }

    /// One agent by id.
    pub fn agent(&self, id: &str) -> Result<Option<Agent>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, spec_json, spec_hash, base_url, created_at, updated_at FROM agents WHERE id = ?1",
                params![id],
                raw_agent,
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        row.map(|raw| self.decode_agent(raw)).transpose()
    }

    /// Every agent, by id.
    pub fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, spec_json, spec_hash, base_url, created_at, updated_at FROM agents ORDER BY id",
            )
            .map_err(|e| self.sql_err(e))?;
        let raws = stmt
            .query_map([], raw_agent)
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        raws.into_iter().map(|raw| self.decode_agent(raw)).collect()
    }

    /// Remove an agent; `false` when there was none. Its past results stay in the history.
    pub fn remove_agent(&self, id: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM agents WHERE id = ?1", params![id])
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    fn decode_agent(&self, raw: RawAgent) -> Result<Agent, StoreError> {
        let spec =
            serde_json::from_str(&raw.1).map_err(|e| self.decode_err(format!("agent {}", raw.0), e))?;
        Ok(Agent { id: raw.0, spec, spec_hash: raw.2, base_url: raw.3, created_at: raw.4, updated_at: raw.5 })
    }
}

type RawAgent = (String, String, String, Option<String>, String, String);

fn raw_agent(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawAgent> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::store::fixtures;

    #[test]
    fn agents_are_added_replaced_listed_and_removed() {
        let store = Store::open_memory().unwrap();
        let spec = fixtures::spec("support");
        assert!(!store.put_agent("agt_1", &spec, None).unwrap());
        let mut other = spec.clone();
        other.prompt = "another prompt".into();
        assert!(store.put_agent("agt_1", &other, Some("http://127.0.0.1:1/v1")).unwrap(), "replaced");
        let agent = store.agent("agt_1").unwrap().unwrap();
        assert_eq!(agent.spec, other);
        assert_eq!(agent.spec_hash, other.version_hash());
        assert_eq!(agent.base_url.as_deref(), Some("http://127.0.0.1:1/v1"));
        assert!(store.spec(&agent.spec_hash).unwrap().is_some(), "the spec version is saved");
        assert_eq!(store.agents().unwrap().len(), 1);
        assert!(store.remove_agent("agt_1").unwrap());
        assert!(!store.remove_agent("agt_1").unwrap());
        assert!(store.agent("agt_1").unwrap().is_none());
    }
}
