//! `debrief batch --via batch-api` end to end against the loopback stand-ins: the happy path
//! per provider, partial failure repaired by normal calls, expiry, cancel, a kill in the middle
//! of polling (the rerun submits nothing), and keys never in the uploads or the history.

use crate::batch_api_standin::{Ending, StandIn};
use crate::util::root;
use debrief::store::Store;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

const KEY: &str = "sk-batch-secret-4242";
const FILES: [&str; 4] = [
    "account_address_change.txt",
    "complaint_angry_escalation_supervisor.txt",
    "qa_no_greeting.srt",
    "general_shipping_question_openai.json",
];

struct Setup {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    stand_in: StandIn,
    data: TempDir,
    corpus: TempDir,
}

fn setup(polls_before_end: usize) -> Setup {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stand_in = StandIn::new(KEY, polls_before_end);
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(stand_in.clone()).mount(&server).await;
        server
    });
    let corpus = TempDir::new().unwrap();
    for f in FILES {
        std::fs::copy(root().join("sample_conversations").join(f), corpus.path().join(f)).unwrap();
    }
    Setup { runtime, server, stand_in, data: TempDir::new().unwrap(), corpus }
}

impl Setup {
    fn cmd(&self, provider: &str, extra: &[&str]) -> Command {
        self.cmd_via(provider, "batch-api", extra)
    }

    fn cmd_via(&self, provider: &str, via: &str, extra: &[&str]) -> Command {
        let (model, url, env) = match provider {
            "anthropic" => ("claude-sonnet-4-5", self.server.uri(), "ANTHROPIC_API_KEY"),
            "gemini" => ("gemini-2.5-flash", format!("{}/v1beta", self.server.uri()), "GEMINI_API_KEY"),
            _ => ("gpt-4o-mini", format!("{}/v1", self.server.uri()), "OPENAI_API_KEY"),
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
        cmd.arg("batch").arg("--data-dir").arg(self.data.path());
        cmd.args([
            "--template",
            "post_analysis",
            "--provider",
            provider,
            "--model",
            model,
            "--base-url",
            &url,
        ]);
        cmd.args(["--via", via, "--poll-interval", "0.02"]).args(extra).arg(self.corpus.path());
        cmd.current_dir(root()).env_remove("DEBRIEF_DATA_DIR").env_remove("GOOGLE_API_KEY").env(env, KEY);
        cmd
    }

    fn run(&self, provider: &str, extra: &[&str]) -> Output {
        self.cmd(provider, extra).output().unwrap()
    }

    fn jobs(&self) -> Vec<Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .arg("jobs")
            .arg("--data-dir")
            .arg(self.data.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// No key anywhere in what was uploaded or stored.
    fn assert_no_key(&self) {
        for upload in &self.stand_in.0.lock().unwrap().raw_uploads {
            assert!(!upload.contains(KEY), "the key is in an upload");
        }
        for entry in std::fs::read_dir(self.data.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
            assert!(!String::from_utf8_lossy(&bytes).contains(KEY), "the key is in the history");
        }
    }
}

fn summary(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "summary is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Each result's status and note, from the history.
fn stored(data: &Path) -> Vec<(String, Option<String>, Option<f64>)> {
    let store = Store::open_in(data).unwrap();
    let runs = store.runs(&Default::default()).unwrap();
    let run = runs.iter().map(|r| r.id).max().unwrap();
    store
        .results(run)
        .unwrap()
        .into_iter()
        .map(|r| (r.outcome.status.as_str().to_string(), r.outcome.note, r.outcome.cost_usd))
        .collect()
}

fn happy_path(provider: &str, submit: &str, normal: &str) {
    let s = setup(2);
    let out = s.run(provider, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sum = summary(&out);
    assert_eq!(sum["counts"]["ok"], json!(4), "{sum}");
    assert_eq!(s.stand_in.hits(submit), 1, "one submission");
    assert_eq!(s.stand_in.hits(normal), 0, "no normal call when the batch answered everything");
    assert_eq!(s.stand_in.0.lock().unwrap().submitted.len(), 4);
    let results = stored(s.data.path());
    assert_eq!(results.len(), 4);
    assert!(
        results.iter().all(|(st, note, _)| st == "ok" && note.as_deref().unwrap_or("").contains("batch API"))
    );
    let jobs = s.jobs();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0]["run_id"].is_i64(), "the job names its run: {}", jobs[0]);
    s.assert_no_key();
    // The same command again submits nothing and pays for nothing.
    let again = summary(&s.run(provider, &[]));
    assert_eq!(again["counts"]["ok"], json!(4));
    assert_eq!(s.stand_in.hits(submit), 1, "a rerun never submits again");
}

#[test]
fn openai_batch_happy_path_at_the_batch_price() {
    happy_path("openai", "POST /v1/batches", "POST /v1/chat/completions");
    // Cost at the batch price: half of the normal call's price for the same usage.
    let s = setup(0);
    let batched = summary(&s.run("openai", &[]))["cost_usd"].as_f64().unwrap();
    let normal =
        summary(&s.cmd_via("openai", "calls", &["--fresh"]).output().unwrap())["cost_usd"].as_f64().unwrap();
    assert!((batched * 2.0 - normal).abs() < 1e-9, "batch {batched} vs normal {normal}");
}

#[test]
fn anthropic_message_batches_happy_path() {
    happy_path("anthropic", "POST /v1/messages/batches", "POST /v1/messages");
}

#[test]
fn gemini_batch_mode_happy_path() {
    happy_path(
        "gemini",
        "POST /v1beta/models/gemini-2.5-flash:batchGenerateContent",
        "POST /v1beta/models/gemini-2.5-flash:generateContent",
    );
}

#[test]
fn errored_items_are_repaired_by_normal_calls_for_every_provider() {
    for (provider, normal) in [
        ("openai", "POST /v1/chat/completions"),
        ("anthropic", "POST /v1/messages"),
        ("gemini", "POST /v1beta/models/gemini-2.5-flash:generateContent"),
    ] {
        let s = setup(1);
        s.stand_in.set(|st| st.errored = vec!["c1".into(), "c3".into()]);
        let out = s.run(provider, &[]);
        assert!(out.status.success(), "{provider}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(summary(&out)["counts"]["ok"], json!(4), "{provider}");
        assert_eq!(s.stand_in.hits(normal), 2, "{provider}: one normal call per errored item");
        s.assert_no_key();
    }
}

#[test]
fn expired_requests_are_sent_as_normal_calls() {
    let s = setup(1);
    s.stand_in.set(|st| st.ending = Some(Ending::Expired(1)));
    let out = s.run("openai", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary(&out)["counts"]["ok"], json!(4));
    assert_eq!(s.stand_in.hits("POST /v1/chat/completions"), 3, "the three expired requests");
    assert_eq!(s.jobs()[0]["state"], "expired");
}

#[test]
fn cancel_stops_the_remote_job_and_keeps_what_it_finished() {
    let s = setup(usize::MAX);
    // Stop waiting early: the job keeps running remotely and is recorded.
    let out = s.run("openai", &["--max-wait", "0.1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("debrief jobs cancel"), "{stderr}");
    let jobs = s.jobs();
    assert_eq!((jobs.len(), jobs[0]["state"].as_str()), (1, Some("in_progress")));
    let id = jobs[0]["id"].to_string();
    let cancel = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["jobs", "--data-dir"])
        .arg(s.data.path())
        .args(["cancel", &id])
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    assert!(cancel.status.success(), "{}", String::from_utf8_lossy(&cancel.stderr));
    assert_eq!(s.stand_in.hits("POST /v1/batches/batch_1/cancel"), 1);
    assert_eq!(s.jobs()[0]["state"], "cancelled");
    // The rerun stores the one finished result and reports the rest without paying for them.
    let sum = summary(&s.run("openai", &[]));
    assert_eq!(sum["counts"]["ok"], json!(1), "{sum}");
    assert_eq!(sum["counts"]["error"], json!(3), "{sum}");
    assert_eq!(s.stand_in.hits("POST /v1/batches"), 1, "never submitted again");
    assert_eq!(s.stand_in.hits("POST /v1/chat/completions"), 0, "cancelled requests are not paid for");
    s.assert_no_key();
}

#[test]
fn a_process_killed_while_polling_is_resumed_without_a_second_submission() {
    let s = setup(usize::MAX);
    let mut child = s.cmd("openai", &[]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while s.stand_in.hits("GET /v1/batches/batch_1") < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "the batch was never polled");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL while polling.
    child.wait().unwrap();
    s.stand_in.set(|st| st.polls_before_end = 0);
    let out = s.run("openai", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(summary(&out)["counts"]["ok"], json!(4));
    assert_eq!(s.stand_in.hits("POST /v1/files"), 1, "the file was uploaded once");
    assert_eq!(s.stand_in.hits("POST /v1/batches"), 1, "the batch was submitted once");
    drop(s.runtime);
}

#[test]
fn the_history_view_lists_batch_jobs_with_state_and_counts() {
    use debrief::store::{BatchItem, NewBatchJob};
    let data = TempDir::new().unwrap();
    {
        let store = Store::open_in(data.path()).unwrap();
        let item =
            BatchItem { custom_id: "c0".into(), conversation_hash: "h".into(), conversation_id: "a".into() };
        let job = NewBatchJob {
            provider: "openai".into(),
            model: "gpt-4o-mini".into(),
            endpoint: "http://127.0.0.1:9/v1".into(),
            spec_hash: "s".into(),
            corpus_hash: "k".into(),
            part: 0,
            remote_id: "batch_abc".into(),
            input_file_id: Some("file-1".into()),
            state: "validating".into(),
            items: vec![item],
        };
        let id = store.insert_batch_job(&job).unwrap();
        let counts =
            std::collections::BTreeMap::from([("completed".to_string(), 3), ("total".to_string(), 4)]);
        store.update_batch_job(id, "in_progress", &counts, None, None).unwrap();
    }
    let mut g = crate::gui::gui_in(debrief::ui::app::state::UiState::default(), data);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
    g.wait("batch jobs are listed", |app| !app.model.history.batch_jobs.is_empty());
    assert!(g.has_label("Batch jobs (1)"));
    assert!(g.has_label("batch_abc"));
    assert!(g.has_label("in_progress"));
    assert!(g.has_label("completed 3 · total 4"));
    assert!(g.has_label("still at the provider"), "a job without a run says how to collect it");
}
