//! Evaluation and comparison stay linear (issue 12), checked by construction on 100,000-result
//! fixtures built in memory: every match by conversation id or content hash goes through
//! [`IdKey`](crate::core::id_key::IdKey), whose comparisons are counted per thread, and each
//! test gives a budget of a small multiple of N. A nested scan (what `pairing.rs` did before,
//! N²/2 = 5·10⁹ comparisons here) exceeds the budget within the first few hundred outcomes and
//! panics there, so the tests fail fast instead of timing anything.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing unwrap is a failing test

use crate::core::compare::{self, ResultRef, RunSide};
use crate::core::eval::{self, LabelEntry, LabelSet, ReviewerValue};
use crate::core::id_key::counter;
use crate::core::outcome::{Outcome, Status};
use crate::core::spec::AnalysisSpec;
use serde_json::{Map, json};

const N: usize = 100_000;
const TOPICS: [&str; 3] = ["billing", "technical", "other"];
/// Comparisons allowed per result: hash lookups cost about one each.
const PER_RESULT: u64 = 8;

fn outcomes(n: usize, shift: usize) -> Vec<Outcome> {
    (0..n)
        .map(|i| {
            let mut o = Outcome::skeleton(&format!("conv-{i:06}"), "bench.jsonl", "openai", "gpt-4o-mini");
            o.status = if i % 50 == 7 { Status::Invalid } else { Status::Ok };
            let topic = TOPICS[(i + shift * (i % 10)) % 3];
            o.analysis = Some(json!({ "topic": topic }));
            o
        })
        .collect()
}

/// Labels for every conversation but the first 1,000, plus 500 conversations the run lacks.
fn labels() -> LabelSet {
    let mut set = LabelSet::default();
    for i in (1_000..N).chain(N..N + 500) {
        let mut expected = Map::new();
        expected.insert("topic".into(), json!(TOPICS[i % 3]));
        set.insert(LabelEntry {
            conversation_id: format!("conv-{i:06}"),
            expected,
            origin: "e.jsonl".into(),
        })
        .unwrap();
    }
    set
}

fn spec() -> AnalysisSpec {
    AnalysisSpec::template("post_analysis").unwrap()
}

#[test]
fn pairing_a_100k_run_with_its_labels_is_linear() {
    let (outcomes, labels) = (outcomes(N, 0), labels());
    counter::reset_with_budget(PER_RESULT * N as u64);
    let pairing = eval::pair_outcomes(&outcomes, &labels);
    let used = counter::get();
    assert_eq!(pairing.items.len(), N - 1_000);
    assert_eq!(pairing.unlabelled.len(), 1_000);
    assert_eq!(pairing.labels_without_result.len(), 500);
    assert_eq!(pairing.labels_without_result[0], format!("conv-{N:06}"));
    assert!(used >= N as u64, "the ids are matched through IdKey ({used} comparisons)");
    let evaluation = eval::evaluate(&spec().schema, &pairing.items);
    let topic = evaluation.field("topic").unwrap();
    assert_eq!(topic.labelled, N - 1_000);
}

fn refs<'a>(outs: &'a [Outcome], hashes: &'a [String]) -> Vec<ResultRef<'a>> {
    outs.iter()
        .zip(hashes)
        .map(|(o, h)| ResultRef { content_hash: h, conversation_id: &o.conversation_id, outcome: o })
        .collect()
}

#[test]
fn comparing_two_100k_runs_is_linear() {
    let (a, b) = (outcomes(N, 0), outcomes(N, 1));
    let hashes: Vec<String> = (0..N).map(|i| format!("hash-{i:06}")).collect();
    // Run B lacks every 100th conversation, so the pairing has to match, not zip.
    let refs_a = refs(&a, &hashes);
    let refs_b: Vec<ResultRef> =
        refs(&b, &hashes).into_iter().enumerate().filter(|(i, _)| i % 100 != 0).map(|(_, r)| r).collect();
    let (spec, labels) = (spec(), labels());
    counter::reset_with_budget(4 * PER_RESULT * N as u64);
    let c = compare::compare(
        RunSide { spec: &spec, results: &refs_a },
        RunSide { spec: &spec, results: &refs_b },
        Some(&labels),
    )
    .unwrap();
    let used = counter::get();
    assert_eq!((c.shared, c.only_a, c.only_b), (N - N / 100, N / 100, 0));
    let topic = c.fields.iter().find(|f| f.field == "topic").unwrap();
    assert!(topic.changes.len() > N / 2, "{} changes", topic.changes.len());
    assert!(c.accuracy.is_some());
    assert!(used >= 2 * N as u64, "matched through IdKey ({used} comparisons)");
}

#[test]
fn combining_and_agreeing_on_100k_reviewer_labels_is_linear() {
    let files = labels();
    let reviewers: Vec<ReviewerValue> = (0..N)
        .flat_map(|i| {
            ["ana", "bo", "cy"].into_iter().map(move |r| ReviewerValue {
                conversation_id: format!("conv-{i:06}"),
                field: "topic".into(),
                reviewer: r.into(),
                value: json!(if r == "cy" && i % 4 == 0 {
                    "other"
                } else {
                    ["billing", "technical", "other"][i % 3]
                }),
            })
        })
        .collect();
    counter::reset_with_budget(3 * PER_RESULT * N as u64);
    let (set, sources) = eval::combine(&files, &reviewers);
    assert_eq!(set.len() + sources.disagreements.len(), N + 500);
    assert_eq!(sources.from_reviewers, N);
    counter::reset_with_budget(3 * PER_RESULT * N as u64);
    let outcomes = outcomes(N, 0);
    let agreement = eval::agreement(&outcomes, &reviewers);
    assert_eq!(agreement.len(), 1);
    let fleiss = agreement[0].fleiss.as_ref().unwrap();
    assert_eq!((fleiss.raters, fleiss.n), (3, N));
    assert_eq!(agreement[0].reviewer_pairs.len(), 3);
    assert!(counter::get() >= N as u64);
}
