//! Specs and conversations, stored content-addressed.
//!
//! Why content addresses: a result is only meaningful together with the exact spec version
//! (schema, prompt, model, settings) and the exact conversation text that produced it. Keying
//! specs on `AnalysisSpec::version_hash` and conversations on their content hash means every run
//! can be traced back to both, importing the same transcript twice stores it once, and resume can
//! ask "was *this* content already analysed with *this* spec?" regardless of file names.
//!
//! Both saves are `INSERT OR IGNORE`: the first copy wins. For specs that means the first name
//! seen for a version is kept (the name is not part of the version); runs record their own
//! `spec_name`, so renaming a spec still shows correctly in the history.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Store this spec version (idempotent) and return its version hash.
    pub fn save_spec(&self, spec: &AnalysisSpec) -> Result<String, StoreError> {
        let hash = spec.version_hash();
        let json = self.encode("spec", spec)?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO specs (hash, name, spec_json, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![hash, spec.name, json, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(hash)
    }

    /// The stored spec with this version hash, if any.
    pub fn spec(&self, hash: &str) -> Result<Option<AnalysisSpec>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT spec_json FROM specs WHERE hash = ?1", params![hash], |row| row.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))?;
        json.map(|text| serde_json::from_str(&text).map_err(|e| self.decode_err(format!("spec {hash}"), e)))
            .transpose()
    }

    /// Store a conversation under `content_hash` (idempotent: the same content is stored once).
    pub fn save_conversation(&self, conv: &Conversation, content_hash: &str) -> Result<(), StoreError> {
        let json = self.encode("conversation", conv)?;
        let turns = i64::try_from(conv.turns.len()).unwrap_or(i64::MAX);
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO conversations
                     (content_hash, conversation_id, source, conversation_json, turns, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![content_hash, conv.id, conv.source, json, turns, now_rfc3339()])
            })
            .map_err(|e| self.sql_err(e))?;
        if let Some(expected) = conv.expected.as_ref().filter(|e| e.is_object()) {
            self.conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO conversation_expected (content_hash, expected_json) VALUES (?1, ?2)",
                )
                .and_then(|mut s| s.execute(params![content_hash, expected.to_string()]))
                .map_err(|e| self.sql_err(e))?;
        }
        Ok(())
    }

    /// The stored conversation with this content hash, if any.
    pub fn conversation(&self, content_hash: &str) -> Result<Option<Conversation>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT conversation_json FROM conversations WHERE content_hash = ?1",
                params![content_hash],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        json.map(|text| {
            serde_json::from_str(&text)
                .map_err(|e| self.decode_err(format!("conversation {content_hash}"), e))
        })
        .transpose()
    }

    /// The labels embedded in the stored conversation with this content hash, if it has any
    /// (an index lookup: the transcript itself is not read).
    pub fn embedded_labels(&self, content_hash: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT expected_json FROM conversation_expected WHERE content_hash = ?1")
            .and_then(|mut s| s.query_row(params![content_hash], |r| r.get(0)))
            .optional()
            .map_err(|e| self.sql_err(e))?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| self.decode_err(format!("labels of {content_hash}"), e))
        })
        .transpose()
    }

    /// Whether any stored transcript carries embedded labels (most histories have none: their
    /// labels come from files or reviewers), so scoring can skip a lookup per result.
    pub fn has_embedded_labels(&self) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM conversation_expected)")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(|e| self.sql_err(e))
    }

    /// Whether the query `sql` (taking one `?1` key) returns a row.
    pub(crate) fn exists(&self, sql: &str, key: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params![key], |_| Ok(())))
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.sql_err(e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use crate::store::fixtures;

    fn count(store: &Store, table: &str) -> i64 {
        store.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn embedded_labels_are_kept_beside_the_transcript() {
        let store = Store::open_memory().unwrap();
        let mut labelled = fixtures::conversation("c1");
        labelled.expected = Some(serde_json::json!({"topic": "billing", "resolved": true}));
        store.save_conversation(&labelled, "h1").unwrap();
        store.save_conversation(&fixtures::conversation("c2"), "h2").unwrap();
        assert_eq!(store.embedded_labels("h1").unwrap(), labelled.expected);
        assert_eq!(store.embedded_labels("h2").unwrap(), None);
        assert_eq!(store.embedded_labels("missing").unwrap(), None);
        assert_eq!(count(&store, "conversation_expected"), 1);
        assert!(store.has_embedded_labels().unwrap());
        assert!(!Store::open_memory().unwrap().has_embedded_labels().unwrap(), "an empty history has none");
    }

    #[test]
    fn save_spec_is_idempotent_and_round_trips() {
        let store = Store::open_memory().unwrap();
        let spec = fixtures::spec("support");
        let first = store.save_spec(&spec).unwrap();
        let second = store.save_spec(&spec).unwrap();
        assert_eq!(first, second);
        assert_eq!(first, spec.version_hash());
        assert_eq!(count(&store, "specs"), 1);
        assert_eq!(store.spec(&first).unwrap(), Some(spec));
    }

    #[test]
    fn renamed_spec_keeps_first_name_and_one_row() {
        let store = Store::open_memory().unwrap();
        let spec = fixtures::spec("support");
        let mut renamed = spec.clone();
        renamed.name = "renamed".to_string();
        assert_eq!(store.save_spec(&spec).unwrap(), store.save_spec(&renamed).unwrap());
        assert_eq!(count(&store, "specs"), 1);
        let stored = store.spec(&spec.version_hash()).unwrap().unwrap();
        assert_eq!(stored.name, "support");
    }

    #[test]
    fn different_spec_versions_are_separate_rows() {
        let store = Store::open_memory().unwrap();
        let a = store.save_spec(&fixtures::spec("a")).unwrap();
        let b = store.save_spec(&fixtures::spec("b")).unwrap();
        assert_ne!(a, b);
        assert_eq!(count(&store, "specs"), 2);
    }

    #[test]
    fn unknown_spec_and_conversation_are_none() {
        let store = Store::open_memory().unwrap();
        assert_eq!(store.spec("nope").unwrap(), None);
        assert_eq!(store.conversation("nope").unwrap(), None);
    }

    #[test]
    fn save_conversation_twice_stores_one_row() {
        let store = Store::open_memory().unwrap();
        let conv = fixtures::conversation("c1");
        store.save_conversation(&conv, "h1").unwrap();
        store.save_conversation(&conv, "h1").unwrap();
        assert_eq!(count(&store, "conversations"), 1);
        let turns: i64 = store
            .conn
            .query_row("SELECT turns FROM conversations WHERE content_hash = 'h1'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(turns, 2);
        assert_eq!(store.conversation("h1").unwrap(), Some(conv));
    }

    #[test]
    fn corrupt_spec_row_is_a_decode_error() {
        let store = Store::open_memory().unwrap();
        store
            .conn
            .execute("INSERT INTO specs VALUES ('bad', 'n', '{not json', '2024-01-01T00:00:00.000Z')", [])
            .unwrap();
        let err = store.spec("bad").unwrap_err();
        assert!(matches!(err, StoreError::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains("spec bad"), "{err}");
    }
}
