//! `debrief serve` as a process: `kill -9` with queued intake and pending deliveries, a restart,
//! and nothing lost; SIGTERM ends it with exit 0; keys and secrets never reach its log, the
//! exports, the payloads or the `list` commands.

use crate::receiver::{Behaviour, Receiver, verify};
use crate::serve::BILLING;
use crate::util::{chat_reply, root};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn debrief(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .current_dir(root())
        .env_remove("OPENAI_COMPATIBLE_BASE_URL")
        .env_remove("DEBRIEF_DATA_DIR")
        .output()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(data: &Path, port: u16, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--concurrency", "2"])
        .args([
            "--webhook-schedule",
            "0,500ms,500ms,500ms,500ms,500ms,500ms,500ms",
            "--webhook-timeout",
            "2",
            "--grace",
            "2",
        ])
        .arg("--data-dir")
        .arg(data)
        .env("DEBRIEF_LOG", "debug")
        .env_remove("OPENAI_COMPATIBLE_BASE_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn http(
    rt: &tokio::runtime::Runtime,
    method: &str,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    rt.block_on(async {
        let client = reqwest::Client::new();
        let mut r = client.request(method.parse().unwrap(), url).bearer_auth(key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        match r.send().await {
            Ok(resp) => {
                let s = resp.status().as_u16();
                (s, resp.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        }
    })
}

fn wait_up(rt: &tokio::runtime::Runtime, port: u16) {
    let start = Instant::now();
    while http(rt, "GET", &format!("http://127.0.0.1:{port}/healthz"), "", None).0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(20), "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_with_queued_intake_and_pending_deliveries_loses_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let model = rt.block_on(MockServer::start());
    let good = json!({"summary": "Duplicate charge refunded.", "topic": "billing", "resolved": true,
                      "sentiment": "positive", "follow_up_needed": false});
    rt.block_on(
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(chat_reply(&good.to_string(), "stop", 900, 0, 40))
                    .set_delay(Duration::from_millis(700)),
            )
            .mount(&model),
    );
    let receiver = Receiver::start(&[Behaviour::Status(500)]);
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let key = String::from_utf8(debrief(&data, &["keys", "create", "ci"]).stdout).unwrap().trim().to_string();
    assert!(key.starts_with("dbk_"), "{key}");
    let base_url = format!("{}/v1", model.uri());
    let added = debrief(
        &data,
        &[
            "agents",
            "add",
            "agt",
            "--template",
            "post_analysis",
            "--provider",
            "openai-compatible",
            "--model",
            "local",
            "--base-url",
            &base_url,
        ],
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let secret = String::from_utf8(debrief(&data, &["webhooks", "add", &receiver.url]).stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");

    let port = free_port();
    let mut first = serve(&data, port, &log);
    wait_up(&rt, port);
    let n = 8;
    for i in 0..n {
        let body = json!({"conversation_id": format!("k{i}"), "agent_id": "agt", "transcript": BILLING.replace("Sam", &format!("Sam{i}"))});
        let (status, reply) =
            http(&rt, "POST", &format!("http://127.0.0.1:{port}/api/conversations"), &key, Some(body));
        assert_eq!(status, 202, "{reply}");
    }
    // Some analyses are done (their webhooks failed with 500 and wait for a retry), most are not.
    receiver.wait_for(2, 30);
    first.kill().unwrap();
    first.wait().unwrap();
    let store = debrief::store::Store::open_in(&data).unwrap();
    let open = store.intake_open().unwrap();
    assert!(open.0 + open.1 > 0, "some intake must be unfinished at the kill: {open:?}");
    let counts = store.delivery_counts().unwrap();
    assert!(counts.pending > 0, "some deliveries must be pending at the kill: {counts:?}");
    drop(store);

    receiver.set_script(&[Behaviour::Status(200)]);
    let port = free_port();
    let mut second = serve(&data, port, &log);
    wait_up(&rt, port);
    let start = Instant::now();
    loop {
        let delivered: HashSet<String> = receiver
            .all()
            .iter()
            .filter(|r| verify(&secret, r))
            .map(|r| r.json()["conversation_id"].as_str().unwrap().to_string())
            .collect();
        let done = (0..n).all(|i| {
            let (_, doc) = http(
                &rt,
                "GET",
                &format!("http://127.0.0.1:{port}/api/conversations/k{i}/analysis"),
                &key,
                None,
            );
            doc["status"] == "ok"
        });
        let store = debrief::store::Store::open_in(&data).unwrap();
        let pending = store.delivery_counts().unwrap().pending;
        if done && delivered.len() == n && pending == 0 {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let docs: Vec<Value> = (0..n)
                .map(|i| {
                    http(
                        &rt,
                        "GET",
                        &format!("http://127.0.0.1:{port}/api/conversations/k{i}/analysis"),
                        &key,
                        None,
                    )
                    .1
                })
                .collect();
            panic!("after the restart: {} of {n} delivered, {pending} pending: {docs:#?}", delivered.len());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every event arrived at least once with a valid signature; repeats share their webhook-id.
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    for r in receiver.all() {
        assert!(verify(&secret, &r));
        ids.entry(r.json()["conversation_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(r.id().to_string());
    }
    assert_eq!(ids.len(), n);
    assert!(ids.values().all(|set| set.len() == 1), "one webhook-id per event: {ids:?}");

    // SIGTERM: a clean stop, exit 0.
    let status = Command::new("kill").args(["-TERM", &second.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = second.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM ends debrief serve with 0");

    assert_no_secrets(&data, dir.path(), &log, &receiver, &key, &secret);
}

#[test]
fn a_non_loopback_address_needs_a_key_and_a_second_server_is_refused() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let out = debrief(&data, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("without an API key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let port = free_port();
    let mut first = serve(&data, port, &dir.path().join("log"));
    wait_up(&rt, port);
    let out = debrief(&data, &["serve", "--listen", &format!("127.0.0.1:{}", free_port())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("another debrief process") && stderr.contains(&format!("127.0.0.1:{port}")),
        "{stderr}"
    );
    first.kill().unwrap();
    let _ = first.wait();
}

/// Keys and secrets never in the log, the exports, the payloads, or the list commands; the API
/// key is not even in the database (only its hash).
fn assert_no_secrets(data: &Path, dir: &Path, log: &Path, receiver: &Receiver, key: &str, secret: &str) {
    // Secrets: never in the log, the exports, the payloads, or the list commands; the API key is
    // not even in the database (only its hash).
    let out = dir.join("all.jsonl");
    assert!(
        debrief(data, &["export", "--all", "--format", "jsonl", "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let csv = dir.join("all.csv");
    assert!(
        debrief(data, &["export", "--all", "--format", "csv", "--out", csv.to_str().unwrap()])
            .status
            .success()
    );
    let secret_b64 = secret.trim_start_matches("whsec_");
    let mut haystacks = vec![
        ("serve log", std::fs::read_to_string(log).unwrap()),
        ("jsonl export", std::fs::read_to_string(&out).unwrap()),
        ("csv export", std::fs::read_to_string(&csv).unwrap()),
        (
            "payloads",
            receiver.all().iter().map(|r| format!("{:?}{}", r.headers.get("webhook-id"), r.body)).collect(),
        ),
    ];
    for cmd in [
        vec!["webhooks", "list", "--json"],
        vec!["keys", "list", "--json"],
        vec!["webhooks", "deliveries", "--json"],
        vec!["agents", "list", "--json"],
    ] {
        let o = debrief(data, &cmd);
        haystacks.push((
            "a list command",
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        ));
    }
    assert!(haystacks[0].1.contains("listening"), "the log was captured");
    for (what, text) in &haystacks {
        assert!(!text.contains(key), "the API key is in the {what}");
        assert!(!text.contains(secret_b64), "the webhook secret is in the {what}");
    }
    let db = std::fs::read(data.join("debrief.sqlite")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(key), "the API key itself is stored");
}
