//! Results: one `Outcome` per conversation per run, kept whole.
//!
//! Why each result is its own committed transaction: results cost money. [`Store::record_result`]
//! commits before it returns, so a process that dies afterwards loses nothing (WAL with
//! `synchronous=NORMAL` is durable against process crashes; an OS crash or power cut may roll back
//! the last few commits, which resume then redoes).
//!
//! Why `spec_hash` is copied onto each result: resume asks "newest `ok` result for this spec
//! version and this conversation content" once per conversation of a batch; answering it from one
//! partial index on `results` avoids a join through `runs` for every lookup.
//!
//! Secrets: attempts are stored as given. Their `request` is the request *body* only; API keys
//! travel in HTTP headers and never reach an `Outcome`, so nothing here needs scrubbing.

use super::paths::now_rfc3339;
use super::runs::RunId;
use super::{Store, StoreError, from_sql_int, to_sql_int};
use crate::core::outcome::{Estimate, Outcome, Status, Usage};
use rusqlite::{OptionalExtension, Params, Row, Transaction, TransactionBehavior, params};
use serde::Serialize;

/// A stored outcome with where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredResult {
    pub id: i64,
    pub run_id: RunId,
    /// The spec version the run used.
    pub spec_hash: String,
    /// Content hash of the analysed conversation.
    pub conversation_hash: String,
    /// When the result was recorded (RFC 3339 UTC).
    pub created_at: String,
    pub outcome: Outcome,
}

/// How the note of a reused result starts; such copies are never reused again.
pub const REUSED_PREFIX: &str = "reused ";

/// The columns [`RawResult::from_row`] reads, in order.
pub(super) const COLUMNS: &str = "id, run_id, spec_hash, conversation_hash, created_at, conversation_id,
    source, provider, model, status, analysis_json, errors_json, attempts_json, input_tokens,
    cached_input_tokens, output_tokens, reasoning_tokens, est_input_tokens, est_output_tokens,
    est_cost_usd, cost_usd, latency_ms, note, cache_write_tokens, evidence_json";

/// A result row before its JSON columns are decoded (decoding errors need the store's path).
pub(super) struct RawResult {
    id: i64,
    run_id: RunId,
    spec_hash: String,
    conversation_hash: String,
    created_at: String,
    conversation_id: String,
    source: String,
    provider: String,
    model: String,
    status: String,
    analysis: Option<String>,
    errors: String,
    attempts: super::attempt_log::StoredLog,
    ints: [i64; 7],
    est_cost_usd: Option<f64>,
    cost_usd: Option<f64>,
    latency_ms: i64,
    note: Option<String>,
    evidence: Option<String>,
}

impl RawResult {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<RawResult> {
        Ok(RawResult {
            id: row.get(0)?,
            run_id: row.get(1)?,
            spec_hash: row.get(2)?,
            conversation_hash: row.get(3)?,
            created_at: row.get(4)?,
            conversation_id: row.get(5)?,
            source: row.get(6)?,
            provider: row.get(7)?,
            model: row.get(8)?,
            status: row.get(9)?,
            analysis: row.get(10)?,
            errors: row.get(11)?,
            attempts: super::attempt_log::StoredLog::from_value(row.get_ref(12)?)?,
            ints: [
                row.get(13)?,
                row.get(14)?,
                row.get(15)?,
                row.get(16)?,
                row.get(17)?,
                row.get(18)?,
                row.get(23)?,
            ],
            est_cost_usd: row.get(19)?,
            cost_usd: row.get(20)?,
            latency_ms: row.get(21)?,
            note: row.get(22)?,
            evidence: row.get(24)?,
        })
    }
}

impl Store {
    /// Record one outcome of `run_id` for the conversation stored under `conversation_hash`, and
    /// commit at once (its own transaction): a crash after this returns loses nothing. The run and
    /// the conversation must already be stored. Attempts' `request` is the body only (keys travel
    /// in headers), so the stored outcome holds no secrets.
    pub fn record_result(
        &self,
        run_id: RunId,
        conversation_hash: &str,
        outcome: &Outcome,
    ) -> Result<i64, StoreError> {
        self.record_result_with(run_id, conversation_hash, outcome, &[], None)
    }

    /// [`Store::record_result`], plus in the same transaction: one webhook delivery per event and
    /// matching endpoint (the outbox), and, for a conversation from the intake queue, its row
    /// moved to `done` with this result. A crash keeps all of it or none.
    pub fn record_result_with(
        &self,
        run_id: RunId,
        conversation_hash: &str,
        outcome: &Outcome,
        events: &[super::deliveries::OutgoingEvent],
        intake_seq: Option<i64>,
    ) -> Result<i64, StoreError> {
        let analysis = match &outcome.analysis {
            Some(value) => Some(self.encode("analysis", value)?),
            None => None,
        };
        let errors = self.encode("validation errors", &outcome.errors)?;
        let evidence = match &outcome.evidence {
            Some(e) => Some(self.encode("evidence", e)?),
            None => None,
        };
        // Compact, with an accepted reply stored once (see `attempt_log`).
        let attempts = super::attempt_log::encode(outcome, analysis.as_deref())
            .map_err(|cause| StoreError::Encode { path: self.label(), what: "attempts", cause })?;
        let sql_err = |e| self.sql_err(e);
        // IMMEDIATE: take the write lock up front so the busy timeout applies, instead of failing
        // on a read-to-write upgrade while another process writes.
        // Inside a group's transaction (`Store::in_transaction`) the group commits it.
        let own = if self.in_open_transaction() {
            None
        } else {
            Some(Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate).map_err(sql_err)?)
        };
        let tx: &rusqlite::Connection = &self.conn;
        let spec_hash: Option<String> = tx
            .prepare_cached("SELECT spec_hash FROM runs WHERE id = ?1")
            .and_then(|mut s| s.query_row(params![run_id], |r| r.get(0)))
            .optional()
            .map_err(sql_err)?;
        let Some(spec_hash) = spec_hash else {
            return Err(StoreError::UnknownRun { path: self.label(), run_id });
        };
        if !self.exists("SELECT 1 FROM conversations WHERE content_hash = ?1", conversation_hash)? {
            return Err(StoreError::UnknownConversation {
                path: self.label(),
                hash: conversation_hash.to_string(),
            });
        }
        let (usage, estimate) = (&outcome.usage, &outcome.estimate);
        // Cached: one result per call, so preparing the statement each time was measurable.
        let mut insert = tx
            .prepare_cached(&format!(
                "INSERT INTO results ({COLUMNS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
                 ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
            ))
            .map_err(sql_err)?;
        insert
            .execute(params![
                run_id,
                spec_hash,
                conversation_hash,
                now_rfc3339(),
                outcome.conversation_id,
                outcome.source,
                outcome.provider,
                outcome.model,
                outcome.status.as_str(),
                analysis,
                errors,
                attempts,
                to_sql_int(usage.input_tokens),
                to_sql_int(usage.cached_input_tokens),
                to_sql_int(usage.output_tokens),
                to_sql_int(usage.reasoning_tokens),
                to_sql_int(estimate.input_tokens),
                to_sql_int(estimate.output_tokens),
                estimate.cost_usd,
                outcome.cost_usd,
                to_sql_int(outcome.latency_ms),
                outcome.note,
                to_sql_int(usage.cache_write_tokens),
                evidence,
            ])
            .map_err(sql_err)?;
        drop(insert);
        let id = tx.last_insert_rowid();
        super::deliveries::enqueue_on(tx, events, Some(id), None, super::paths::now_unix_ms())
            .map_err(sql_err)?;
        if let Some(seq) = intake_seq {
            tx.execute(
                "UPDATE intake SET state = 'done', result_id = ?2, error = NULL, updated_at = ?3 WHERE seq = ?1",
                params![seq, id, now_rfc3339()],
            )
            .map_err(sql_err)?;
        }
        if let Some(own) = own {
            own.commit().map_err(sql_err)?;
        }
        Ok(id)
    }

    /// All results of a run, in the order they were recorded.
    pub fn results(&self, run_id: RunId) -> Result<Vec<StoredResult>, StoreError> {
        self.query_results(
            &format!("SELECT {COLUMNS} FROM results WHERE run_id = ?1 ORDER BY id"),
            params![run_id],
        )
    }

    /// The newest `limit` results for this conversation content, across runs and specs.
    pub fn results_for_conversation(
        &self,
        content_hash: &str,
        limit: usize,
    ) -> Result<Vec<StoredResult>, StoreError> {
        self.query_results(
            &format!(
                "SELECT {COLUMNS} FROM results WHERE conversation_hash = ?1
                 ORDER BY id DESC LIMIT ?2"
            ),
            params![content_hash, i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    /// One result by id, with the spec name its run recorded.
    pub fn result(&self, id: i64) -> Result<Option<(StoredResult, String)>, StoreError> {
        let found =
            self.query_results(&format!("SELECT {COLUMNS} FROM results WHERE id = ?1"), params![id])?;
        let Some(result) = found.into_iter().next() else { return Ok(None) };
        let name: String = self
            .conn
            .query_row("SELECT spec_name FROM runs WHERE id = ?1", params![result.run_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))?
            .unwrap_or_default();
        Ok(Some((result, name)))
    }

    /// The newest result recorded under this conversation id (any run, any spec).
    pub fn latest_by_conversation_id(&self, conversation_id: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM results WHERE conversation_id = ?1 ORDER BY id DESC LIMIT 1",
                params![conversation_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// The newest `ok` result for this spec version and conversation content (for resume).
    pub fn latest_ok(&self, spec_hash: &str, content_hash: &str) -> Result<Option<StoredResult>, StoreError> {
        // `status = 'ok'` is written literally so the planner can use the partial index.
        let mut found = self.query_results(
            &format!(
                "SELECT {COLUMNS} FROM results
                 WHERE spec_hash = ?1 AND conversation_hash = ?2 AND status = 'ok'
                 ORDER BY id DESC LIMIT 1"
            ),
            params![spec_hash, content_hash],
        )?;
        Ok(found.pop())
    }

    /// Up to `limit` distinct `ok` results for this spec version and conversation content from
    /// runs against `endpoint` (the recorded base URL; `None` for the offline baseline), newest
    /// first, leaving out copies that were themselves reused (resume and `--repeat`).
    pub fn ok_results(
        &self,
        spec_hash: &str,
        content_hash: &str,
        endpoint: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredResult>, StoreError> {
        self.query_results(
            &format!(
                "SELECT {COLUMNS} FROM results
                 WHERE spec_hash = ?1 AND conversation_hash = ?2 AND status = 'ok'
                   AND (note IS NULL OR note NOT LIKE '{REUSED_PREFIX}%')
                   AND run_id IN (SELECT id FROM runs WHERE base_url IS ?4)
                 ORDER BY id DESC LIMIT ?3"
            ),
            params![spec_hash, content_hash, i64::try_from(limit).unwrap_or(i64::MAX), endpoint],
        )
    }

    /// The newest result of any status for (spec version, conversation content): what the
    /// workbench shows for a conversation after a restart.
    pub fn latest(&self, spec_hash: &str, content_hash: &str) -> Result<Option<StoredResult>, StoreError> {
        let mut found = self.query_results(
            &format!(
                "SELECT {COLUMNS} FROM results
                 WHERE conversation_hash = ?2 AND spec_hash = ?1
                 ORDER BY id DESC LIMIT 1"
            ),
            params![spec_hash, content_hash],
        )?;
        Ok(found.pop())
    }

    /// Run a `SELECT {COLUMNS} …` and decode every row.
    fn query_results(&self, sql: &str, params: impl Params) -> Result<Vec<StoredResult>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let raws = stmt
            .query_map(params, RawResult::from_row)
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        raws.into_iter().map(|raw| self.decode_result(raw)).collect()
    }

    /// Turn a raw row into a [`StoredResult`], naming the result in any decoding error.
    pub(super) fn decode_result(&self, raw: RawResult) -> Result<StoredResult, StoreError> {
        let what = format!("result {}", raw.id);
        let status = Status::parse(&raw.status)
            .ok_or_else(|| self.decode_err(&what, format!("unknown status {:?}", raw.status)))?;
        let attempts = super::attempt_log::decode(raw.attempts, raw.analysis.as_deref())
            .map_err(|e| self.decode_err(&what, e))?;
        let analysis = match raw.analysis {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| self.decode_err(&what, e))?),
            None => None,
        };
        let errors = serde_json::from_str(&raw.errors).map_err(|e| self.decode_err(&what, e))?;

        let evidence = match raw.evidence {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| self.decode_err(&what, e))?),
            None => None,
        };
        let [input, cached, output, reasoning, est_input, est_output, cache_write] =
            raw.ints.map(from_sql_int);
        Ok(StoredResult {
            id: raw.id,
            run_id: raw.run_id,
            spec_hash: raw.spec_hash,
            conversation_hash: raw.conversation_hash,
            created_at: raw.created_at,
            outcome: Outcome {
                conversation_id: raw.conversation_id,
                source: raw.source,
                provider: raw.provider,
                model: raw.model,
                status,
                analysis,
                errors,
                attempts,
                usage: Usage {
                    input_tokens: input,
                    cached_input_tokens: cached,
                    output_tokens: output,
                    reasoning_tokens: reasoning,
                    cache_write_tokens: cache_write,
                },
                estimate: Estimate {
                    input_tokens: est_input,
                    output_tokens: est_output,
                    cost_usd: raw.est_cost_usd,
                },
                cost_usd: raw.cost_usd,
                latency_ms: from_sql_int(raw.latency_ms),
                note: raw.note,
                evidence,
            },
        })
    }
}
