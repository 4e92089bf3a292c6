//! SQLite history: every spec version that ran, every conversation analysed, every run and result.
//!
//! Why SQLite and why synchronous: a history must survive crashes and concurrent readers (the GUI
//! and a CLI batch may share one data folder), and SQLite in WAL mode gives that with one file the
//! user can back up. rusqlite is blocking, so the API is plain `&self` methods on a `Send` [`Store`];
//! the async engine calls it through `spawn_blocking` and nothing here knows about tokio.
//!
//! Why results are committed one by one: a batch of 10,000 paid LLM calls must not be lost when the
//! process dies at call 9,999. [`Store::record_result`] commits before it returns, and resume
//! ([`Store::latest_ok`]) asks "is there already a valid result for this spec version and this exact
//! conversation content?", so a rerun pays only for what is missing.
//!
//! Secrets are never stored: the store receives `Outcome`s whose attempts carry the request *body*
//! only; API keys travel in HTTP headers and never reach this module.
//!
//! Layout: [`migrations`] (schema versions keyed on `PRAGMA user_version`), [`paths`] (where the
//! database lives, RFC 3339 timestamps), `content` (specs and conversations, content-addressed),
//! `runs` (run life cycle), `summary` (runs read back with SQL-side aggregates), `results`
//! (outcomes and resume lookups), and the pipeline of `debrief serve`: `agents`, `keys` (server
//! API keys, hashes only), `webhooks` (endpoints), `deliveries` (the outbox and its attempts),
//! `intake` (the durable queue and the watch folder's record), `rules`, and `labels` (reviewer
//! verdicts with their provenance). Every public type is
//! re-exported here.

mod agents;
mod attempt_log;
mod batch_jobs;
mod claims;
mod content;
mod deliveries;
mod group;
mod intake;
mod keys;
mod labels;
pub mod migrations;
pub mod paths;
mod results;
mod results_read;
mod rules;
mod runs;
mod summary;
mod webhooks;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod results_tests;
#[cfg(test)]
mod summary_tests;

pub use agents::Agent;
pub use batch_jobs::{BatchItem, BatchJob, NewBatchJob};
pub use claims::{Claim, ClaimKey, Interrupted, OWNERS_DIR};
pub use deliveries::{
    AttemptDone, AttemptRow, DeliveryCounts, DeliveryQuery, DeliveryRow, DueDelivery, NextStep, OutgoingEvent,
};
pub use intake::{IntakeQuery, IntakeRow, IntakeState, NewIntake};
pub use keys::ApiKeyInfo;
pub use labels::{Label, NewLabel, Verdict};
pub use paths::{
    DATA_DIR_ENV, DB_FILE_NAME, now_rfc3339, now_unix_ms, resolve_data_dir, resolve_data_dir_from,
};
pub use results::{REUSED_PREFIX, StoredResult};
pub use rules::StoredRule;
pub use runs::{NewRun, RunId, RunState};
pub use summary::{RunQuery, RunSummary};
pub use webhooks::{Endpoint, EndpointSecrets};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What can go wrong with the history. Each variant names the database (or folder) and says what
/// to do; the underlying cause is part of the message (not a `source`), so `{:#}` prints it once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot find a folder for the history (no home directory); pass --data-dir or set DEBRIEF_DATA_DIR"
    )]
    NoDataDir,
    #[error("cannot create the history folder ({cause}); check its permissions or pass --data-dir: {path}")]
    CreateDir { path: PathBuf, cause: std::io::Error },
    #[error(
        "cannot open the history database ({cause}); check that it is a debrief history file and readable, or pass --data-dir to use another folder: {path}"
    )]
    Open { path: PathBuf, cause: rusqlite::Error },
    #[error(
        "the history database was written by a newer debrief (schema version {found}, this build knows up to {known}); upgrade debrief, or pass --data-dir to use another folder: {path}"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error(
        "cannot upgrade the history database to schema version {version} ({cause}); it was left at the previous version, free disk space or restore a backup and retry: {path}"
    )]
    Migrate { path: PathBuf, version: usize, cause: rusqlite::Error },
    #[error(
        "history database error ({cause}); if the disk is full or another program holds a lock, fix that and retry: {path}"
    )]
    Sql { path: PathBuf, cause: rusqlite::Error },
    #[error("cannot encode {what} for the history ({cause}): {path}")]
    Encode { path: PathBuf, what: &'static str, cause: serde_json::Error },
    #[error(
        "stored {what} is unreadable ({cause}); it may come from an incompatible version, use another --data-dir to start afresh: {path}"
    )]
    Decode { path: PathBuf, what: String, cause: String },
    #[error("spec version {hash} is not in the history; save the spec before creating a run: {path}")]
    UnknownSpec { path: PathBuf, hash: String },
    #[error("run {run_id} is not in the history; create the run before using it: {path}")]
    UnknownRun { path: PathBuf, run_id: RunId },
    #[error(
        "conversation {hash} is not in the history; save the conversation before recording results for it: {path}"
    )]
    UnknownConversation { path: PathBuf, hash: String },
}

/// An open history database. One connection; `Send` (not `Sync`), so move it into
/// `spawn_blocking` or keep it behind a `Mutex`.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// `None` for an in-memory database.
    path: Option<PathBuf>,
    /// Who this store is as the owner of runs and claims (see `claims`).
    owner: claims::Owner,
}

impl Store {
    /// Open (creating and migrating if needed) the database file at `path`; creates the parent folder.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|cause| StoreError::CreateDir { path: parent.to_path_buf(), cause })?;
        }
        let open_err = |cause| StoreError::Open { path: path.to_path_buf(), cause };
        let conn = Connection::open(path).map_err(open_err)?;
        Store::init(conn, Some(path.to_path_buf()))
    }

    /// Open `data_dir/debrief.sqlite`, creating the folder if missing.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|cause| StoreError::CreateDir { path: data_dir.to_path_buf(), cause })?;
        Store::open(&data_dir.join(DB_FILE_NAME))
    }

    /// A fresh, migrated in-memory database (tests, `--no-history` style use).
    pub fn open_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()
            .map_err(|cause| StoreError::Open { path: PathBuf::from(":memory:"), cause })?;
        Store::init(conn, None)
    }

    /// The database file, or `None` when in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Connection settings, then migrations.
    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store, StoreError> {
        let label = path.clone().unwrap_or_else(|| PathBuf::from(":memory:"));
        let open_err = |cause| StoreError::Open { path: label.clone(), cause };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // In memory the answer is "memory"; on disk it is "wal". Either is fine.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).map_err(open_err)?;
        // Migrations run with foreign keys off (set explicitly: the bundled SQLite turns them on by
        // default), so a step may rebuild a parent table without cascading deletes into its
        // children; they are on for everything after.
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;").map_err(open_err)?;
        migrations::migrate(&mut conn, &label)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;").map_err(open_err)?;
        let owner = claims::Owner::new(path.as_deref().and_then(Path::parent));
        let store = Store { conn, path, owner };
        if store.path.is_some() {
            // A run left `running` by a dead process becomes `interrupted` at the next start.
            store.reap_dead_runs()?;
        }
        Ok(store)
    }

    /// The path to name in errors (`:memory:` for in-memory databases).
    fn label(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from(":memory:"))
    }

    /// Wrap a SQLite error with this database's path.
    fn sql_err(&self, cause: rusqlite::Error) -> StoreError {
        StoreError::Sql { path: self.label(), cause }
    }

    /// Serialise a value into a JSON column.
    fn encode<T: serde::Serialize + ?Sized>(
        &self,
        what: &'static str,
        value: &T,
    ) -> Result<String, StoreError> {
        serde_json::to_string(value).map_err(|cause| StoreError::Encode { path: self.label(), what, cause })
    }

    /// A stored row that does not read back: name it and the reason.
    fn decode_err(&self, what: impl Into<String>, cause: impl ToString) -> StoreError {
        StoreError::Decode { path: self.label(), what: what.into(), cause: cause.to_string() }
    }
}

/// Counts and tokens are `u64` in the domain and `INTEGER` (i64) in SQLite; saturate, never panic.
fn to_sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Read back an `INTEGER` that should never be negative.
fn from_sql_int(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn store_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }

    #[test]
    fn file_database_uses_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(&dir.path().join("nested/data")).unwrap();
        let expected = dir.path().join("nested/data").join(DB_FILE_NAME);
        assert_eq!(store.path(), Some(expected.as_path()));
        assert!(expected.is_file());
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        let sync: i64 = store.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
        assert_eq!(sync, 1, "NORMAL");
    }

    #[test]
    fn memory_database_has_no_path() {
        let store = Store::open_memory().unwrap();
        assert_eq!(store.path(), None);
        assert_eq!(store.label(), PathBuf::from(":memory:"));
    }

    #[test]
    fn non_database_file_gives_open_error_with_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(err.to_string().ends_with(&path.display().to_string()));
    }

    #[test]
    fn int_conversions_saturate() {
        assert_eq!(to_sql_int(u64::MAX), i64::MAX);
        assert_eq!(to_sql_int(7), 7);
        assert_eq!(from_sql_int(-1), 0);
        assert_eq!(from_sql_int(42), 42);
    }
}
