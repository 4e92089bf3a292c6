//! `debrief batch` end to end: resume after `kill -9`, policy skips, repeats, adaptive
//! concurrency under rate limits.

use crate::util::{chat_reply, root};
use debrief::store::Store;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn batch_cmd(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.arg("batch").arg("--data-dir").arg(data).args(args);
    cmd.current_dir(root()).env_remove("OPENAI_BASE_URL").env_remove("DEBRIEF_DATA_DIR");
    cmd
}

fn summary(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Results committed so far, read the way another process would.
fn committed(data: &Path) -> usize {
    let Ok(store) = Store::open_in(data) else { return 0 };
    store.runs(&Default::default()).map(|runs| runs.iter().map(|r| r.n_results).sum()).unwrap_or(0)
}

fn answer() -> Value {
    let good = json!({"summary": "Refund issued.", "topic": "billing", "resolved": true, "sentiment": "positive",
                      "follow_up_needed": false, "follow_up_notes": null});
    chat_reply(&good.to_string(), "stop", 1000, 0, 50)
}

#[test]
fn a_killed_batch_loses_no_result_and_the_rerun_pays_only_for_the_rest() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(answer()).set_delay(Duration::from_millis(150)),
            )
            .mount(&server)
            .await;
        server
    });
    let data = TempDir::new().unwrap();
    let url = format!("{}/v1", server.uri());
    let args = [
        "--template",
        "post_analysis",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--base-url",
        &url,
        "--concurrency",
        "2",
        "sample_conversations/",
    ];
    let mut child = batch_cmd(data.path(), &args)
        .env("OPENAI_API_KEY", "sk-test-kill")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while committed(data.path()) < 8 {
        assert!(start.elapsed() < Duration::from_secs(60), "the batch never committed 8 results");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up.
    child.wait().unwrap();
    let done_before = committed(data.path());
    let paid_before = runtime.block_on(server.received_requests()).unwrap().len();
    assert!((8..29).contains(&done_before), "{done_before} committed before the kill");

    let out = batch_cmd(data.path(), &args).env("OPENAI_API_KEY", "sk-test-kill").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&out);
    let paid_after = runtime.block_on(server.received_requests()).unwrap().len() - paid_before;
    assert_eq!(s["reused"], json!(done_before), "every committed result is reused");
    assert_eq!(paid_after, 29 - done_before, "the rerun calls only for what was not committed");
    assert_eq!(s["counts"]["ok"], json!(29));
    assert_eq!(s["called"], json!(29 - done_before));

    // --fresh pays for everything again.
    let mut fresh = args.to_vec();
    fresh.push("--fresh");
    let out = batch_cmd(data.path(), &fresh).env("OPENAI_API_KEY", "sk-test-kill").output().unwrap();
    assert_eq!(summary(&out)["called"], json!(29));
}

#[test]
fn policy_skips_short_conversations_and_samples_by_content() {
    let data = TempDir::new().unwrap();
    let mut spec = debrief::core::spec::AnalysisSpec::template("post_analysis").unwrap();
    spec.policy.min_turns = Some(10);
    let path = data.path().join("spec.json");
    std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
    let spec_arg = path.to_string_lossy().into_owned();
    let out = batch_cmd(data.path(), &["--spec", &spec_arg, "--out", "/dev/stdout", "sample_conversations/"])
        .output()
        .unwrap();
    // Result lines then the summary; the summary is the pretty JSON after the last result line.
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect();
    let skipped: Vec<&Value> = lines.iter().filter(|l| l["status"] == "skipped").collect();
    assert!(!skipped.is_empty(), "some sample has fewer than 10 turns");
    for l in &skipped {
        assert!(l["note"].as_str().unwrap().contains("fewer than min_turns 10"), "{l}");
        assert_eq!(l["attempts"], json!(0), "no call for a skipped conversation");
    }
    assert!(out.status.success(), "skipped is not a failure");

    spec.policy = debrief::core::policy::Policy { sample_rate: Some(0.5), ..Default::default() };
    std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
    let run = |data: &Path| {
        let out =
            batch_cmd(data, &["--spec", &spec_arg, "--fresh", "sample_conversations/"]).output().unwrap();
        summary(&out)["counts"]["skipped"].as_u64().unwrap_or(0)
    };
    let first = run(data.path());
    assert!((5..=24).contains(&first), "about half of 29 not sampled: {first}");
    assert_eq!(run(data.path()), first, "the same conversations are sampled every time");
}

#[test]
fn repeats_report_stability_per_field() {
    let data = TempDir::new().unwrap();
    let out =
        batch_cmd(data.path(), &["--template", "post_analysis", "--repeat", "3", "sample_conversations/"])
            .output()
            .unwrap();
    let s = summary(&out);
    assert_eq!(s["results"], json!(87));
    let stability = s["stability"].as_array().unwrap();
    let topic = stability.iter().find(|f| f["field"] == "topic").unwrap();
    // The offline baseline is deterministic: every repeat agrees.
    assert_eq!((topic["stability"].as_f64(), topic["n"].as_u64()), (Some(1.0), Some(29)));
    assert_eq!(topic["unstable"], json!(false));
}

#[test]
fn under_rate_limits_at_concurrency_16_every_result_still_arrives() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after-ms", "20")
                    .set_body_json(json!({"error": {"message": "Rate limit reached", "type": "requests"}})),
            )
            .up_to_n_times(6)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer()))
            .mount(&server)
            .await;
        server
    });
    let data = TempDir::new().unwrap();
    let url = format!("{}/v1", server.uri());
    let out = batch_cmd(
        data.path(),
        &[
            "--template",
            "post_analysis",
            "--provider",
            "openai",
            "--base-url",
            &url,
            "--concurrency",
            "16",
            "sample_conversations/",
        ],
    )
    .env("OPENAI_API_KEY", "sk-test-429")
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary(&out)["counts"]["ok"], json!(29));
}

#[test]
fn labels_score_the_batch_and_gates_decide_the_exit_code() {
    let data = TempDir::new().unwrap();
    let base = ["--template", "post_analysis", "--expected", "sample_conversations/expected.jsonl"];
    let mut passing = base.to_vec();
    passing.extend(["--min-accuracy", "topic=0.8", "sample_conversations/"]);
    let out = batch_cmd(data.path(), &passing).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&out);
    // The offline baseline gets 24 of the 29 labelled topics right (see tests/pipeline.rs).
    let topic =
        s["evaluation"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == "topic").unwrap().clone();
    let accuracy = &topic["metrics"]["accuracy"];
    assert_eq!((accuracy["hits"].as_u64(), accuracy["n"].as_u64()), (Some(24), Some(29)));
    assert_eq!(s["gates"][0]["passed"], json!(true));

    let mut failing = base.to_vec();
    failing.extend(["--min-accuracy", "sentiment=0.95", "sample_conversations/"]);
    let out = batch_cmd(data.path(), &failing).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed gate fails the command");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gate failed: sentiment scored 0.690"));

    let mut typo = base.to_vec();
    typo.extend(["--min-accuracy", "topik=0.5", "sample_conversations/"]);
    assert_eq!(
        batch_cmd(data.path(), &typo).output().unwrap().status.code(),
        Some(1),
        "an unknown field never passes"
    );
    let out =
        batch_cmd(data.path(), &["--min-accuracy", "topic=90", "sample_conversations/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    // `debrief eval` scores a stored run the same way.
    let run_id = s["run_id"].to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["eval", &run_id, "--json", "--expected", "sample_conversations/expected.jsonl", "--data-dir"])
        .arg(data.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["evaluation"]["overall"], s["evaluation"]["overall"]);
}

#[test]
fn project_prices_a_month_for_every_model_with_the_batch_discount() {
    let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["project", "--template", "post_analysis", "--provider", "openai", "--model", "gpt-4o-mini"])
        .args(["--per-month", "100000", "--sample-rate", "0.2", "--json", "sample_conversations/"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["analysed_per_month"], json!(20000.0));
    let models = p["models"].as_array().unwrap();
    let mini = models.iter().find(|m| m["model"] == "gpt-4o-mini").unwrap();
    let (input, output) = (
        p["input"]["mean_input_tokens"].as_f64().unwrap(),
        p["input"]["mean_output_tokens"].as_f64().unwrap(),
    );
    let one = (input.round() * 0.15 + output.round() * 0.60) / 1e6;
    assert!((mini["monthly_cost_usd"].as_f64().unwrap() - one * 20000.0).abs() < 1e-9);
    assert!(
        (mini["monthly_batch_cost_usd"].as_f64().unwrap() * 2.0 - mini["monthly_cost_usd"].as_f64().unwrap())
            .abs()
            < 1e-12
    );
    assert!(models.len() >= 28, "every priced model side by side");
    let bad = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["project", "--per-month", "10", "--sample-rate", "2", "sample_conversations/"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_big_jsonl_export_streams_through_batch_with_its_embedded_labels_and_bad_lines() {
    // Over the 8 MB line-by-line threshold: the corpus is streamed into the run, not loaded.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("export.jsonl");
    let filler = "The agent apologised and explained the statement line by line. ".repeat(70);
    let mut text = String::new();
    let (mut good, mut labelled, mut i) = (0, 0, 0);
    while text.len() <= debrief::core::transcript::STREAM_OVER as usize {
        i += 1;
        if i == 5 {
            text.push_str("{\"id\": \"broken\", \"turns\": [\n");
            continue;
        }
        let expected = if i % 10 == 0 {
            labelled += 1;
            r#", "expected": {"topic": "billing"}"#
        } else {
            ""
        };
        text.push_str(&format!(
            "{{\"id\": \"call-{i}\", \"turns\": [{{\"speaker\": \"customer\", \"text\": \"I was charged twice for my subscription this month (order {i}). {filler}\"}}, {{\"speaker\": \"agent\", \"text\": \"I have refunded the duplicate charge.\"}}]{expected}}}\n"
        ));
        good += 1;
    }
    std::fs::write(&path, &text).unwrap();
    let data = TempDir::new().unwrap();
    let out = batch_cmd(data.path(), &["--template", "post_analysis", "--concurrency", "16"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a bad line fails the command: {stderr}");
    assert!(stderr.contains("export.jsonl: line 5: invalid JSON"), "{stderr}");
    let s = summary(&out);
    assert_eq!(s["results"], json!(good), "{stderr}");
    assert_eq!(s["counts"]["ok"], json!(good));
    let topic =
        s["evaluation"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == "topic").unwrap().clone();
    assert_eq!(topic["metrics"]["accuracy"]["n"], json!(labelled), "every embedded label is scored");
    assert_eq!(topic["metrics"]["accuracy"]["hits"], json!(labelled), "billing calls are billing");
    let store = Store::open_in(data.path()).unwrap();
    let runs = store.runs(&Default::default()).unwrap();
    assert_eq!(runs[0].n_results, good);
    assert_eq!(runs[0].n_planned, good + 1, "planned counts the non-blank lines");
}
