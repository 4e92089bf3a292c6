//! `compare` on the same hand-made runs as `tests`: totals, spec diffs, accuracy, rendering.

use super::tests::{outcome, run_compare, runs, spec};
use super::*;
use crate::core::eval::parse_expected;
use crate::core::outcome::{Status, Usage};
use serde_json::{Value, json};
use std::path::Path;

#[test]
fn totals_and_deltas_cover_the_shared_results() {
    let mut r = runs();
    for (_, o) in &mut r.b {
        o.usage = Usage { input_tokens: 150, output_tokens: 20, ..Usage::default() };
        o.cost_usd = Some(0.002);
        o.latency_ms = 300;
    }
    let s = spec();
    let c = run_compare(&r, &s, &s, None).unwrap();
    let t = &c.totals;
    assert_eq!((t.a.usage.input_tokens, t.a.usage.output_tokens, t.a.total_tokens), (500, 50, 550));
    assert_eq!((t.b.usage.input_tokens, t.b.usage.output_tokens, t.b.total_tokens), (750, 100, 850));
    assert_eq!((t.delta.input_tokens, t.delta.output_tokens, t.delta.total_tokens), (250, 50, 300));
    assert!((t.a.cost_usd.unwrap() - 0.005).abs() < 1e-12);
    assert!((t.delta.cost_usd.unwrap() - 0.005).abs() < 1e-12);
    assert_eq!((t.a.latency_ms, t.b.latency_ms, t.delta.latency_ms), (1000, 1500, 500));
    assert_eq!(t.delta.mean_latency_ms, Some(100.0));
}

#[test]
fn one_unknown_cost_makes_the_total_unknown() {
    let mut r = runs();
    r.b[0].1.cost_usd = None;
    let s = spec();
    let c = run_compare(&r, &s, &s, None).unwrap();
    assert!(c.totals.a.cost_usd.is_some());
    assert_eq!((c.totals.b.cost_usd, c.totals.delta.cost_usd), (None, None));
}

#[test]
fn the_prompt_diff_shows_the_changed_line() {
    let a = spec();
    let mut b = spec();
    b.prompt = b.prompt.replace("   - general: General inquiries, account management\n", "");
    b.prompt.push_str("\nAnswer in English.");
    let d = diff_specs(&a, &b);
    assert!(!d.same_version);
    assert!(d.prompt_diff.starts_with("--- run A\n+++ run B\n@@"), "{}", d.prompt_diff);
    assert!(
        d.prompt_diff.contains("\n-   - general: General inquiries, account management\n"),
        "{}",
        d.prompt_diff
    );
    assert!(d.prompt_diff.contains("\n+Answer in English.\n"), "{}", d.prompt_diff);
    assert!(!d.prompt_diff.contains("No newline"), "{}", d.prompt_diff);
    assert_eq!(d.schema_diff, "");
    assert!(d.settings.is_empty());
}

#[test]
fn the_schema_diff_and_settings_show_what_changed() {
    let a = spec();
    let mut b = spec();
    b.schema["properties"]["topic"]["enum"] = json!(["billing", "sales"]);
    b.model = "gpt-4o".into();
    b.temperature = None;
    let d = diff_specs(&a, &b);
    assert!(d.schema_diff.contains("\n-        \"general\",\n"), "{}", d.schema_diff);
    assert_eq!(d.prompt_diff, "");
    let settings: Vec<(&str, Value, Value)> =
        d.settings.iter().map(|s| (s.setting.as_str(), s.a.clone(), s.b.clone())).collect();
    assert_eq!(
        settings,
        [("model", json!("gpt-4o-mini"), json!("gpt-4o")), ("temperature", json!(0.0), Value::Null)]
    );
    // Two models on one spec: no text diffs, one setting.
    let mut c = spec();
    c.model = "gpt-4.1-mini".into();
    let d = diff_specs(&a, &c);
    assert_eq!((d.prompt_diff.as_str(), d.schema_diff.as_str(), d.settings.len()), ("", "", 1));
    assert!(diff_specs(&a, &a.clone()).same_version);
}

#[test]
fn a_field_of_one_schema_only_is_compared_too() {
    let a = spec();
    let mut b = spec();
    b.schema["properties"]["urgency"] = json!({"type": "integer"});
    let mut r = runs();
    for (_, o) in r.b.iter_mut().filter(|(_, o)| o.status == Status::Ok) {
        o.analysis.as_mut().unwrap()["urgency"] = json!(3);
    }
    let c = run_compare(&r, &a, &b, None).unwrap();
    let urgency = c.fields.last().unwrap();
    assert_eq!((urgency.field.as_str(), urgency.in_a, urgency.in_b), ("urgency", false, true));
    assert_eq!((urgency.kind.as_deref(), urgency.agreed, urgency.changes.len()), (Some("integer"), 0, 4));
    assert_eq!(urgency.changes[0].old, None);
}

#[test]
fn accuracy_is_scored_on_both_sides_with_the_delta() {
    let labels = "{\"conversation_id\": \"c1\", \"expected\": {\"topic\": \"billing\"}}\n\
                  {\"conversation_id\": \"c2\", \"expected\": {\"topic\": \"sales\", \"resolved\": false}}\n\
                  {\"conversation_id\": \"c3\", \"expected\": {\"topic\": \"sales\"}}\n\
                  {\"conversation_id\": \"c5\", \"expected\": {\"topic\": \"general\"}}\n\
                  {\"conversation_id\": \"zz\", \"expected\": {\"topic\": \"general\"}}\n";
    let labels = parse_expected(Path::new("labels.jsonl"), labels).unwrap();
    let s = spec();
    let c = run_compare(&runs(), &s, &s, Some(&labels)).unwrap();
    let acc = c.accuracy.as_ref().unwrap();
    assert_eq!(acc.labelled, 4);
    // topic: A right on c1, c3, c5 (3/4); B right on c1, c2, c3, and c5 is invalid (3/4).
    let topic = &acc.fields[0];
    assert_eq!((topic.field.as_str(), topic.metric.as_str()), ("topic", "accuracy"));
    assert_eq!(
        (topic.a, topic.n_a, topic.b, topic.n_b, topic.delta),
        (Some(0.75), 4, Some(0.75), 4, Some(0.0))
    );
    assert!(topic.low_confidence);
    // resolved (c2 only): A says true (wrong), B false (right).
    let resolved = &acc.fields[1];
    assert_eq!((resolved.a, resolved.b, resolved.delta), (Some(0.0), Some(1.0), Some(1.0)));
    // Overall: A right on c1, c3, c5; B on c1, c2, c3.
    assert_eq!((acc.overall.a, acc.overall.b), (Some(0.75), Some(0.75)));
    // Labels that cover no shared conversation give no accuracy section.
    let none = parse_expected(
        Path::new("l.jsonl"),
        "{\"conversation_id\": \"zz\", \"expected\": {\"topic\": \"x\"}}",
    )
    .unwrap();
    assert!(run_compare(&runs(), &s, &s, Some(&none)).unwrap().accuracy.is_none());
}

#[test]
fn the_text_report_is_concise_and_complete() {
    let mut r = runs();
    // 25 more conversations whose topic changes: the list stops at 20.
    for i in 10..35 {
        let (id, hash) = (format!("c{i}"), format!("h{i}"));
        let a = json!({"topic": "sales"});
        let b = json!({"topic": "billing"});
        r.a.push((hash.clone(), outcome(&id, Status::Ok, Some(a))));
        r.b.push((hash, outcome(&id, Status::Ok, Some(b))));
    }
    let a = spec();
    let mut b = spec();
    b.prompt.push_str("\nBe brief.");
    let text = render(&run_compare(&r, &a, &b, None).unwrap());
    assert!(text.contains("shared conversations: 30 (only in A: 0, only in B: 0)"), "{text}");
    assert!(text.contains("topic changed in 26 of 29:"), "{text}");
    assert!(text.contains("  c2: \"billing\" → \"sales\""), "{text}");
    assert!(text.contains("… and 6 more"), "{text}");
    assert!(text.contains("status changes (1):\n  c5: ok → invalid"), "{text}");
    assert!(text.contains("\nprompt diff:\n--- run A\n+++ run B\n"), "{text}");
    assert!(text.contains("+Be brief."), "{text}");
    assert!(text.contains("schema: identical"), "{text}");
    let json = serde_json::to_value(run_compare(&r, &a, &b, None).unwrap()).unwrap();
    assert_eq!(json["fields"][1]["changes"].as_array().unwrap().len(), 26);
}
