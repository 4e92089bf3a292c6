//! Tests for `runs()` / `run()`: SQL-side aggregates, cost honesty, filters and paging.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test

use super::fixtures::{self, outcome};
use super::{RunQuery, RunState, Store};
use crate::core::outcome::{Status, Usage};
use std::collections::BTreeMap;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[test]
fn aggregates_count_statuses_and_sum_tokens_and_costs() {
    let store = Store::open_memory().unwrap();
    let (spec, conv) = fixtures::seed(&store, "s", "c1");
    let run = fixtures::run(&store, &spec, "openai", "gpt-4o-mini");
    for o in [
        outcome(Status::Ok, 100, 10, Some(0.01)),
        outcome(Status::Ok, 200, 20, Some(0.02)),
        outcome(Status::Invalid, 300, 30, None),
        outcome(Status::Skipped, 0, 0, None),
    ] {
        store.record_result(run, &conv, &o).unwrap();
    }
    let s = store.run(run).unwrap().unwrap();
    assert_eq!(s.n_results, 4);
    let expected: BTreeMap<String, usize> =
        [("ok".to_string(), 2), ("invalid".to_string(), 1), ("skipped".to_string(), 1)].into();
    assert_eq!(s.counts, expected);
    assert_eq!(
        s.usage,
        Usage {
            input_tokens: 600,
            cached_input_tokens: 50 + 100 + 150,
            output_tokens: 60,
            reasoning_tokens: 2 + 5 + 7,
            cache_write_tokens: 0,
        }
    );
    assert!(close(s.cost_usd, 0.03), "{:?}", s.cost_usd);
    assert!(!s.cost_complete, "the invalid result has no cost, so 0.03 is a lower bound");
}

#[test]
fn cost_none_handling() {
    let store = Store::open_memory().unwrap();
    let (spec, conv) = fixtures::seed(&store, "s", "c1");

    // Known costs plus an unpriced skipped result: complete.
    let priced = fixtures::run(&store, &spec, "openai", "m");
    store.record_result(priced, &conv, &outcome(Status::Ok, 1, 1, Some(0.5))).unwrap();
    store.record_result(priced, &conv, &outcome(Status::Skipped, 0, 0, None)).unwrap();
    let s = store.run(priced).unwrap().unwrap();
    assert!(close(s.cost_usd, 0.5));
    assert!(s.cost_complete);

    // The offline baseline has no price by design: no cost, still complete.
    let offline = fixtures::run(&store, &spec, "offline", "baseline");
    let mut o = outcome(Status::Ok, 0, 0, None);
    o.provider = "offline".to_string();
    store.record_result(offline, &conv, &o).unwrap();
    let s = store.run(offline).unwrap().unwrap();
    assert_eq!(s.cost_usd, None);
    assert!(s.cost_complete);

    // An unpriced model: no cost, and the total is marked incomplete.
    let unpriced = fixtures::run(&store, &spec, "openai-compatible", "llama");
    store.record_result(unpriced, &conv, &outcome(Status::Ok, 9, 9, None)).unwrap();
    let s = store.run(unpriced).unwrap().unwrap();
    assert_eq!(s.cost_usd, None);
    assert!(!s.cost_complete);

    // A run without results.
    let empty = fixtures::run(&store, &spec, "openai", "m");
    let s = store.run(empty).unwrap().unwrap();
    assert_eq!((s.n_results, s.cost_usd, s.cost_complete), (0, None, true));
    assert!(s.counts.is_empty());
    assert_eq!(s.usage, Usage::default());
    assert_eq!(store.run(empty + 100).unwrap(), None);
}

#[test]
fn runs_are_newest_first_and_paged() {
    let store = Store::open_memory().unwrap();
    let (spec, conv) = fixtures::seed(&store, "s", "c1");
    let ids: Vec<_> = (0..5).map(|_| fixtures::run(&store, &spec, "openai", "m")).collect();
    store.record_result(ids[1], &conv, &outcome(Status::Ok, 7, 1, None)).unwrap();
    let page = |limit, offset| -> Vec<i64> {
        let query = RunQuery { limit, offset, ..RunQuery::default() };
        store.runs(&query).unwrap().iter().map(|r| r.id).collect()
    };
    assert_eq!(page(2, 0), [ids[4], ids[3]]);
    assert_eq!(page(2, 2), [ids[2], ids[1]]);
    assert_eq!(page(2, 4), [ids[0]]);
    assert!(page(2, 10).is_empty());
    assert_eq!(RunQuery::default().limit, 50);
    assert_eq!(store.runs(&RunQuery::default()).unwrap().len(), 5);
    // Aggregates survive paging: the run with a result still shows it.
    let paged = store.runs(&RunQuery { limit: 1, offset: 3, ..RunQuery::default() }).unwrap();
    assert_eq!(paged[0].id, ids[1]);
    assert_eq!(paged[0].usage.input_tokens, 7);
}

#[test]
fn runs_filter_by_spec_model_provider_and_status() {
    let store = Store::open_memory().unwrap();
    let (spec_a, conv) = fixtures::seed(&store, "a", "c1");
    let (spec_b, _) = fixtures::seed(&store, "b", "c1");
    let a_mini = fixtures::run(&store, &spec_a, "openai", "gpt-4o-mini");
    let a_llama = fixtures::run(&store, &spec_a, "openai-compatible", "llama");
    let b_mini = fixtures::run(&store, &spec_b, "openai", "gpt-4o-mini");
    store.record_result(a_mini, &conv, &outcome(Status::Invalid, 1, 1, None)).unwrap();
    store.record_result(b_mini, &conv, &outcome(Status::Ok, 1, 1, None)).unwrap();
    store.finish_run(b_mini, RunState::Finished).unwrap();

    let ids = |query: RunQuery| -> Vec<i64> { store.runs(&query).unwrap().iter().map(|r| r.id).collect() };
    let spec = Some(spec_a.clone());
    assert_eq!(ids(RunQuery { spec_hash: spec, ..RunQuery::default() }), [a_llama, a_mini]);
    let model = Some("gpt-4o-mini".to_string());
    assert_eq!(ids(RunQuery { model, ..RunQuery::default() }), [b_mini, a_mini]);
    let provider = Some("openai-compatible".to_string());
    assert_eq!(ids(RunQuery { provider, ..RunQuery::default() }), [a_llama]);
    let status = Some(Status::Invalid);
    assert_eq!(ids(RunQuery { status, ..RunQuery::default() }), [a_mini]);
    let both = RunQuery { spec_hash: Some(spec_b), status: Some(Status::Invalid), ..RunQuery::default() };
    assert!(ids(both).is_empty());
    let finished = store.runs(&RunQuery::default()).unwrap();
    assert_eq!(finished[0].state, RunState::Finished);
    assert!(finished[0].finished_at.is_some());
}

#[test]
fn summaries_serialise_for_the_cli() {
    let store = Store::open_memory().unwrap();
    let (spec, conv) = fixtures::seed(&store, "s", "c1");
    let run = fixtures::run(&store, &spec, "openai", "m");
    store.record_result(run, &conv, &outcome(Status::Ok, 1, 1, Some(0.25))).unwrap();
    let json = serde_json::to_value(store.run(run).unwrap().unwrap()).unwrap();
    assert_eq!(json["state"], "running");
    assert_eq!(json["counts"]["ok"], 1);
    assert_eq!(json["cost_usd"], 0.25);
    let results = serde_json::to_value(store.results(run).unwrap()).unwrap();
    assert_eq!(results[0]["outcome"]["status"], "ok");
}

#[test]
fn aggregate_join_uses_the_run_index() {
    let store = Store::open_memory().unwrap();
    let mut stmt = store
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT COUNT(x.id) FROM (SELECT * FROM runs LIMIT 50) AS r
             LEFT JOIN results AS x ON x.run_id = r.id GROUP BY r.id",
        )
        .unwrap();
    let plan: Vec<String> = stmt.query_map([], |r| r.get(3)).unwrap().collect::<Result<_, _>>().unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("results_by_run"), "{plan}");
}

#[test]
fn since_filters_by_start_time() {
    let store = Store::open_memory().unwrap();
    let (spec, _) = fixtures::seed(&store, "s", "c1");
    fixtures::run(&store, &spec, "openai", "gpt-4o-mini");
    fixtures::run(&store, &spec, "openai", "gpt-4o");
    let all = store.runs(&RunQuery { since: Some("2000-01-01".into()), ..RunQuery::default() }).unwrap();
    assert_eq!(all.len(), 2);
    let none = store.runs(&RunQuery { since: Some("2999-01-01".into()), ..RunQuery::default() }).unwrap();
    assert!(none.is_empty());
}
