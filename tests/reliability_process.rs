//! Reliability defects 3, 4 and 9 with real processes: SIGTERM/SIGINT let calls in flight
//! finish and commit (exit 143/130) and the rerun pays only for the rest; `kill -9` leaves a run
//! that the next start marks `interrupted` with its in-flight count; two batches of one spec over
//! one data folder pay once; reuse never crosses endpoints.

use crate::reliability::{Counting, debrief};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use wiremock::{Mock, MockServer};

/// A corpus of `n` distinct conversations.
fn corpus(dir: &Path, n: usize) -> PathBuf {
    let folder = dir.join("corpus");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..n {
        std::fs::write(
            folder.join(format!("call_{i}.txt")),
            format!("Agent: Thanks for calling, this is call {i}.\nCustomer: My invoice {i} is wrong.\nAgent: Fixed it.\n"),
        )
        .unwrap();
    }
    folder
}

/// A stand-in that answers every call after `delay`, counting calls as they arrive.
async fn stand_in(delay: Duration) -> (MockServer, Counting) {
    let server = MockServer::start().await;
    let counting = Counting::default();
    Mock::given(wiremock::matchers::any())
        .respond_with(DelayedCounting(counting.clone(), delay))
        .mount(&server)
        .await;
    (server, counting)
}

struct DelayedCounting(Counting, Duration);

impl wiremock::Respond for DelayedCounting {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.0.respond(request).set_delay(self.1)
    }
}

fn batch(data: &Path, server: &MockServer, corpus: &Path, concurrency: &str) -> std::process::Command {
    let mut cmd = debrief(data);
    cmd.args(["batch", "--provider", "openai", "--base-url", &format!("{}/v1", server.uri())])
        .args(["--concurrency", concurrency])
        .arg(corpus)
        .env("OPENAI_API_KEY", "sk-test-process")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Wait (bounded) until the stand-in has seen `n` calls.
async fn until_calls(counting: &Counting, n: usize) {
    let start = Instant::now();
    while counting.0.load(Ordering::SeqCst) < n {
        assert!(start.elapsed() < Duration::from_secs(60), "the stand-in never saw {n} calls");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap()
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill").args([name, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

fn runs_json(data: &Path) -> Vec<Value> {
    let out = debrief(data).args(["runs", "--json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sigint_commit_the_calls_in_flight_and_the_rerun_pays_only_the_rest() {
    for (sig, code) in [("-TERM", 143), ("-INT", 130)] {
        let dir = TempDir::new().unwrap();
        let files = corpus(dir.path(), 5);
        let (server, counting) = stand_in(Duration::from_millis(1500)).await;
        let data = dir.path().join("data");
        let child = batch(&data, &server, &files, "2").spawn().unwrap();
        until_calls(&counting, 2).await;
        signal(&child, sig);
        let out = wait(child).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "{sig}: {stderr}");
        let summary: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{sig}: no summary: {stderr}"));
        let sent = counting.0.load(Ordering::SeqCst);
        assert_eq!(
            summary["counts"]["ok"].as_u64(),
            Some(sent as u64),
            "{sig}: every call in flight is committed"
        );
        let runs = runs_json(&data);
        assert_eq!(runs[0]["state"], "cancelled", "{sig}: {runs:?}");

        let rerun = batch(&data, &server, &files, "2").output().unwrap();
        assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
        assert_eq!(counting.0.load(Ordering::SeqCst), 5, "{sig}: completed calls are not sent again");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_with_calls_in_flight_becomes_interrupted_with_their_count() {
    let dir = TempDir::new().unwrap();
    let files = corpus(dir.path(), 6);
    let (server, counting) = stand_in(Duration::from_secs(20)).await;
    let data = dir.path().join("data");
    let mut child = batch(&data, &server, &files, "3").spawn().unwrap();
    until_calls(&counting, 3).await;
    // Give the third claim's commit a moment is not needed: claims are written before sending.
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let runs = runs_json(&data);
    assert_eq!(runs[0]["state"], "interrupted", "{runs:?}");
    assert_eq!(runs[0]["in_flight"], 3, "{runs:?}");
    let text = debrief(&data).arg("runs").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("3 call(s) were in flight when the process died and may have been billed"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_batches_of_one_spec_over_one_data_folder_pay_once() {
    let dir = TempDir::new().unwrap();
    let files = corpus(dir.path(), 6);
    let (server, counting) = stand_in(Duration::from_millis(300)).await;
    let data = dir.path().join("data");
    // The history exists before both start (two processes creating one database at the same
    // instant may meet SQLite's lock while switching it to WAL).
    assert!(debrief(&data).arg("runs").output().unwrap().status.success());
    let first = batch(&data, &server, &files, "2").spawn().unwrap();
    let second = batch(&data, &server, &files, "2").spawn().unwrap();
    let (a, b) = (wait(first).await, wait(second).await);
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(counting.0.load(Ordering::SeqCst), 6, "one call per conversation across both processes");
    let called = |o: &Output| serde_json::from_slice::<Value>(&o.stdout).unwrap()["called"].as_u64().unwrap();
    assert_eq!(called(&a) + called(&b), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reuse_matches_the_endpoint() {
    let dir = TempDir::new().unwrap();
    let files = corpus(dir.path(), 2);
    let (a, counted_a) = stand_in(Duration::ZERO).await;
    let (b, counted_b) = stand_in(Duration::ZERO).await;
    let data = dir.path().join("data");
    for server in [&a, &b, &a] {
        let out = batch(&data, server, &files, "2").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(counted_a.0.load(Ordering::SeqCst), 2, "the third batch reuses server A's results");
    assert_eq!(counted_b.0.load(Ordering::SeqCst), 2, "server B gets its own calls");
}
