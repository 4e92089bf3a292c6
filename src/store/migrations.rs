//! Schema versions, keyed on SQLite's `PRAGMA user_version`.
//!
//! Why `user_version` and not a migrations table: it lives in the file header, costs nothing to
//! read, and is written in the same transaction as the step it records, so a crash mid-upgrade
//! leaves the database at the previous version, never half-migrated. Steps are append-only: never
//! edit a released step, add a new one. A database newer than this build refuses to open rather
//! than being misread (an older debrief must not write rows a newer one cannot understand).
//!
//! Column order in `results` is deliberate: the small columns that `runs()` aggregates come first
//! and the large JSON columns last, so SQLite reads the aggregated fields from the first page of
//! each row without walking the overflow pages of long attempt logs.

use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Step `i` takes the database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    r#"
    CREATE TABLE specs (
        hash        TEXT PRIMARY KEY NOT NULL,
        name        TEXT NOT NULL,
        spec_json   TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );

    CREATE TABLE conversations (
        content_hash       TEXT PRIMARY KEY NOT NULL,
        conversation_id    TEXT NOT NULL,
        source             TEXT NOT NULL,
        conversation_json  TEXT NOT NULL,
        turns              INTEGER NOT NULL,
        created_at         TEXT NOT NULL
    );

    CREATE TABLE runs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        spec_hash    TEXT NOT NULL REFERENCES specs(hash),
        spec_name    TEXT NOT NULL,
        provider     TEXT NOT NULL,
        model        TEXT NOT NULL,
        base_url     TEXT,
        kind         TEXT NOT NULL,
        state        TEXT NOT NULL
                     CHECK (state IN ('running', 'finished', 'cancelled', 'failed')),
        n_planned    INTEGER NOT NULL
    );
    CREATE INDEX runs_by_started_at ON runs(started_at);
    CREATE INDEX runs_by_spec_hash ON runs(spec_hash);

    CREATE TABLE results (
        id                   INTEGER PRIMARY KEY,
        run_id               INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        spec_hash            TEXT NOT NULL REFERENCES specs(hash),
        conversation_hash    TEXT NOT NULL REFERENCES conversations(content_hash),
        status               TEXT NOT NULL,
        provider             TEXT NOT NULL,
        model                TEXT NOT NULL,
        input_tokens         INTEGER NOT NULL,
        cached_input_tokens  INTEGER NOT NULL,
        output_tokens        INTEGER NOT NULL,
        reasoning_tokens     INTEGER NOT NULL,
        est_input_tokens     INTEGER NOT NULL,
        est_output_tokens    INTEGER NOT NULL,
        est_cost_usd         REAL,
        cost_usd             REAL,
        latency_ms           INTEGER NOT NULL,
        created_at           TEXT NOT NULL,
        conversation_id      TEXT NOT NULL,
        source               TEXT NOT NULL,
        note                 TEXT,
        analysis_json        TEXT,
        errors_json          TEXT NOT NULL,
        attempts_json        TEXT NOT NULL
    );
    CREATE INDEX results_by_run ON results(run_id);
    CREATE INDEX results_by_conversation ON results(conversation_hash);
    CREATE INDEX results_by_status ON results(status, run_id);
    -- Resume: "newest ok result for (spec version, conversation content)". Partial, so it holds
    -- only ok rows; covers the lookup down to the row id.
    CREATE INDEX results_ok_by_spec_conversation
        ON results(spec_hash, conversation_hash, id) WHERE status = 'ok';
    "#,
    // 2: Anthropic bills cache writes apart, so results keep `cache_write_tokens`. The table is
    // rebuilt (not ALTERed) so the new count sits with the other small columns, before the JSON.
    r#"
    CREATE TABLE results_v2 (
        id                   INTEGER PRIMARY KEY,
        run_id               INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        spec_hash            TEXT NOT NULL REFERENCES specs(hash),
        conversation_hash    TEXT NOT NULL REFERENCES conversations(content_hash),
        status               TEXT NOT NULL,
        provider             TEXT NOT NULL,
        model                TEXT NOT NULL,
        input_tokens         INTEGER NOT NULL,
        cached_input_tokens  INTEGER NOT NULL,
        output_tokens        INTEGER NOT NULL,
        reasoning_tokens     INTEGER NOT NULL,
        cache_write_tokens   INTEGER NOT NULL DEFAULT 0,
        est_input_tokens     INTEGER NOT NULL,
        est_output_tokens    INTEGER NOT NULL,
        est_cost_usd         REAL,
        cost_usd             REAL,
        latency_ms           INTEGER NOT NULL,
        created_at           TEXT NOT NULL,
        conversation_id      TEXT NOT NULL,
        source               TEXT NOT NULL,
        note                 TEXT,
        analysis_json        TEXT,
        errors_json          TEXT NOT NULL,
        attempts_json        TEXT NOT NULL
    );
    INSERT INTO results_v2 (id, run_id, spec_hash, conversation_hash, status, provider, model,
        input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, est_input_tokens,
        est_output_tokens, est_cost_usd, cost_usd, latency_ms, created_at, conversation_id, source,
        note, analysis_json, errors_json, attempts_json)
    SELECT id, run_id, spec_hash, conversation_hash, status, provider, model,
        input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, est_input_tokens,
        est_output_tokens, est_cost_usd, cost_usd, latency_ms, created_at, conversation_id, source,
        note, analysis_json, errors_json, attempts_json
    FROM results;
    DROP TABLE results;
    ALTER TABLE results_v2 RENAME TO results;
    CREATE INDEX results_by_run ON results(run_id);
    CREATE INDEX results_by_conversation ON results(conversation_hash);
    CREATE INDEX results_by_status ON results(status, run_id);
    CREATE INDEX results_ok_by_spec_conversation
        ON results(spec_hash, conversation_hash, id) WHERE status = 'ok';
    "#,
    // 3: the pipeline of `debrief serve`. Agents (an agent id → a whole spec, policy included,
    // and where to reach its model), server API keys (hashes only), webhook endpoints (their
    // secrets are kept only to sign), the outbox of deliveries and every attempt, the durable
    // intake queue, rules that fire events, and the files a watch folder has already taken.
    r#"
    CREATE TABLE agents (
        id          TEXT PRIMARY KEY NOT NULL,
        spec_json   TEXT NOT NULL,
        spec_hash   TEXT NOT NULL,
        base_url    TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );

    CREATE TABLE api_keys (
        name        TEXT PRIMARY KEY NOT NULL,
        key_hash    TEXT NOT NULL UNIQUE,
        prefix      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        revoked_at  TEXT
    );

    CREATE TABLE webhooks (
        id               INTEGER PRIMARY KEY,
        url              TEXT NOT NULL,
        events           TEXT NOT NULL,
        agent_id         TEXT,
        secret           TEXT NOT NULL,
        previous_secret  TEXT,
        previous_until   INTEGER,
        enabled          INTEGER NOT NULL DEFAULT 1,
        disabled_reason  TEXT,
        created_at       TEXT NOT NULL
    );

    CREATE TABLE deliveries (
        id               INTEGER PRIMARY KEY,
        msg_id           TEXT NOT NULL,
        webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event            TEXT NOT NULL,
        conversation_id  TEXT,
        result_id        INTEGER,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_at          INTEGER NOT NULL,
        last_status      INTEGER,
        last_error       TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        payload          TEXT NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries(next_at) WHERE state = 'pending';
    CREATE INDEX deliveries_by_result ON deliveries(result_id);
    CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, id);

    CREATE TABLE delivery_attempts (
        id            INTEGER PRIMARY KEY,
        delivery_id   INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
        number        INTEGER NOT NULL,
        attempted_at  TEXT NOT NULL,
        status_code   INTEGER,
        latency_ms    INTEGER NOT NULL,
        error         TEXT,
        response      TEXT
    );
    CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id);

    CREATE TABLE intake (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id  TEXT NOT NULL UNIQUE,
        agent_id         TEXT NOT NULL,
        content_hash     TEXT NOT NULL REFERENCES conversations(content_hash),
        channel          TEXT,
        ended_at         TEXT,
        end_reason       TEXT,
        state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')),
        result_id        INTEGER,
        error            TEXT,
        received_at      TEXT NOT NULL,
        updated_at       TEXT NOT NULL
    );
    CREATE INDEX intake_open ON intake(seq) WHERE state <> 'done';
    CREATE INDEX intake_by_agent ON intake(agent_id, seq);
    CREATE INDEX intake_by_content ON intake(agent_id, content_hash);

    CREATE TABLE rules (
        name        TEXT PRIMARY KEY NOT NULL,
        expression  TEXT NOT NULL,
        event       TEXT,
        created_at  TEXT NOT NULL
    );

    CREATE TABLE watched (
        path          TEXT PRIMARY KEY NOT NULL,
        size          INTEGER NOT NULL,
        modified_ms   INTEGER NOT NULL,
        seen_at       TEXT NOT NULL
    );

    -- The read API finds results of conversations analysed outside intake by their id.
    CREATE INDEX results_by_conversation_id ON results(conversation_id, id);
    "#,
    // 4: reviewer labels, with provenance: one row per verdict, never updated (a change is a new
    // row; the newest per reviewer, conversation and field counts). And the evidence quotes of a
    // result, beside its analysis (not inside it), last because it is large.
    r#"
    CREATE TABLE labels (
        id               INTEGER PRIMARY KEY,
        conversation_id  TEXT NOT NULL,
        content_hash     TEXT,
        pointer          TEXT NOT NULL,
        value_json       TEXT NOT NULL,
        verdict          TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong', 'label')),
        note             TEXT,
        reviewer         TEXT NOT NULL,
        result_id        INTEGER,
        created_at       TEXT NOT NULL
    );
    CREATE INDEX labels_by_conversation ON labels(conversation_id, pointer, reviewer, id);
    CREATE INDEX labels_by_result ON labels(result_id);
    ALTER TABLE results ADD COLUMN evidence_json TEXT;
    "#,
    // 5: runs can be `interrupted` (the process died, or a forced stop dropped calls), with the
    // number of calls that were in flight and may have been billed; `owner` names the process
    // that runs it, so the next start can tell a dead run from a live one. The table is rebuilt
    // because a CHECK constraint cannot be altered; `migrate` runs with foreign keys off, so
    // dropping the old table does not cascade to results. And `claims`: a call is a row here
    // before it is sent (conversation content × spec version × endpoint × repeat slot, owner,
    // expiry), so two processes never pay for the same call and a crash leaves a count.
    r#"
    CREATE TABLE runs_v5 (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        spec_hash    TEXT NOT NULL REFERENCES specs(hash),
        spec_name    TEXT NOT NULL,
        provider     TEXT NOT NULL,
        model        TEXT NOT NULL,
        base_url     TEXT,
        kind         TEXT NOT NULL,
        state        TEXT NOT NULL
                     CHECK (state IN ('running', 'finished', 'cancelled', 'failed', 'interrupted')),
        n_planned    INTEGER NOT NULL,
        owner        TEXT,
        in_flight    INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO runs_v5 (id, started_at, finished_at, spec_hash, spec_name, provider, model, base_url,
                         kind, state, n_planned)
    SELECT id, started_at, finished_at, spec_hash, spec_name, provider, model, base_url, kind, state,
           n_planned
    FROM runs;
    DROP TABLE runs;
    ALTER TABLE runs_v5 RENAME TO runs;
    CREATE INDEX runs_by_started_at ON runs(started_at);
    CREATE INDEX runs_by_spec_hash ON runs(spec_hash);
    CREATE INDEX runs_running ON runs(id) WHERE state = 'running';

    CREATE TABLE claims (
        id                 INTEGER PRIMARY KEY,
        spec_hash          TEXT NOT NULL,
        conversation_hash  TEXT NOT NULL,
        endpoint           TEXT NOT NULL,
        slot               INTEGER NOT NULL,
        run_id             INTEGER NOT NULL,
        owner              TEXT NOT NULL,
        expires_at         INTEGER NOT NULL,
        created_at         TEXT NOT NULL
    );
    CREATE INDEX claims_by_key ON claims(spec_hash, conversation_hash, endpoint, slot);
    CREATE INDEX claims_by_run ON claims(run_id);
    "#,
    // 6: attempt logs may be stored compact (issue 12): `results.attempts_json` holds deflated
    // JSON as a BLOB, with an accepted reply stored once (see `store::attempt_log`). No table
    // changes and old rows stay as they are (text, still read); the version exists so that an
    // older build refuses this file instead of misreading a compact log.
    "-- attempt logs: JSON text or deflated JSON BLOB",
    // 7: provider batch-API jobs (`batch --via batch-api`): a row per remote job, written the
    // moment the provider returns its id, so a restart polls it instead of submitting again.
    r#"
    CREATE TABLE batch_jobs (
        id            INTEGER PRIMARY KEY,
        provider      TEXT NOT NULL,
        model         TEXT NOT NULL,
        endpoint      TEXT NOT NULL,
        spec_hash     TEXT NOT NULL,
        corpus_hash   TEXT NOT NULL,
        part          INTEGER NOT NULL,
        run_id        INTEGER,
        remote_id     TEXT NOT NULL,
        input_file_id TEXT,
        output_ref    TEXT,
        error_ref     TEXT,
        state         TEXT NOT NULL,
        counts_json   TEXT NOT NULL,
        items_json    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX batch_jobs_by_corpus ON batch_jobs(spec_hash, corpus_hash, endpoint);
    "#,
    // 8: the labels embedded in stored transcripts, beside them (issue 12). Scoring a run looks
    // them up by content hash; reading them out of `conversation_json` read every transcript
    // (a third of `eval`'s time at 100,000 results). Only labelled conversations have a row.
    r#"
    CREATE TABLE conversation_expected (
        content_hash  TEXT PRIMARY KEY,
        expected_json TEXT NOT NULL
    );
    INSERT INTO conversation_expected (content_hash, expected_json)
        SELECT content_hash, json(json_extract(conversation_json, '$.expected')) FROM conversations
        WHERE json_type(conversation_json, '$.expected') = 'object';
    "#,
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Bring the database up to [`latest_version`], one transaction per step.
///
/// Each step takes an immediate (write) lock and re-reads the version inside it, so two processes
/// opening a fresh database at once do not both apply the same step.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let known = latest_version();
    let open_err = |cause| StoreError::Open { path: path.to_path_buf(), cause };
    let current = user_version(conn).map_err(open_err)?;
    if current > known {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found: current, known });
    }
    for (index, step) in MIGRATIONS.iter().enumerate() {
        let target = index + 1;
        let migrate_err = |cause| StoreError::Migrate { path: path.to_path_buf(), version: target, cause };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(migrate_err)?;
        let now = user_version(&tx).map_err(migrate_err)?;
        if now > known {
            return Err(StoreError::TooNew { path: path.to_path_buf(), found: now, known });
        }
        if usize::try_from(now).unwrap_or(0) >= target {
            continue; // Already applied (maybe by another process just now); the drop rolls back.
        }
        tx.execute_batch(step).map_err(migrate_err)?;
        tx.pragma_update(None, "user_version", i64::try_from(target).unwrap_or(i64::MAX))
            .map_err(migrate_err)?;
        tx.commit().map_err(migrate_err)?;
        tracing::info!(version = target, path = %path.display(), "migrated history database");
    }
    Ok(())
}

/// `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use crate::store::{DB_FILE_NAME, Store, fixtures};

    fn tables(store: &Store) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn empty_database_is_migrated_to_latest() {
        let store = Store::open_memory().unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), latest_version());
        assert_eq!(
            tables(&store),
            vec![
                "agents",
                "api_keys",
                "batch_jobs",
                "claims",
                "conversation_expected",
                "conversations",
                "deliveries",
                "delivery_attempts",
                "intake",
                "labels",
                "results",
                "rules",
                "runs",
                "specs",
                "watched",
                "webhooks"
            ]
        );
    }

    #[test]
    fn reopen_keeps_version_and_data() {
        let dir = tempfile::tempdir().unwrap();
        let hash = {
            let store = Store::open_in(dir.path()).unwrap();
            store.save_spec(&fixtures::spec("first")).unwrap()
        };
        let store = Store::open_in(dir.path()).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), latest_version());
        let spec = store.spec(&hash).unwrap().expect("spec persists across reopen");
        assert_eq!(spec.name, "first");
    }

    #[test]
    fn newer_database_is_refused_with_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", latest_version() + 3).unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        match &err {
            StoreError::TooNew { found, known, .. } => {
                assert_eq!(*found, latest_version() + 3);
                assert_eq!(*known, latest_version());
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("newer debrief"), "{message}");
        assert!(message.ends_with(&path.display().to_string()), "{message}");
    }

    #[test]
    fn a_version_1_database_keeps_its_results_and_gains_cache_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(MIGRATIONS[0]).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.execute_batch(
            "INSERT INTO specs VALUES ('s', 'spec', '{}', 't');
             INSERT INTO conversations VALUES ('c', 'c1', 'a.txt', '{}', 2, 't');
             INSERT INTO runs VALUES (1, 't', NULL, 's', 'spec', 'openai', 'm', NULL, 'single', 'finished', 1);
             INSERT INTO results (id, run_id, spec_hash, conversation_hash, status, provider, model,
                 input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, est_input_tokens,
                 est_output_tokens, est_cost_usd, cost_usd, latency_ms, created_at, conversation_id,
                 source, note, analysis_json, errors_json, attempts_json)
             VALUES (7, 1, 's', 'c', 'ok', 'openai', 'm', 100, 10, 20, 0, 90, 25, NULL, 0.5, 3, 't',
                 'c1', 'a.txt', NULL, '{}', '[]', '[]');",
        )
        .unwrap();
        tx.commit().unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), latest_version());
        let results = store.results(1).unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].id, 7);
        assert_eq!(results[0].outcome.usage.input_tokens, 100);
        assert_eq!(results[0].outcome.usage.cache_write_tokens, 0);
        assert_eq!(results[0].outcome.cost_usd, Some(0.5));
    }

    #[test]
    fn migrate_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
    }
}
