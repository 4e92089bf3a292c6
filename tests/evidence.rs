//! Evidence quotes: the offline baseline's quotes over every sample and real conversation (all
//! verbatim, all found), and a strict OpenAI stand-in whose quotes are exact, normalised, fuzzy
//! and made up — each classified, with the analysis validated without the evidence object.

use crate::util::{billing_call, chat_reply, real_conversations, root, strict_violations};
use debrief::core::cost::PriceTable;
use debrief::core::evidence::{EVIDENCE_KEY, MatchKind, grounding};
use debrief::core::outcome::Status;
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use debrief::core::transcript::load_paths;
use debrief::engine::analyze_one;
use debrief::llm::offline::Offline;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_offline_baseline_quotes_only_what_the_transcripts_say() {
    let import = load_paths(&[real_conversations(), root().join("sample_conversations")]);
    assert_eq!(import.conversations.len(), 64 + 29);
    let prices = PriceTable::bundled();
    let (mut verified, mut values) = (0, 0);
    for (name, _) in TEMPLATES {
        let mut spec = AnalysisSpec::template(name).unwrap();
        spec.evidence = true;
        let compiled = compile(&spec.schema, name).unwrap();
        let fields: Vec<String> = spec.schema["properties"].as_object().unwrap().keys().cloned().collect();
        let mut pairs = Vec::new();
        for conv in &import.conversations {
            let o = analyze_one(&Offline, &spec, &compiled, conv, &prices).await;
            assert_eq!(o.status, Status::Ok, "{name} on {}: {:?}", conv.id, o.errors);
            let analysis = o.analysis.clone().unwrap();
            assert!(analysis.get(EVIDENCE_KEY).is_none(), "evidence stays beside the analysis");
            let evidence = o.evidence.clone().unwrap();
            for (field, q) in &evidence {
                assert_eq!(q.kind, MatchKind::Exact, "{name} {} {field}: {q:?}", conv.id);
                let turn: String = conv.turns[q.turn.unwrap()]
                    .text
                    .chars()
                    .skip(q.start.unwrap())
                    .take(q.end.unwrap() - q.start.unwrap())
                    .collect();
                assert_eq!(turn, q.quote, "the span is the quote");
            }
            pairs.push((analysis, evidence));
        }
        let g = grounding(pairs.iter().map(|(a, e)| (a, e)), &fields);
        for f in g.values() {
            verified += f.verified;
            values += f.n;
            assert_eq!(f.quoted, f.verified, "no quote is made up");
        }
    }
    let rate = verified as f64 / values as f64;
    println!(
        "offline grounding over 93 conversations × 4 templates: {verified} of {values} values ({:.1}%)",
        rate * 100.0
    );
    assert!(rate > 0.4, "{rate}");
}

#[tokio::test]
async fn model_quotes_are_classified_and_a_made_up_one_is_flagged() {
    let server = MockServer::start().await;
    let analysis = json!({"summary": "A duplicate charge was refunded.", "topic": "billing", "resolved": true,
    "sentiment": "positive", "follow_up_needed": false, "follow_up_notes": null,
    EVIDENCE_KEY: {
        "summary": "I see the duplicate charge and have refunded it",
        "topic": "charged twice for my plan",
        "resolved": "i SEE the duplicate-charge, and have refunded it!",
        "sentiment": "GREAT... thanks",
        "follow_up_needed": "I will call you back on Friday",
        "follow_up_notes": ""
    }});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &analysis.to_string(),
            "stop",
            500,
            0,
            80,
        )))
        .mount(&server)
        .await;
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::Openai;
    spec.model = "gpt-4o-mini".into();
    spec.evidence = true;
    let plain_hash = AnalysisSpec::template("post_analysis").unwrap().version_hash();
    assert_ne!(spec.version_hash(), plain_hash);
    let compiled = compile(&spec.schema, "t").unwrap();
    let provider = llm::build(&ProviderConfig {
        kind: ProviderKind::Openai,
        base_url: Some(format!("{}/v1", server.uri())),
        api_key: Some("sk-test".into()),
        ..ProviderConfig::default()
    })
    .unwrap();
    let o = analyze_one(provider.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(o.status, Status::Ok, "{:?}", o.errors);
    assert!(o.analysis.as_ref().unwrap().get(EVIDENCE_KEY).is_none());
    let e = o.evidence.unwrap();
    let kind = |f: &str| e[f].kind;
    assert_eq!(kind("summary"), MatchKind::Exact);
    assert_eq!(kind("topic"), MatchKind::Exact);
    assert_eq!(kind("resolved"), MatchKind::Normalized);
    assert_eq!(kind("sentiment"), MatchKind::Normalized);
    assert_eq!(kind("follow_up_needed"), MatchKind::None, "not in the transcript: made up");
    assert!(!e.contains_key("follow_up_notes"), "an empty quote is no evidence");
    // What was sent: the user's schema plus the evidence object, accepted by strict mode.
    let sent: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    let schema = &sent["response_format"]["json_schema"]["schema"];
    assert!(schema["properties"][EVIDENCE_KEY]["properties"]["topic"].is_object());
    let violations = strict_violations("post_analysis", schema);
    assert!(violations.is_empty(), "{violations:?}");
}
