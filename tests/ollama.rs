//! The native Ollama provider against a loopback stand-in written from Ollama's API reference
//! (`POST /api/chat`: `model`, `messages`, `format` as a JSON schema, `stream: false`,
//! `options.num_ctx` / `num_predict` / `temperature`; the reply's `message.content`,
//! `done_reason`, `prompt_eval_count`, `eval_count`).
//!
//! The stand-in behaves as Ollama does where it matters: a prompt longer than `num_ctx` is cut
//! to its last `num_ctx` tokens without an error (here: the first turns vanish), so the test
//! proves the context is sized to fit.

use crate::util::{billing_call, conversation};
use debrief::core::cost::PriceTable;
use debrief::core::outcome::Status;
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind};
use debrief::engine::analyze_one;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn spec() -> AnalysisSpec {
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::Ollama;
    spec.model = "gemma3:270m".into();
    spec
}

/// Roughly four characters per token, as a server's tokenizer would count English text.
fn server_tokens(messages: &[Value]) -> u64 {
    messages.iter().map(|m| m["content"].as_str().unwrap_or("").len() as u64).sum::<u64>() / 4
}

fn ollama(req: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    if body["stream"] != json!(false) {
        return ResponseTemplate::new(400)
            .set_body_json(json!({"error": "this stand-in answers only stream: false"}));
    }
    let Some(schema) = body.get("format").filter(|f| f.is_object()) else {
        return ResponseTemplate::new(400).set_body_json(json!({"error": "format must be a JSON schema"}));
    };
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let num_ctx = body["options"]["num_ctx"].as_u64().unwrap_or(2048);
    let prompt_tokens = server_tokens(&messages);
    // Ollama keeps the end of an over-long prompt: the transcript's opening is what is lost.
    let seen = if prompt_tokens > num_ctx {
        "[truncated]".to_string()
    } else {
        messages.last().unwrap()["content"].as_str().unwrap().to_string()
    };
    let system = messages[0]["content"].as_str().unwrap_or("");
    let answer = llm::offline::analyze(schema, system, &conversation(&format!("Customer: {seen}\n")));
    ResponseTemplate::new(200).set_body_json(json!({
        "model": body["model"],
        "created_at": "2026-12-02T10:00:00Z",
        "message": {"role": "assistant", "content": answer.to_string()},
        "done": true,
        "done_reason": "stop",
        "prompt_eval_count": prompt_tokens.min(num_ctx),
        "eval_count": 42
    }))
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/api/chat")).respond_with(ollama).mount(&server).await;
    server
}

fn config(server: &MockServer) -> ProviderConfig {
    ProviderConfig { kind: ProviderKind::Ollama, base_url: Some(server.uri()), ..ProviderConfig::default() }
}

#[tokio::test]
async fn the_native_api_gets_the_schema_as_format_and_a_context_that_fits() {
    let server = server().await;
    let spec = spec();
    let compiled = compile(&spec.schema, "t").unwrap();
    let p = llm::build(&config(&server)).unwrap();
    // A long call: about 30,000 tokens, far past Ollama's 2,048/4,096 default.
    let mut text = String::from("Customer: My account number ends 4471 and I was charged twice.\n");
    for i in 0..1500 {
        text.push_str(&format!("Agent: Let me check line item {i} of the invoice for you now.\nCustomer: Sure, go ahead, item {i} looks wrong too.\n"));
    }
    let long = conversation(&text);
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &long, &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Ok, "{:?}", outcome.errors);
    let req = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["model"], "gemma3:270m");
    assert_eq!(body["stream"], json!(false));
    assert_eq!(body["format"]["type"], "object");
    assert_eq!(body["options"]["num_predict"], json!(800));
    assert_eq!(body["options"]["temperature"], json!(0.0));
    let num_ctx = body["options"]["num_ctx"].as_u64().unwrap();
    let messages = body["messages"].as_array().unwrap();
    let needed = server_tokens(messages) + 800;
    assert!(num_ctx >= needed, "num_ctx {num_ctx} must hold the prompt and the output ({needed})");
    assert!(num_ctx.is_multiple_of(1024) && num_ctx < needed * 2, "{num_ctx} is sized, not maxed");
    assert!(outcome.usage.input_tokens < num_ctx, "the server saw the whole prompt");
    assert!(req.headers.get("authorization").is_none(), "Ollama takes no key");

    // A short call still gets Ollama's own default, never less.
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Ok);
    let body: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    assert_eq!(body["options"]["num_ctx"], json!(4096));
    assert_eq!(outcome.usage.output_tokens, 42);
}

#[tokio::test]
async fn done_reason_length_is_truncated_and_penalties_reach_the_options() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "gemma3:270m", "message": {"role": "assistant", "content": format!("{{\"summary\": \"{}The cust", "The customer wants a refund. ".repeat(9))},
            "done": true, "done_reason": "length", "prompt_eval_count": 300, "eval_count": 800
        })))
        .mount(&server)
        .await;
    let mut spec = spec();
    spec.repeat_penalty = Some(1.3);
    spec.max_text_length = Some(300);
    let compiled = compile(&spec.schema, "t").unwrap();
    let p = llm::build(&config(&server)).unwrap();
    let outcome = analyze_one(p.as_ref(), &spec, &compiled, &billing_call(), &PriceTable::bundled()).await;
    assert_eq!(outcome.status, Status::Truncated);
    assert_eq!(outcome.attempts.len(), 1);
    assert!(
        outcome.errors[0].message.contains("`summary` repeats the same sentence 9 times"),
        "the loop is named, not only the cut: {:?}",
        outcome.errors
    );
    let body: Value = serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["options"]["repeat_penalty"], json!(1.3));
    assert_eq!(body["format"]["properties"]["summary"]["maxLength"], json!(300));
}

#[test]
fn ollama_host_sets_the_endpoint_and_the_preview_shows_api_chat() {
    let config = ProviderConfig::from_vars(ProviderKind::Ollama, None, |name| {
        (name == "OLLAMA_HOST").then(|| "0.0.0.0:11500".to_string())
    });
    assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:11500"));
    assert!(config.api_key.is_none());
    let preview = llm::preview(ProviderKind::Ollama, &spec(), &billing_call(), config.base_url.as_deref());
    assert_eq!(preview.url.as_deref(), Some("http://127.0.0.1:11500/api/chat"));
    assert!(preview.headers.is_empty());
    assert_eq!(ProviderKind::parse("ollama"), Some(ProviderKind::Ollama));
}
