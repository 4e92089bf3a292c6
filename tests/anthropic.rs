//! Anthropic Messages API against a loopback server written to the documented wire format.
//!
//! What the stand-in server enforces comes from Anthropic's documentation, not from the code under
//! test: `POST /v1/messages` with `x-api-key` and `anthropic-version: 2023-06-01`; `max_tokens`
//! required; the system prompt in the top-level `system` field (a `system` role in `messages` is
//! rejected); user and assistant turns alternating, starting with the user; tool names matching
//! `^[a-zA-Z0-9_-]{1,64}$`; a forced tool via `tool_choice: {type: "tool", name}`; and the
//! structured-outputs "JSON Schema limitations" for the tool's `input_schema` (see
//! [`anthropic_violations`]). Errors come back as `{"type": "error", "error": {"type", "message"}}`
//! with the documented status codes (400, 401, 403, 404, 429, 500, 529).

use crate::util::{billing_call, poor_schema, poor_schema_good_answer};
use debrief::core::cost::{PriceTable, cost_usd};
use debrief::core::outcome::{Outcome, Status};
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use debrief::engine::analyze_one;
use debrief::llm::retry::RetryPolicy;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-ant-api03-test-0123456789abcdef";
const VERSION: &str = "2023-06-01";
const MODEL: &str = "claude-haiku-4-5";
/// A model from before structured outputs, which still gets the forced tool.
const OLDER_MODEL: &str = "claude-3-5-haiku-20241022";
/// The tool name Debrief derives from the "Post analysis" template.
const TOOL: &str = "Post_analysis";

// ---------------------------------------------------------------------------------------------
// The documented schema rules
// ---------------------------------------------------------------------------------------------

/// Keywords the structured-outputs guide lists as supported ("JSON Schema limitations"):
/// basic types, `enum`, `const`, `anyOf`, `allOf`, local `$ref`/`$defs`/`definitions`,
/// `default`, `required`, `additionalProperties: false`, simple `pattern`s, string `format`s,
/// `minItems` 0 or 1, and the annotations `description` and `title`.
const SUPPORTED: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "anyOf",
    "allOf",
    "$ref",
    "$defs",
    "definitions",
    "default",
    "description",
    "title",
    "pattern",
    "format",
    "minItems",
];

/// Constraints the guide names as unsupported (numeric bounds, string lengths, array bounds
/// beyond `minItems` 0/1).
const UNSUPPORTED_CONSTRAINTS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "uniqueItems",
];

/// String formats the guide lists.
const FORMATS: &[&str] =
    &["date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"];

/// Every documented rule a tool `input_schema` breaks; empty when Anthropic would accept it.
fn anthropic_violations(schema: &Value) -> Vec<String> {
    let mut v = Vec::new();
    if schema.get("type") != Some(&json!("object")) {
        v.push("input_schema: root must have type \"object\"".to_string());
    }
    walk(schema, "", &mut v);
    if let Some(name) = recursive_definition(schema) {
        v.push(format!("recursive schemas are not supported ({name} refers back to itself)"));
    }
    v
}

fn walk(s: &Value, ptr: &str, v: &mut Vec<String>) {
    let Some(obj) = s.as_object() else { return };
    for key in obj.keys() {
        if UNSUPPORTED_CONSTRAINTS.contains(&key.as_str()) {
            let ty = obj.get("type").map(Value::to_string).unwrap_or_else(|| "untyped".into());
            v.push(format!("{ptr}: for {ty} type, property '{key}' is not supported"));
        } else if !SUPPORTED.contains(&key.as_str()) {
            v.push(format!("{ptr}: property '{key}' is not supported"));
        }
    }
    let is_object = obj.get("type") == Some(&json!("object")) || obj.contains_key("properties");
    if is_object && obj.get("additionalProperties") != Some(&json!(false)) {
        v.push(format!("{ptr}: objects must set 'additionalProperties' to false"));
    }
    if let Some(n) = obj.get("minItems")
        && n.as_u64().is_none_or(|n| n > 1)
    {
        v.push(format!("{ptr}: minItems values other than 0 or 1 are not supported, got {n}"));
    }
    if let Some(f) = obj.get("format")
        && !f.as_str().is_some_and(|f| FORMATS.contains(&f))
    {
        v.push(format!("{ptr}: format {f} is not supported"));
    }
    if let Some(e) = obj.get("enum")
        && !e.as_array().is_some_and(|e| e.iter().all(|x| !x.is_object() && !x.is_array()))
    {
        v.push(format!("{ptr}: enum values must be strings, numbers, booleans or null"));
    }
    for key in ["properties", "$defs", "definitions"] {
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
    for key in ["anyOf", "allOf"] {
        if let Some(subs) = obj.get(key).and_then(Value::as_array) {
            for (i, sub) in subs.iter().enumerate() {
                walk(sub, &format!("{ptr}/{key}/{i}"), v);
            }
        }
    }
}

/// A definition that reaches itself through `$ref`s, or `#` itself referenced; `None` if the
/// schema is not recursive.
fn recursive_definition(schema: &Value) -> Option<String> {
    fn refs(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        if let Some(r) = v.as_str() {
                            out.insert(r.to_string());
                        }
                    } else {
                        refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
            _ => {}
        }
    }
    let mut all = BTreeSet::new();
    refs(schema, &mut all);
    if all.contains("#") {
        return Some("#".into());
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for key in ["$defs", "definitions"] {
        for (name, def) in schema.get(key).and_then(Value::as_object).into_iter().flatten() {
            let mut out = BTreeSet::new();
            refs(def, &mut out);
            graph.insert(format!("#/{key}/{name}"), out);
        }
    }
    for start in graph.keys() {
        let mut stack: Vec<&String> = graph[start].iter().collect();
        let mut seen = BTreeSet::new();
        while let Some(next) = stack.pop() {
            if next == start {
                return Some(start.clone());
            }
            if seen.insert(next.clone())
                && let Some(more) = graph.get(next)
            {
                stack.extend(more.iter());
            }
        }
    }
    None
}

#[test]
fn the_rule_checker_rejects_what_the_docs_reject() {
    // The checker is only worth something if it fails schemas Anthropic fails.
    let violations = anthropic_violations(&poor_schema());
    for word in ["minLength", "maxLength", "minimum", "maximum", "multipleOf", "maxItems", "oneOf", "$schema"]
    {
        assert!(violations.iter().any(|v| v.contains(word)), "{word} not flagged: {violations:#?}");
    }
    assert!(violations.iter().any(|v| v.contains("additionalProperties")));
    assert!(violations.iter().any(|v| v.contains("minItems")));
    let recursive = json!({
        "type": "object", "additionalProperties": false,
        "properties": {"root": {"$ref": "#/$defs/node"}},
        "$defs": {"node": {"type": "object", "additionalProperties": false,
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}
    });
    assert_eq!(
        anthropic_violations(&recursive),
        vec!["recursive schemas are not supported (#/$defs/node refers back to itself)"]
    );
    let fine = json!({"type": "object", "additionalProperties": false, "properties": {"a": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "email"}}}});
    assert!(anthropic_violations(&fine).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Canned wire bodies
// ---------------------------------------------------------------------------------------------

/// Anthropic's error envelope.
fn error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
}

fn bad_request(message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(error_body("invalid_request_error", message))
}

/// A Messages API reply.
fn message(content: Value, stop_reason: &str, usage: Value) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": usage
    })
}

fn tool_use(input: &Value) -> Value {
    json!({"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": TOOL, "input": input})
}

fn usage(input: u64, output: u64) -> Value {
    json!({"input_tokens": input, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": output})
}

/// The usual good reply: the forced tool called with `input`.
fn tool_reply(input: &Value) -> Value {
    message(json!([tool_use(input)]), "tool_use", usage(1200, 90))
}

fn good_post_analysis() -> Value {
    json!({"summary": "Refund for a double charge.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false})
}

// ---------------------------------------------------------------------------------------------
// The stand-in server
// ---------------------------------------------------------------------------------------------

/// Everything Anthropic checks before generating; `Err` is the error reply it would send.
fn check_request(req: &Request) -> Result<Value, ResponseTemplate> {
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    if header("x-api-key").as_deref() != Some(KEY) {
        return Err(
            ResponseTemplate::new(401).set_body_json(error_body("authentication_error", "invalid x-api-key"))
        );
    }
    if header("anthropic-version").as_deref() != Some(VERSION) {
        return Err(bad_request("anthropic-version: header is required"));
    }
    if !header("content-type").is_some_and(|c| c.starts_with("application/json")) {
        return Err(bad_request("content-type must be application/json"));
    }
    let body: Value =
        serde_json::from_slice(&req.body).map_err(|e| bad_request(&format!("invalid JSON: {e}")))?;
    if body["model"].as_str().is_none_or(str::is_empty) {
        return Err(bad_request("model: Field required"));
    }
    if body["max_tokens"].as_u64().is_none_or(|n| n == 0) {
        return Err(bad_request("max_tokens: Field required"));
    }
    if !(body.get("system").is_none() || body["system"].is_string() || body["system"].is_array()) {
        return Err(bad_request("system: Input should be a valid string or list of text blocks"));
    }
    let messages = body["messages"].as_array().ok_or_else(|| bad_request("messages: Field required"))?;
    for (i, m) in messages.iter().enumerate() {
        let role = m["role"].as_str().unwrap_or("");
        if role == "system" {
            return Err(bad_request(
                "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.",
            ));
        }
        let expected = if i % 2 == 0 { "user" } else { "assistant" };
        if role != expected {
            return Err(bad_request(&format!(
                "messages.{i}.role: roles must alternate between \"user\" and \"assistant\", starting with \"user\""
            )));
        }
        let content_ok =
            m["content"].as_str().is_some_and(|c| !c.trim().is_empty()) || m["content"].is_array();
        if !content_ok {
            return Err(bad_request(&format!("messages.{i}: content must be non-empty")));
        }
    }
    if body.get("anthropic-beta").is_some() || req.headers.get("anthropic-beta").is_some() {
        return Err(bad_request("structured outputs are generally available: no beta header"));
    }
    if let Some(config) = body.get("output_config") {
        // Structured outputs (Claude 4.5 and later): the schema is compiled into a grammar.
        if body.get("tools").is_some() || body.get("tool_choice").is_some() {
            return Err(bad_request("send either output_config.format or a forced tool, not both"));
        }
        if config["format"]["type"] != "json_schema" {
            return Err(bad_request("output_config.format.type: Input should be 'json_schema'"));
        }
        if let Some(first) = anthropic_violations(&config["format"]["schema"]).first() {
            return Err(bad_request(&format!("output_config.format.schema: {first}")));
        }
        return Ok(body);
    }
    let tools = body["tools"]
        .as_array()
        .ok_or_else(|| bad_request("tools: a tool is needed for structured output"))?;
    for (i, tool) in tools.iter().enumerate() {
        let name = tool["name"].as_str().unwrap_or("");
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(bad_request(&format!(
                "tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
            )));
        }
        if let Some(first) = anthropic_violations(&tool["input_schema"]).first() {
            return Err(bad_request(&format!("tools.{i}.custom.input_schema: {first}")));
        }
    }
    let choice = &body["tool_choice"];
    if choice["type"] != "tool" || !tools.iter().any(|t| t["name"] == choice["name"]) {
        return Err(bad_request("tool_choice: must be {type: \"tool\", name} naming one of `tools`"));
    }
    Ok(body)
}

/// A server that checks the request as Anthropic does and, when it passes, calls the forced tool
/// with an analysis built from the sent `input_schema`.
fn conforming_server(req: &Request) -> ResponseTemplate {
    let body = match check_request(req) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let system = body["system"].as_str().unwrap_or("");
    if let Some(schema) = body.pointer("/output_config/format/schema") {
        // Constrained decoding: the answer fits the sent schema, enums included.
        let answer = llm::offline::analyze(schema, system, &billing_call());
        let content = json!([{"type": "text", "text": answer.to_string()}]);
        return ResponseTemplate::new(200).set_body_json(message(content, "end_turn", usage(1200, 90)));
    }
    let tool = &body["tools"][0];
    let answer = llm::offline::analyze(&tool["input_schema"], system, &billing_call());
    let content = json!([{"type": "tool_use", "id": "toolu_01", "name": tool["name"], "input": answer}]);
    ResponseTemplate::new(200).set_body_json(message(content, "tool_use", usage(1200, 90)))
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
    spec.provider = ProviderKind::Anthropic;
    spec.model = MODEL.into();
    spec
}

/// Fast retries: a 1 ms backoff base, so a recorded wait of `cap` can only be the server's wish.
fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy { max_retries, base: Duration::from_millis(1), cap: Duration::from_millis(40) }
}

fn provider(server: &MockServer) -> Box<dyn llm::Provider> {
    llm::build(&ProviderConfig {
        kind: ProviderKind::Anthropic,
        // The SDKs' ANTHROPIC_BASE_URL convention: no /v1.
        base_url: Some(server.uri()),
        api_key: Some(KEY.into()),
        retry: fast_retry(4),
        ..ProviderConfig::default()
    })
    .unwrap()
}

async fn run_spec(server: &MockServer, spec: &AnalysisSpec) -> Outcome {
    let compiled = compile(&spec.schema, "t").unwrap();
    analyze_one(provider(server).as_ref(), spec, &compiled, &billing_call(), &PriceTable::bundled()).await
}

async fn run(server: &MockServer) -> Outcome {
    run_spec(server, &spec("post_analysis")).await
}

async fn mount(server: &MockServer, responder: impl wiremock::Respond + 'static) {
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(responder).mount(server).await;
}

/// Mount `first` for the first `times` requests, then `then`.
async fn mount_sequence(
    server: &MockServer,
    first: impl wiremock::Respond + 'static,
    times: u64,
    then: impl wiremock::Respond + 'static,
) {
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
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
    // A model from before structured outputs: the forced tool.
    let mut older = spec("post_analysis");
    older.model = OLDER_MODEL.into();
    let outcome = run_spec(&server, &older).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.url.path(), "/v1/messages");
    assert_eq!(req.headers.get("x-api-key").unwrap().to_str().unwrap(), KEY);
    assert_eq!(req.headers.get("anthropic-version").unwrap().to_str().unwrap(), VERSION);
    assert!(req.headers.get("authorization").is_none(), "Anthropic takes x-api-key, not a bearer token");
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["model"], OLDER_MODEL);
    assert!(body.get("output_config").is_none(), "{body}");
    assert_eq!(body["max_tokens"], json!(800), "the template's max_output_tokens");
    assert_eq!(body["temperature"], json!(0.0));
    let system = body["system"].as_str().expect("top-level system string");
    assert!(system.starts_with("Analyze this customer support conversation"), "{system}");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["role"], "user");
    assert!(messages[0]["content"].as_str().unwrap().contains("I was charged twice for my plan this month."));
    assert!(!messages.iter().any(|m| m["role"] == "system"));
    let tools = body["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 1);
    let tool = &tools[0];
    assert_eq!(tool["name"], TOOL);
    assert!(tool["description"].as_str().is_some_and(|d| !d.trim().is_empty()));
    let schema = &tool["input_schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema.get("$schema").is_none());
    assert_eq!(
        schema["required"],
        json!(["summary", "topic", "resolved", "sentiment"]),
        "optional fields stay optional"
    );
    assert_eq!(
        schema["properties"]["follow_up_notes"]["type"], "string",
        "no nullable rewrite for Anthropic"
    );
    assert_eq!(body["tool_choice"], json!({"type": "tool", "name": TOOL}));
    assert!(!req.body.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key never travels in the body");
    assert!(!outcome.attempts[0].request.to_string().contains(KEY), "nor in the history");
}

#[tokio::test]
async fn claude_4_5_gets_structured_outputs_with_small_integer_ranges_as_enums() {
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let outcome = run_spec(&server, &spec("customer_support")).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "constrained decoding: no repair needed");
    assert!(requests[0].headers.get("anthropic-beta").is_none(), "generally available: no beta header");
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(body.get("tools").is_none() && body.get("tool_choice").is_none(), "{body}");
    let format = &body["output_config"]["format"];
    assert_eq!(format["type"], "json_schema");
    let score = &format["schema"]["properties"]["customer_effort_score"];
    assert_eq!(score["enum"], json!([1, 2, 3, 4, 5]), "the range is enforced as an enum: {score}");
    assert!(score.get("minimum").is_none() && score.get("maximum").is_none());
    let value = outcome.analysis.as_ref().unwrap()["customer_effort_score"].as_i64().unwrap();
    assert!((1..=5).contains(&value), "{value}");
    // The forced tool of an older model is not enforced, but gets the same enum to follow.
    let mut older = spec("customer_support");
    older.model = OLDER_MODEL.into();
    let body = llm::preview_request(ProviderKind::Anthropic, &older, &billing_call());
    let score = &body["tools"][0]["input_schema"]["properties"]["customer_effort_score"];
    assert_eq!(score["enum"], json!([1, 2, 3, 4, 5]), "the enum helps the tool too: {score}");
    assert!(body.get("output_config").is_none());
}

#[tokio::test]
async fn a_system_role_in_messages_would_be_rejected_by_the_server() {
    // Sanity check of the stand-in: the rule it enforces is the documented one.
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let body = json!({"model": MODEL, "max_tokens": 10, "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}],
        "tools": [{"name": "t", "description": "d", "input_schema": {"type": "object", "additionalProperties": false, "properties": {}}}],
        "tool_choice": {"type": "tool", "name": "t"}});
    let reply = reqwest::Client::new()
        .post(format!("{}/v1/messages", server.uri()))
        .header("x-api-key", KEY)
        .header("anthropic-version", VERSION)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    let text = reply.text().await.unwrap();
    assert!(text.contains("Unexpected role \\\"system\\\""), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 2. Structured-output extraction
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_tool_use_input_is_the_analysis() {
    let server = MockServer::start().await;
    // A text block before the tool call (as with tool_choice auto) must not be mistaken for it.
    let content =
        json!([{"type": "text", "text": "I'll record the analysis now."}, tool_use(&good_post_analysis())]);
    mount(&server, canned(message(content, "tool_use", usage(500, 60)))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(outcome.analysis.as_ref().unwrap(), &good_post_analysis());
    assert_eq!(outcome.attempts[0].http_status, Some(200));
    let raw: Value = serde_json::from_str(&outcome.attempts[0].raw_reply).unwrap();
    assert_eq!(raw, good_post_analysis(), "the raw reply is the tool input");
}

// ---------------------------------------------------------------------------------------------
// 3. Schema rules: templates and a deliberately poor schema
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn all_four_templates_are_accepted_by_a_server_enforcing_anthropics_schema_rules() {
    // Claude 4.5 decodes under the sent schema (structured outputs): the stand-in answers from
    // that copy, as constrained decoding would, and checks every request as Anthropic does. The
    // small integer ranges (customer_effort_score 1-5) reach it as enums, so its answers are in
    // range without a repair.
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let prices = PriceTable::bundled();
    for (name, _) in TEMPLATES {
        let spec = spec(name);
        assert!(
            !anthropic_violations(&spec.schema).is_empty(),
            "{name}: as written, Anthropic would reject it"
        );
        let compiled = compile(&spec.schema, name).unwrap();
        let outcome =
            analyze_one(provider(&server).as_ref(), &spec, &compiled, &billing_call(), &prices).await;
        assert_eq!(
            outcome.status,
            Status::Ok,
            "{name}: {:?} {:?}",
            outcome.errors,
            outcome.attempts.last().map(|a| &a.raw_reply)
        );
        assert_eq!(outcome.attempts.len(), 1, "{name}");
        let analysis = outcome.analysis.as_ref().unwrap();
        assert!(compiled.validate(analysis).is_empty(), "{name}: the original schema validates the result");
        // 1200 in, 90 out on claude-haiku-4-5 ($1 / $5 per 1M).
        let expected = 1200.0 * 1.00 / 1e6 + 90.0 * 5.00 / 1e6;
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
    assert!(!anthropic_violations(&poor_schema()).is_empty(), "as written, Anthropic would reject it");
    let server = MockServer::start().await;
    let good = poor_schema_good_answer();
    let reply = message(
        json!([{"type": "tool_use", "id": "toolu_01", "name": "Poor_schema", "input": good}]),
        "tool_use",
        usage(300, 40),
    );
    mount(&server, canned(reply)).await;
    let outcome = run_spec(&server, &poor_spec()).await;
    assert_eq!(outcome.status, Status::Ok, "{:?} {:?}", outcome.errors, outcome.attempts[0].raw_reply);
    assert_eq!(outcome.analysis.unwrap(), good);
    let sent = &bodies(&server).await[0]["output_config"]["format"]["schema"];
    assert!(anthropic_violations(sent).is_empty());
    let summary = &sent["properties"]["summary"];
    assert!(summary.get("minLength").is_none() && summary.get("maxLength").is_none());
    let described = summary["description"].as_str().unwrap();
    assert!(
        described.contains("minLength") && described.contains("40"),
        "moved into the description: {described}"
    );
    assert!(sent["properties"]["contact"].get("oneOf").is_none());
    assert_eq!(sent["properties"]["contact"]["anyOf"].as_array().unwrap().len(), 2, "oneOf sent as anyOf");
    assert_eq!(sent["properties"]["ticket"]["pattern"], "^T-[0-9]{4}$", "simple patterns are supported");
    assert_eq!(sent["properties"]["channel"]["const"], "phone", "const is supported");
}

#[tokio::test]
async fn a_moved_constraint_is_still_enforced_locally() {
    let server = MockServer::start().await;
    let mut bad = poor_schema_good_answer();
    bad["summary"] = json!("Refund."); // breaks minLength 40, which the sent schema no longer has
    bad["tags"] = json!(["billing"]); // breaks minItems 2 (Anthropic accepts only 0 or 1)
    let reply = message(
        json!([{"type": "tool_use", "id": "toolu_01", "name": "Poor_schema", "input": bad}]),
        "tool_use",
        usage(300, 40),
    );
    mount(&server, canned(reply)).await;
    let outcome = run_spec(&server, &poor_spec()).await;
    assert_eq!(outcome.status, Status::Invalid);
    assert_eq!(outcome.attempts.len(), 2, "one repair, then reported");
    let pointers: Vec<&str> = outcome.errors.iter().map(|e| e.pointer.as_str()).collect();
    assert!(pointers.contains(&"/summary") && pointers.contains(&"/tags"), "{pointers:?}");
    let second = &bodies(&server).await[1];
    let feedback = second["messages"][2]["content"].as_str().unwrap();
    assert!(feedback.contains("/summary") && feedback.contains("/tags"), "{feedback}");
}

// ---------------------------------------------------------------------------------------------
// 4. Truncation and 5. refusal
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stop_reason_max_tokens_is_truncated() {
    let server = MockServer::start().await;
    let partial = json!({"summary": "The customer called ab"});
    mount(&server, canned(message(json!([tool_use(&partial)]), "max_tokens", usage(900, 800)))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Truncated);
    assert_eq!(outcome.attempts.len(), 1, "no repair for a truncated reply");
    assert_eq!(outcome.usage.output_tokens, 800);
    let expected = 900.0 * 1.00 / 1e6 + 800.0 * 5.00 / 1e6;
    assert!((outcome.cost_usd.unwrap() - expected).abs() < 1e-12, "a truncated reply was still paid for");
}

#[tokio::test]
async fn stop_reason_refusal_is_refused() {
    let server = MockServer::start().await;
    let content = json!([{"type": "text", "text": "I can't help with analysing this conversation."}]);
    mount(&server, canned(message(content, "refusal", usage(300, 12)))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Refused);
    assert_eq!(outcome.attempts.len(), 1, "a refusal is not repaired");
    assert!(
        outcome.errors[0].message.contains("I can't help with analysing this conversation."),
        "{:?}",
        outcome.errors
    );

    // With no explanation at all, the outcome still says it was a refusal.
    let server = MockServer::start().await;
    mount(&server, canned(message(json!([]), "refusal", usage(300, 2)))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Refused);
    assert!(outcome.errors[0].message.contains("refusal"), "{:?}", outcome.errors);
}

// ---------------------------------------------------------------------------------------------
// 6. Auth and other client errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_key_is_an_error_with_anthropics_message_and_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, conforming_server).await;
    let p = llm::build(&ProviderConfig {
        kind: ProviderKind::Anthropic,
        base_url: Some(server.uri()),
        api_key: Some("sk-ant-wrong".into()),
        retry: fast_retry(4),
        ..ProviderConfig::default()
    })
    .unwrap();
    let spec = spec("post_analysis");
    let compiled = compile(&spec.schema, "t").unwrap();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "401 is never retried");
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(outcome.attempts[0].http_status, Some(401));
    let text = &outcome.errors[0].message;
    assert!(text.contains("HTTP 401") && text.contains("invalid x-api-key"), "{text}");
    assert!(outcome.attempts[0].raw_reply.contains("authentication_error"), "the body is kept verbatim");
    assert!(!text.contains("sk-ant-wrong"));
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (status, kind, message) in [
        (400, "invalid_request_error", "messages: text content blocks must be non-empty"),
        (403, "permission_error", "Your API key does not have permission to use the specified resource."),
        (404, "not_found_error", "model: claude-haiku-9"),
    ] {
        let server = MockServer::start().await;
        mount(&server, ResponseTemplate::new(status).set_body_json(error_body(kind, message))).await;
        let outcome = run(&server).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "HTTP {status}");
        let text = &outcome.errors[0].message;
        assert!(text.contains(&format!("HTTP {status}")) && text.contains(message), "{text}");
    }
}

#[test]
fn a_missing_key_names_anthropic_api_key() {
    let err = llm::build(&ProviderConfig { kind: ProviderKind::Anthropic, ..ProviderConfig::default() })
        .err()
        .unwrap();
    assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 7. Rate limits, overload and server errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_429_is_retried_after_the_servers_retry_after() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(error_body(
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 50 requests per minute.",
    ));
    mount_sequence(&server, limited, 1, canned(tool_reply(&good_post_analysis()))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(outcome.attempts.len(), 2, "the 429 is recorded as an attempt");
    let first = &outcome.attempts[0];
    assert_eq!(first.http_status, Some(429));
    let error = first.error.as_deref().unwrap();
    // Retry-After asked for 1 s; the policy caps waits at 40 ms, and its own backoff would be
    // at most 1 ms: a 40 ms wait means the header was read.
    assert!(error.contains("exceed the rate limit") && error.contains("retried after 40 ms"), "{error}");
    assert!(outcome.attempts[1].reason.starts_with("retry 1 of 1"), "{}", outcome.attempts[1].reason);
    assert_eq!(outcome.usage.input_tokens, 1200, "the rejected try was not billed");
}

#[tokio::test]
async fn overloaded_529_and_5xx_are_retried_then_succeed() {
    for (status, kind, message) in [
        (529, "overloaded_error", "Overloaded"),
        (500, "api_error", "Internal server error"),
        (503, "api_error", "Service unavailable"),
    ] {
        let server = MockServer::start().await;
        let failing = ResponseTemplate::new(status).set_body_json(error_body(kind, message));
        mount_sequence(&server, failing, 2, canned(tool_reply(&good_post_analysis()))).await;
        let outcome = run(&server).await;
        assert_eq!(outcome.status, Status::Ok, "HTTP {status}: {:?}", outcome.errors);
        assert_eq!(server.received_requests().await.unwrap().len(), 3, "HTTP {status}");
        assert_eq!(outcome.attempts.len(), 3);
        for a in &outcome.attempts[..2] {
            assert_eq!(a.http_status, Some(status));
            let e = a.error.as_deref().unwrap();
            assert!(
                e.contains(&format!("HTTP {status}")) && e.contains(message) && e.contains("retried after"),
                "{e}"
            );
        }
        assert!(outcome.attempts[2].reason.starts_with("retry 2 of 2"));
    }
}

#[tokio::test]
async fn overload_that_persists_gives_up_after_four_retries() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(529).set_body_json(error_body("overloaded_error", "Overloaded")))
        .await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
    assert_eq!(outcome.attempts.len(), 5);
    assert!(
        outcome.errors[0].message.contains("HTTP 529") && outcome.errors[0].message.contains("Overloaded")
    );
    assert_eq!(outcome.cost_usd, Some(0.0), "nothing was billed");
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
            .set_body_json(tool_reply(&good_post_analysis())),
    )
    .await;
    let p = llm::build(&ProviderConfig {
        kind: ProviderKind::Anthropic,
        base_url: Some(server.uri()),
        api_key: Some(KEY.into()),
        request_timeout: Some(Duration::from_millis(100)),
        retry: fast_retry(1),
    })
    .unwrap();
    let spec = spec("post_analysis");
    let compiled = compile(&spec.schema, "t").unwrap();
    let started = std::time::Instant::now();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
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
async fn cache_reads_and_writes_are_added_to_the_input_and_priced_apart() {
    let server = MockServer::start().await;
    let usage = json!({"input_tokens": 1000, "cache_creation_input_tokens": 2000, "cache_read_input_tokens": 3000, "output_tokens": 400});
    mount(&server, canned(message(json!([tool_use(&good_post_analysis())]), "tool_use", usage))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    // Anthropic's input_tokens exclude the cache: the prompt was 1000 + 2000 + 3000 tokens.
    assert_eq!(outcome.usage.input_tokens, 6000);
    assert_eq!(outcome.usage.cached_input_tokens, 3000);
    assert_eq!(outcome.usage.cache_write_tokens, 2000);
    assert_eq!(outcome.usage.output_tokens, 400);
    // claude-haiku-4-5: $1 input, $1.25 5-minute cache write, $0.10 cache read, $5 output per 1M:
    // 1000·1 + 2000·1.25 + 3000·0.10 + 400·5 = 1000 + 2500 + 300 + 2000 = 5800 → $0.0058.
    let by_hand = 0.0058;
    let cost = outcome.cost_usd.unwrap();
    assert!((cost - by_hand).abs() < 1e-12, "{cost}");
    let table = cost_usd(&outcome.usage, PriceTable::bundled().price(MODEL)).unwrap();
    assert!((table - by_hand).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------
// 10. Repair
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_schema_violation_is_repaired_with_alternating_turns() {
    let server = MockServer::start().await;
    let bad = json!({"summary": "Refund.", "topic": "weather", "resolved": true, "sentiment": "positive"});
    mount_sequence(
        &server,
        canned(message(json!([tool_use(&bad)]), "tool_use", usage(500, 30))),
        1,
        canned(message(json!([tool_use(&good_post_analysis())]), "tool_use", usage(560, 40))),
    )
    .await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.attempts[0].error.as_deref(), Some("1 schema error(s)"));
    assert_eq!(outcome.attempts[1].reason, "repair");
    assert_eq!(outcome.usage.input_tokens, 1060, "both attempts are counted");
    assert_eq!(outcome.analysis.unwrap()["topic"], "billing");
    let second = &bodies(&server).await[1];
    let roles: Vec<&str> =
        second["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    let previous: Value = serde_json::from_str(second["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(previous, bad, "the model sees its own previous answer");
    let feedback = second["messages"][2]["content"].as_str().unwrap();
    assert!(feedback.contains("/topic"), "{feedback}");
    assert!(second["system"].as_str().unwrap().starts_with("Analyze"), "the system prompt stays top-level");
    assert_eq!(second["output_config"]["format"]["type"], "json_schema", "the format is still sent");
}

#[tokio::test]
async fn prose_instead_of_a_tool_call_is_repaired() {
    let server = MockServer::start().await;
    let prose =
        message(json!([{"type": "text", "text": "The customer was refunded."}]), "end_turn", usage(500, 8));
    mount_sequence(&server, canned(prose), 1, canned(tool_reply(&good_post_analysis()))).await;
    let outcome = run(&server).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    assert_eq!(outcome.attempts.len(), 2);
    assert!(outcome.attempts[0].error.as_deref().unwrap().starts_with("not JSON"));
    let second = &bodies(&server).await[1];
    assert_eq!(second["messages"][1]["content"], "The customer was refunded.");
    assert!(second["messages"][2]["content"].as_str().unwrap().contains("not valid JSON"));
}
