//! Several writes in one transaction, for results that arrive together.
//!
//! A batch at concurrency 256 finishes hundreds of calls within a few milliseconds; one
//! transaction (and one WAL commit) each made SQLite a large share of the CPU per call. The
//! engine's committer ([`crate::engine::run`]) groups what arrived while the previous group was
//! being written and commits it with [`Store::in_transaction`]; nothing of a group is reported
//! before the whole group is committed, so a crash still loses nothing already reported.
//! The single-result writers ([`Store::record_result_with`]) join an open transaction instead of
//! starting their own.

use super::{Store, StoreError};
use rusqlite::{Transaction, TransactionBehavior};

impl Store {
    /// Run `f` inside one IMMEDIATE transaction: all of its writes commit together, or none (an
    /// error from `f` rolls everything back). Not reentrant: `f` must not call it again.
    pub fn in_transaction<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // IMMEDIATE: take the write lock up front so the busy timeout applies.
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.sql_err(e))?;
        let value = f(self)?;
        tx.commit().map_err(|e| self.sql_err(e))?;
        Ok(value)
    }

    /// Whether a transaction is open on this connection (a writer then joins it).
    pub(super) fn in_open_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Run raw SQL (tests that need the history to misbehave, e.g. a refusing trigger).
    #[cfg(test)]
    pub(crate) fn execute_for_tests(&self, sql: &str) {
        if let Err(e) = self.conn.execute_batch(sql) {
            panic!("{sql}: {e}");
        }
    }
}
