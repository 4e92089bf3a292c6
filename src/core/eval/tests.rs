//! `evaluate` on a small hand-made set, worked out by hand in the comments.
//!
//! Four conversations; c3's analysis failed. Fields: `topic` (enum), `resolved` (boolean),
//! `score` (integer), `summary` (free text), `issues` (array of free strings), `flags` (array
//! from an enum) and `mood`, which the schema does not have.

use super::*;
use crate::core::outcome::{Estimate, Outcome, Status, Usage};
use serde_json::json;

fn schema() -> Value {
    json!({"type": "object", "properties": {
        "topic": {"type": "string", "enum": ["billing", "sales", "other"]},
        "resolved": {"type": "boolean"},
        "score": {"type": ["integer", "null"]},
        "summary": {"type": "string"},
        "issues": {"type": "array", "items": {"type": "string"}},
        "flags": {"type": "array", "items": {"$ref": "#/$defs/flag"}}
    }, "$defs": {"flag": {"type": "string", "enum": ["x", "y", "z"]}}})
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

struct Set {
    expected: Vec<Map<String, Value>>,
    analyses: Vec<Option<Value>>,
}

fn set() -> Set {
    let expected = vec![
        json!({"topic": "billing", "resolved": true, "score": 80, "summary": "refund issued", "flags": []}),
        json!({"topic": "sales", "resolved": false, "score": 50, "flags": ["x"]}),
        json!({"topic": "billing", "resolved": false, "summary": "call back", "issues": ["Rude agent"]}),
        json!({"topic": "other", "resolved": true, "score": "high", "mood": "happy"}),
    ];
    let analyses = vec![
        Some(
            json!({"topic": "billing", "resolved": true, "score": 78, "summary": "the refund was issued", "flags": []}),
        ),
        Some(json!({"topic": "billing", "resolved": false, "score": 50, "flags": ["y", "x"]})),
        None,
        Some(json!({"topic": "other", "resolved": false, "mood": "Happy!", "issues": []})),
    ];
    Set { expected: expected.into_iter().map(object).collect(), analyses }
}

fn items(set: &Set) -> Vec<EvalItem<'_>> {
    const IDS: [&str; 4] = ["c1", "c2", "c3", "c4"];
    set.expected
        .iter()
        .zip(&set.analyses)
        .zip(IDS)
        .map(|((expected, analysis), id)| EvalItem {
            conversation_id: id,
            analysis: analysis.as_ref(),
            expected,
        })
        .collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

#[test]
fn fields_come_in_schema_order_with_their_kinds() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    let names: Vec<(&str, &str)> = e.fields.iter().map(|f| (f.field.as_str(), f.kind.word())).collect();
    assert_eq!(
        names,
        [
            ("topic", "class"),
            ("resolved", "class"),
            ("score", "integer"),
            ("summary", "text"),
            ("issues", "set"),
            ("flags", "set"),
        ]
    );
    assert_eq!(e.field("flags").unwrap().kind, FieldKind::Set { closed: true });
    assert_eq!(e.field("issues").unwrap().kind, FieldKind::Set { closed: false });
    assert_eq!(e.not_in_schema, ["mood"], "labelled but not in the schema: listed, not scored");
    assert!(render_table(&e).contains("not in the schema, not scored"));
    // Without properties, every labelled field is scored with a kind from its labels.
    let free = evaluate(&serde_json::json!({"type": "object"}), &items(&s));
    let mood = free.field("mood").unwrap();
    assert_eq!(mood.kind_source, KindSource::Labels);
    assert!(mood.warnings[0].contains("mood is not in the schema"), "{:?}", mood.warnings);
}

#[test]
fn classification_field() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    let topic = e.field("topic").unwrap();
    let FieldMetrics::Classification(c) = &topic.metrics else { panic!() };
    // pairs: (billing, billing) ✓, (sales, billing) ✗, (billing, ∅) ✗, (other, other) ✓ → 2/4.
    assert_eq!((c.accuracy.hits, c.accuracy.n, c.accuracy.low_confidence), (2, 4, true));
    assert_eq!(topic.unanswered, 1);
    // classes sorted billing, other, sales; ∅ is not a class.
    // billing: tp 1, support 2, predicted 2 → 1/2. other: 1, 1, 1. sales: tp 0, support 1,
    // predicted 0 → 0. macro F1 = (0.5 + 1 + 0) / 3 = 0.5.
    let got: Vec<(&str, f64, usize, usize)> =
        c.classes.iter().map(|k| (k.label.as_str(), k.f1, k.support, k.predicted)).collect();
    assert_eq!(got, [("billing", 0.5, 2, 2), ("other", 1.0, 1, 1), ("sales", 0.0, 1, 0)]);
    assert!(close(c.macro_f1, 0.5) && close(c.macro_precision, 0.5) && close(c.macro_recall, 0.5));
    // confusion: billing → [billing 1, ∅ 1]; other → [other 1]; sales → [billing 1].
    assert_eq!(c.confusion.labels, ["billing", "other", "sales", MISSING_LABEL]);
    assert_eq!(c.confusion.counts, [[1, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]);
    let wrong: Vec<&str> = topic.mismatches.iter().map(|m| m.conversation_id.as_str()).collect();
    assert_eq!(wrong, ["c2", "c3"]);
    assert_eq!(topic.mismatches[1].predicted, None);
    // resolved: (T, T) ✓, (F, F) ✓, (F, ∅) ✗, (T, F) ✗ → 2/4.
    let FieldMetrics::Classification(r) = &e.field("resolved").unwrap().metrics else { panic!() };
    assert_eq!((r.accuracy.hits, r.accuracy.n), (2, 4));
    assert_eq!(r.confusion.labels, ["false", "true", MISSING_LABEL]);
}

#[test]
fn numeric_field_and_tolerance() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    let score = e.field("score").unwrap();
    // c4's label "high" is not a number: warned about, not scored. c1 (80, 78), c2 (50, 50).
    assert_eq!(score.labelled, 2);
    assert!(score.warnings[0].contains("c4: label \"high\" is the wrong type for this integer field"));
    let FieldMetrics::Numeric(n) = &score.metrics else { panic!() };
    // MAE = (2 + 0) / 2 = 1; within ±0: only c2 → 1/2.
    assert!(close(n.mean_absolute_error.value, 1.0) && n.mean_absolute_error.n == 2);
    assert_eq!((n.within_tolerance.hits, n.within_tolerance.n, n.tolerance), (1, 2, 0.0));
    let options = EvalOptions { tolerances: [("score".to_string(), 2.0)].into(), ..Default::default() };
    let e = evaluate_with(&schema(), &items(&s), &options);
    let FieldMetrics::Numeric(n) = &e.field("score").unwrap().metrics else { panic!() };
    assert_eq!((n.within_tolerance.hits, n.tolerance), (2, 2.0));
}

#[test]
fn text_and_set_fields() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    // summary: c1 pred [refund, was, issued] vs ref [refund, issued]: overlap 2, P 2/3, R 1,
    // F1 = (4/3) / (5/3) = 0.8; c3 unanswered → 0. Mean 0.4 over 2.
    let FieldMetrics::Text(t) = &e.field("summary").unwrap().metrics else { panic!() };
    assert!(close(t.mean_token_f1.value, 0.4) && t.mean_token_f1.n == 2);
    assert!(e.field("summary").unwrap().mismatches.is_empty());
    // mood is labelled but not in the schema: listed, not scored.
    assert!(e.field("mood").is_none());
    assert_eq!(e.not_in_schema, ["mood"]);
    // flags: c1 {} vs {} → P 1, R 1, exact; c2 {y, x} vs {x} → P 1/2, R 1. Means 0.75 and 1.
    let FieldMetrics::Set(f) = &e.field("flags").unwrap().metrics else { panic!() };
    assert!(close(f.mean_precision.value, 0.75) && close(f.mean_recall.value, 1.0));
    assert_eq!((f.exact.hits, f.exact.n), (1, 2));
    // issues: only c3, unanswered → 0 and 0. Free strings: not right/wrong.
    let issues = e.field("issues").unwrap();
    let FieldMetrics::Set(i) = &issues.metrics else { panic!() };
    assert!(close(i.mean_precision.value, 0.0) && close(i.mean_recall.value, 0.0));
    assert!(!issues.counts_for_overall && issues.mismatches.is_empty());
}

#[test]
fn overall_counts_only_exact_matchable_fields() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    assert_eq!(e.overall.counted_fields, ["topic", "resolved", "score", "flags"]);
    assert_eq!(e.overall.excluded_fields, ["summary", "issues"]);
    // c1: score 78 ≠ 80 ✗; c2: topic ✗; c3: unanswered ✗; c4: resolved ✗ → 0/4.
    assert_eq!((e.overall.all_right.hits, e.overall.all_right.n), (0, 4));
    // With score ±2, c1 is right in topic, resolved, score and flags → 1/4.
    let options = EvalOptions { default_tolerance: 2.0, ..Default::default() };
    let e = evaluate_with(&schema(), &items(&s), &options);
    assert_eq!((e.overall.all_right.hits, e.overall.all_right.n), (1, 4));
    assert!(close(e.overall.all_right.value, 0.25));
    // Wilson 1/4 is reported with the rate.
    assert!(e.overall.all_right.ci95.is_some() && e.overall.all_right.low_confidence);
}

#[test]
fn labels_outside_the_enum_are_scored_and_warned() {
    let expected = object(json!({"topic": "refunds"}));
    let analysis = json!({"topic": "billing"});
    let items = [EvalItem { conversation_id: "c9", analysis: Some(&analysis), expected: &expected }];
    let e = evaluate(&schema(), &items);
    let topic = e.field("topic").unwrap();
    assert_eq!(topic.labelled, 1);
    assert!(topic.warnings[0].contains("c9: label \"refunds\" is not one of the schema's values"));
    assert_eq!(topic.headline(), Some(0.0));
}

#[test]
fn no_items_gives_no_numbers_not_nan() {
    let e = evaluate(&schema(), &[]);
    assert!(e.fields.is_empty());
    assert_eq!(e.overall.all_right.value, None);
    let json = serde_json::to_string(&e).unwrap();
    assert!(!json.contains("NaN"), "{json}");
    assert!(render_table(&e).contains("no items"));
}

#[test]
fn json_shape_and_text_rendering() {
    let s = set();
    let e = evaluate(&schema(), &items(&s));
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["fields"][0]["field"], "topic");
    assert_eq!(v["fields"][0]["kind"], "classification");
    assert_eq!(v["fields"][0]["metrics"]["accuracy"]["n"], 4);
    assert_eq!(v["fields"][0]["metrics"]["accuracy"]["low_confidence"], true);
    assert_eq!(v["fields"][2]["integer"], true);
    assert_eq!(v["overall"]["all_right"]["hits"], 0);

    let table = render_table(&e);
    assert!(
        table.contains("4 labelled results; every counted field right: 0.0% (0/4)*, 95% CI 0.0–49.0%"),
        "{table}"
    );
    assert!(table.contains("accuracy 50.0% (2/4)*"), "{table}");
    assert!(table.contains("within ±0 50.0% (1/2)*"), "{table}");
    assert!(table.contains("token F1 0.400"), "{table}");
    assert!(table.contains("rough lexical measure"), "{table}");
    assert!(table.contains("* fewer than 10 items: low confidence"), "{table}");
    let details = render_details(&e);
    assert!(details.contains("confusion matrix (rows = expected, columns = predicted)"), "{details}");
    assert!(details.contains("wrong: c3: expected \"billing\", got (no answer)"), "{details}");
}

fn outcome(id: &str, status: Status, analysis: Option<Value>) -> Outcome {
    Outcome {
        conversation_id: id.into(),
        source: format!("{id}.txt"),
        provider: "offline".into(),
        model: "baseline".into(),
        status,
        analysis,
        errors: Vec::new(),
        attempts: Vec::new(),
        usage: Usage::default(),
        estimate: Estimate::default(),
        cost_usd: None,
        latency_ms: 0,
        note: None,
        evidence: None,
    }
}

#[test]
fn pairing_scores_failures_and_skips_what_was_not_sent() {
    let labels = parse_expected(
        std::path::Path::new("e.jsonl"),
        "{\"conversation_id\": \"a\", \"expected\": {\"resolved\": true}}\n\
         {\"conversation_id\": \"b\", \"expected\": {\"resolved\": true}}\n\
         {\"conversation_id\": \"c\", \"expected\": {\"resolved\": true}}\n\
         {\"conversation_id\": \"d\", \"expected\": {\"resolved\": true}}\n",
    )
    .unwrap();
    let outcomes = [
        outcome("a", Status::Ok, Some(json!({"resolved": true}))),
        // invalid: a parsed value that failed the schema is not scored, the item is unanswered.
        outcome("b", Status::Invalid, Some(json!({"resolved": true}))),
        outcome("c", Status::Skipped, None),
        outcome("z", Status::Ok, Some(json!({"resolved": false}))),
    ];
    let p = pair_outcomes(&outcomes, &labels);
    let ids: Vec<(&str, bool)> = p.items.iter().map(|i| (i.conversation_id, i.analysis.is_some())).collect();
    assert_eq!(ids, [("a", true), ("b", false)]);
    assert_eq!((p.unlabelled, p.skipped, p.labels_without_result), (vec!["z"], vec!["c"], vec!["d"]));
    let e = evaluate(&schema(), &p.items);
    assert_eq!(e.field("resolved").unwrap().headline(), Some(0.5));
}
