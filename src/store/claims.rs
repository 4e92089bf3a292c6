//! Claims: a call is a row in SQLite before it is sent, and the process that sends it is alive.
//!
//! Why rows and not memory: what must survive `kill -9` is written down before it is acted on
//! (DESIGN.md §7). A claim names the call — conversation content × spec version × endpoint ×
//! repeat slot — and its owner and expiry. Two processes running the same spec over one data
//! folder meet at the claim: the second waits for the first one's result instead of paying
//! again. A run whose owner died keeps its claims, so the next start can mark it `interrupted`
//! and say how many calls were in flight (and may have been billed).
//!
//! Who is alive: each store opened in a data folder holds an exclusive lock on its own file in
//! `owners/`. The operating system releases it when the process dies, `kill -9` included, so an
//! owner whose file can be locked by someone else is gone. A claim also expires, for an owner
//! that is alive but stuck.

use super::paths::{now_rfc3339, now_unix_ms};
use super::runs::{RunId, RunState};
use super::{Store, StoreError};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The folder of owner lock files inside the data folder.
pub const OWNERS_DIR: &str = "owners";

/// This store's identity as a claim owner, and the lock that proves it is alive.
#[derive(Debug)]
pub(crate) struct Owner {
    pub(crate) token: String,
    /// `None` for in-memory stores: every owner is this process.
    dir: Option<PathBuf>,
    _lock: Option<File>,
}

impl Owner {
    /// An owner for a store in `data_dir` (locked file in `owners/`), or in memory.
    pub(crate) fn new(data_dir: Option<&Path>) -> Owner {
        let token = format!("pid{}-{:016x}", std::process::id(), fastrand::u64(..));
        let Some(dir) = data_dir.map(|d| d.join(OWNERS_DIR)) else {
            return Owner { token, dir: None, _lock: None };
        };
        // Without a lock file this process cannot prove it is alive; its claims then count as
        // alive until they expire, which is the safe side (nobody pays twice).
        let lock = std::fs::create_dir_all(&dir).ok().and_then(|()| {
            let file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(dir.join(format!("{token}.lock")))
                .ok()?;
            file.try_lock().ok().map(|()| file)
        });
        Owner { token, dir: Some(dir), _lock: lock }
    }

    /// Whether `other` is a live owner (this one always is).
    fn alive(&self, other: &str) -> bool {
        if other == self.token {
            return true;
        }
        let Some(dir) = &self.dir else { return true };
        let path = dir.join(format!("{other}.lock"));
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            return false; // No lock file: its owner is gone (and cleaned up after).
        };
        match file.try_lock() {
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
                false
            }
            Err(TryLockError::WouldBlock) => true,
            Err(TryLockError::Error(_)) => true,
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_file(dir.join(format!("{}.lock", self.token)));
        }
    }
}

/// The call a claim is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimKey {
    pub spec_hash: String,
    pub conversation_hash: String,
    /// The scrubbed base URL ("" for the offline baseline).
    pub endpoint: String,
    /// Which repeat of the conversation (0 unless `--repeat`).
    pub slot: u32,
}

/// What [`Store::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The call is ours to make; release the claim when its result is committed.
    Mine(i64),
    /// A live owner is making this call now.
    Busy,
}

/// A run found `running` whose owner is gone, now `interrupted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub run_id: RunId,
    /// Calls that were in flight when it died (sent, maybe billed, never recorded).
    pub in_flight: usize,
}

impl Store {
    /// This store's owner token (recorded on its runs and claims).
    pub fn owner(&self) -> &str {
        &self.owner.token
    }

    /// Claim a call for `run_id` until `expires_at_ms`: ours, unless `exclusive` and a live
    /// owner holds it. Expired claims and claims of dead owners are taken over. Without
    /// `exclusive` (`--fresh`: the user wants the call made) the claim only records the call.
    pub fn claim(
        &self,
        key: &ClaimKey,
        run_id: RunId,
        expires_at_ms: i64,
        exclusive: bool,
    ) -> Result<Claim, StoreError> {
        let now = now_unix_ms();
        // Immediate: the check and the insert happen under the write lock, so two processes
        // cannot both find the call free.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| sql(&self.path, e))?;
        let holders: Vec<(i64, String, i64)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, owner, expires_at FROM claims
                     WHERE spec_hash = ?1 AND conversation_hash = ?2 AND endpoint = ?3 AND slot = ?4",
                )
                .map_err(|e| sql(&self.path, e))?;
            let rows = stmt
                .query_map(params![key.spec_hash, key.conversation_hash, key.endpoint, key.slot], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(|e| sql(&self.path, e))?;
            rows.collect::<Result<_, _>>().map_err(|e| sql(&self.path, e))?
        };
        for (id, owner, expires_at) in holders.into_iter().filter(|_| exclusive) {
            if owner != self.owner.token && expires_at > now && self.owner.alive(&owner) {
                return Ok(Claim::Busy);
            }
            if owner != self.owner.token {
                tx.execute("DELETE FROM claims WHERE id = ?1", params![id])
                    .map_err(|e| sql(&self.path, e))?;
            }
        }
        tx.prepare_cached(
            "INSERT INTO claims (spec_hash, conversation_hash, endpoint, slot, run_id, owner, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(params![
                key.spec_hash,
                key.conversation_hash,
                key.endpoint,
                key.slot,
                run_id,
                self.owner.token,
                expires_at_ms,
                now_rfc3339()
            ])
        })
        .map_err(|e| sql(&self.path, e))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| sql(&self.path, e))?;
        Ok(Claim::Mine(id))
    }

    /// Drop a claim (its result is committed, or the call was never made).
    pub fn release_claim(&self, claim_id: i64) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM claims WHERE id = ?1")
            .and_then(|mut s| s.execute(params![claim_id]))
            .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Claims a run still holds (calls in flight, or dropped by a forced stop).
    pub fn claims_of_run(&self, run_id: RunId) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM claims WHERE run_id = ?1", params![run_id], |r| r.get(0))
            .map_err(|e| self.sql_err(e))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// End a run: its remaining claims become its in-flight count (and are dropped), and a run
    /// that ended with calls in flight is `interrupted`, whatever `state` says.
    pub fn end_run(&self, run_id: RunId, state: RunState) -> Result<RunState, StoreError> {
        let in_flight = self.claims_of_run(run_id)?;
        let state = if in_flight > 0 && state != RunState::Running { RunState::Interrupted } else { state };
        self.finish_run(run_id, state)?;
        self.conn
            .execute(
                "UPDATE runs SET in_flight = ?1 WHERE id = ?2",
                params![i64::try_from(in_flight).unwrap_or(i64::MAX), run_id],
            )
            .map_err(|e| self.sql_err(e))?;
        self.conn
            .execute("DELETE FROM claims WHERE run_id = ?1", params![run_id])
            .map_err(|e| self.sql_err(e))?;
        Ok(state)
    }

    /// Mark every `running` run whose owner is gone as `interrupted`, with its in-flight count;
    /// done when a store opens in a data folder, so a dead run never looks alive or finished.
    pub fn reap_dead_runs(&self) -> Result<Vec<Interrupted>, StoreError> {
        let running: Vec<(RunId, Option<String>)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, owner FROM runs WHERE state = 'running'")
                .map_err(|e| self.sql_err(e))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.sql_err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))?
        };
        let mut reaped = Vec::new();
        for (run_id, owner) in running {
            // Runs from before owners were recorded cannot be judged; they are left as they are.
            let Some(owner) = owner else { continue };
            if self.owner.alive(&owner) {
                continue;
            }
            let in_flight = self.claims_of_run(run_id)?;
            self.end_run(run_id, RunState::Interrupted)?;
            tracing::info!(run_id, in_flight, "a run left running by a dead process is now interrupted");
            reaped.push(Interrupted { run_id, in_flight });
        }
        Ok(reaped)
    }

    /// The calls a run had in flight when it was interrupted.
    pub fn run_in_flight(&self, run_id: RunId) -> Result<usize, StoreError> {
        let n: Option<i64> = self
            .conn
            .query_row("SELECT in_flight FROM runs WHERE id = ?1", params![run_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))?;
        Ok(n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0))
    }
}

/// A SQL error naming the database, for use while a transaction borrows the connection.
fn sql(path: &Option<PathBuf>, cause: rusqlite::Error) -> StoreError {
    StoreError::Sql { path: path.clone().unwrap_or_else(|| PathBuf::from(":memory:")), cause }
}
