//! Reviewer labels: what a person said a field of a conversation's analysis should be.
//!
//! Why rows are only ever added: a label is evidence of a judgement, and who changed their mind
//! when is part of it. Each verdict is a row with its provenance — conversation (id and content
//! hash), field (JSON pointer), value, verdict (`correct`, `wrong`, or `label` for an imported
//! value), reviewer, time, and the result reviewed; the newest row per (conversation, field,
//! reviewer) is that reviewer's current label ([`Store::current_labels`]).

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a reviewer said of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The model's value is right (the label is that value).
    Correct,
    /// The model's value is wrong; the label is the value the reviewer entered.
    Wrong,
    /// A value given without reviewing a result (imported from a file).
    Label,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Wrong => "wrong",
            Verdict::Label => "label",
        }
    }

    fn parse(s: &str) -> Verdict {
        match s {
            "correct" => Verdict::Correct,
            "wrong" => Verdict::Wrong,
            _ => Verdict::Label,
        }
    }
}

/// A label to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLabel {
    pub conversation_id: String,
    pub content_hash: Option<String>,
    /// JSON pointer of the field, e.g. `/topic`.
    pub pointer: String,
    pub value: Value,
    pub verdict: Verdict,
    pub note: Option<String>,
    pub reviewer: String,
    /// The result the reviewer looked at.
    pub result_id: Option<i64>,
}

/// A stored label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub id: i64,
    pub conversation_id: String,
    pub content_hash: Option<String>,
    pub pointer: String,
    pub value: Value,
    pub verdict: Verdict,
    pub note: Option<String>,
    pub reviewer: String,
    pub result_id: Option<i64>,
    pub created_at: String,
}

const COLUMNS: &str =
    "id, conversation_id, content_hash, pointer, value_json, verdict, note, reviewer, result_id, created_at";

fn raw(r: &Row<'_>) -> rusqlite::Result<(Label, String)> {
    let verdict: String = r.get(5)?;
    let value: String = r.get(4)?;
    Ok((
        Label {
            id: r.get(0)?,
            conversation_id: r.get(1)?,
            content_hash: r.get(2)?,
            pointer: r.get(3)?,
            value: Value::Null,
            verdict: Verdict::parse(&verdict),
            note: r.get(6)?,
            reviewer: r.get(7)?,
            result_id: r.get(8)?,
            created_at: r.get(9)?,
        },
        value,
    ))
}

impl Store {
    /// Add labels in one transaction; returns their ids.
    pub fn add_labels(&self, labels: &[NewLabel]) -> Result<Vec<i64>, StoreError> {
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let mut ids = Vec::with_capacity(labels.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO labels (conversation_id, content_hash, pointer, value_json, verdict, note,
                         reviewer, result_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(sql_err)?;
            let now = now_rfc3339();
            for l in labels {
                let value = self.encode("label value", &l.value)?;
                insert
                    .execute(params![
                        l.conversation_id,
                        l.content_hash,
                        l.pointer,
                        value,
                        l.verdict.as_str(),
                        l.note,
                        l.reviewer,
                        l.result_id,
                        now
                    ])
                    .map_err(sql_err)?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(sql_err)?;
        Ok(ids)
    }

    /// Every reviewer's current label (the newest row per conversation, field and reviewer),
    /// optionally only for these conversation ids; ordered by conversation, field, reviewer.
    pub fn current_labels(&self, conversation_ids: Option<&[String]>) -> Result<Vec<Label>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM labels l WHERE id = (SELECT MAX(id) FROM labels m
                 WHERE m.conversation_id = l.conversation_id AND m.pointer = l.pointer AND m.reviewer = l.reviewer)
             ORDER BY conversation_id, pointer, reviewer"
        );
        let all = self.query_labels(&sql, [])?;
        Ok(match conversation_ids {
            None => all,
            Some(ids) => {
                let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
                all.into_iter().filter(|l| wanted.contains(l.conversation_id.as_str())).collect()
            }
        })
    }

    /// Every label row ever added for one conversation, oldest first (the history of verdicts).
    pub fn label_history(&self, conversation_id: &str) -> Result<Vec<Label>, StoreError> {
        self.query_labels(
            &format!("SELECT {COLUMNS} FROM labels WHERE conversation_id = ?1 ORDER BY id"),
            params![conversation_id],
        )
    }

    fn query_labels(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Label>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(p, raw)
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        rows.into_iter()
            .map(|(mut label, text)| {
                label.value = serde_json::from_str(&text)
                    .map_err(|e| self.decode_err(format!("label {}", label.id), e))?;
                Ok(label)
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label(conv: &str, pointer: &str, value: Value, reviewer: &str) -> NewLabel {
        NewLabel {
            conversation_id: conv.into(),
            content_hash: Some("h".into()),
            pointer: pointer.into(),
            value,
            verdict: Verdict::Wrong,
            note: None,
            reviewer: reviewer.into(),
            result_id: Some(1),
        }
    }

    #[test]
    fn a_change_is_a_new_row_and_the_newest_per_reviewer_counts() {
        let store = Store::open_memory().unwrap();
        store.add_labels(&[label("c1", "/topic", json!("billing"), "ana")]).unwrap();
        store.add_labels(&[label("c1", "/topic", json!("sales"), "ana")]).unwrap();
        store
            .add_labels(&[
                label("c1", "/topic", json!("billing"), "bo"),
                label("c2", "/resolved", json!(true), "ana"),
            ])
            .unwrap();
        let current = store.current_labels(None).unwrap();
        let got: Vec<(&str, &str, &Value)> =
            current.iter().map(|l| (l.conversation_id.as_str(), l.reviewer.as_str(), &l.value)).collect();
        assert_eq!(
            got,
            [("c1", "ana", &json!("sales")), ("c1", "bo", &json!("billing")), ("c2", "ana", &json!(true))]
        );
        assert_eq!(store.label_history("c1").unwrap().len(), 3, "nothing is overwritten");
        assert_eq!(store.current_labels(Some(&["c2".to_string()])).unwrap().len(), 1);
    }
}
