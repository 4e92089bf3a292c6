//! The whole offline pipeline on real, human-written conversations: every template, every file.
//!
//! Real text has typos, `@handles`, `&amp;`, `[noise]` tags and one-word turns; the importer,
//! prompt builder, baseline and validator must all survive it.

use crate::util::real_conversations;
use debrief::core::cost::PriceTable;
use debrief::core::outcome::Status;
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, TEMPLATES};
use debrief::core::transcript::load_paths;
use debrief::engine::analyze_one;
use debrief::llm::offline::Offline;

#[tokio::test]
async fn every_real_conversation_analyses_ok_with_every_template() {
    let import = load_paths(&[real_conversations()]);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(import.conversations.len(), 64);
    let prices = PriceTable::bundled();
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        let compiled = compile(&spec.schema, name).unwrap();
        for conv in &import.conversations {
            let outcome = analyze_one(&Offline, &spec, &compiled, conv, &prices).await;
            assert_eq!(outcome.status, Status::Ok, "{name} on {}: {:?}", conv.id, outcome.errors);
            assert!(outcome.estimate.input_tokens > 0);
            assert_eq!(outcome.cost_usd, Some(0.0));
        }
    }
}

/// A regression guard on the baseline's accuracy over our labelled samples: it is a baseline,
/// not a model, but a change that makes it worse should be noticed. Floors sit a little under
/// the measured values (topic 24/29, resolved 22/29, sentiment 20/29, follow-up 24/29).
#[tokio::test]
async fn the_offline_baseline_keeps_its_accuracy_on_the_labelled_samples() {
    use std::collections::HashMap;
    let root = crate::util::root();
    let import = load_paths(&[root.join("sample_conversations")]);
    let text = std::fs::read_to_string(root.join("sample_conversations/expected.jsonl")).unwrap();
    let expected: HashMap<String, serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["conversation_id"].as_str().unwrap().to_string(), v["expected"].clone())
        })
        .collect();
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    let prices = PriceTable::bundled();
    let mut right: HashMap<&str, usize> = HashMap::new();
    for conv in &import.conversations {
        let outcome = analyze_one(&Offline, &spec, &compiled, conv, &prices).await;
        let got = outcome.analysis.unwrap();
        let want = &expected[&conv.id];
        for field in ["topic", "resolved", "sentiment", "follow_up_needed"] {
            if got.get(field) == want.get(field) {
                *right.entry(field).or_default() += 1;
            }
        }
    }
    assert_eq!(import.conversations.len(), 29);
    for (field, floor) in [("topic", 22), ("resolved", 20), ("sentiment", 18), ("follow_up_needed", 22)] {
        let n = right.get(field).copied().unwrap_or(0);
        assert!(n >= floor, "{field}: {n}/29 right, floor {floor}");
    }
}
