//! `debrief serve` in process, on 127.0.0.1: intake → result → signed webhook → GET; idempotent
//! re-posts and 409; policy skips that send `skipped` events; 401/404/413; receivers that
//! answer 500 then 200, 410, hang or close mid-response; rules that fire events; the watch
//! folder; and exports read back with the arrow and csv readers.

use crate::receiver::{Behaviour, Receiver, payload_validator, verify};
use debrief::core::spec::AnalysisSpec;
use debrief::core::webhook::RetrySchedule;
use debrief::engine::Engine;
use debrief::engine::deliver::DeliveryConfig;
use debrief::server::{ServeConfig, Server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub struct Pipeline {
    pub rt: tokio::runtime::Runtime,
    pub dir: TempDir,
    pub engine: Engine,
    server: Option<Server>,
    pub key: String,
    pub base: String,
    pub secret: String,
    pub receiver: Receiver,
    client: reqwest::Client,
}

pub const BILLING: &str = "Agent: Thank you for calling Northwind billing, this is Sam.\nCustomer: I was charged twice for my plan this month.\nAgent: I see the duplicate charge and I have refunded it.\nCustomer: Great, thank you so much!\nAgent: You're welcome. Anything else?\nCustomer: No, that's all.";

impl Pipeline {
    /// A data folder with a key, an offline agent `agt_xyz` (post_analysis) and one endpoint
    /// at a receiver running `script`; the server on a free port with fast retries.
    pub fn start(script: &[Behaviour]) -> Pipeline {
        Pipeline::start_with(script, |_| {})
    }

    pub fn start_with(script: &[Behaviour], setup: impl FnOnce(&Engine)) -> Pipeline {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = TempDir::new().unwrap();
        let engine = Engine::open(dir.path()).unwrap();
        let key = engine.create_key("tests").unwrap();
        engine.add_agent("agt_xyz", &AnalysisSpec::template("post_analysis").unwrap(), None).unwrap();
        let receiver = Receiver::start(script);
        let (_, secret) = engine.add_webhook(&receiver.url, &[], None).unwrap();
        setup(&engine);
        let mut p = Pipeline {
            rt,
            dir,
            engine,
            server: None,
            key,
            base: String::new(),
            secret: secret.expose(),
            receiver,
            client: reqwest::Client::new(),
        };
        p.restart();
        p
    }

    /// (Re)start the server on a free port.
    pub fn restart(&mut self) {
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            delivery: DeliveryConfig {
                timeout: Duration::from_millis(800),
                schedule: RetrySchedule::parse("0,200ms,200ms,200ms").unwrap(),
                flush: Duration::from_secs(2),
                ..Default::default()
            },
            ..Default::default()
        };
        let engine = self.engine.clone();
        let server = self.rt.block_on(Server::start(engine, config)).unwrap();
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown()).unwrap();
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        self.rt.block_on(async {
            let mut r = self.client.request(method.parse().unwrap(), format!("{}{path}", self.base));
            if let Some(k) = key {
                r = r.bearer_auth(k);
            }
            if let Some(b) = body {
                r = r.json(&b);
            }
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), headers)
        })
    }

    pub fn post(&self, body: Value, query: &str) -> (u16, Value) {
        let (s, v, _) =
            self.request("POST", &format!("/api/conversations{query}"), Some(&self.key), Some(body));
        (s, v)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let (s, v, _) = self.request("GET", path, Some(&self.key), None);
        (s, v)
    }

    /// Wait until the conversation's analysis has a final status.
    pub fn wait_analysis(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let (status, doc) = self.get(&format!("/api/conversations/{id}/analysis"));
            assert_eq!(status, 200, "{doc}");
            if doc["status"] != "queued" && doc["status"] != "running" {
                return doc;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{id} still {}", doc["status"]);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait (at most 5 s) until the newest delivery is in `state`, and return it.
    pub fn wait_delivery_state(&self, state: &str) -> debrief::store::DeliveryRow {
        let start = Instant::now();
        loop {
            let d = self.deliveries().remove(0);
            if d.state == state {
                return d;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "delivery {} is {}, not {state}",
                d.id,
                d.state
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Deliveries of the only endpoint, newest first.
    pub fn deliveries(&self) -> Vec<debrief::store::DeliveryRow> {
        self.engine.deliveries(&Default::default()).unwrap()
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn intake(id: &str, transcript: Value) -> Value {
    json!({"conversation_id": id, "agent_id": "agt_xyz", "channel": "voice", "transcript": transcript})
}

#[test]
fn intake_result_signed_webhook_and_get_agree() {
    let p = Pipeline::start(&[Behaviour::Status(200)]);
    let (status, body) = p.post(intake("conv_abc123", json!(BILLING)), "");
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, json!({"conversation_id": "conv_abc123", "status": "queued"}));
    let doc = p.wait_analysis("conv_abc123");
    assert_eq!(doc["status"], "ok", "{doc}");
    assert_eq!(doc["agent_id"], "agt_xyz");
    assert_eq!(doc["spec"]["name"], "Post analysis");
    assert_eq!(doc["analysis"]["topic"], "billing");
    for key in [
        "conversation_id",
        "agent_id",
        "status",
        "analysis",
        "errors",
        "spec",
        "model",
        "usage",
        "cost_usd",
        "analyzed_at",
    ] {
        assert!(doc.get(key).is_some(), "GET lacks {key}: {doc}");
    }

    let got = p.receiver.wait_for(1, 10);
    let hook = &got[0];
    assert!(verify(&p.secret, hook), "signature does not verify: {:?}", hook.headers);
    assert!(!verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", hook), "another secret must not verify");
    let payload = hook.json();
    assert!(payload_validator().is_valid(&payload), "{payload}");
    assert_eq!(payload["event"], "conversation.analyzed");
    assert_eq!(payload["conversation_id"], "conv_abc123");
    assert_eq!(payload["agent_id"], "agt_xyz");
    assert_eq!(payload["analysis"], doc["analysis"], "the webhook and the API say the same");
    assert_eq!(payload["spec_version"], doc["spec"]["version"]);
    assert!(hook.headers["webhook-id"].starts_with("msg_"));
    assert_eq!(hook.headers["content-type"], "application/json");

    let (status, list) = p.get("/api/conversations?agent_id=agt_xyz&status=ok");
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (status, runs) = p.get("/api/runs");
    assert_eq!(status, 200);
    let run_id = runs["data"][0]["id"].as_i64().unwrap();
    assert_eq!(runs["data"][0]["kind"], "intake");
    let (status, run) = p.get(&format!("/api/runs/{run_id}"));
    assert_eq!(status, 200);
    assert_eq!(run["results"][0]["conversation_id"], "conv_abc123");
    let delivered = p.deliveries();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].state, "delivered");
}

#[test]
fn reposts_are_idempotent_conflicts_are_409_and_reanalyze_replaces() {
    let p = Pipeline::start(&[Behaviour::Status(200)]);
    assert_eq!(p.post(intake("c1", json!(BILLING)), "").0, 202);
    let first = p.wait_analysis("c1");
    p.receiver.wait_for(1, 10);
    let (status, again) = p.post(intake("c1", json!(BILLING)), "");
    assert_eq!(status, 200, "the same id and content returns the existing result");
    assert_eq!(again["analysis"], first["analysis"]);
    assert_eq!(again["analyzed_at"], first["analyzed_at"], "nothing was analysed again");

    let other = "Agent: Hello.\nCustomer: I want to cancel my subscription today.\nAgent: Done, it is cancelled.\nCustomer: Thanks.";
    let (status, body) = p.post(intake("c1", json!(other)), "");
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(body["error"]["message"].as_str().unwrap().contains("reanalyze=true"));

    assert_eq!(p.post(intake("c1", json!(other)), "?reanalyze=true").0, 202);
    let start = Instant::now();
    while p.wait_analysis("c1")["analyzed_at"] == first["analyzed_at"] {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    p.receiver.wait_for(2, 10);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(p.receiver.all().len(), 2, "one webhook per analysis, none for the idempotent re-post");
}

#[test]
fn policy_channel_and_end_reason_skips_send_skipped_events() {
    let p = Pipeline::start_with(&[Behaviour::Status(200)], |engine| {
        let mut spec = AnalysisSpec::template("post_analysis").unwrap();
        spec.policy.skip_end_reasons = vec!["voicemail".into(), "no-answer".into()];
        spec.policy.skip_channels = vec!["sms".into()];
        spec.policy.min_turns = Some(3);
        engine.add_agent("agt_xyz", &spec, None).unwrap();
    });
    let mut vm = intake("vm", json!(BILLING));
    vm["end_reason"] = json!("voicemail");
    let mut sms = intake("sms", json!(BILLING));
    sms["channel"] = json!("SMS");
    let short = intake("short", json!("Agent: Hello?\nCustomer: Wrong number."));
    for body in [vm, sms, short] {
        assert_eq!(p.post(body, "").0, 202);
    }
    let got = p.receiver.wait_for(3, 10);
    let validator = payload_validator();
    for (id, reason) in [("vm", "voicemail"), ("sms", "channel SMS"), ("short", "min_turns")] {
        let doc = p.wait_analysis(id);
        assert_eq!(doc["status"], "skipped", "{doc}");
        let hook = got
            .iter()
            .map(|r| r.json())
            .find(|v| v["conversation_id"] == id)
            .unwrap_or_else(|| panic!("{id}: {:?}", got.iter().map(|r| r.json()).collect::<Vec<_>>()));
        assert!(validator.is_valid(&hook), "{hook}");
        assert_eq!(hook["status"], "skipped");
        assert!(hook["analysis"].is_null());
        assert!(hook["errors"][0]["message"].as_str().unwrap().contains(reason), "{hook}");
    }
}

#[test]
fn auth_unknown_ids_bad_bodies_and_huge_bodies_get_json_errors() {
    let p = Pipeline::start(&[Behaviour::Status(200)]);
    let (status, body, headers) = p.request("GET", "/api/conversations/x/analysis", None, None);
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _, _) = p.request("GET", "/api/runs", Some("dbk_wrong"), None);
    assert_eq!(status, 401);
    let (status, body, _) = p.request("GET", "/healthz", None, None);
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "healthz needs no key");

    let (status, body) = p.get("/api/conversations/nope/analysis");
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(p.get("/api/runs/999").0, 404);

    let (status, body) = p.post(json!({"conversation_id": "c", "agent_id": "agt_xyz", "transcript": 5}), "");
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("/transcript"), "{body}");
    let (status, body) =
        p.post(json!({"conversation_id": "c", "agent_id": "ghost", "transcript": BILLING}), "");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "unknown_agent");

    // 64 MB is the limit: a larger declared body is refused before it is read.
    use std::io::{Read, Write};
    let addr = p.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/conversations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{",
        p.key,
        65 * 1024 * 1024
    )
    .unwrap();
    let mut reply = [0u8; 512];
    let n = s.read(&mut reply).unwrap();
    let text = String::from_utf8_lossy(&reply[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("too_large"), "{text}");
}

#[test]
fn a_500_then_200_is_retried_with_the_same_webhook_id_and_every_attempt_is_logged() {
    let p = Pipeline::start(&[Behaviour::Status(500), Behaviour::RetryAfter1, Behaviour::Status(200)]);
    assert_eq!(p.post(intake("r1", json!(BILLING)), "").0, 202);
    let got = p.receiver.wait_for(3, 15);
    assert_eq!(got[0].id(), got[1].id());
    assert_eq!(got[1].id(), got[2].id());
    assert!(got.iter().all(|r| verify(&p.secret, r)));
    assert!(got[2].at - got[1].at >= Duration::from_millis(900), "Retry-After: 1 was honoured");
    let d = p.wait_delivery_state("delivered");
    let attempts = p.engine.delivery_attempts(d.id).unwrap();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert_eq!(attempts[0].response.as_deref(), Some("ok"), "the reply's start is kept");
    assert_eq!(attempts[0].error.as_deref(), Some("HTTP 500"));
}

#[test]
fn a_410_disables_the_endpoint_and_a_dead_receiver_fails_after_the_schedule() {
    let p = Pipeline::start(&[Behaviour::Status(410)]);
    assert_eq!(p.post(intake("g1", json!(BILLING)), "").0, 202);
    p.receiver.wait_for(1, 10);
    p.wait_delivery_state("failed");
    let endpoint = p.engine.webhooks().unwrap().remove(0);
    assert!(!endpoint.enabled);
    assert!(endpoint.disabled_reason.unwrap().contains("410"));
    assert_eq!(p.post(intake("g2", json!(BILLING.replace("Sam", "Kim"))), "").0, 202);
    p.wait_analysis("g2");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(p.receiver.all().len(), 1, "nothing is sent to a disabled endpoint");
}

#[test]
fn hanging_and_half_closing_receivers_are_timed_out_logged_and_retried() {
    let p = Pipeline::start(&[
        Behaviour::Hang(Duration::from_secs(3)),
        Behaviour::CloseMidResponse,
        Behaviour::Status(200),
    ]);
    assert_eq!(p.post(intake("h1", json!(BILLING)), "").0, 202);
    let got = p.receiver.wait_for(3, 15);
    assert!(got.windows(2).all(|w| w[0].id() == w[1].id()));
    let d = p.wait_delivery_state("delivered");
    let attempts = p.engine.delivery_attempts(d.id).unwrap();
    assert_eq!(attempts.len(), 3);
    let first = attempts[0].error.as_deref().unwrap();
    assert!(first.contains("timed out"), "{first}");
    assert!(attempts[0].latency_ms >= 700, "the 800 ms timeout applied: {}", attempts[0].latency_ms);
    let second = attempts[1].error.as_deref().unwrap();
    assert!(
        second.contains("closed") || second.contains("body") || second.contains("request failed"),
        "{second}"
    );
}

#[test]
fn rules_fire_their_events() {
    let p = Pipeline::start_with(&[Behaviour::Status(200)], |engine| {
        engine.add_rule("billing call", "topic == \"billing\"", Some("billing.flagged")).unwrap();
        engine.add_rule("never", "topic == \"sales\"", Some("sales.lead")).unwrap();
    });
    assert_eq!(p.post(intake("e1", json!(BILLING)), "").0, 202);
    let got = p.receiver.wait_for(2, 10);
    std::thread::sleep(Duration::from_millis(300));
    let events: Vec<Value> = p.receiver.all().iter().map(|r| r.json()).collect();
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"conversation.analyzed") && names.contains(&"billing.flagged"), "{names:?}");
    let rule_event = events.iter().find(|e| e["event"] == "billing.flagged").unwrap();
    assert_eq!(rule_event["rule"]["name"], "billing call");
    assert!(payload_validator().is_valid(rule_event), "{rule_event}");
    assert_ne!(got[0].id(), got[1].id(), "each event is its own message");
}

#[test]
fn the_watch_folder_takes_each_new_file_once() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = TempDir::new().unwrap();
    let watched = TempDir::new().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    engine.add_agent("agt_w", &AnalysisSpec::template("post_analysis").unwrap(), None).unwrap();
    let receiver = Receiver::start(&[Behaviour::Status(200)]);
    engine.add_webhook(&receiver.url, &[], None).unwrap();
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        watch: Some((watched.path().to_path_buf(), "agt_w".into())),
        ..Default::default()
    };
    let server = rt.block_on(Server::start(engine.clone(), config)).unwrap();
    std::fs::write(watched.path().join("call_1.txt.part"), BILLING).unwrap();
    std::fs::write(watched.path().join("call_1.txt"), BILLING).unwrap();
    std::fs::write(watched.path().join("copy_of_call_1.txt"), BILLING).unwrap();
    let got = receiver.wait_for(1, 15);
    assert_eq!(got[0].json()["agent_id"], "agt_w");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(receiver.all().len(), 1, "the copy has the same content and the .part file is never taken");
    rt.block_on(server.shutdown()).unwrap();
    // A restart does not take the file again.
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        watch: Some((watched.path().to_path_buf(), "agt_w".into())),
        ..Default::default()
    };
    let server = rt.block_on(Server::start(engine.clone(), config)).unwrap();
    std::fs::write(watched.path().join("call_2.txt"), BILLING.replace("Sam", "Ana")).unwrap();
    receiver.wait_for(2, 15);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(receiver.all().len(), 2);
    rt.block_on(server.shutdown()).unwrap();
}

#[test]
fn exports_read_back_with_the_arrow_and_csv_readers() {
    use arrow_array::{Array, Int64Array, StringArray};
    use debrief::engine::export::{Format, Scope};
    let p = Pipeline::start(&[Behaviour::Status(200)]);
    for i in 0..3 {
        assert_eq!(
            p.post(intake(&format!("x{i}"), json!(BILLING.replace("Sam", &format!("Sam{i}")))), "").0,
            202
        );
    }
    for i in 0..3 {
        p.wait_analysis(&format!("x{i}"));
    }
    let out = p.dir.path().join("all.parquet");
    let done = p.engine.export(Scope::All, Format::Parquet, &out).unwrap();
    assert_eq!(done.rows, 3);
    let file = std::fs::File::open(&out).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 3);
    let b = &batches[0];
    let schema = b.schema();
    assert_eq!(schema.field_with_name("resolved").unwrap().data_type(), &arrow_schema::DataType::Boolean);
    assert_eq!(schema.field_with_name("input_tokens").unwrap().data_type(), &arrow_schema::DataType::Int64);
    assert_eq!(schema.field_with_name("cost_usd").unwrap().data_type(), &arrow_schema::DataType::Float64);
    let topic = b.column_by_name("topic").unwrap().as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(topic.value(0), "billing");
    assert!(b.column_by_name("run_id").unwrap().as_any().downcast_ref::<Int64Array>().is_some());

    let csv_path = p.dir.path().join("all.csv");
    p.engine.export(Scope::All, Format::Csv, &csv_path).unwrap();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    for h in
        ["conversation_id", "status", "model", "input_tokens", "cost_usd", "summary", "topic", "resolved"]
    {
        assert!(headers.iter().any(|x| x == h), "no {h} column: {headers:?}");
    }
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 3);
    let topic_at = headers.iter().position(|h| h == "topic").unwrap();
    assert!(records.iter().all(|r| &r[topic_at] == "billing"));

    let jsonl = p.dir.path().join("all.jsonl");
    p.engine.export(Scope::All, Format::Jsonl, &jsonl).unwrap();
    let lines: Vec<Value> =
        std::fs::read_to_string(&jsonl).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["status"] == "ok" && l.get("usage").is_some()));
}

#[test]
fn during_a_rotation_both_secrets_sign() {
    let mut p = Pipeline::start(&[Behaviour::Status(200)]);
    let endpoint = p.engine.webhooks().unwrap()[0].id;
    let new = p.engine.rotate_webhook(endpoint).unwrap().expose();
    assert_eq!(p.post(intake("rot", json!(BILLING)), "").0, 202);
    let got = p.receiver.wait_for(1, 10);
    assert!(verify(&new, &got[0]), "the new secret verifies");
    assert!(verify(&p.secret, &got[0]), "the old secret still verifies during the overlap");
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2);
    p.secret = new;
}

#[test]
fn the_cli_tests_delivers_batches_and_replays() {
    let receiver = Receiver::start(&[Behaviour::Status(200)]);
    let dir = TempDir::new().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(args)
            .args(["--data-dir", &data])
            .current_dir(crate::util::root())
            .output()
            .unwrap()
    };
    let secret =
        String::from_utf8(run(&["webhooks", "add", &receiver.url]).stdout).unwrap().trim().to_string();
    let out = run(&["webhooks", "test", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let test: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(test["delivered"], true);
    assert!(verify(&secret, &receiver.wait_for(1, 10)[0]));

    let out = run(&[
        "batch",
        "--template",
        "post_analysis",
        "--deliver",
        "--agent",
        "agt_cli",
        "sample_conversations/support_password_reset.txt",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["deliveries"]["sent"]["delivered"], 1, "{summary}");
    let got = receiver.wait_for(2, 10);
    assert_eq!(got[1].json()["agent_id"], "agt_cli");
    assert!(verify(&secret, &got[1]));

    let run_id = summary["run_id"].as_i64().unwrap().to_string();
    let out = run(&["webhooks", "replay", &run_id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = receiver.wait_for(3, 10);
    assert_eq!(got[2].json()["conversation_id"], got[1].json()["conversation_id"]);
    let log: Value = serde_json::from_slice(&run(&["webhooks", "deliveries", "--json"]).stdout).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 3);
    assert!(log.as_array().unwrap().iter().all(|d| d["state"] == "delivered"));
    assert_eq!(run(&["webhooks", "replay", "999"]).status.code(), Some(2));
}
