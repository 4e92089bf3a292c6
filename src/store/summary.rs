//! Reading runs back with their aggregates: counts per status, token sums, cost.
//!
//! Why the aggregates are computed in SQL: the history page lists runs, and a long-lived data
//! folder holds hundreds of thousands of results. One `LEFT JOIN … GROUP BY` over the page of runs
//! (using `results_by_run`) reads only the small leading columns of each result row; loading
//! results into Rust would drag every attempt log through memory to add up a few integers.
//!
//! Cost honesty: `cost_usd` is the sum of the costs that are known, `None` when none is, and
//! `cost_complete` is `false` as soon as one result that should have a price (not skipped, not the
//! offline baseline) has none — so a total is never shown as exact when it is a lower bound.

use super::runs::{RunId, RunState};
use super::{Store, StoreError, from_sql_int};
use crate::core::outcome::{Status, Usage};
use rusqlite::{Row, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// Every status, in the order of the aggregate columns.
const STATUSES: [Status; 6] =
    [Status::Ok, Status::Invalid, Status::Refused, Status::Truncated, Status::Error, Status::Skipped];

/// Filters and paging for [`Store::runs`]. `Default` is the first 50 runs, unfiltered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunQuery {
    /// Page size.
    pub limit: usize,
    /// Runs to skip (newest first).
    pub offset: usize,
    /// Only runs of this spec version.
    pub spec_hash: Option<String>,
    /// Only runs with this model.
    pub model: Option<String>,
    /// Only runs with this provider.
    pub provider: Option<String>,
    /// Only runs having at least one result with this status.
    pub status: Option<Status>,
    /// Only runs started on or after this date or time (RFC 3339 prefix, e.g. `2026-09-14`).
    pub since: Option<String>,
}

impl Default for RunQuery {
    fn default() -> RunQuery {
        RunQuery {
            limit: 50,
            offset: 0,
            spec_hash: None,
            model: None,
            provider: None,
            status: None,
            since: None,
        }
    }
}

/// A run with its aggregates, as listed in the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub id: RunId,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub spec_hash: String,
    pub spec_name: String,
    pub provider: String,
    pub model: String,
    pub base_url: Option<String>,
    pub kind: String,
    pub state: RunState,
    pub n_planned: usize,
    /// Results recorded so far.
    pub n_results: usize,
    /// Results per status name (`"ok"`, `"invalid"`, …); statuses with no result are absent.
    pub counts: BTreeMap<String, usize>,
    /// Token usage summed over all results.
    pub usage: Usage,
    /// Sum of the known result costs; `None` if no result had a cost.
    pub cost_usd: Option<f64>,
    /// `false` if some priced result (not skipped, not offline) has an unknown cost.
    pub cost_complete: bool,
    /// For an `interrupted` run: calls that were in flight when it stopped (maybe billed, never
    /// recorded).
    pub in_flight: usize,
}

/// `SELECT … FROM (<runs subquery>) r LEFT JOIN results …`, with one count column per status.
fn summary_sql(runs_subquery: &str) -> String {
    let status_columns: String =
        STATUSES.iter().map(|s| format!("COALESCE(SUM(x.status = '{}'), 0),\n", s.as_str())).collect();
    format!(
        "SELECT r.id, r.started_at, r.finished_at, r.spec_hash, r.spec_name, r.provider, r.model,
                r.base_url, r.kind, r.state, r.n_planned,
                COUNT(x.id),
                {status_columns}
                COALESCE(SUM(x.input_tokens), 0),
                COALESCE(SUM(x.cached_input_tokens), 0),
                COALESCE(SUM(x.output_tokens), 0),
                COALESCE(SUM(x.reasoning_tokens), 0),
                COALESCE(SUM(x.cache_write_tokens), 0),
                SUM(x.cost_usd),
                COALESCE(SUM(x.cost_usd IS NULL AND x.status <> 'skipped'
                             AND x.provider <> 'offline'), 0),
                r.in_flight
         FROM ({runs_subquery}) AS r
         LEFT JOIN results AS x ON x.run_id = r.id
         GROUP BY r.id
         ORDER BY r.started_at DESC, r.id DESC"
    )
}

/// One row of [`summary_sql`].
fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<RunSummary> {
    let count =
        |i: usize| -> rusqlite::Result<usize> { Ok(usize::try_from(row.get::<_, i64>(i)?).unwrap_or(0)) };
    let first_status = 12;
    let mut counts = BTreeMap::new();
    for (i, status) in STATUSES.iter().enumerate() {
        let n = count(first_status + i)?;
        if n > 0 {
            counts.insert(status.as_str().to_string(), n);
        }
    }
    let tokens = first_status + STATUSES.len();
    let int = |i: usize| -> rusqlite::Result<u64> { Ok(from_sql_int(row.get(i)?)) };
    Ok(RunSummary {
        id: row.get(0)?,
        started_at: row.get(1)?,
        finished_at: row.get(2)?,
        spec_hash: row.get(3)?,
        spec_name: row.get(4)?,
        provider: row.get(5)?,
        model: row.get(6)?,
        base_url: row.get(7)?,
        kind: row.get(8)?,
        state: row.get(9)?,
        n_planned: count(10)?,
        n_results: count(11)?,
        counts,
        usage: Usage {
            input_tokens: int(tokens)?,
            cached_input_tokens: int(tokens + 1)?,
            output_tokens: int(tokens + 2)?,
            reasoning_tokens: int(tokens + 3)?,
            cache_write_tokens: int(tokens + 4)?,
        },
        cost_usd: row.get(tokens + 5)?,
        cost_complete: count(tokens + 6)? == 0,
        in_flight: count(tokens + 7)?,
    })
}

impl Store {
    /// Runs newest first, filtered and paged by `query`, each with its aggregates.
    pub fn runs(&self, query: &RunQuery) -> Result<Vec<RunSummary>, StoreError> {
        let page = "SELECT * FROM runs
                    WHERE (?1 IS NULL OR spec_hash = ?1)
                      AND (?2 IS NULL OR model = ?2)
                      AND (?3 IS NULL OR provider = ?3)
                      AND (?4 IS NULL OR id IN (SELECT run_id FROM results WHERE status = ?4))
                      AND (?7 IS NULL OR started_at >= ?7)
                    ORDER BY started_at DESC, id DESC
                    LIMIT ?5 OFFSET ?6";
        let sql = summary_sql(page);
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(
                params![
                    query.spec_hash,
                    query.model,
                    query.provider,
                    query.status.map(Status::as_str),
                    i64::try_from(query.limit).unwrap_or(i64::MAX),
                    i64::try_from(query.offset).unwrap_or(i64::MAX),
                    query.since,
                ],
                summary_from_row,
            )
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql_err(e))
    }

    /// One run with its aggregates, if it exists.
    pub fn run(&self, run_id: RunId) -> Result<Option<RunSummary>, StoreError> {
        let sql = summary_sql("SELECT * FROM runs WHERE id = ?1");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query_map(params![run_id], summary_from_row).map_err(|e| self.sql_err(e))?;
        rows.next().transpose().map_err(|e| self.sql_err(e))
    }
}
