//! Reading a whole run without holding it: results streamed row by row, and the lighter read
//! that evaluation and comparison need.
//!
//! Why this exists (issue 12): `runs show` of a 20,000-result run held every decoded result at
//! once (11.5 KB of RSS per result), and `eval` and `compare` decoded every attempt's request
//! body only to ignore it. [`Store::each_result`] hands one decoded row at a time to the caller,
//! who writes it out and drops it, so memory stays flat in the size of the run.
//! [`Store::results_for_scoring`] leaves the attempt log out (scores read the status, the
//! analysis, usage, cost, latency and evidence; never the attempts).

use super::results::{COLUMNS, RawResult};
use super::runs::RunId;
use super::{Store, StoreError, StoredResult};
use rusqlite::params;

impl Store {
    /// Call `f` with every result of a run in the order they were recorded, one decoded row at a
    /// time (nothing else is kept). Stops at the first error, `f`'s own included.
    pub fn each_result(
        &self,
        run_id: RunId,
        mut f: impl FnMut(StoredResult) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM results WHERE run_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let raw = RawResult::from_row(row).map_err(|e| self.sql_err(e))?;
            f(self.decode_result(raw)?)?;
        }
        Ok(())
    }

    /// Every result of a run as [`Store::results`] gives it, except that `outcome.attempts` is
    /// left empty (the attempt log is not read or decoded): for evaluation and comparison, which
    /// never look at attempts. Never use it for anything that shows or exports a result.
    pub fn results_for_scoring(&self, run_id: RunId) -> Result<Vec<StoredResult>, StoreError> {
        let columns = COLUMNS.replace("attempts_json", "'[]'");
        let sql = format!("SELECT {columns} FROM results WHERE run_id = ?1 ORDER BY id");
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let raw = RawResult::from_row(row).map_err(|e| self.sql_err(e))?;
            out.push(self.decode_result(raw)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::core::outcome::Status;
    use crate::store::Store;
    use crate::store::fixtures::{self, outcome};

    #[test]
    fn streaming_and_scoring_reads_match_the_whole_read() {
        let store = Store::open_memory().unwrap();
        let (spec_hash, conv) = fixtures::seed(&store, "s", "c1");
        let run = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        let other = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        for (i, status) in [Status::Ok, Status::Invalid, Status::Error].into_iter().enumerate() {
            store.record_result(run, &conv, &outcome(status, 10 * i as u64, 5, Some(0.01))).unwrap();
        }
        store.record_result(other, &conv, &outcome(Status::Ok, 1, 1, None)).unwrap();
        let whole = store.results(run).unwrap();
        assert_eq!(whole.len(), 3);
        assert!(whole.iter().all(|r| !r.outcome.attempts.is_empty()), "the fixture has attempts");
        let mut streamed = Vec::new();
        store
            .each_result(run, |r| {
                streamed.push(r);
                Ok(())
            })
            .unwrap();
        assert_eq!(streamed, whole);
        let scoring = store.results_for_scoring(run).unwrap();
        assert_eq!(scoring.len(), whole.len());
        for (light, full) in scoring.iter().zip(&whole) {
            assert!(light.outcome.attempts.is_empty());
            let mut without = full.clone();
            without.outcome.attempts.clear();
            assert_eq!(light, &without);
        }
    }
}
