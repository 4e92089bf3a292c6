//! Runs: one invocation of a spec over one or more conversations (a single analysis or a batch).
//!
//! Why runs are rows of their own rather than a tag on results: a run has a life (running, then
//! finished, cancelled or failed) and a plan (`n_planned`), and a run that crashed must still show
//! up as "running, 37 of 100 done" so the user can resume it. The provider, model and base URL are
//! recorded as used, not looked up from the spec later, so the history stays true after the spec
//! changes. Reading runs back with their aggregates lives in `summary.rs`.

use super::paths::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::params;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Row id of a run.
pub type RunId = i64;

/// What [`Store::create_run`] needs to start a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewRun {
    /// `AnalysisSpec::version_hash` of a spec saved with [`Store::save_spec`].
    pub spec_hash: String,
    /// The spec's name at the time of the run (names are not part of the version).
    pub spec_name: String,
    pub provider: String,
    pub model: String,
    /// The endpoint used, for OpenAI-compatible servers. Never includes credentials.
    pub base_url: Option<String>,
    /// `"analyze"` (one conversation) or `"batch"`.
    pub kind: String,
    /// How many conversations the run intends to analyse.
    pub n_planned: usize,
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Started and not yet ended — or the process died while it ran.
    Running,
    Finished,
    Cancelled,
    Failed,
    /// The process died (or a forced stop dropped replies) with calls in flight; they may have
    /// been billed and were never recorded.
    Interrupted,
}

impl RunState {
    /// Every state, in life order.
    pub const ALL: [RunState; 5] =
        [RunState::Running, RunState::Finished, RunState::Cancelled, RunState::Failed, RunState::Interrupted];

    /// The stored/printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Cancelled => "cancelled",
            RunState::Failed => "failed",
            RunState::Interrupted => "interrupted",
        }
    }

    /// Parse the stored/printed name back.
    pub fn parse(s: &str) -> Option<RunState> {
        RunState::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for RunState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for RunState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        RunState::parse(text).ok_or_else(|| FromSqlError::Other(format!("unknown run state {text:?}").into()))
    }
}

impl Store {
    /// Start a run in state `running`; the spec must have been saved first.
    pub fn create_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        if !self.exists("SELECT 1 FROM specs WHERE hash = ?1", &run.spec_hash)? {
            return Err(StoreError::UnknownSpec { path: self.label(), hash: run.spec_hash.clone() });
        }
        let n_planned = i64::try_from(run.n_planned).unwrap_or(i64::MAX);
        self.conn
            .execute(
                "INSERT INTO runs (started_at, finished_at, spec_hash, spec_name, provider, model,
                                   base_url, kind, state, n_planned, owner)
                 VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    now_rfc3339(),
                    run.spec_hash,
                    run.spec_name,
                    run.provider,
                    run.model,
                    run.base_url,
                    run.kind,
                    RunState::Running,
                    n_planned,
                    self.owner.token
                ],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Set a run's final state and stamp `finished_at` (cleared again if `state` is `Running`).
    pub fn finish_run(&self, run_id: RunId, state: RunState) -> Result<(), StoreError> {
        let finished_at = (state != RunState::Running).then(now_rfc3339);
        let changed = self
            .conn
            .execute(
                "UPDATE runs SET state = ?1, finished_at = ?2 WHERE id = ?3",
                params![state, finished_at, run_id],
            )
            .map_err(|e| self.sql_err(e))?;
        if changed == 0 {
            return Err(StoreError::UnknownRun { path: self.label(), run_id });
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use crate::store::fixtures;

    #[test]
    fn state_names_round_trip() {
        for state in RunState::ALL {
            assert_eq!(RunState::parse(state.as_str()), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::json!(state.as_str()));
        }
        assert_eq!(RunState::parse("done"), None);
    }

    #[test]
    fn create_then_finish_run() {
        let store = Store::open_memory().unwrap();
        let (spec_hash, _) = fixtures::seed(&store, "s", "c1");
        let id = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        let run = store.run(id).unwrap().unwrap();
        assert_eq!(run.state, RunState::Running);
        assert_eq!(run.finished_at, None);
        assert_eq!(run.kind, "batch");
        assert_eq!(run.n_planned, 3);
        assert_eq!(run.spec_hash, spec_hash);

        store.finish_run(id, RunState::Cancelled).unwrap();
        let run = store.run(id).unwrap().unwrap();
        assert_eq!(run.state, RunState::Cancelled);
        let finished = run.finished_at.expect("finished_at is set");
        assert!(finished >= run.started_at, "{finished} < {}", run.started_at);
    }

    #[test]
    fn create_run_needs_a_saved_spec() {
        let store = Store::open_memory().unwrap();
        let err = store
            .create_run(&NewRun {
                spec_hash: "missing".to_string(),
                spec_name: "x".to_string(),
                provider: "offline".to_string(),
                model: "baseline".to_string(),
                base_url: None,
                kind: "analyze".to_string(),
                n_planned: 1,
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::UnknownSpec { .. }), "{err:?}");
        assert!(err.to_string().contains("save the spec"), "{err}");
    }

    #[test]
    fn finish_unknown_run_is_an_error() {
        let store = Store::open_memory().unwrap();
        let err = store.finish_run(99, RunState::Finished).unwrap_err();
        assert!(matches!(err, StoreError::UnknownRun { run_id: 99, .. }), "{err:?}");
    }

    #[test]
    fn bad_stored_state_is_refused_by_the_schema() {
        let store = Store::open_memory().unwrap();
        let (spec_hash, _) = fixtures::seed(&store, "s", "c1");
        let id = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        let res = store.conn.execute("UPDATE runs SET state = 'done' WHERE id = ?1", params![id]);
        assert!(res.is_err(), "CHECK constraint must reject unknown states");
    }
}
