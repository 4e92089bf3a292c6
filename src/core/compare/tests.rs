//! `compare` on hand-made outcomes: agreement, kappa, changes, status changes, repeats.
//!
//! Four conversations c1–c4 in both runs (same content hashes h1–h4); c5 fails in run B.
//!
//! | conv | topic A → B       | resolved A → B |
//! |------|-------------------|----------------|
//! | c1   | billing → billing | true → true    |
//! | c2   | billing → sales   | true → false   |
//! | c3   | sales → sales     | false → false  |
//! | c4   | general → general | false → false  |
//! | c5   | ok → invalid      |                |

use super::*;
use crate::core::outcome::{Estimate, Status, Usage};
use serde_json::{Value, json};

pub(super) fn outcome(id: &str, status: Status, analysis: Option<Value>) -> Outcome {
    Outcome {
        conversation_id: id.to_string(),
        source: format!("{id}.txt"),
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        status,
        analysis,
        errors: Vec::new(),
        attempts: Vec::new(),
        usage: Usage { input_tokens: 100, output_tokens: 10, ..Usage::default() },
        estimate: Estimate::default(),
        cost_usd: Some(0.001),
        latency_ms: 200,
        note: None,
        evidence: None,
    }
}

pub(super) fn spec() -> AnalysisSpec {
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = crate::core::spec::ProviderKind::Openai;
    spec.model = "gpt-4o-mini".into();
    spec
}

fn ok(id: &str, topic: &str, resolved: bool) -> Outcome {
    let analysis = json!({"summary": format!("{id} summary"), "topic": topic, "resolved": resolved,
                          "sentiment": "neutral"});
    outcome(id, Status::Ok, Some(analysis))
}

pub(super) struct Runs {
    pub a: Vec<(String, Outcome)>,
    pub b: Vec<(String, Outcome)>,
}

pub(super) fn runs() -> Runs {
    let a = vec![
        ok("c1", "billing", true),
        ok("c2", "billing", true),
        ok("c3", "sales", false),
        ok("c4", "general", false),
        ok("c5", "general", true),
    ];
    let mut b = vec![
        ok("c1", "billing", true),
        ok("c2", "sales", false),
        ok("c3", "sales", false),
        ok("c4", "general", false),
    ];
    b.push(outcome("c5", Status::Invalid, Some(json!({"topic": 7}))));
    let hashed =
        |v: Vec<Outcome>| v.into_iter().map(|o| (format!("h{}", &o.conversation_id[1..]), o)).collect();
    Runs { a: hashed(a), b: hashed(b) }
}

pub(super) fn refs(results: &[(String, Outcome)]) -> Vec<ResultRef<'_>> {
    results
        .iter()
        .map(|(hash, o)| ResultRef { content_hash: hash, conversation_id: &o.conversation_id, outcome: o })
        .collect()
}

pub(super) fn run_compare(
    runs: &Runs,
    spec_a: &AnalysisSpec,
    spec_b: &AnalysisSpec,
    labels: Option<&LabelSet>,
) -> Result<Comparison, CompareError> {
    let (ra, rb) = (refs(&runs.a), refs(&runs.b));
    compare(RunSide { spec: spec_a, results: &ra }, RunSide { spec: spec_b, results: &rb }, labels)
}

fn field<'a>(c: &'a Comparison, name: &str) -> &'a FieldComparison {
    c.fields.iter().find(|f| f.field == name).unwrap()
}

#[test]
fn agreement_counts_only_conversations_ok_in_both_runs() {
    let s = spec();
    let c = run_compare(&runs(), &s, &s, None).unwrap();
    assert_eq!((c.shared, c.only_a, c.only_b), (5, 0, 0));
    let topic = field(&c, "topic");
    // c5 is invalid in run B: not compared.
    assert_eq!((topic.compared, topic.agreed), (4, 3));
    assert_eq!(topic.agreement, Some(0.75));
    assert_eq!(topic.kind.as_deref(), Some("class"));
    // Every field of the schema is listed, in schema order.
    let names: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["summary", "topic", "resolved", "sentiment", "follow_up_needed", "follow_up_notes"]);
    // Absent on both sides agrees.
    let notes = field(&c, "follow_up_notes");
    assert_eq!((notes.compared, notes.agreed, notes.changes.len()), (4, 4, 0));
}

#[test]
fn kappa_matches_the_hand_worked_value() {
    let s = spec();
    let c = run_compare(&runs(), &s, &s, None).unwrap();
    // resolved: A [T,T,F,F], B [T,F,F,F]. pₒ = 3/4; pₑ = (2·1 + 2·3)/16 = 1/2;
    // κ = (3/4 − 1/2)/(1 − 1/2) = 0.5.
    assert!((field(&c, "resolved").kappa.unwrap() - 0.5).abs() < 1e-12);
    // topic: A billing 2, sales 1, general 1; B billing 1, sales 2, general 1.
    // pₑ = (2·1 + 1·2 + 1·1)/16 = 5/16; κ = (12/16 − 5/16)/(11/16) = 7/11.
    assert!((field(&c, "topic").kappa.unwrap() - 7.0 / 11.0).abs() < 1e-12);
    // Free text gets no kappa; one value everywhere leaves kappa undefined.
    assert_eq!(field(&c, "summary").kappa, None);
    assert_eq!(field(&c, "sentiment").kappa, None);
    assert_eq!(field(&c, "sentiment").agreement, Some(1.0));
}

#[test]
fn changed_values_list_old_and_new() {
    let s = spec();
    let c = run_compare(&runs(), &s, &s, None).unwrap();
    assert_eq!(
        field(&c, "topic").changes,
        [ValueChange {
            conversation_id: "c2".into(),
            old: Some(json!("billing")),
            new: Some(json!("sales"))
        }]
    );
    assert_eq!(field(&c, "resolved").changes[0].new, Some(json!(false)));
    // Summaries are equal ("c1 summary" on both sides).
    assert!(field(&c, "summary").changes.is_empty());
}

#[test]
fn status_changes_are_listed() {
    let s = spec();
    let c = run_compare(&runs(), &s, &s, None).unwrap();
    assert_eq!(
        c.status_changes,
        [StatusChange { conversation_id: "c5".into(), old: Status::Ok, new: Status::Invalid }]
    );
}

#[test]
fn repeats_use_the_first_ok_result_and_say_so() {
    let mut r = runs();
    // Run B: c2 first fails, then a repeat agrees with A; a later repeat disagrees.
    let failed = outcome("c2", Status::Error, None);
    r.b.insert(0, ("h2".into(), failed));
    r.b.push(("h2".into(), ok("c2", "complaint", true)));
    let s = spec();
    let c = run_compare(&r, &s, &s, None).unwrap();
    assert_eq!(c.b.results, 7);
    assert_eq!(c.b.conversations, 5);
    // The first ok result of c2 in B is "sales" (the original), not the error or "complaint".
    let topic = field(&c, "topic");
    assert_eq!(topic.changes.len(), 1);
    assert_eq!(topic.changes[0].new, Some(json!("sales")));
    assert!(c.status_changes.iter().all(|s| s.conversation_id != "c2"));
    assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    assert!(c.notes[0].contains("run B") && c.notes[0].contains("first ok result"), "{}", c.notes[0]);
}

#[test]
fn only_shared_conversations_are_compared() {
    let mut r = runs();
    r.a.push(("h9".into(), ok("c9", "sales", true)));
    r.b.retain(|(h, _)| h != "h1");
    let s = spec();
    let c = run_compare(&r, &s, &s, None).unwrap();
    assert_eq!((c.shared, c.only_a, c.only_b), (4, 2, 0));
    assert_eq!(field(&c, "topic").compared, 3);
}

#[test]
fn no_shared_conversations_is_an_error_that_says_what_to_do() {
    let mut r = runs();
    r.b = vec![("other".into(), ok("x", "sales", true))];
    let s = spec();
    let err = run_compare(&r, &s, &s, None).unwrap_err();
    assert_eq!(err, CompareError::NoSharedConversations { a: 5, b: 1 });
    assert!(err.to_string().contains("same transcripts"), "{err}");
}
