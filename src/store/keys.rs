//! Server API keys, stored as hashes only.
//!
//! A key is printed once when created and never again; what is kept is its SHA-256 (keys are 32
//! random bytes, so a fast hash is enough: there is nothing to brute-force) and a short prefix
//! so a person can tell keys apart in `keys list`. The server checks a presented key by hashing
//! it and comparing against every active hash in constant time.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// What `keys list` shows of a key: never the key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiKeyInfo {
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Store {
    /// Store a new key's hash under `name`; `false` when the name is taken.
    pub fn insert_api_key(&self, name: &str, key_hash: &str, prefix: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO api_keys (name, key_hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, key_hash, prefix, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Every key ever created, revoked ones included, oldest first.
    pub fn api_keys(&self) -> Result<Vec<ApiKeyInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at, name",
            )
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| {
            Ok(ApiKeyInfo {
                name: r.get(0)?,
                prefix: r.get(1)?,
                created_at: r.get(2)?,
                revoked_at: r.get(3)?,
            })
        })
        .map_err(|e| self.sql_err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_err(e))
    }

    /// The hashes of keys not revoked.
    pub fn active_key_hashes(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key_hash FROM api_keys WHERE revoked_at IS NULL")
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| r.get(0))
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))
    }

    /// Revoke a key by name; `false` when no active key has that name.
    pub fn revoke_api_key(&self, name: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hashes_with_names_and_can_be_revoked() {
        let store = Store::open_memory().unwrap();
        assert!(store.insert_api_key("ci", "h1", "dbk_abcd").unwrap());
        assert!(!store.insert_api_key("ci", "h2", "dbk_efgh").unwrap(), "names are unique");
        assert_eq!(store.active_key_hashes().unwrap(), vec!["h1".to_string()]);
        assert!(store.revoke_api_key("ci").unwrap());
        assert!(!store.revoke_api_key("ci").unwrap());
        assert!(store.active_key_hashes().unwrap().is_empty());
        let list = store.api_keys().unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].revoked_at.is_some());
    }
}
