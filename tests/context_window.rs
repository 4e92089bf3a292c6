//! The context-window guard end to end: a conversation too long for gpt-4o-mini's 128,000
//! tokens is never sent (zero requests reach the stand-in server), or is sent once, shortened
//! to its first and last turns, when the spec says `on_too_long: head_tail`; `estimate` and
//! `project` flag it; `prices` lists the table and `--price` overrides it.

use crate::util::chat_reply;
use debrief::core::cost::PriceTable;
use debrief::core::outcome::Status;
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, OnTooLong, ProviderKind};
use debrief::core::transcript::{Conversation, Metadata, Speaker, Turn};
use debrief::engine::analyze_one;
use debrief::llm::{self, ProviderConfig};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const FILLER: &str = "the customer explains the billing problem again in some detail and the agent listens";

fn turn_text(i: usize) -> String {
    format!("turn number {i}: {FILLER}; {FILLER}; {FILLER}.")
}

/// About 150,000 tokens in 2,500 turns: over gpt-4o-mini's window.
fn long_conversation() -> Conversation {
    Conversation {
        id: "long-call".into(),
        turns: (0..2_500)
            .map(|i| Turn {
                speaker: if i % 2 == 0 { Speaker::Customer } else { Speaker::Agent },
                label: if i % 2 == 0 { "Customer".into() } else { "Agent".into() },
                text: turn_text(i),
                start_s: None,
            })
            .collect(),
        metadata: Metadata::default(),
        expected: None,
        source: "long-call.txt".into(),
    }
}

fn spec(on_too_long: Option<OnTooLong>) -> AnalysisSpec {
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::Openai;
    spec.model = "gpt-4o-mini".into();
    spec.max_repairs = 0;
    spec.on_too_long = on_too_long;
    spec
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply("{}", "stop", 100, 0, 5)))
        .mount(&server)
        .await;
    server
}

fn provider(server: &MockServer) -> Box<dyn llm::Provider> {
    llm::build(&ProviderConfig {
        kind: ProviderKind::Openai,
        base_url: Some(format!("{}/v1", server.uri())),
        api_key: Some("sk-test".into()),
        ..ProviderConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn too_long_is_skipped_without_a_request() {
    let server = server().await;
    let spec = spec(None);
    let compiled = compile(&spec.schema, "t").unwrap();
    let outcome = analyze_one(
        provider(&server).as_ref(),
        &spec,
        &compiled,
        &long_conversation(),
        &PriceTable::bundled(),
    )
    .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 0, "nothing may be sent");
    assert_eq!(outcome.status, Status::Skipped);
    let note = outcome.note.unwrap();
    assert!(note.starts_with("≈ ") && note.contains(" tokens; gpt-4o-mini's context is 128,000"), "{note}");
    assert_eq!(outcome.cost_usd, Some(0.0));
}

#[tokio::test]
async fn head_tail_sends_one_shortened_request_with_both_ends() {
    let server = server().await;
    let spec = spec(Some(OnTooLong::HeadTail));
    let compiled = compile(&spec.schema, "t").unwrap();
    let outcome = analyze_one(
        provider(&server).as_ref(),
        &spec,
        &compiled,
        &long_conversation(),
        &PriceTable::bundled(),
    )
    .await;
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request");
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("left out to fit the model's context window …]"), "the marker is sent");
    assert!(user.contains(&turn_text(0)), "the first turn is sent");
    assert!(user.contains(&turn_text(2_499)), "the last turn is sent");
    assert!(!user.contains(&turn_text(1_250)), "the middle is left out");
    let sent_tokens = debrief::core::cost::count_tokens(ProviderKind::Openai, "gpt-4o-mini", user).tokens;
    assert!((100_000..128_000).contains(&sent_tokens), "{sent_tokens} tokens sent");
    let note = outcome.note.unwrap();
    assert!(note.contains("shortened to fit") && note.contains("gpt-4o-mini's context is 128,000"), "{note}");
    assert_ne!(outcome.status, Status::Skipped);
}

#[tokio::test]
async fn unknown_models_are_never_held_back() {
    let server = server().await;
    let mut spec = spec(None);
    spec.model = "my-local-model".into();
    let compiled = compile(&spec.schema, "t").unwrap();
    analyze_one(provider(&server).as_ref(), &spec, &compiled, &long_conversation(), &PriceTable::bundled())
        .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// The long conversation as a text transcript, and a short one beside it.
fn corpus() -> TempDir {
    let dir = TempDir::new().unwrap();
    let mut text = String::new();
    for (i, t) in long_conversation().turns.iter().enumerate() {
        text.push_str(&format!("{}: {}\n", t.label, turn_text(i)));
    }
    std::fs::write(dir.path().join("long-call.txt"), text).unwrap();
    std::fs::write(
        dir.path().join("short-call.txt"),
        "Customer: Hi, my bill is wrong.\nAgent: Let me fix that.\n",
    )
    .unwrap();
    dir
}

fn debrief(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("DEBRIEF_DATA_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn analyze_cli_sends_nothing_for_the_long_call() {
    let server = server().await;
    let (dir, data) = (corpus(), TempDir::new().unwrap());
    let base = format!("{}/v1", server.uri());
    let long = dir.path().join("long-call.txt");
    let out = debrief(
        &[
            "analyze",
            "--provider",
            "openai",
            "--model",
            "gpt-4o-mini",
            "--data-dir",
            path(data.path()),
            path(&long),
        ],
        &[("OPENAI_API_KEY", "sk-test"), ("OPENAI_BASE_URL", &base)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["status"], "skipped", "{line}");
    assert!(line.to_string().contains("gpt-4o-mini's context is 128,000"), "{line}");
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[test]
fn estimate_flags_the_long_call_and_says_what_happens() {
    let dir = corpus();
    let out = debrief(&["estimate", "--provider", "openai", "--model", "gpt-4o-mini", path(dir.path())], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("1 of 2 conversation(s) exceed gpt-4o-mini's context window of 128,000 tokens"),
        "{text}"
    );
    assert!(text.contains("long-call ≈ ") && text.contains("→ skipped"), "{text}");
    assert!(text.contains("too long: skipped"), "{text}");
    let json = debrief(
        &["estimate", "--json", "--provider", "openai", "--model", "gpt-4o-mini", path(dir.path())],
        &[],
    );
    let lines: Vec<Value> =
        String::from_utf8_lossy(&json.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let long = lines.iter().find(|l| l["conversation_id"] == "long-call").unwrap();
    assert_eq!(long["too_long"]["action"], "skip");
    assert_eq!(long["too_long"]["window"], 128_000);
    assert!(long["too_long"]["needed"].as_u64().unwrap() > 128_000);
    assert_eq!(lines.last().unwrap()["total"]["too_long"], 1);
}

#[test]
fn project_flags_the_long_call() {
    let dir = corpus();
    let out = debrief(
        &[
            "project",
            "--provider",
            "openai",
            "--model",
            "gpt-4o-mini",
            "--per-month",
            "1000",
            path(dir.path()),
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("1 of 2 conversation(s) exceed gpt-4o-mini's context window"), "{text}");
    assert!(text.contains("not skipped 50%"), "the skip is in the projection: {text}");
}

#[test]
fn prices_lists_the_table_and_overrides_apply() {
    let out = debrief(&["prices", "--json"], &[]);
    let table: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(table["source_version"], "0.2.3");
    let models = table["models"].as_array().unwrap();
    let mini = models.iter().find(|m| m["model"] == "gpt-4o-mini").unwrap();
    assert_eq!((mini["input"].as_f64(), mini["context_window"].as_u64()), (Some(0.15), Some(128_000)));
    assert!(models.iter().any(|m| m["model"] == "claude-opus-4-6"));
    assert!(models.iter().any(|m| m["model"] == "gemini-3-flash-preview"));
    let text = debrief(&["prices", "gpt-5"], &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("gpt-5.4") && text.contains("1,050,000") && !text.contains("claude"), "{text}");

    // --price on estimate: 10× the input price gives (about) 10× the input cost.
    let dir = corpus();
    let short = dir.path().join("short-call.txt");
    let cost = |extra: &[&str]| -> f64 {
        let mut args = vec!["estimate", "--json", "--provider", "openai", "--model", "gpt-4o-mini"];
        args.extend_from_slice(extra);
        args.push(path(&short));
        let out = debrief(&args, &[]);
        let last: Value =
            serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap()).unwrap();
        last["total"]["cost_usd"].as_f64().unwrap()
    };
    let free = cost(&["--price", "gpt-4o-mini=0,0,0"]);
    assert_eq!(free, 0.0);
    let file = dir.path().join("prices.json");
    std::fs::write(
        &file,
        r#"{"currency":"USD","unit":"per 1M tokens","as_of":"2026-12-01","source":"contract",
            "models":[{"model":"gpt-4o-mini","provider":"openai","input":1000,"cached_input":0,"output":0}]}"#,
    )
    .unwrap();
    let dear = cost(&["--prices", path(&file)]);
    assert!(dear > 0.01, "{dear}");
    // A --price beats the file.
    assert_eq!(cost(&["--prices", path(&file), "--price", "gpt-4o-mini=0,0,0"]), 0.0);
    let bad = debrief(&["estimate", "--price", "gpt-4o-mini=1,2", path(&short)], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("MODEL=INPUT,CACHED,OUTPUT"));
}
