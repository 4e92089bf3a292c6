//! OpenAI Chat Completions against a loopback server written to the documented wire format.
//!
//! The stand-in server enforces strict-mode schema rules (see `util::strict_violations`) and
//! answers 400 like OpenAI when a schema breaks them, so "all four templates are accepted" is
//! checked by a server, not by the code under test.

use crate::util::{billing_call, chat_reply, error_body, strict_violations};
use debrief::core::cost::PriceTable;
use debrief::core::outcome::Status;
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use debrief::engine::analyze_one;
use debrief::llm::retry::RetryPolicy;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-test-0123456789abcdef";

fn openai_spec(template: &str) -> AnalysisSpec {
    let mut spec = AnalysisSpec::template(template).unwrap();
    spec.provider = ProviderKind::Openai;
    spec.model = "gpt-4o-mini".into();
    spec
}

/// Run the post_analysis template on the billing call against `server` (the common case).
async fn post_analysis_on(server: &MockServer) -> debrief::core::outcome::Outcome {
    let spec = openai_spec("post_analysis");
    let compiled = compile(&spec.schema, "t").unwrap();
    analyze_one(provider(server).as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await
}

fn provider(server: &MockServer) -> Box<dyn llm::Provider> {
    llm::build(&ProviderConfig {
        kind: ProviderKind::Openai,
        base_url: Some(format!("{}/v1", server.uri())),
        api_key: Some(KEY.into()),
        // Short waits keep the retry tests fast; the policy's shape is what is tested.
        retry: RetryPolicy { max_retries: 4, base: Duration::from_millis(10), cap: Duration::from_secs(2) },
        ..ProviderConfig::default()
    })
    .unwrap()
}

/// A strict-mode server: rejects schemas OpenAI would reject, otherwise answers with a valid
/// analysis in which every optional field the model "has nothing for" is null.
fn strict_server_reply(req: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let rf = &body["response_format"];
    let name = rf["json_schema"]["name"].as_str().unwrap_or("");
    let schema = &rf["json_schema"]["schema"];
    if rf["type"] != "json_schema" || rf["json_schema"]["strict"] != true {
        return ResponseTemplate::new(400).set_body_json(error_body(
            "response_format must be json_schema with strict",
            "invalid_request_error",
            "invalid_value",
        ));
    }
    let violations = strict_violations(name, schema);
    if let Some(first) = violations.first() {
        let msg = format!("Invalid schema for response_format '{name}': {first}");
        return ResponseTemplate::new(400).set_body_json(error_body(
            &msg,
            "invalid_request_error",
            "invalid_json_schema",
        ));
    }
    // Build an answer from the sent schema: required everywhere, so absent values become null.
    let mut answer = debrief::llm::offline::analyze(schema, "", &billing_call());
    if let (Some(obj), Some(props)) = (answer.as_object_mut(), schema["properties"].as_object()) {
        for k in props.keys() {
            obj.entry(k.clone()).or_insert(Value::Null);
        }
    }
    ResponseTemplate::new(200).set_body_json(chat_reply(&answer.to_string(), "stop", 1200, 0, 90))
}

#[tokio::test]
async fn all_four_templates_are_accepted_by_a_strict_server() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(strict_server_reply)
        .mount(&server)
        .await;
    let prices = PriceTable::bundled();
    for (name, _) in TEMPLATES {
        let spec = openai_spec(name);
        let compiled = compile(&spec.schema, name).unwrap();
        let p = provider(&server);
        let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &prices).await;
        assert_eq!(outcome.status, Status::Ok, "{name}: {:?}", outcome.errors);
        assert_eq!(outcome.attempts.len(), 1);
        let analysis = outcome.analysis.as_ref().unwrap();
        assert!(compiled.validate(analysis).is_empty(), "{name}: original schema validates the result");
        assert!(
            !analysis.as_object().unwrap().values().any(Value::is_null),
            "{name}: added nulls are removed: {analysis}"
        );
        // Usage and cost: 1200 in, 90 out on gpt-4o-mini = 1200*0.15/1e6 + 90*0.6/1e6.
        assert_eq!(outcome.usage.input_tokens, 1200);
        let expected = 1200.0 * 0.15 / 1e6 + 90.0 * 0.60 / 1e6;
        assert!((outcome.cost_usd.unwrap() - expected).abs() < 1e-12);
    }
}

#[tokio::test]
async fn request_has_the_documented_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(strict_server_reply)
        .mount(&server)
        .await;
    let _ = post_analysis_on(&server).await;
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.headers.get("authorization").unwrap(), &format!("Bearer {KEY}"));
    assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["temperature"], json!(0.0));
    assert_eq!(body["max_completion_tokens"], json!(800));
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert!(
        messages[0]["content"].as_str().unwrap().starts_with("Analyze this customer support conversation")
    );
    assert_eq!(messages[1]["role"], "user");
    assert!(messages[1]["content"].as_str().unwrap().contains("I was charged twice for my plan this month."));
    let js = &body["response_format"]["json_schema"];
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(js["name"], "Post_analysis");
    assert_eq!(js["strict"], true);
    assert_eq!(js["schema"]["additionalProperties"], false);
    assert_eq!(js["schema"]["required"].as_array().unwrap().len(), 6);
    assert_eq!(js["schema"]["properties"]["follow_up_notes"]["type"], json!(["string", "null"]));
    assert!(js["schema"].get("$schema").is_none());
    assert!(!req.body.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key never travels in the body");
}

#[tokio::test]
async fn a_non_json_reply_is_repaired_with_the_error_fed_back() {
    let server = MockServer::start().await;
    let good = json!({"summary": "Refund for a double charge.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false, "follow_up_notes": null});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            "Sure! Here is the analysis you asked for.",
            "stop",
            500,
            0,
            12,
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &good.to_string(),
            "stop",
            560,
            0,
            40,
        )))
        .with_priority(2)
        .mount(&server)
        .await;
    let outcome = post_analysis_on(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.attempts[0].raw_reply, "Sure! Here is the analysis you asked for.");
    assert!(outcome.attempts[0].error.as_deref().unwrap().starts_with("not JSON"));
    assert_eq!(outcome.attempts[1].reason, "repair");
    assert_eq!(outcome.usage.input_tokens, 1060, "both attempts are counted");
    assert_eq!(outcome.analysis.unwrap()["topic"], "billing");
    let second: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    let msgs = second["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[2]["role"], "assistant");
    assert_eq!(msgs[2]["content"], "Sure! Here is the analysis you asked for.");
    assert!(msgs[3]["content"].as_str().unwrap().contains("not valid JSON"));
}

#[tokio::test]
async fn a_schema_violation_is_repaired_then_reported_invalid_when_it_persists() {
    let server = MockServer::start().await;
    let bad = json!({"summary": "x", "topic": "weather", "resolved": true, "sentiment": "neutral"});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &bad.to_string(),
            "stop",
            100,
            0,
            10,
        )))
        .mount(&server)
        .await;
    let outcome = post_analysis_on(&server).await;
    assert_eq!(outcome.status, Status::Invalid);
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.errors[0].pointer, "/topic");
    let second: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    assert!(second["messages"][3]["content"].as_str().unwrap().contains("/topic"));
}

#[tokio::test]
async fn finish_reason_length_is_truncated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            "{\"summary\": \"The customer called ab",
            "length",
            900,
            0,
            800,
        )))
        .mount(&server)
        .await;
    let outcome = post_analysis_on(&server).await;
    assert_eq!(outcome.status, Status::Truncated);
    assert_eq!(outcome.attempts.len(), 1, "no repair for a truncated reply");
    assert_eq!(outcome.usage.output_tokens, 800);
    assert!(outcome.cost_usd.unwrap() > 0.0, "a truncated reply was still paid for");
}

#[tokio::test]
async fn a_refusal_is_refused_with_its_text() {
    let server = MockServer::start().await;
    let mut body = chat_reply("", "stop", 300, 0, 5);
    body["choices"][0]["message"]["content"] = Value::Null;
    body["choices"][0]["message"]["refusal"] = json!("I'm sorry, I can't help with that request.");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let outcome = post_analysis_on(&server).await;
    assert_eq!(outcome.status, Status::Refused);
    assert!(outcome.errors[0].message.contains("I'm sorry, I can't help with that request."));
}

#[tokio::test]
async fn http_errors_surface_the_providers_message() {
    for (status, message, code) in [
        (
            401,
            "Incorrect API key provided: sk-test-***cdef. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_api_key",
        ),
        (
            400,
            "Invalid schema for response_format 'Post_analysis': In context=(), 'required' is required to be supplied.",
            "invalid_json_schema",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(error_body(
                message,
                "invalid_request_error",
                code,
            )))
            .mount(&server)
            .await;
        let outcome = post_analysis_on(&server).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(outcome.attempts.len(), 1, "no repair after an HTTP error");
        assert_eq!(outcome.attempts[0].http_status, Some(status));
        let text = &outcome.errors[0].message;
        assert!(text.contains(&format!("HTTP {status}")) && text.contains(message), "{text}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn openai_compatible_sends_no_strict_and_a_schema_summary() {
    let server = MockServer::start().await;
    let good = json!({"summary": "Refund.", "topic": "billing", "resolved": true, "sentiment": "positive"});
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &format!("```json\n{good}\n```"),
            "stop",
            10,
            0,
            10,
        )))
        .mount(&server)
        .await;
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::OpenaiCompatible;
    spec.model = "llama3.1".into();
    let p = llm::build(&ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: Some(format!("{}/v1", server.uri())),
        ..ProviderConfig::default()
    })
    .unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.cost_usd, None, "a local model has no price and none is guessed");
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_none(), "no key, no auth header");
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert!(body["response_format"]["json_schema"].get("strict").is_none());
    let mut sent = body["response_format"]["json_schema"]["schema"].clone();
    for field in ["summary", "follow_up_notes"] {
        let removed = sent["properties"][field].as_object_mut().unwrap().remove("maxLength");
        assert_eq!(removed, Some(json!(1000)), "{field}: free text is bounded for the grammar");
    }
    assert_eq!(sent, spec.schema, "otherwise sent as written");
    assert_eq!(body["max_tokens"], json!(800));
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("- topic (one of \"billing\""));
}

#[tokio::test]
async fn a_local_server_that_ignores_the_schema_is_named_in_the_outcome() {
    let server = MockServer::start().await;
    // First reply breaks the schema (as llama.cpp does when it ran unconstrained), the repair
    // conforms.
    let bad = json!({"summary": "Refund.", "ticket": "none"});
    let good = json!({"summary": "Refund.", "ticket": "ABC-12"});
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &bad.to_string(),
            "stop",
            10,
            0,
            10,
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &good.to_string(),
            "stop",
            10,
            0,
            10,
        )))
        .mount(&server)
        .await;
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::OpenaiCompatible;
    spec.model = "llama3.1".into();
    spec.schema = json!({"type": "object", "required": ["summary", "ticket"], "properties": {
        "summary": {"type": "string"}, "ticket": {"type": "string", "pattern": "[A-Z]{3}-[0-9]+"}}});
    let p = llm::build(&ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: Some(format!("{}/v1", server.uri())),
        ..ProviderConfig::default()
    })
    .unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    let note = outcome.note.as_deref().unwrap_or_default();
    assert!(
        note.contains("does not conform to the schema 1 time(s)") && note.contains("fixed by repair"),
        "{note}"
    );
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    // llama.cpp only compiles anchored patterns; around the match, no raw quote can break the JSON.
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["properties"]["ticket"]["pattern"],
        json!(r#"^[^"\\\n\r]{0,200}([A-Z]{3}-[0-9]+)[^"\\\n\r]{0,200}$"#)
    );
}

#[test]
fn openai_without_a_key_is_a_clear_error() {
    let err = llm::build(&ProviderConfig { kind: ProviderKind::Openai, ..ProviderConfig::default() })
        .err()
        .unwrap();
    assert!(err.to_string().contains("OPENAI_API_KEY"), "{err}");
}

#[tokio::test]
async fn a_429_is_retried_after_the_servers_retry_after() {
    let server = MockServer::start().await;
    let good = json!({"summary": "s", "topic": "billing", "resolved": true, "sentiment": "neutral", "follow_up_needed": false, "follow_up_notes": null});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(error_body(
            "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
            "requests",
            "rate_limit_exceeded",
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &good.to_string(),
            "stop",
            100,
            0,
            10,
        )))
        .with_priority(2)
        .mount(&server)
        .await;
    let outcome = post_analysis_on(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2, "the 429 is recorded as an attempt");
    let first = &outcome.attempts[0];
    assert_eq!(first.http_status, Some(429));
    let error = first.error.as_deref().unwrap();
    assert!(error.contains("Rate limit reached") && error.contains("retried after 1000 ms"), "{error}");
    assert!(outcome.attempts[1].reason.starts_with("retry 1 of 1"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_at_most_four_times_and_client_errors_never() {
    for (status, expected_requests) in [(503u16, 5usize), (500, 5), (529, 5), (400, 1), (401, 1), (404, 1)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(error_body(
                "nope",
                "server_error",
                "x",
            )))
            .mount(&server)
            .await;
        let outcome = post_analysis_on(&server).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(server.received_requests().await.unwrap().len(), expected_requests, "HTTP {status}");
        assert_eq!(outcome.attempts.len(), expected_requests, "every try is an attempt (HTTP {status})");
        assert_eq!(outcome.cost_usd, Some(0.0), "failed tries were not billed");
    }
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_json(chat_reply("{}", "stop", 1, 0, 1)),
        )
        .mount(&server)
        .await;
    let spec = openai_spec("post_analysis");
    let compiled = compile(&spec.schema, "t").unwrap();
    let p = llm::build(&ProviderConfig {
        kind: ProviderKind::Openai,
        base_url: Some(format!("{}/v1", server.uri())),
        api_key: Some(KEY.into()),
        request_timeout: Some(Duration::from_millis(200)),
        retry: RetryPolicy { max_retries: 1, base: Duration::from_millis(10), cap: Duration::from_secs(1) },
    })
    .unwrap();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(outcome.attempts.len(), 2);
    assert!(
        outcome.attempts[0].error.as_deref().unwrap().starts_with("timeout"),
        "{:?}",
        outcome.attempts[0].error
    );
    assert!(outcome.errors[0].message.contains("timed out"), "{}", outcome.errors[0].message);
}

#[test]
fn reasoning_models_get_reasoning_effort_and_no_temperature() {
    let conversation = billing_call();
    let mut spec = openai_spec("post_analysis");
    spec.model = "gpt-5-mini".into();
    spec.reasoning_effort = Some("minimal".into());
    spec.frequency_penalty = Some(0.5);
    let body = llm::preview_request(ProviderKind::Openai, &spec, &conversation);
    assert_eq!(body["reasoning_effort"], json!("minimal"));
    assert!(body.get("temperature").is_none(), "gpt-5 accepts only the default temperature: {body}");
    assert!(body.get("frequency_penalty").is_none(), "nor penalties");
    assert_eq!(body["max_completion_tokens"], json!(800));

    spec.model = "gpt-4o-mini".into();
    let body = llm::preview_request(ProviderKind::Openai, &spec, &conversation);
    assert!(body.get("reasoning_effort").is_none(), "gpt-4o-mini does not reason: {body}");
    assert_eq!(body["temperature"], json!(0.0));
    assert_eq!(body["frequency_penalty"], json!(0.5));
    assert!(body.get("repeat_penalty").is_none(), "OpenAI has no repeat_penalty");
}

#[test]
fn reasoning_tokens_are_in_the_output_estimate() {
    use debrief::core::cost::{estimate, with_reasoning};
    let prices = PriceTable::bundled();
    let messages = debrief::core::prompt::build(
        &openai_spec("post_analysis"),
        &billing_call(),
        debrief::core::prompt::PromptOptions::for_provider(ProviderKind::Openai),
    );
    let base = estimate(ProviderKind::Openai, "gpt-5-mini", &messages, None, &prices);
    let medium = with_reasoning(base, ProviderKind::Openai, "gpt-5-mini", None, &prices);
    let minimal = with_reasoning(base, ProviderKind::Openai, "gpt-5-mini", Some("minimal"), &prices);
    assert_eq!(medium.output_tokens, base.output_tokens + 2_048, "gpt-5 defaults to medium effort");
    assert_eq!(minimal.output_tokens, base.output_tokens + 128);
    let plain = with_reasoning(base, ProviderKind::Openai, "gpt-4o-mini", Some("high"), &prices);
    assert_eq!(plain.output_tokens, base.output_tokens);
}

#[test]
fn local_servers_get_penalties_and_bounded_text() {
    let mut spec = openai_spec("post_analysis");
    spec.provider = ProviderKind::OpenaiCompatible;
    spec.model = "gemma3".into();
    spec.repeat_penalty = Some(1.3);
    spec.max_text_length = Some(300);
    let body = llm::preview_request(ProviderKind::OpenaiCompatible, &spec, &billing_call());
    assert_eq!(body["repeat_penalty"], json!(1.3));
    let props = &body["response_format"]["json_schema"]["schema"]["properties"];
    assert_eq!(props["summary"]["maxLength"], json!(300), "{props}");
    assert!(props["topic"].get("maxLength").is_none(), "enums need no bound");
    let preview = llm::preview(ProviderKind::OpenaiCompatible, &spec, &billing_call(), None);
    assert!(
        preview.notes.iter().any(|n| n.pointer == "/properties/summary/maxLength"),
        "{:?}",
        preview.notes
    );
}
