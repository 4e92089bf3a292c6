//! Provider batch-API jobs (`batch --via batch-api`), one row per remote job.
//!
//! A row is written the moment the provider returns the job's id — before anything waits on
//! it — so a process killed while polling leaves a row that the next `batch --via batch-api`
//! on the same spec and corpus (or `debrief jobs`) finds and polls instead of submitting again:
//! a batch is never paid for twice. The row also says which conversations belong to the job
//! (custom id → conversation hash) and the provider's latest state and counts, for `jobs` and
//! the workbench's batch-jobs view.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One conversation in a job: the id the provider echoes back, and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItem {
    pub custom_id: String,
    pub conversation_hash: String,
    pub conversation_id: String,
}

/// What a new job row records.
#[derive(Debug, Clone)]
pub struct NewBatchJob {
    pub provider: String,
    pub model: String,
    /// The base URL as shown (credentials scrubbed).
    pub endpoint: String,
    pub spec_hash: String,
    /// Identifies the corpus (the hash of its conversations' hashes), for resuming.
    pub corpus_hash: String,
    /// Which part of a corpus split over several jobs (0 when not split).
    pub part: u32,
    pub remote_id: String,
    pub input_file_id: Option<String>,
    pub state: String,
    pub items: Vec<BatchItem>,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchJob {
    pub id: i64,
    pub provider: String,
    pub model: String,
    pub endpoint: String,
    pub spec_hash: String,
    pub corpus_hash: String,
    pub part: u32,
    /// The run its results were stored under, once collected.
    pub run_id: Option<i64>,
    pub remote_id: String,
    pub input_file_id: Option<String>,
    /// Where the results are (OpenAI output file id, Anthropic results URL).
    pub output_ref: Option<String>,
    /// OpenAI's error file id.
    pub error_ref: Option<String>,
    /// The provider's own state word (`in_progress`, `ended`, `JOB_STATE_SUCCEEDED`…).
    pub state: String,
    /// The provider's request counts (`succeeded`, `errored`, `total`…).
    pub counts: BTreeMap<String, u64>,
    pub items: Vec<BatchItem>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, provider, model, endpoint, spec_hash, corpus_hash, part, run_id, remote_id, \
     input_file_id, output_ref, error_ref, state, counts_json, items_json, created_at, updated_at";

impl Store {
    /// Record a job the provider just accepted; returns its row id.
    pub fn insert_batch_job(&self, job: &NewBatchJob) -> Result<i64, StoreError> {
        let items = self.encode("batch job items", &job.items)?;
        let now = now_rfc3339();
        self.conn
            .execute(
                "INSERT INTO batch_jobs (provider, model, endpoint, spec_hash, corpus_hash, part, remote_id,
                     input_file_id, state, counts_json, items_json, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '{}', ?10, ?11, ?11)",
                params![
                    job.provider,
                    job.model,
                    job.endpoint,
                    job.spec_hash,
                    job.corpus_hash,
                    job.part,
                    job.remote_id,
                    job.input_file_id,
                    job.state,
                    items,
                    now
                ],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record the provider's latest word on a job.
    pub fn update_batch_job(
        &self,
        id: i64,
        state: &str,
        counts: &BTreeMap<String, u64>,
        output_ref: Option<&str>,
        error_ref: Option<&str>,
    ) -> Result<(), StoreError> {
        let counts = self.encode("batch job counts", counts)?;
        self.conn
            .execute(
                "UPDATE batch_jobs SET state = ?2, counts_json = ?3,
                     output_ref = COALESCE(?4, output_ref), error_ref = COALESCE(?5, error_ref), updated_at = ?6
                 WHERE id = ?1",
                params![id, state, counts, output_ref, error_ref, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Note the run a job's results were stored under.
    pub fn set_batch_job_run(&self, id: i64, run_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE batch_jobs SET run_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, run_id, now_rfc3339()],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// The jobs already submitted for this spec version, corpus and endpoint, by part.
    pub fn batch_jobs_for(
        &self,
        spec_hash: &str,
        corpus_hash: &str,
        endpoint: &str,
    ) -> Result<Vec<BatchJob>, StoreError> {
        self.query_jobs(
            &format!(
                "SELECT {COLUMNS} FROM batch_jobs WHERE spec_hash = ?1 AND corpus_hash = ?2 AND endpoint = ?3
                 ORDER BY part, id"
            ),
            params![spec_hash, corpus_hash, endpoint],
        )
    }

    /// Every job, newest first (at most `limit`).
    pub fn batch_jobs(&self, limit: usize) -> Result<Vec<BatchJob>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_jobs(
            &format!("SELECT {COLUMNS} FROM batch_jobs ORDER BY id DESC LIMIT ?1"),
            params![limit],
        )
    }

    /// One job by its row id.
    pub fn batch_job(&self, id: i64) -> Result<Option<BatchJob>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM batch_jobs WHERE id = ?1"))
            .map_err(|e| self.sql_err(e))?;
        let raw = stmt.query_row(params![id], raw_job).optional().map_err(|e| self.sql_err(e))?;
        raw.map(|r| self.finish_job(r)).transpose()
    }

    fn query_jobs(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<BatchJob>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let raws = stmt
            .query_map(args, raw_job)
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        raws.into_iter().map(|r| self.finish_job(r)).collect()
    }

    /// Decode the JSON columns of a row read by [`raw_job`].
    fn finish_job(
        &self,
        (mut job, counts, items): (BatchJob, String, String),
    ) -> Result<BatchJob, StoreError> {
        job.counts = serde_json::from_str(&counts).map_err(|e| self.decode_err("batch job counts", e))?;
        job.items = serde_json::from_str(&items).map_err(|e| self.decode_err("batch job items", e))?;
        Ok(job)
    }
}

/// A row with its JSON columns still as text.
fn raw_job(r: &rusqlite::Row<'_>) -> rusqlite::Result<(BatchJob, String, String)> {
    Ok((
        BatchJob {
            id: r.get(0)?,
            provider: r.get(1)?,
            model: r.get(2)?,
            endpoint: r.get(3)?,
            spec_hash: r.get(4)?,
            corpus_hash: r.get(5)?,
            part: r.get(6)?,
            run_id: r.get(7)?,
            remote_id: r.get(8)?,
            input_file_id: r.get(9)?,
            output_ref: r.get(10)?,
            error_ref: r.get(11)?,
            state: r.get(12)?,
            counts: BTreeMap::new(),
            items: Vec::new(),
            created_at: r.get(15)?,
            updated_at: r.get(16)?,
        },
        r.get(13)?,
        r.get(14)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_found_again_by_spec_corpus_and_endpoint_and_keeps_its_updates() {
        let store = Store::open_memory().unwrap();
        let item =
            BatchItem { custom_id: "c0".into(), conversation_hash: "h".into(), conversation_id: "a".into() };
        let new = NewBatchJob {
            provider: "openai".into(),
            model: "gpt-4o-mini".into(),
            endpoint: "http://x".into(),
            spec_hash: "s".into(),
            corpus_hash: "k".into(),
            part: 0,
            remote_id: "batch_1".into(),
            input_file_id: Some("file_1".into()),
            state: "validating".into(),
            items: vec![item.clone()],
        };
        let id = store.insert_batch_job(&new).unwrap();
        let counts = BTreeMap::from([("completed".to_string(), 1)]);
        store.update_batch_job(id, "completed", &counts, Some("file_out"), None).unwrap();
        store.set_batch_job_run(id, 9).unwrap();
        let found = store.batch_jobs_for("s", "k", "http://x").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].state.as_str(), found[0].run_id), ("completed", Some(9)));
        assert_eq!(found[0].output_ref.as_deref(), Some("file_out"));
        assert_eq!(found[0].items, vec![item]);
        assert_eq!(found[0].counts, counts);
        assert!(store.batch_jobs_for("s", "other", "http://x").unwrap().is_empty());
        assert_eq!(store.batch_job(id).unwrap().unwrap().remote_id, "batch_1");
        assert_eq!(store.batch_jobs(10).unwrap().len(), 1);
    }
}
