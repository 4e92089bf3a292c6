//! Reliability defects of issue 11, end to end through the `debrief` binary: keys echoed back
//! never stored or printed (2), repairs bounded (1), endpoint-aware reuse (9), limits (6).
//! Signals, kill -9 and two concurrent batches are in `reliability_process`; symlinks in
//! `transcripts`.

use crate::util::{chat_reply, root};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tempfile::TempDir;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The `debrief` binary with a clean environment (no keys or base URLs from the caller).
pub fn debrief(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.current_dir(root()).env("DEBRIEF_DATA_DIR", data);
    for var in [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "GEMINI_API_KEY",
        "GEMINI_BASE_URL",
        "GOOGLE_API_KEY",
        "OPENAI_COMPATIBLE_API_KEY",
        "OPENAI_COMPATIBLE_BASE_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A valid `post_analysis` answer.
pub fn good_answer() -> Value {
    json!({"summary": "Refund issued.", "topic": "billing", "resolved": true, "sentiment": "positive",
           "follow_up_needed": false, "follow_up_notes": null})
}

/// Counts requests and answers every one with a valid Chat Completions reply.
#[derive(Clone, Default)]
pub struct Counting(pub Arc<AtomicUsize>);

impl Respond for Counting {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(chat_reply(&good_answer().to_string(), "stop", 100, 0, 20))
    }
}

/// What the echoing server answers.
#[derive(Clone, Copy, Debug)]
enum Echo {
    Unauthorized,
    RateLimited,
    HtmlPage,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // Every credential the request carried, as a careless server would echo it.
        let mut seen: Vec<String> = ["authorization", "x-api-key", "x-goog-api-key"]
            .iter()
            .filter_map(|h| request.headers.get(*h).and_then(|v| v.to_str().ok()).map(str::to_string))
            .collect();
        seen.push(request.url.to_string());
        let echoed = seen.join(" | ");
        match self {
            Echo::Unauthorized => ResponseTemplate::new(401).set_body_json(
                json!({"error": {"message": format!("Incorrect API key provided: {echoed}")}}),
            ),
            Echo::RateLimited => ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"message": format!("Rate limit for key {echoed}")}})),
            Echo::HtmlPage => ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string(format!("<html><body>Welcome {echoed}</body></html>")),
        }
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Every byte of every file under `dir` (the database, its WAL, --out files).
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            bytes.extend(all_bytes(&path));
        } else if let Ok(b) = std::fs::read(&path) {
            bytes.extend(b);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_provider_echoes_is_never_stored_or_printed() {
    const KEY: &str = "sk-SECRET-echo-7f3a9c";
    const URL_PASS: &str = "urlpass-9e8d7c";
    const QUERY_KEY: &str = "AIzaQUERY-5b4a3c";
    let providers = [
        ("openai", "OPENAI_API_KEY", "/v1", ""),
        ("openai-compatible", "OPENAI_COMPATIBLE_API_KEY", "/v1", "creds"),
        ("anthropic", "ANTHROPIC_API_KEY", "", ""),
        ("gemini", "GEMINI_API_KEY", "/v1beta", "query"),
    ];
    for (provider, env, path, extra) in providers {
        for echo in [Echo::Unauthorized, Echo::RateLimited, Echo::HtmlPage] {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any()).respond_with(echo).mount(&server).await;
            let data = TempDir::new().unwrap();
            let port = server.address().port();
            let base = match extra {
                "creds" => format!("http://debrief:{URL_PASS}@127.0.0.1:{port}{path}"),
                "query" => format!("http://127.0.0.1:{port}{path}?key={QUERY_KEY}"),
                _ => format!("http://127.0.0.1:{port}{path}"),
            };
            let out_file = data.path().join("out.jsonl");
            let args = ["--template", "post_analysis", "--provider", provider, "--base-url", &base];
            let batch = tokio::task::spawn_blocking({
                let (data, out_file) = (data.path().to_path_buf(), out_file.clone());
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                move || {
                    debrief(&data)
                        .arg("batch")
                        .args(&args)
                        .arg("--out")
                        .arg(&out_file)
                        .arg("sample_conversations/support_password_reset.txt")
                        .env(env, KEY)
                        .output()
                        .unwrap()
                }
            })
            .await
            .unwrap();
            let summary: Value = serde_json::from_slice(&batch.stdout).unwrap_or(Value::Null);
            let run_id = summary["run_id"].as_i64().unwrap_or_else(|| panic!("{}", text(&batch)));
            let mut printed = text(&batch);
            for extra_args in [
                vec!["runs".to_string(), "--json".into()],
                vec!["runs".into()],
                vec!["runs".into(), "show".into(), run_id.to_string()],
                vec!["runs".into(), "show".into(), run_id.to_string(), "--json".into()],
            ] {
                let out = debrief(data.path()).args(&extra_args).output().unwrap();
                printed.push_str(&text(&out));
            }
            assert!(
                printed.contains("redacted") || matches!(echo, Echo::HtmlPage),
                "{provider} {echo:?}: the echo is shown, masked: {printed}"
            );
            let stored = all_bytes(data.path());
            for secret in [KEY, URL_PASS, QUERY_KEY] {
                assert!(!printed.contains(secret), "{provider} {echo:?}: {secret} printed: {printed}");
                assert!(!contains(&stored, secret), "{provider} {echo:?}: {secret} in the data folder");
            }
            let received = server.received_requests().await.unwrap();
            assert!(!received.is_empty(), "{provider} {echo:?}: the server was called");
        }
    }
}

/// Replies with text that is never JSON, 100 KB of it.
#[derive(Clone, Default)]
struct Broken(Arc<AtomicUsize>);

impl Respond for Broken {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        let rambling = "this is not json at all. ".repeat(4096);
        ResponseTemplate::new(200).set_body_json(chat_reply(&rambling, "stop", 100, 0, 20))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repairs_are_capped_resend_only_the_last_reply_and_store_bounded_attempts() {
    let data = TempDir::new().unwrap();
    // Above the cap: the CLI, a spec file and lint all say so.
    let out = debrief(data.path())
        .args(["batch", "--provider", "openai", "--max-repairs", "1000", "sample_conversations/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("0..=5"), "{}", text(&out));
    let mut spec = debrief::core::spec::AnalysisSpec::template("post_analysis").unwrap();
    spec.max_repairs = 1_000_000_000;
    let spec_path = data.path().join("spec.json");
    std::fs::write(&spec_path, serde_json::to_string(&spec).unwrap()).unwrap();
    let spec_arg = spec_path.to_string_lossy().into_owned();
    let out =
        debrief(data.path()).args(["batch", "--spec", &spec_arg, "sample_conversations/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("above the cap of 5"), "{}", text(&out));
    let out = debrief(data.path()).args(["lint", "--spec", &spec_arg]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("max_repairs 1000000000 is above the cap of 5"), "{}", text(&out));

    // At the cap, against a server that never answers JSON: 6 calls, each repair as small as
    // the first request plus one reply, and every stored reply cut at 64 KB.
    let server = MockServer::start().await;
    let broken = Broken::default();
    Mock::given(wiremock::matchers::any()).respond_with(broken.clone()).mount(&server).await;
    let base = format!("{}/v1", server.uri());
    let out = tokio::task::spawn_blocking({
        let data = data.path().to_path_buf();
        move || {
            debrief(&data)
                .args(["analyze", "--provider", "openai", "--base-url", &base, "--max-repairs", "5"])
                .arg("sample_conversations/support_password_reset.txt")
                .env("OPENAI_API_KEY", "sk-test-repairs")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(broken.0.load(Ordering::SeqCst), 6, "one call and five repairs");
    let requests = server.received_requests().await.unwrap();
    let messages = |i: usize| {
        let body: Value = serde_json::from_slice(&requests[i].body).unwrap();
        body["messages"].as_array().unwrap().len()
    };
    let first = messages(0);
    for i in 1..6 {
        assert_eq!(messages(i), first + 2, "repair {i} sends the original messages and the last reply only");
    }
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run_id = line["run_id"].as_i64().unwrap();
    let store = debrief::store::Store::open_in(data.path()).unwrap();
    let results = store.results(run_id).unwrap();
    let attempts = &results[0].outcome.attempts;
    assert_eq!(attempts.len(), 6);
    for a in attempts {
        assert!(a.raw_reply.len() < 64 * 1024 + 100, "{} bytes stored", a.raw_reply.len());
        assert!(a.raw_reply.contains("[truncated:"), "the cut is marked");
    }
}

/// A server that sends headers and half a body, then stalls; returns its base URL.
fn stalling_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\": \"stalled",
                );
                let _ = stream.flush();
                std::thread::sleep(std::time::Duration::from_secs(30));
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_capped_timeouts_are_settable_and_fifos_are_refused() {
    let data = TempDir::new().unwrap();
    let file = "sample_conversations/support_password_reset.txt";
    // A 17 MB reply is an error saying so.
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(17 * 1024 * 1024)))
        .mount(&server)
        .await;
    let base = format!("{}/v1", server.uri());
    let run = |args: Vec<String>| {
        let data = data.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            debrief(&data).args(&args).env("OPENAI_API_KEY", "sk-test-limits").output().unwrap()
        })
    };
    let args = |base: &str, extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["analyze", "--provider", "openai", "--base-url", base].iter().map(|s| s.to_string()).collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push(file.to_string());
        v
    };
    let out = run(args(&base, &[])).await.unwrap();
    assert!(text(&out).contains("larger than 16 MB"), "{}", text(&out));

    // A body that stalls is a timeout (--timeout 1, no retries of it beyond the policy).
    let stalled = stalling_server();
    let out = run(args(&stalled, &["--timeout", "1"])).await.unwrap();
    let shown = text(&out);
    assert!(shown.contains("timeout") || shown.contains("timed out"), "{shown}");
    assert!(!shown.contains("error decoding response body"), "{shown}");

    // FIFOs given as --schema or --spec are refused, not read forever.
    let fifo = data.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo_arg = fifo.to_string_lossy().into_owned();
    for flag in ["--schema", "--spec"] {
        let out = run(vec!["estimate".into(), flag.into(), fifo_arg.clone(), file.into()]).await.unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out));
        assert!(text(&out).contains("not a regular file"), "{flag}: {}", text(&out));
    }
}
