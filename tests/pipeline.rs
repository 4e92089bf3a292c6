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
