//! Gemini `generateContent` against a loopback server written to the documented wire format.
//!
//! What the stand-in server enforces comes from Google's documentation, not from the code under
//! test: `POST {base}/models/{model}:generateContent` with the key in `x-goog-api-key` (never
//! needed in the URL); `systemInstruction` for the prompt and `contents` with roles `user` and
//! `model`; `generationConfig.responseMimeType: "application/json"` with the schema in
//! `responseJsonSchema` (JSON Schema) and not in `responseSchema` (the OpenAPI subset, which
//! rejects `additionalProperties`; sending both is an error); and only the JSON Schema keywords
//! the structured-output guide lists (see [`gemini_violations`]). Errors come back as
//! `{"error": {"code", "message", "status"}}`; an invalid key is `400 INVALID_ARGUMENT`.

use crate::util::{billing_call, poor_schema, poor_schema_good_answer};
use debrief::core::cost::{PriceTable, cost_usd};
use debrief::core::outcome::{Outcome, Status};
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use debrief::engine::analyze_one;
use debrief::llm::retry::RetryPolicy;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "AIzaSyTest0123456789abcdefghijklmnopqr";
const MODEL: &str = "gemini-2.5-flash";
const ENDPOINT: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

// ---------------------------------------------------------------------------------------------
// The documented schema rules
// ---------------------------------------------------------------------------------------------

/// The JSON Schema keywords `responseJsonSchema` supports (structured-output guide, "JSON Schema
/// support"). `oneOf` is not among them: it has to arrive as `anyOf`.
const GEMINI_KEYWORDS: &[&str] = &[
    "$defs",
    "$ref",
    "type",
    "format",
    "title",
    "description",
    "enum",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "properties",
    "additionalProperties",
    "required",
];

/// Every keyword outside the supported list; empty when Gemini would accept the schema.
fn gemini_violations(schema: &Value) -> Vec<String> {
    let mut v = Vec::new();
    walk(schema, "", &mut v);
    v
}

fn walk(s: &Value, ptr: &str, v: &mut Vec<String>) {
    let Some(obj) = s.as_object() else { return };
    for key in obj.keys() {
        if !GEMINI_KEYWORDS.contains(&key.as_str()) {
            v.push(format!("{ptr}: keyword '{key}' is not supported in response_json_schema"));
        }
    }
    for key in ["properties", "$defs"] {
        if let Some(map) = obj.get(key).and_then(Value::as_object) {
            for (name, sub) in map {
                walk(sub, &format!("{ptr}/{key}/{name}"), v);
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = obj.get(key).filter(|s| s.is_object()) {
            walk(sub, &format!("{ptr}/{key}"), v);
        }
    }
    for key in ["anyOf", "prefixItems"] {
        if let Some(subs) = obj.get(key).and_then(Value::as_array) {
            for (i, sub) in subs.iter().enumerate() {
                walk(sub, &format!("{ptr}/{key}/{i}"), v);
            }
        }
    }
}

#[test]
fn the_rule_checker_rejects_what_the_docs_reject() {
    let violations = gemini_violations(&poor_schema());
    for word in [
        "minLength",
        "maxLength",
        "pattern",
        "const",
        "oneOf",
        "multipleOf",
        "exclusiveMaximum",
        "uniqueItems",
        "$schema",
    ] {
        assert!(
            violations.iter().any(|v| v.contains(&format!("'{word}'"))),
            "{word} not flagged: {violations:#?}"
        );
    }
    for kept in ["minimum", "maximum", "minItems", "maxItems", "format"] {
        assert!(
            !violations.iter().any(|v| v.contains(&format!("'{kept}'"))),
            "{kept} is supported: {violations:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Canned wire bodies
// ---------------------------------------------------------------------------------------------

/// Google's error envelope.
fn error_body(code: u16, status: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "status": status}})
}

fn bad_request(message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(error_body(400, "INVALID_ARGUMENT", message))
}

fn usage(prompt: u64, candidates: u64) -> Value {
    json!({"promptTokenCount": prompt, "candidatesTokenCount": candidates, "totalTokenCount": prompt + candidates,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]})
}

/// A `generateContent` reply with one candidate.
fn reply(parts: Value, finish: &str, usage: Value) -> Value {
    json!({
        "candidates": [{
            "content": {"parts": parts, "role": "model"},
            "finishReason": finish,
            "index": 0
        }],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mOBcaPu0Ld2bz7IP3NW5oQ4"
    })
}

fn text_reply(text: &str) -> Value {
    reply(json!([{"text": text}]), "STOP", usage(1200, 90))
}

fn good_post_analysis() -> Value {
    json!({"summary": "Refund for a double charge.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false})
}

// ---------------------------------------------------------------------------------------------
// The stand-in server
// ---------------------------------------------------------------------------------------------

/// Everything Gemini checks before generating; `Err` is the error reply it would send.
fn check_request(req: &Request) -> Result<Value, ResponseTemplate> {
    let header_key = req.headers.get("x-goog-api-key").and_then(|v| v.to_str().ok());
    let query_key = req.url.query_pairs().find(|(k, _)| k == "key").map(|(_, v)| v.to_string());
    if header_key.or(query_key.as_deref()) != Some(KEY) {
        return Err(bad_request("API key not valid. Please pass a valid API key."));
    }
    let body: Value = serde_json::from_slice(&req.body)
        .map_err(|e| bad_request(&format!("Invalid JSON payload received. {e}")))?;
    let contents = body["contents"]
        .as_array()
        .ok_or_else(|| bad_request("* GenerateContentRequest.contents: contents is not specified"))?;
    if contents.is_empty() {
        return Err(bad_request("* GenerateContentRequest.contents: contents is not specified"));
    }
    for (i, c) in contents.iter().enumerate() {
        let role = c["role"].as_str().unwrap_or("");
        if role != "user" && role != "model" {
            return Err(bad_request(&format!(
                "Please use a valid role: user, model. (contents[{i}].role = {role:?})"
            )));
        }
        let parts_ok =
            c["parts"].as_array().is_some_and(|p| !p.is_empty() && p.iter().all(|p| p["text"].is_string()));
        if !parts_ok {
            return Err(bad_request(&format!(
                "* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty."
            )));
        }
    }
    if let Some(si) = body.get("systemInstruction")
        && !si["parts"].as_array().is_some_and(|p| p.iter().all(|p| p["text"].is_string()))
    {
        return Err(bad_request("* GenerateContentRequest.system_instruction.parts: must be text parts"));
    }
    let config = &body["generationConfig"];
    let thinking = &config["thinkingConfig"];
    if thinking.get("thinkingBudget").is_some() && thinking.get("thinkingLevel").is_some() {
        // Google: "You cannot use both thinking_level and the legacy thinking_budget parameter
        // in the same request. Doing so will return a 400 error."
        return Err(bad_request("thinking_budget and thinking_level cannot both be set"));
    }
    if config.get("responseSchema").is_some() && config.get("responseJsonSchema").is_some() {
        return Err(bad_request("response_schema and response_json_schema cannot both be set"));
    }
    if config.get("responseSchema").is_some() {
        return Err(bad_request("this server expects responseJsonSchema (JSON Schema), not responseSchema"));
    }
    let schema = config
        .get("responseJsonSchema")
        .ok_or_else(|| bad_request("responseJsonSchema is required for structured output"))?;
    if config["responseMimeType"] != "application/json" {
        return Err(bad_request("response_mime_type must be application/json when a response schema is set"));
    }
    if let Some(first) = gemini_violations(schema).first() {
        return Err(bad_request(&format!(
            "Invalid JSON payload received. generation_config.response_json_schema{first}"
        )));
    }
    Ok(body)
}

/// A server that checks the request as Gemini does and, when it passes, answers with an analysis
/// built from the sent `responseJsonSchema`.
fn conforming_server(req: &Request) -> ResponseTemplate {
    let body = match check_request(req) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let system = body.pointer("/systemInstruction/parts/0/text").and_then(Value::as_str).unwrap_or("");
    let answer =
        llm::offline::analyze(&body["generationConfig"]["responseJsonSchema"], system, &billing_call());
    ResponseTemplate::new(200).set_body_json(text_reply(&answer.to_string()))
}

/// A server that checks the request and then answers `reply` (status 200).
fn canned(reply: Value) -> impl Fn(&Request) -> ResponseTemplate {
    move |req: &Request| match check_request(req) {
        Ok(_) => ResponseTemplate::new(200).set_body_json(reply.clone()),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------------

fn spec(template: &str) -> AnalysisSpec {
    let mut spec = AnalysisSpec::template(template).unwrap();
    spec.provider = ProviderKind::Gemini;
    spec.model = MODEL.into();
    spec
}

/// Fast retries: a 1 ms backoff base, so a recorded wait of `cap` can only be the server's wish.
fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy { max_retries, base: Duration::from_millis(1), cap: Duration::from_millis(40) }
}

fn config(server: &MockServer, key: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        kind: ProviderKind::Gemini,
        base_url: Some(format!("{}/v1beta", server.uri())),
        api_key: key.map(str::to_string),
        retry: fast_retry(4),
        ..ProviderConfig::default()
    }
}

async fn run_with(config: &ProviderConfig, spec: &AnalysisSpec) -> Outcome {
    let p = llm::build(config).unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    analyze_one(p.as_ref(), spec, &compiled, &billing_call(), &PriceTable::bundled()).await
}

async fn run(server: &MockServer) -> Outcome {
    run_with(&config(server, Some(KEY)), &spec("post_analysis")).await
}

async fn mount(server: &MockServer, responder: impl wiremock::Respond + 'static) {
    Mock::given(method("POST")).and(path(ENDPOINT)).respond_with(responder).mount(server).await;
}

/// Mount `first` for the first `times` requests, then `then`.
async fn mount_sequence(
    server: &MockServer,
    first: impl wiremock::Respond + 'static,
    times: u64,
    then: impl wiremock::Respond + 'static,
) {
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST")).and(path(ENDPOINT)).respond_with(then).with_priority(2).mount(server).await;
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Request shape
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_has_the_documented_shape() {
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.url.path(), ENDPOINT);
    assert_eq!(req.headers.get("x-goog-api-key").unwrap().to_str().unwrap(), KEY);
    assert!(!req.url.query_pairs().any(|(k, _)| k == "key"), "the key is not in the URL: {}", req.url);
    assert!(!req.url.as_str().contains(KEY));
    assert!(req.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let system = body.pointer("/systemInstruction/parts/0/text").and_then(Value::as_str).unwrap();
    assert!(system.starts_with("Analyze this customer support conversation"), "{system}");
    let contents = body["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 1);
    assert_eq!(contents[0]["role"], "user");
    assert!(
        contents[0]["parts"][0]["text"]
            .as_str()
            .unwrap()
            .contains("I was charged twice for my plan this month.")
    );
    let config = &body["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    assert!(config.get("responseSchema").is_none(), "never responseSchema");
    let schema = &config["responseJsonSchema"];
    assert_eq!(schema["type"], "object");
    assert!(schema.get("$schema").is_none());
    assert_eq!(schema["required"], json!(["summary", "topic", "resolved", "sentiment"]));
    assert_eq!(schema["properties"]["topic"]["enum"].as_array().unwrap().len(), 5);
    assert_eq!(config["temperature"], json!(0.0));
    assert_eq!(config["maxOutputTokens"], json!(800));
    assert!(body.get("model").is_none(), "the model is in the path");
    assert!(!req.body.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key never travels in the body");
    assert!(!outcome.attempts[0].request.to_string().contains(KEY), "nor in the history");
}

// ---------------------------------------------------------------------------------------------
// 2. Structured-output extraction
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_candidate_text_is_the_analysis_and_thoughts_are_ignored() {
    let server = MockServer::start().await;
    let json_text = good_post_analysis().to_string();
    let (head, tail) = json_text.split_at(json_text.len() / 2);
    // A thought summary first, then the JSON split over two parts.
    let parts = json!([
        {"text": "**Classifying the call**\nThe customer mentions a duplicate charge {not json", "thought": true},
        {"text": head},
        {"text": tail}
    ]);
    mount(&server, canned(reply(parts, "STOP", usage(500, 60)))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?} {:?}", outcome.errors, outcome.attempts[0].raw_reply);
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(outcome.analysis.as_ref().unwrap(), &good_post_analysis());
    assert!(!outcome.attempts[0].raw_reply.contains("Classifying"), "the thought is not part of the answer");
}

// ---------------------------------------------------------------------------------------------
// 3. Schema rules: templates and a deliberately poor schema
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn all_four_templates_are_accepted_by_a_server_enforcing_geminis_schema_rules() {
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let cfg = config(&server, Some(KEY));
    for (name, _) in TEMPLATES {
        let spec = spec(name);
        assert!(
            !gemini_violations(&spec.schema).is_empty(),
            "{name}: as written, the server would reject it"
        );
        let outcome = run_with(&cfg, &spec).await;
        assert_eq!(
            outcome.status,
            Status::Ok,
            "{name}: {:?} {:?}",
            outcome.errors,
            outcome.attempts.last().map(|a| &a.raw_reply)
        );
        assert_eq!(outcome.attempts.len(), 1, "{name}");
        let compiled = compile(&spec.schema, name).unwrap();
        assert!(compiled.validate(outcome.analysis.as_ref().unwrap()).is_empty(), "{name}");
        // 1200 in, 90 out on gemini-2.5-flash ($0.30 / $2.50 per 1M).
        let expected = 1200.0 * 0.30 / 1e6 + 90.0 * 2.50 / 1e6;
        assert!((outcome.cost_usd.unwrap() - expected).abs() < 1e-12, "{name}: {:?}", outcome.cost_usd);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), TEMPLATES.len());
}

fn poor_spec() -> AnalysisSpec {
    let mut spec = spec("post_analysis");
    spec.name = "Poor schema".into();
    spec.schema = poor_schema();
    spec
}

#[tokio::test]
async fn a_non_conforming_schema_is_accepted_after_the_rewrite() {
    assert!(!gemini_violations(&poor_schema()).is_empty(), "as written, Gemini would reject it");
    let server = MockServer::start().await;
    let good = poor_schema_good_answer();
    mount(&server, canned(text_reply(&good.to_string()))).await;
    let outcome = run_with(&config(&server, Some(KEY)), &poor_spec()).await;
    assert_eq!(outcome.status, Status::Ok, "{:?} {:?}", outcome.errors, outcome.attempts[0].raw_reply);
    assert_eq!(outcome.analysis.unwrap(), good);
    let sent = &bodies(&server).await[0]["generationConfig"]["responseJsonSchema"];
    assert!(gemini_violations(sent).is_empty());
    let props = &sent["properties"];
    assert!(props["contact"].get("oneOf").is_none());
    assert_eq!(props["contact"]["anyOf"].as_array().unwrap().len(), 2, "oneOf arrives as anyOf");
    assert_eq!(props["channel"]["enum"], json!(["phone"]), "const arrives as a one-value enum");
    assert!(props["ticket"].get("pattern").is_none());
    assert!(
        props["ticket"]["description"].as_str().unwrap().contains("^T-[0-9]{4}$"),
        "moved into the description"
    );
    assert!(props["summary"]["description"].as_str().unwrap().contains("minLength"));
    assert_eq!(props["effort"]["minimum"], 1, "numeric bounds are supported");
    assert_eq!(props["effort"]["maximum"], 5);
    assert_eq!(props["tags"]["minItems"], 2, "array bounds are supported");
    assert_eq!(props["tags"]["maxItems"], 3);
}

#[tokio::test]
async fn a_moved_constraint_is_still_enforced_locally() {
    let server = MockServer::start().await;
    let mut bad = poor_schema_good_answer();
    bad["summary"] = json!("Refund."); // breaks minLength 40, which was not sent
    bad["ticket"] = json!("1234"); // breaks the pattern, which was not sent
    mount(&server, canned(text_reply(&bad.to_string()))).await;
    let outcome = run_with(&config(&server, Some(KEY)), &poor_spec()).await;
    assert_eq!(outcome.status, Status::Invalid);
    assert_eq!(outcome.attempts.len(), 2, "one repair, then reported");
    let pointers: Vec<&str> = outcome.errors.iter().map(|e| e.pointer.as_str()).collect();
    assert!(pointers.contains(&"/summary") && pointers.contains(&"/ticket"), "{pointers:?}");
}

// ---------------------------------------------------------------------------------------------
// 4. Truncation and 5. refusal
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn finish_reason_max_tokens_is_truncated() {
    let server = MockServer::start().await;
    let mut u = usage(900, 100);
    u["thoughtsTokenCount"] = json!(700);
    mount(
        &server,
        canned(reply(json!([{"text": "{\"summary\": \"The customer called ab"}]), "MAX_TOKENS", u)),
    )
    .await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Truncated);
    assert_eq!(outcome.attempts.len(), 1, "no repair for a truncated reply");
    assert_eq!(outcome.usage.output_tokens, 800, "thinking counts against the limit and is billed");
    assert!(outcome.cost_usd.unwrap() > 0.0);

    // Thinking can use up the whole budget: no content at all.
    let server = MockServer::start().await;
    let body = json!({"candidates": [{"finishReason": "MAX_TOKENS", "index": 0}], "usageMetadata": {"promptTokenCount": 900, "thoughtsTokenCount": 800, "totalTokenCount": 1700}});
    mount(&server, canned(body)).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Truncated);
    assert_eq!(outcome.usage.output_tokens, 800);
}

#[tokio::test]
async fn safety_and_recitation_stops_are_refused() {
    for reason in ["SAFETY", "RECITATION"] {
        let server = MockServer::start().await;
        let body = json!({
            "candidates": [{"finishReason": reason, "index": 0, "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": true}
            ]}],
            "usageMetadata": {"promptTokenCount": 300, "totalTokenCount": 300}
        });
        mount(&server, canned(body)).await;
        let outcome = run(&server).await;
        assert_eq!(outcome.status, Status::Refused, "{reason}");
        assert_eq!(outcome.attempts.len(), 1, "{reason}: a refusal is not repaired");
        assert!(outcome.errors[0].message.contains(reason), "{:?}", outcome.errors);
    }
}

#[tokio::test]
async fn a_blocked_prompt_without_candidates_is_refused() {
    let server = MockServer::start().await;
    let body = json!({
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
        ]},
        "usageMetadata": {"promptTokenCount": 300, "totalTokenCount": 300},
        "modelVersion": "gemini-2.5-flash"
    });
    mount(&server, canned(body)).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Refused);
    assert_eq!(outcome.attempts.len(), 1);
    let text = &outcome.errors[0].message;
    assert!(text.contains("blocked") && text.contains("SAFETY"), "{text}");
    assert_eq!(outcome.usage.input_tokens, 300, "the prompt was still counted");
}

// ---------------------------------------------------------------------------------------------
// 6. Auth and other client errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_key_is_an_error_with_googles_message_and_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let outcome = run_with(&config(&server, Some("AIzaWrong")), &spec("post_analysis")).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "never retried");
    assert_eq!(outcome.attempts[0].http_status, Some(400));
    let text = &outcome.errors[0].message;
    assert!(
        text.contains("HTTP 400") && text.contains("API key not valid. Please pass a valid API key."),
        "{text}"
    );
    assert!(!text.contains("AIzaWrong"));
}

#[tokio::test]
async fn auth_and_client_errors_show_googles_message_and_are_never_retried() {
    for (status, code, message) in [
        (400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
        (
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        ),
        (
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
        (
            404,
            "NOT_FOUND",
            "models/gemini-9-flash is not found for API version v1beta, or is not supported for generateContent.",
        ),
    ] {
        let server = MockServer::start().await;
        let mut body = error_body(status, code, message);
        body["error"]["details"] = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]);
        mount(&server, ResponseTemplate::new(status).set_body_json(body)).await;
        let outcome = run(&server).await;
        assert_eq!(outcome.status, Status::Error, "HTTP {status}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "HTTP {status} is never retried");
        assert_eq!(outcome.attempts.len(), 1);
        let text = &outcome.errors[0].message;
        assert!(text.contains(&format!("HTTP {status}")) && text.contains(message), "{text}");
    }
}

#[test]
fn a_missing_key_names_gemini_api_key() {
    let err = llm::build(&ProviderConfig { kind: ProviderKind::Gemini, ..ProviderConfig::default() })
        .err()
        .unwrap();
    assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 7. Rate limits and server errors
// ---------------------------------------------------------------------------------------------

fn exhausted() -> Value {
    error_body(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
    )
}

#[tokio::test]
async fn a_429_is_retried_after_the_servers_retry_after() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(exhausted());
    mount_sequence(&server, limited, 1, canned(text_reply(&good_post_analysis().to_string()))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(outcome.attempts.len(), 2);
    let first = &outcome.attempts[0];
    assert_eq!(first.http_status, Some(429));
    let error = first.error.as_deref().unwrap();
    // Retry-After asked for 1 s, capped at the policy's 40 ms; backoff alone would be ≤ 1 ms.
    assert!(
        error.contains("exceeded your current quota") && error.contains("retried after 40 ms"),
        "{error}"
    );
    assert!(outcome.attempts[1].reason.starts_with("retry 1 of 1"), "{}", outcome.attempts[1].reason);
}

#[tokio::test]
async fn a_429_with_only_a_retry_info_body_is_still_retried() {
    // Google usually states the wait in the body (google.rpc.RetryInfo), not in a header.
    let server = MockServer::start().await;
    let mut body = exhausted();
    body["error"]["details"] =
        json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}]);
    mount_sequence(
        &server,
        ResponseTemplate::new(429).set_body_json(body),
        1,
        canned(text_reply(&good_post_analysis().to_string())),
    )
    .await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.attempts[0].http_status, Some(429));
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    for (status, code, message) in [
        (
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        ),
        (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
    ] {
        let server = MockServer::start().await;
        let failing = ResponseTemplate::new(status).set_body_json(error_body(status, code, message));
        mount_sequence(&server, failing, 2, canned(text_reply(&good_post_analysis().to_string()))).await;
        let outcome = run(&server).await;
        assert_eq!(outcome.status, Status::Ok, "HTTP {status}: {:?}", outcome.errors);
        assert_eq!(server.received_requests().await.unwrap().len(), 3, "HTTP {status}");
        assert_eq!(outcome.attempts.len(), 3);
        for a in &outcome.attempts[..2] {
            assert_eq!(a.http_status, Some(status));
            let e = a.error.as_deref().unwrap();
            assert!(e.contains(message) && e.contains("retried after"), "{e}");
        }
        assert!(outcome.attempts[2].reason.starts_with("retry 2 of 2"));
    }
}

#[tokio::test]
async fn persistent_overload_gives_up_after_four_retries() {
    let server = MockServer::start().await;
    let body = error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    mount(&server, ResponseTemplate::new(503).set_body_json(body)).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
    assert_eq!(outcome.attempts.len(), 5);
    assert!(outcome.errors[0].message.contains("The model is overloaded"), "{:?}", outcome.errors);
    assert_eq!(outcome.cost_usd, Some(0.0));
}

// ---------------------------------------------------------------------------------------------
// 8. Timeout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(5))
            .set_body_json(text_reply(&good_post_analysis().to_string())),
    )
    .await;
    let cfg = ProviderConfig {
        request_timeout: Some(Duration::from_millis(100)),
        retry: fast_retry(1),
        ..config(&server, Some(KEY))
    };
    let started = std::time::Instant::now();
    let outcome = run_with(&cfg, &spec("post_analysis")).await;
    assert!(started.elapsed() < Duration::from_secs(3), "the timeout applies: {:?}", started.elapsed());
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(outcome.attempts.len(), 2);
    let first = outcome.attempts[0].error.as_deref().unwrap();
    assert!(first.starts_with("timeout"), "{first}");
    let last = outcome.errors[0].message.to_lowercase();
    assert!(last.contains("timed out") || last.contains("timeout"), "{last}");
}

// ---------------------------------------------------------------------------------------------
// 9. Usage and cost
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn thoughts_are_billed_as_output_and_cached_tokens_at_the_cache_price() {
    let server = MockServer::start().await;
    let u = json!({"promptTokenCount": 10000, "cachedContentTokenCount": 4000, "candidatesTokenCount": 300,
        "thoughtsTokenCount": 700, "totalTokenCount": 11000});
    mount(&server, canned(reply(json!([{"text": good_post_analysis().to_string()}]), "STOP", u))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    // promptTokenCount already includes the cached tokens; thoughts are not in candidatesTokenCount.
    assert_eq!(outcome.usage.input_tokens, 10000);
    assert_eq!(outcome.usage.cached_input_tokens, 4000);
    assert_eq!(outcome.usage.output_tokens, 1000);
    assert_eq!(outcome.usage.reasoning_tokens, 700);
    // gemini-2.5-flash: $0.30 input, $0.03 cached, $2.50 output (thinking included) per 1M:
    // 6000·0.30 + 4000·0.03 + 1000·2.50 = 1800 + 120 + 2500 = 4420 → $0.00442.
    let by_hand = 0.004_42;
    let cost = outcome.cost_usd.unwrap();
    assert!((cost - by_hand).abs() < 1e-12, "{cost}");
    let table = cost_usd(&outcome.usage, PriceTable::bundled().price(MODEL)).unwrap();
    assert!((table - by_hand).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------
// 10. Repair
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_schema_violation_is_repaired_with_user_model_user_contents() {
    let server = MockServer::start().await;
    let bad = json!({"summary": "Refund.", "topic": "weather", "resolved": true, "sentiment": "positive"})
        .to_string();
    mount_sequence(
        &server,
        canned(reply(json!([{"text": bad}]), "STOP", usage(500, 30))),
        1,
        canned(reply(json!([{"text": good_post_analysis().to_string()}]), "STOP", usage(560, 40))),
    )
    .await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.attempts[1].reason, "repair");
    assert_eq!(outcome.usage.input_tokens, 1060, "both attempts are counted");
    assert_eq!(outcome.analysis.unwrap()["topic"], "billing");
    let second = &bodies(&server).await[1];
    let contents = second["contents"].as_array().unwrap();
    let roles: Vec<&str> = contents.iter().map(|c| c["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "model", "user"]);
    assert_eq!(contents[1]["parts"][0]["text"], bad.as_str(), "the model sees its own previous answer");
    let feedback = contents[2]["parts"][0]["text"].as_str().unwrap();
    assert!(feedback.contains("/topic"), "{feedback}");
    assert!(
        second.pointer("/systemInstruction/parts/0/text").is_some(),
        "the prompt stays in systemInstruction"
    );
    assert!(second["generationConfig"].get("responseJsonSchema").is_some());
}

// ---------------------------------------------------------------------------------------------
// Thinking, temperature and keys (Gemini 2.5 and 3)
// ---------------------------------------------------------------------------------------------

/// The request body for `model`, as sent to a conforming stand-in.
async fn sent_for(spec: &AnalysisSpec) -> Value {
    let server = MockServer::start().await;
    let model = spec.model.clone();
    Mock::given(method("POST"))
        .and(path(format!("/v1beta/models/{model}:generateContent")))
        .respond_with(conforming_server)
        .mount(&server)
        .await;
    let outcome = run_with(&config(&server, Some(KEY)), spec).await;
    assert_eq!(outcome.status, Status::Ok, "{model}: {:?}", outcome.errors);
    bodies(&server).await.remove(0)
}

#[tokio::test]
async fn gemini_2_5_gets_a_thinking_budget_and_gemini_3_a_thinking_level_never_both() {
    let mut flash = spec("post_analysis");
    flash.model = "gemini-2.5-flash".into();
    let body = sent_for(&flash).await;
    assert_eq!(
        body["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 0}),
        "extraction thinks least"
    );
    assert_eq!(body["generationConfig"]["temperature"], json!(0.0), "2.5 takes the spec's temperature");

    flash.thinking_budget = Some(512);
    let body = sent_for(&flash).await;
    assert_eq!(body["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 512}), "the spec wins");

    let mut pro = spec("post_analysis");
    pro.model = "gemini-2.5-pro".into();
    assert_eq!(sent_for(&pro).await["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 128}));

    let mut three = spec("post_analysis");
    three.model = "gemini-3-pro-preview".into();
    three.thinking_budget = Some(1024); // a 2.5 setting left in the spec: not sent beside the level
    let body = sent_for(&three).await;
    assert_eq!(body["generationConfig"]["thinkingConfig"], json!({"thinkingLevel": "low"}));
    assert!(
        body["generationConfig"].get("temperature").is_none(),
        "Gemini 3 stays at 1.0 unless the spec insists"
    );

    three.thinking_level = Some("high".into());
    three.keep_temperature = true;
    let body = sent_for(&three).await;
    assert_eq!(body["generationConfig"]["thinkingConfig"], json!({"thinkingLevel": "high"}));
    assert_eq!(body["generationConfig"]["temperature"], json!(0.0), "keep_temperature insists");
}

#[test]
fn google_api_key_is_accepted_and_preferred_as_googles_sdk_does() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let google =
        ProviderConfig::from_vars(ProviderKind::Gemini, None, vars(&[("GOOGLE_API_KEY", "from-google")]));
    assert_eq!(google.api_key.as_deref(), Some("from-google"));
    let both = ProviderConfig::from_vars(
        ProviderKind::Gemini,
        None,
        vars(&[("GEMINI_API_KEY", "from-gemini"), ("GOOGLE_API_KEY", "from-google")]),
    );
    assert_eq!(both.api_key.as_deref(), Some("from-google"), "GOOGLE_API_KEY wins, as in google-genai");
    let gemini =
        ProviderConfig::from_vars(ProviderKind::Gemini, None, vars(&[("GEMINI_API_KEY", "from-gemini")]));
    assert_eq!(gemini.api_key.as_deref(), Some("from-gemini"));
    let none = ProviderConfig::from_vars(ProviderKind::Gemini, None, vars(&[]));
    let err = llm::build(&none).err().unwrap();
    assert!(err.to_string().contains("GEMINI_API_KEY or GOOGLE_API_KEY"), "{err}");
}
