//! The `debrief` binary end to end: the output contract, exit codes, the history, and secrets.

use crate::util::{chat_reply, root};
use debrief::core::schema::compile;
use debrief::core::spec::AnalysisSpec;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Run the binary; commands that use the history get `--data-dir`.
fn debrief(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.args(args);
    if matches!(args.first(), Some(&"analyze") | Some(&"runs")) {
        cmd.arg("--data-dir").arg(data);
    }
    cmd.current_dir(root())
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("DEBRIEF_DATA_DIR")
        .output()
        .expect("the debrief binary runs")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn expected_ids() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("sample_conversations/expected.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["conversation_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn offline_analyze_of_the_samples_is_all_ok_and_valid() {
    let data = TempDir::new().unwrap();
    let out = debrief(
        data.path(),
        &["analyze", "--template", "post_analysis", "--provider", "offline", "sample_conversations/"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = lines(&out);
    let mut ids: Vec<String> =
        results.iter().map(|r| r["conversation_id"].as_str().unwrap().to_string()).collect();
    let mut expected = expected_ids();
    ids.sort();
    expected.sort();
    assert!(expected.len() >= 24);
    assert_eq!(ids, expected, "one line per sample conversation");
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    let run_id = results[0]["run_id"].as_i64().unwrap();
    for r in &results {
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["provider"], "offline");
        assert_eq!(r["note"], "offline baseline (no LLM)");
        assert_eq!(r["run_id"].as_i64(), Some(run_id));
        assert_eq!(r["attempts"], 1);
        assert_eq!(r["cost_usd"], 0.0);
        assert_eq!(r["usage"]["input_tokens"], 0);
        assert!(r["estimate"]["input_tokens"].as_u64().unwrap() > 50, "estimate counts the real prompt: {r}");
        for key in ["source", "model", "errors", "latency_ms"] {
            assert!(r.get(key).is_some(), "line has {key}");
        }
        assert!(compiled.validate(&r["analysis"]).is_empty(), "{r}");
    }
    // The run is in the history with every result.
    let show = debrief(data.path(), &["runs", "show", &run_id.to_string(), "--json"]);
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    let doc: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(doc["results"].as_array().unwrap().len(), results.len());
    // Streamed row by row, yet byte for byte what pretty-printing the whole document gives.
    let whole = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    assert_eq!(String::from_utf8_lossy(&show.stdout), whole);
    assert_eq!(doc["run"]["counts"]["ok"].as_u64().unwrap() as usize, results.len());
    let list = debrief(data.path(), &["runs"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("Post analysis"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_run_is_stored_and_the_key_is_nowhere_in_the_database() {
    let server = MockServer::start().await;
    let good = serde_json::json!({"summary": "s", "topic": "billing", "resolved": true, "sentiment": "neutral", "follow_up_needed": false, "follow_up_notes": null});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &good.to_string(),
            "stop",
            700,
            100,
            50,
        )))
        .mount(&server)
        .await;
    let data = TempDir::new().unwrap();
    let key = "sk-proj-SECRET-never-stored-4b1d";
    let base = format!("{}/v1", server.uri());
    let dir = data.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args([
                "analyze",
                "--provider",
                "openai",
                "--model",
                "gpt-4o-mini",
                "--base-url",
                &base,
                "--data-dir",
            ])
            .arg(&dir)
            .arg("sample_conversations/support_billing_double_charge.txt")
            .current_dir(root())
            .env("OPENAI_API_KEY", key)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = &lines(&out)[0];
    assert_eq!(r["status"], "ok");
    assert_eq!(r["usage"]["cached_input_tokens"], 100);
    // 600 uncached × 0.15 + 100 cached × 0.075 + 50 out × 0.60, per million.
    let expected = (600.0 * 0.15 + 100.0 * 0.075 + 50.0 * 0.60) / 1e6;
    assert!((r["cost_usd"].as_f64().unwrap() - expected).abs() < 1e-12);
    assert!(r["analysis"].get("follow_up_notes").is_none());
    let mut found_db = false;
    for entry in std::fs::read_dir(data.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // owners/: lock files, empty once the process has ended
        }
        let bytes = std::fs::read(&path).unwrap();
        found_db |= path.file_name().unwrap() == "debrief.sqlite";
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "{} contains the API key",
            path.display()
        );
    }
    assert!(found_db);
    assert!(!stderr(&out).contains(key));
}

#[test]
fn a_schema_syntax_error_names_file_line_and_column() {
    let data = TempDir::new().unwrap();
    let schema = data.path().join("broken.json");
    std::fs::write(
        &schema,
        "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"string\"},\n  }\n}\n",
    )
    .unwrap();
    let out =
        debrief(data.path(), &["analyze", "--schema", schema.to_str().unwrap(), "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:5:3", schema.display())), "{err}");
    assert!(lines(&out).is_empty());
}

#[test]
fn an_invalid_keyword_value_names_its_pointer() {
    let data = TempDir::new().unwrap();
    let schema = data.path().join("bad.json");
    std::fs::write(&schema, r#"{"type": "object", "properties": {"topic": {"type": "strng"}}}"#).unwrap();
    let out =
        debrief(data.path(), &["estimate", "--schema", schema.to_str().unwrap(), "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("/properties/topic/type: \"strng\" is not valid"), "{err}");
    assert!(err.contains("bad.json"), "{err}");
}

#[test]
fn empty_and_binary_transcripts_are_reported_and_the_rest_still_run() {
    let data = TempDir::new().unwrap();
    let dir = data.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("empty.txt"), "   \n").unwrap();
    std::fs::write(dir.join("blob.txt"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::copy(
        root().join("sample_conversations/support_billing_double_charge.txt"),
        dir.join("good.txt"),
    )
    .unwrap();
    let out = debrief(data.path(), &["analyze", "--provider", "offline", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a bad input file makes the run not all-ok");
    let err = stderr(&out);
    assert!(err.contains("empty.txt") && err.contains("is empty"), "{err}");
    assert!(err.contains("blob.txt") && err.contains("binary"), "{err}");
    let results = lines(&out);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["status"], "ok");
}

#[test]
fn bad_arguments_exit_2() {
    let data = TempDir::new().unwrap();
    for args in [
        vec!["analyze", "no/such/folder"],
        vec!["analyze", "--template", "nope", "sample_conversations/"],
        vec!["analyze", "--provider", "carrier-pigeon", "sample_conversations/"],
        vec!["analyze", "--provider", "openai", "sample_conversations/"],
    ] {
        let out = debrief(data.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
    let out = debrief(data.path(), &["analyze", "--provider", "openai", "sample_conversations/"]);
    assert!(stderr(&out).contains("OPENAI_API_KEY"));
}

#[test]
fn estimate_and_templates() {
    let data = TempDir::new().unwrap();
    let out = debrief(
        data.path(),
        &[
            "estimate",
            "--template",
            "customer_support",
            "--provider",
            "openai",
            "--model",
            "gpt-4o",
            "--json",
            "sample_conversations/",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l = lines(&out);
    let total = &l.last().unwrap()["total"];
    assert_eq!(total["conversations"].as_u64().unwrap() as usize, l.len() - 1);
    let sum: u64 = l[..l.len() - 1].iter().map(|x| x["input_tokens"].as_u64().unwrap()).sum();
    assert_eq!(total["input_tokens"].as_u64().unwrap(), sum);
    assert_eq!(total["exact"], true);
    let cost = total["cost_usd"].as_f64().unwrap();
    let by_hand = (total["input_tokens"].as_f64().unwrap() * 2.5
        + total["output_tokens"].as_f64().unwrap() * 10.0)
        / 1e6;
    assert!((cost - by_hand).abs() < 1e-9, "{cost} vs {by_hand}");
    let t = Command::new(env!("CARGO_BIN_EXE_debrief")).args(["templates"]).output().unwrap();
    let text = String::from_utf8_lossy(&t.stdout);
    for name in ["post_analysis", "customer_support", "sales_qualification", "quality_assurance"] {
        assert!(text.contains(name));
    }
    let show = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["templates", "show", "quality_assurance"])
        .output()
        .unwrap();
    let spec: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(spec["schema"]["properties"]["overall_score"]["maximum"], 100);
}

#[test]
fn the_offline_baseline_is_labelled_in_the_history_listing() {
    let data = TempDir::new().unwrap();
    let out = debrief(
        data.path(),
        &["analyze", "--provider", "offline", "sample_conversations/qa_no_greeting.srt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = debrief(data.path(), &["runs"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("offline baseline (no LLM)"));
    let show = debrief(data.path(), &["runs", "show", "1"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("offline baseline (no LLM)"));
}

#[test]
fn spec_mistakes_are_usage_errors() {
    let data = TempDir::new().unwrap();
    let out = debrief(data.path(), &["analyze", "--model", "gpt-4o", "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has no effect with the offline baseline"), "{}", stderr(&out));
    let spec = data.path().join("typo.json");
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("assets/templates/post_analysis.json")).unwrap(),
    )
    .unwrap();
    v["temprature"] = serde_json::json!(0.2);
    std::fs::write(&spec, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let out = debrief(data.path(), &["analyze", "--spec", spec.to_str().unwrap(), "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown field `temprature`"), "{}", stderr(&out));
}

#[test]
fn absurd_schema_sizes_do_not_crash() {
    let data = TempDir::new().unwrap();
    let schema = data.path().join("huge.json");
    std::fs::write(&schema, r#"{"type": "object", "properties": {"s": {"type": "array", "items": {"type": "integer"}, "minItems": 18446744073709551615}, "t": {"type": "string", "minLength": 1000000000}}, "required": ["s", "t"]}"#).unwrap();
    let est = debrief(
        data.path(),
        &[
            "estimate",
            "--provider",
            "openai",
            "--model",
            "gpt-4o",
            "--schema",
            schema.to_str().unwrap(),
            "sample_conversations/qa_no_greeting.srt",
        ],
    );
    assert_eq!(est.status.code(), Some(0), "{}", stderr(&est));
    let out = debrief(
        data.path(),
        &["analyze", "--schema", schema.to_str().unwrap(), "sample_conversations/qa_no_greeting.srt"],
    );
    assert_eq!(out.status.code(), Some(1), "the baseline cannot satisfy it, and says so: {}", stderr(&out));
    assert_eq!(lines(&out)[0]["status"], "invalid");
}

#[tokio::test]
async fn debrief_log_debug_shows_requests_and_retries_but_never_a_key_or_the_transcript() {
    let server = MockServer::start().await;
    let key = "sk-proj-LOGGED-NEVER-9f2e";
    // The 429 echoes the key back, as some gateways do.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_string(format!("{{\"error\": {{\"message\": \"slow down, {key}\"}}}}")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let good = json!({"summary": "Refunded a double charge.", "topic": "billing", "resolved": true,
                      "sentiment": "positive", "follow_up_needed": false, "follow_up_notes": null});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_reply(
            &good.to_string(),
            "stop",
            700,
            0,
            50,
        )))
        .mount(&server)
        .await;
    let data = TempDir::new().unwrap();
    let base = format!("{}/v1", server.uri());
    let dir = data.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args([
                "analyze",
                "--provider",
                "openai",
                "--model",
                "gpt-4o-mini",
                "--base-url",
                &base,
                "--data-dir",
            ])
            .arg(&dir)
            .arg("sample_conversations/support_billing_double_charge.txt")
            .current_dir(root())
            .env("OPENAI_API_KEY", key)
            .env("DEBRIEF_LOG", "debug")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(
        log.contains("request") && log.contains("model=gpt-4o-mini") && log.contains("attempt=1"),
        "{log}"
    );
    assert!(log.contains("retrying after HTTP 429"), "{log}");
    assert!(!log.contains(key), "the key is never logged: {log}");
    let transcript =
        std::fs::read_to_string(root().join("sample_conversations/support_billing_double_charge.txt"))
            .unwrap();
    let line = transcript.lines().find(|l| l.len() > 30).unwrap();
    assert!(!log.contains(line.trim()), "nor the transcript: {log}");
}
