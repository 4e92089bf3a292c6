//! The intake queue of `debrief serve`: conversations that ended and wait for their analysis.
//!
//! Why a table and not a channel: after the server answers `202 queued`, a `kill -9` must lose
//! nothing. A row is written (with its conversation) before the answer, the worker claims rows
//! by moving them to `running`, and the result, the row's move to `done` and the result's
//! webhook deliveries commit in one transaction. Rows left `running` by a process that died are
//! put back in the queue at start by the next holder of the data folder's pipeline lock (only
//! one process runs the intake worker of a folder, so a `running` row at start has no owner).
//!
//! The conversation id is the key: re-posting the same id with the same content finds the row
//! and pays nothing; the same id with other content is a conflict unless the caller asks to
//! reanalyse, which replaces the content and queues the row again.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use crate::core::transcript::Conversation;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

/// Where an intake row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeState {
    Queued,
    Running,
    Done,
}

impl IntakeState {
    fn parse(s: &str) -> IntakeState {
        match s {
            "queued" => IntakeState::Queued,
            "running" => IntakeState::Running,
            _ => IntakeState::Done,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IntakeState::Queued => "queued",
            IntakeState::Running => "running",
            IntakeState::Done => "done",
        }
    }
}

/// One ended conversation in the queue (or done).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeRow {
    /// Arrival order; the list API's cursor.
    pub seq: i64,
    pub conversation_id: String,
    pub agent_id: String,
    pub content_hash: String,
    pub channel: Option<String>,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
    pub state: IntakeState,
    /// The result, once done.
    pub result_id: Option<i64>,
    /// Why no result could be made (the agent was removed, its spec no longer compiles…).
    pub error: Option<String>,
    pub received_at: String,
    pub updated_at: String,
}

/// What an intake request adds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIntake<'a> {
    pub conversation_id: &'a str,
    pub agent_id: &'a str,
    pub content_hash: &'a str,
    pub channel: Option<&'a str>,
    pub ended_at: Option<&'a str>,
    pub end_reason: Option<&'a str>,
}

/// Filters and paging for [`Store::intake_list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeQuery {
    pub agent_id: Option<String>,
    /// `queued`, `running`, or a result status (`ok`, `skipped`, …).
    pub status: Option<String>,
    /// Received at or after (an RFC 3339 prefix compares as text, like the runs' `since`).
    pub since: Option<String>,
    /// Rows after this `seq`.
    pub after: Option<i64>,
    pub limit: usize,
}

/// The status a row shows: its queue state until done, then its result's status.
const STATUS_SQL: &str = "COALESCE(CASE WHEN i.state <> 'done' THEN i.state END, r.status,
     CASE WHEN i.error IS NOT NULL THEN 'error' END, 'error')";

const COLUMNS: &str = "i.seq, i.conversation_id, i.agent_id, i.content_hash, i.channel, i.ended_at,
    i.end_reason, i.state, i.result_id, i.error, i.received_at, i.updated_at";

fn intake_row(r: &Row<'_>) -> rusqlite::Result<IntakeRow> {
    let state: String = r.get(7)?;
    Ok(IntakeRow {
        seq: r.get(0)?,
        conversation_id: r.get(1)?,
        agent_id: r.get(2)?,
        content_hash: r.get(3)?,
        channel: r.get(4)?,
        ended_at: r.get(5)?,
        end_reason: r.get(6)?,
        state: IntakeState::parse(&state),
        result_id: r.get(8)?,
        error: r.get(9)?,
        received_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

impl Store {
    /// The intake row of a conversation id.
    pub fn intake(&self, conversation_id: &str) -> Result<Option<IntakeRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM intake i WHERE i.conversation_id = ?1"),
                params![conversation_id],
                intake_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// A row of this agent with exactly this content (the watch folder's "never twice").
    pub fn intake_with_content(
        &self,
        agent_id: &str,
        content_hash: &str,
    ) -> Result<Option<IntakeRow>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM intake i WHERE i.agent_id = ?1 AND i.content_hash = ?2 LIMIT 1"
                ),
                params![agent_id, content_hash],
                intake_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Store the conversation and queue it, in one transaction. With `replace`, an existing row
    /// of this id takes the new content and is queued again (`?reanalyze=true`); without, the id
    /// must be new. Returns the row's `seq`.
    pub fn intake_enqueue(
        &self,
        conversation: &Conversation,
        new: &NewIntake<'_>,
        replace: bool,
    ) -> Result<i64, StoreError> {
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        self.save_conversation(conversation, new.content_hash)?;
        let now = now_rfc3339();
        let p = params![
            new.conversation_id,
            new.agent_id,
            new.content_hash,
            new.channel,
            new.ended_at,
            new.end_reason,
            now
        ];
        if replace {
            tx.execute(
                "INSERT INTO intake (conversation_id, agent_id, content_hash, channel, ended_at, end_reason,
                     state, received_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)
                 ON CONFLICT(conversation_id) DO UPDATE SET agent_id = ?2, content_hash = ?3, channel = ?4,
                     ended_at = ?5, end_reason = ?6, state = 'queued', result_id = NULL, error = NULL,
                     updated_at = ?7",
                p,
            )
        } else {
            tx.execute(
                "INSERT INTO intake (conversation_id, agent_id, content_hash, channel, ended_at, end_reason,
                     state, received_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)",
                p,
            )
        }
        .map_err(sql_err)?;
        let seq: i64 = tx
            .query_row(
                "SELECT seq FROM intake WHERE conversation_id = ?1",
                params![new.conversation_id],
                |r| r.get(0),
            )
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        Ok(seq)
    }

    /// Claim up to `limit` queued rows, oldest first, moving them to `running`.
    pub fn intake_claim(&self, limit: usize) -> Result<Vec<IntakeRow>, StoreError> {
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let rows = {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM intake i WHERE i.state = 'queued' ORDER BY i.seq LIMIT ?1"
                ))
                .map_err(sql_err)?;
            stmt.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], intake_row)
                .map_err(sql_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql_err)?
        };
        let now = now_rfc3339();
        for r in &rows {
            tx.execute(
                "UPDATE intake SET state = 'running', updated_at = ?2 WHERE seq = ?1",
                params![r.seq, now],
            )
            .map_err(sql_err)?;
        }
        tx.commit().map_err(sql_err)?;
        Ok(rows.into_iter().map(|r| IntakeRow { state: IntakeState::Running, ..r }).collect())
    }

    /// Put every `running` row back in the queue (at start, when no one else can own them).
    pub fn intake_requeue_running(&self) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE intake SET state = 'queued', updated_at = ?1 WHERE state = 'running'",
                params![now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Put one row back in the queue (its work was interrupted by a shutdown).
    pub fn intake_requeue(&self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE intake SET state = 'queued', updated_at = ?2 WHERE seq = ?1 AND state = 'running'",
                params![seq, now_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// End a row without a result, saying why.
    pub fn intake_fail(&self, seq: i64, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE intake SET state = 'done', error = ?2, result_id = NULL, updated_at = ?3 WHERE seq = ?1",
                params![seq, error, now_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }

    /// A page of intake rows with the status each shows, in arrival order.
    pub fn intake_list(&self, q: &IntakeQuery) -> Result<Vec<(IntakeRow, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, {STATUS_SQL} FROM intake i LEFT JOIN results r ON r.id = i.result_id
                 WHERE (?1 IS NULL OR i.agent_id = ?1) AND (?2 IS NULL OR {STATUS_SQL} = ?2)
                   AND (?3 IS NULL OR i.received_at >= ?3) AND i.seq > ?4
                 ORDER BY i.seq LIMIT ?5"
            ))
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map(
            params![
                q.agent_id,
                q.status,
                q.since,
                q.after.unwrap_or(0),
                i64::try_from(q.limit).unwrap_or(i64::MAX)
            ],
            |r| Ok((intake_row(r)?, r.get::<_, String>(12)?)),
        )
        .map_err(|e| self.sql_err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_err(e))
    }

    /// Rows queued and running.
    pub fn intake_open(&self) -> Result<(u64, u64), StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'running'), 0)
                 FROM intake WHERE state <> 'done'",
                [],
                |r| Ok((super::from_sql_int(r.get(0)?), super::from_sql_int(r.get(1)?))),
            )
            .map_err(|e| self.sql_err(e))
    }

    /// The agent whose intake produced result `result_id`, if one did.
    pub fn intake_agent_of(&self, result_id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT agent_id FROM intake WHERE result_id = ?1", params![result_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// What the watch folder recorded for `path`: (size, modified ms).
    pub fn watched(&self, path: &str) -> Result<Option<(i64, i64)>, StoreError> {
        self.conn
            .query_row("SELECT size, modified_ms FROM watched WHERE path = ?1", params![path], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Record that the watch folder took `path` at this size and modification time.
    pub fn mark_watched(&self, path: &str, size: i64, modified_ms: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO watched (path, size, modified_ms, seen_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(path) DO UPDATE SET size = ?2, modified_ms = ?3, seen_at = ?4",
                params![path, size, modified_ms, now_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.sql_err(e))
    }
}
