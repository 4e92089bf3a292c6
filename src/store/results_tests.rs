//! Tests for recording and reading results: durability across connections, ordering, and the
//! resume lookup. Kept apart from `results.rs` so each file stays readable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test

use super::fixtures::{self, outcome};
use super::{RunState, Store, StoreError};
use crate::core::outcome::Status;

#[test]
fn recorded_result_round_trips_whole() {
    let store = Store::open_memory().unwrap();
    let (spec_hash, conv) = fixtures::seed(&store, "s", "c1");
    let run = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
    let original = outcome(Status::Invalid, 1000, 200, Some(0.0042));
    let id = store.record_result(run, &conv, &original).unwrap();
    let stored = store.results(run).unwrap();
    assert_eq!(stored.len(), 1);
    let got = &stored[0];
    assert_eq!(got.id, id);
    assert_eq!(got.run_id, run);
    assert_eq!(got.spec_hash, spec_hash);
    assert_eq!(got.conversation_hash, conv);
    assert_eq!(got.created_at.len(), "2024-01-01T00:00:00.000Z".len());
    assert_eq!(got.outcome, original);
}

#[test]
fn result_survives_a_crash_without_finish_run() {
    let dir = tempfile::tempdir().unwrap();
    let (run, conv, id) = {
        let store = Store::open_in(dir.path()).unwrap();
        let (spec_hash, conv) = fixtures::seed(&store, "s", "c1");
        let run = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        let id = store.record_result(run, &conv, &outcome(Status::Ok, 10, 5, Some(0.01))).unwrap();
        // Dropped here without finish_run: the process "dies" mid-run.
        (run, conv, id)
    };
    let store = Store::open_in(dir.path()).unwrap();
    let results = store.results(run).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].id, id);
    assert_eq!(results[0].conversation_hash, conv);
    let summary = store.run(run).unwrap().unwrap();
    // Its owner (the dropped store) is gone, so the next open marks it interrupted: an
    // unfinished run stays visible and never looks finished.
    assert_eq!(summary.state, RunState::Interrupted, "an unfinished run stays visible");
    assert_eq!(summary.n_results, 1);
}

#[test]
fn results_of_a_run_are_in_insertion_order() {
    let store = Store::open_memory().unwrap();
    let (spec_hash, _) = fixtures::seed(&store, "s", "c1");
    let run = fixtures::run(&store, &spec_hash, "openai", "m");
    let mut ids = Vec::new();
    for (i, conv_id) in ["z", "a", "m"].iter().enumerate() {
        let (_, conv) = fixtures::seed(&store, "s", conv_id);
        let mut o = outcome(Status::Ok, 1, 1, None);
        o.conversation_id = format!("{conv_id}-{i}");
        ids.push(store.record_result(run, &conv, &o).unwrap());
    }
    let got: Vec<_> = store.results(run).unwrap();
    assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    let names: Vec<_> = got.iter().map(|r| r.outcome.conversation_id.as_str()).collect();
    assert_eq!(names, ["z-0", "a-1", "m-2"]);
}

#[test]
fn record_result_needs_run_and_conversation() {
    let store = Store::open_memory().unwrap();
    let (spec_hash, conv) = fixtures::seed(&store, "s", "c1");
    let o = outcome(Status::Ok, 1, 1, None);
    let err = store.record_result(42, &conv, &o).unwrap_err();
    assert!(matches!(err, StoreError::UnknownRun { run_id: 42, .. }), "{err:?}");
    let run = fixtures::run(&store, &spec_hash, "openai", "m");
    let err = store.record_result(run, "no-such-hash", &o).unwrap_err();
    assert!(matches!(err, StoreError::UnknownConversation { .. }), "{err:?}");
    assert!(err.to_string().contains("save the conversation"), "{err}");
    // The failed attempts left nothing behind, and the connection is usable.
    assert!(store.results(run).unwrap().is_empty());
    store.record_result(run, &conv, &o).unwrap();
    assert_eq!(store.results(run).unwrap().len(), 1);
}

#[test]
fn results_for_conversation_are_newest_first_across_runs_and_specs() {
    let store = Store::open_memory().unwrap();
    let (spec_a, conv) = fixtures::seed(&store, "a", "c1");
    let (spec_b, other) = fixtures::seed(&store, "b", "c2");
    let run_a = fixtures::run(&store, &spec_a, "openai", "m");
    let run_b = fixtures::run(&store, &spec_b, "openai", "m");
    let first = store.record_result(run_a, &conv, &outcome(Status::Ok, 1, 1, None)).unwrap();
    store.record_result(run_a, &other, &outcome(Status::Ok, 1, 1, None)).unwrap();
    let second = store.record_result(run_b, &conv, &outcome(Status::Error, 1, 1, None)).unwrap();
    let third = store.record_result(run_a, &conv, &outcome(Status::Invalid, 1, 1, None)).unwrap();

    let got = store.results_for_conversation(&conv, 10).unwrap();
    assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), [third, second, first]);
    assert!(got.iter().all(|r| r.conversation_hash == conv));
    assert_eq!(got[1].spec_hash, spec_b);

    let limited = store.results_for_conversation(&conv, 2).unwrap();
    assert_eq!(limited.iter().map(|r| r.id).collect::<Vec<_>>(), [third, second]);
    assert!(store.results_for_conversation("unknown", 10).unwrap().is_empty());
}

#[test]
fn latest_ok_picks_newest_ok_for_spec_and_conversation() {
    let store = Store::open_memory().unwrap();
    let (spec_a, conv) = fixtures::seed(&store, "a", "c1");
    let (spec_b, other_conv) = fixtures::seed(&store, "b", "c2");
    let run1 = fixtures::run(&store, &spec_a, "openai", "m");
    let run2 = fixtures::run(&store, &spec_a, "openai", "m");
    let run_b = fixtures::run(&store, &spec_b, "openai", "m");

    assert!(store.latest_ok(&spec_a, &conv).unwrap().is_none());
    let older_ok = store.record_result(run1, &conv, &outcome(Status::Ok, 1, 1, None)).unwrap();
    let newer_ok = store.record_result(run2, &conv, &outcome(Status::Ok, 2, 2, None)).unwrap();
    // Newer, but not ok / other spec / other conversation: all must be ignored.
    store.record_result(run2, &conv, &outcome(Status::Invalid, 3, 3, None)).unwrap();
    store.record_result(run2, &conv, &outcome(Status::Skipped, 0, 0, None)).unwrap();
    store.record_result(run_b, &conv, &outcome(Status::Ok, 4, 4, None)).unwrap();
    store.record_result(run2, &other_conv, &outcome(Status::Ok, 5, 5, None)).unwrap();

    let got = store.latest_ok(&spec_a, &conv).unwrap().unwrap();
    assert_eq!(got.id, newer_ok);
    assert_ne!(got.id, older_ok);
    assert_eq!(got.outcome.status, Status::Ok);
    assert_eq!(got.outcome.usage.input_tokens, 2);

    // A spec with only non-ok results for the conversation has nothing to resume from.
    let (spec_c, _) = fixtures::seed(&store, "c", "c1");
    let run_c = fixtures::run(&store, &spec_c, "openai", "m");
    store.record_result(run_c, &conv, &outcome(Status::Invalid, 1, 1, None)).unwrap();
    assert!(store.latest_ok(&spec_c, &conv).unwrap().is_none());
}

#[test]
fn latest_ok_uses_the_partial_index() {
    let store = Store::open_memory().unwrap();
    let plan: Vec<String> = {
        let mut stmt = store
            .conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT id FROM results
                 WHERE spec_hash = ?1 AND conversation_hash = ?2 AND status = 'ok'
                 ORDER BY id DESC LIMIT 1",
            )
            .unwrap();
        stmt.query_map(["s", "c"], |r| r.get::<_, String>(3)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    let plan = plan.join("\n");
    assert!(plan.contains("results_ok_by_spec_conversation"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort needed: {plan}");
}

#[test]
fn corrupt_result_row_names_the_result() {
    let store = Store::open_memory().unwrap();
    let (spec_hash, conv) = fixtures::seed(&store, "s", "c1");
    let run = fixtures::run(&store, &spec_hash, "openai", "m");
    let id = store.record_result(run, &conv, &outcome(Status::Ok, 1, 1, None)).unwrap();
    store.conn.execute("UPDATE results SET attempts_json = '[{' WHERE id = ?1", [id]).unwrap();
    let err = store.results(run).unwrap_err();
    assert!(matches!(err, StoreError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("result {id}")), "{err}");
}
