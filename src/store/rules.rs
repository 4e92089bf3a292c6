//! Rules kept in the history, shared by the GUI's review queue, `debrief rules` and the server:
//! a rule with an event name fires that event when an analysis matches it.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRule {
    pub name: String,
    pub expression: String,
    /// The webhook event a match sends, e.g. `qa.review_needed`.
    pub event: Option<String>,
    pub created_at: String,
}

impl Store {
    /// Add or replace the rule called `name`; `true` when it replaced one.
    pub fn put_rule(&self, name: &str, expression: &str, event: Option<&str>) -> Result<bool, StoreError> {
        let existed = self.exists("SELECT 1 FROM rules WHERE name = ?1", name)?;
        self.conn
            .execute(
                "INSERT INTO rules (name, expression, event, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(name) DO UPDATE SET expression = ?2, event = ?3",
                params![name, expression, event, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(existed)
    }

    /// Replace every rule with `rules` (name, expression, event), in one transaction.
    pub fn replace_rules(&self, rules: &[(String, String, Option<String>)]) -> Result<(), StoreError> {
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        tx.execute("DELETE FROM rules", []).map_err(sql_err)?;
        // Created times one millisecond apart keep the given order.
        let base = super::paths::now_unix_ms();
        for (i, (name, expression, event)) in rules.iter().enumerate() {
            let at = super::paths::format_rfc3339(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_millis(u64::try_from(base).unwrap_or(0) + i as u64),
            );
            tx.execute(
                "INSERT OR REPLACE INTO rules (name, expression, event, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, expression, event, at],
            )
            .map_err(sql_err)?;
        }
        tx.commit().map_err(sql_err)
    }

    /// Every rule, oldest first (the order they were added in).
    pub fn rules(&self) -> Result<Vec<StoredRule>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, expression, event, created_at FROM rules ORDER BY created_at, name")
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map([], |r| {
            Ok(StoredRule { name: r.get(0)?, expression: r.get(1)?, event: r.get(2)?, created_at: r.get(3)? })
        })
        .map_err(|e| self.sql_err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_err(e))
    }

    /// Remove a rule; `false` when there was none.
    pub fn remove_rule(&self, name: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM rules WHERE name = ?1", params![name])
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip() {
        let store = Store::open_memory().unwrap();
        assert!(!store.put_rule("QA", "overall_score < 70", Some("qa.review_needed")).unwrap());
        assert!(store.put_rule("QA", "overall_score < 60", Some("qa.review_needed")).unwrap());
        store.put_rule("hot", "lead_quality == \"hot\"", None).unwrap();
        let rules = store.rules().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules.iter().find(|r| r.name == "QA").unwrap().expression, "overall_score < 60");
        assert!(store.remove_rule("QA").unwrap());
        assert_eq!(store.rules().unwrap().len(), 1);
    }
}
