//! `estimate --exact`: Anthropic's `POST /v1/messages/count_tokens` and Gemini's
//! `POST /v1beta/models/{model}:countTokens`, against stand-ins written to the documented wire
//! format (Anthropic: `x-api-key` + `anthropic-version`, body without `max_tokens`, reply
//! `{"input_tokens": N}`; Gemini: `x-goog-api-key`, body `{"generateContentRequest": {...}}`,
//! reply `{"totalTokens": N}`).

use debrief::core::prompt::{ChatMessage, Role};
use debrief::core::spec::ProviderKind;
use debrief::llm::ProviderConfig;
use debrief::llm::count::Counter;
use serde_json::{Value, json};
use std::process::Command;
use tempfile::TempDir;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn messages() -> Vec<ChatMessage> {
    vec![
        ChatMessage { role: Role::System, content: "Summarise the call.".into() },
        ChatMessage { role: Role::User, content: "Customer: my bill is wrong".into() },
    ]
}

/// Anthropic's documented count_tokens request: no `max_tokens`, system apart, tools counted.
fn anthropic_reply(req: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let ok = body["model"].is_string()
        && body.get("max_tokens").is_none()
        && body["system"].is_string()
        && body["messages"].as_array().is_some_and(|m| m.iter().all(|m| m["role"] != "system"))
        && body["tools"][0]["input_schema"]["type"] == "object";
    if ok {
        ResponseTemplate::new(200).set_body_json(json!({"input_tokens": 1234}))
    } else {
        ResponseTemplate::new(400).set_body_json(json!({"type": "error", "error": {"type": "invalid_request_error", "message": "bad count request"}}))
    }
}

async fn anthropic_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .and(header("x-api-key", "sk-ant-test"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(anthropic_reply)
        .mount(&server)
        .await;
    server
}

async fn gemini_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1beta/models/gemini-2.5-flash:countTokens"))
        .and(header("x-goog-api-key", "g-test"))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let g = &body["generateContentRequest"];
            if g["model"] == "models/gemini-2.5-flash" && g["contents"][0]["parts"][0]["text"].is_string() {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"totalTokens": 987, "promptTokensDetails": []}))
            } else {
                ResponseTemplate::new(400).set_body_json(json!({"error": {"code": 400, "message": "bad"}}))
            }
        })
        .mount(&server)
        .await;
    server
}

fn config(kind: ProviderKind, base: String, key: Option<&str>) -> ProviderConfig {
    ProviderConfig { kind, base_url: Some(base), api_key: key.map(String::from), ..ProviderConfig::default() }
}

#[tokio::test]
async fn anthropic_count_tokens_is_asked_as_documented() {
    let server = anthropic_server().await;
    let counter =
        Counter::new(&config(ProviderKind::Anthropic, server.uri(), Some("sk-ant-test"))).unwrap().unwrap();
    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    assert_eq!(counter.count("claude-haiku-4-5", &messages(), &schema, "analysis").await.unwrap(), 1234);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn gemini_count_tokens_is_asked_as_documented() {
    let server = gemini_server().await;
    let base = format!("{}/v1beta", server.uri());
    let counter = Counter::new(&config(ProviderKind::Gemini, base, Some("g-test"))).unwrap().unwrap();
    let schema = json!({"type": "object"});
    assert_eq!(
        counter.count("models/gemini-2.5-flash", &messages(), &schema, "analysis").await.unwrap(),
        987
    );
}

#[tokio::test]
async fn no_key_or_no_endpoint_means_no_counter() {
    assert!(
        Counter::new(&config(ProviderKind::Anthropic, "http://127.0.0.1:9".into(), None)).unwrap().is_none()
    );
    assert!(
        Counter::new(&config(ProviderKind::Openai, "http://127.0.0.1:9".into(), Some("k")))
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_reply_without_the_count_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"tokens": 3})))
        .mount(&server)
        .await;
    let counter = Counter::new(&config(ProviderKind::Anthropic, server.uri(), Some("k"))).unwrap().unwrap();
    let err =
        counter.count("claude-haiku-4-5", &messages(), &json!({"type": "object"}), "a").await.unwrap_err();
    assert!(err.to_string().contains("input_tokens"), "{err}");
}

fn transcript() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("call.txt"), "Customer: Hi, my bill is wrong.\nAgent: Let me fix that.\n")
        .unwrap();
    dir
}

fn estimate(provider: &str, model: &str, env: &[(&str, &str)], dir: &TempDir) -> (Vec<Value>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.args(["estimate", "--exact", "--json", "--provider", provider, "--model", model])
        .arg(dir.path())
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GEMINI_BASE_URL")
        .env_remove("GOOGLE_API_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let lines =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn estimate_exact_uses_the_endpoints_when_keys_are_set() {
    let dir = transcript();
    let anthropic = anthropic_server().await;
    let (lines, err) = estimate(
        "anthropic",
        "claude-haiku-4-5",
        &[("ANTHROPIC_API_KEY", "sk-ant-test"), ("ANTHROPIC_BASE_URL", &anthropic.uri())],
        &dir,
    );
    assert_eq!(lines[0]["input_tokens"], 1234, "{err}");
    assert_eq!(lines[1]["total"]["exact"], true);
    assert!(lines[1]["total"]["counts"].as_str().unwrap().contains("token-count endpoint"));

    let gemini = gemini_server().await;
    let base = format!("{}/v1beta", gemini.uri());
    let (lines, err) = estimate(
        "gemini",
        "gemini-2.5-flash",
        &[("GOOGLE_API_KEY", "g-test"), ("GEMINI_BASE_URL", &base)],
        &dir,
    );
    assert_eq!(lines[0]["input_tokens"], 987, "{err}");
}

#[test]
fn estimate_exact_without_a_key_says_it_is_approximate() {
    let dir = transcript();
    let (lines, _) = estimate("anthropic", "claude-haiku-4-5", &[], &dir);
    let total = &lines.last().unwrap()["total"];
    assert_eq!(total["exact"], false);
    assert!(total["counts"].as_str().unwrap().contains("approximate"), "{total}");
    assert_ne!(lines[0]["input_tokens"], 1234);
}
