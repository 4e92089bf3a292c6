//! PII redaction (issue 13) as a user meets it: `debrief redact`, the workbench's toggles and
//! originals view, `export --originals`, the 64 real conversations, and the leak test — with
//! redaction on, no request any loopback provider, batch API or the server's intake sends holds
//! an original value.

use crate::batch_api_standin::StandIn;
use crate::util::root;
use debrief::core::redact;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A call that holds one of each kind, a name and an order id, and the values that must never
/// be sent (each also as the digits alone, so a reformatted leak is caught too).
const CALL: &str = "Agent: Thanks for calling, who am I speaking with?\n\
Customer: This is Jane Doe, order ORD-48213.\n\
Agent: Can I have the card number?\n\
Customer: sure it's four one one one, one one one one, one one one one, one one one one\n\
Agent: And the card on file ending?\n\
Customer: the other one is 5555-5555-5555-4444, my cell is (415) 555-0123 and email jane.doe@example.com\n\
Customer: social security 123-45-6789, IBAN DE89 3704 0044 0532 0130 00, my IP is 203.0.113.7\n\
Customer: and my date of birth is March 15th, 1985. Thanks Ms Doe said the last agent.";

const ORIGINALS: [&str; 18] = [
    "Jane",
    "Doe",
    "ORD-48213",
    "four one one one",
    "4111111111111111",
    "5555-5555-5555-4444",
    "5555555555554444",
    "(415) 555-0123",
    "4155550123",
    "555-0123",
    "jane.doe@example.com",
    "123-45-6789",
    "123456789",
    "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000",
    "203.0.113.7",
    "March 15th, 1985",
    "1985",
];

fn redacting_spec(dir: &Path) -> std::path::PathBuf {
    let mut spec: Value = serde_json::from_str(
        &debrief::core::spec::AnalysisSpec::template("post_analysis").unwrap().to_json_pretty(),
    )
    .unwrap();
    spec["redact"] = json!({"kinds": ["all"], "names": ["Jane Doe"], "patterns": [{"name": "order_id", "regex": "ORD-\\d{5}"}]});
    spec["evidence"] = json!(true);
    let path = dir.join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

fn assert_no_original(bodies: &[String], what: &str) {
    assert!(!bodies.is_empty(), "{what}: the stand-in received nothing");
    for body in bodies {
        for original in ORIGINALS {
            assert!(
                !body.contains(original),
                "{what}: {original:?} was sent: {}",
                &body[..body.len().min(600)]
            );
        }
    }
    assert!(
        bodies.iter().any(|b| b.contains("[CARD_1]") && b.contains("[NAME_1]")),
        "{what}: placeholders sent"
    );
}

#[test]
fn redact_prints_the_text_as_sent_and_json_spans_point_at_the_placeholders() {
    let dir = TempDir::new().unwrap();
    let call = dir.path().join("call.txt");
    std::fs::write(&call, CALL).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_debrief")).arg("redact").args(args).output().unwrap()
    };
    let out = run(&["--names", "Jane Doe", "--pattern", "order_id=ORD-\\d{5}", call.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Customer: This is [NAME_1], order [ORDER_ID_1]."), "{text}");
    assert!(text.contains("Customer: sure it's [CARD_1]\n"), "{text}");
    for original in ORIGINALS {
        assert!(!text.contains(original), "{original:?} printed: {text}");
    }
    let out = run(&["--json", "--kinds", "card,phone", call.to_str().unwrap()]);
    assert!(out.status.success());
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    let printed = line["text"].as_str().unwrap();
    let chars: Vec<char> = printed.chars().collect();
    let spans = line["spans"].as_array().unwrap();
    let kinds: Vec<&str> = spans.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["card", "card", "phone"], "{line}");
    for s in spans {
        let (a, b) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
        let shown: String = chars[a..b].iter().collect();
        assert!(shown.starts_with('[') && shown.ends_with(']'), "{shown} at {a}..{b}");
    }
    assert!(printed.contains("jane.doe@example.com"), "email was not asked for");
    assert_eq!(line["source"].as_str().unwrap(), call.to_str().unwrap());
    let bad = run(&["--kinds", "cards", call.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown kind \"cards\""));
    let bad = run(&["--pattern", "x=(", call.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--pattern: pattern \"x\" is not a valid regex"));
}

const KEY: &str = "sk-redaction-test-key";

/// `debrief batch` of the call with the redacting spec, against `url`.
fn batch(
    data: &Path,
    spec: &Path,
    corpus: &Path,
    provider: &str,
    url: &str,
    via: &str,
) -> std::process::Output {
    let (model, env) = match provider {
        "anthropic" => ("claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        "gemini" => ("gemini-2.5-flash", "GEMINI_API_KEY"),
        "ollama" => ("llama3.1", "OLLAMA_API_KEY"),
        "openai-compatible" => ("llama3.1", "OPENAI_COMPATIBLE_API_KEY"),
        _ => ("gpt-4o-mini", "OPENAI_API_KEY"),
    };
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .arg("batch")
        .arg("--data-dir")
        .arg(data)
        .arg("--spec")
        .arg(spec)
        .args([
            "--provider",
            provider,
            "--model",
            model,
            "--base-url",
            url,
            "--via",
            via,
            "--poll-interval",
            "0.02",
        ])
        .args(["--max-repairs", "1"])
        .arg(corpus)
        .current_dir(root())
        .env_remove("DEBRIEF_DATA_DIR")
        .env_remove("GOOGLE_API_KEY")
        .env(env, KEY)
        .output()
        .unwrap()
}

#[test]
fn with_redaction_on_no_provider_receives_an_original_value() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = TempDir::new().unwrap();
    let spec = redacting_spec(dir.path());
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("call.txt"), CALL).unwrap();
    let cases = [
        ("openai", "/v1", "calls"),
        ("openai", "/v1", "batch-api"),
        ("anthropic", "", "calls"),
        ("anthropic", "", "batch-api"),
        ("gemini", "/v1beta", "calls"),
        ("gemini", "/v1beta", "batch-api"),
        ("openai-compatible", "/v1", "calls"),
    ];
    for (provider, prefix, via) in cases {
        let stand_in = StandIn::new(KEY, 1);
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any()).respond_with(stand_in.clone()).mount(&server).await;
            server
        });
        let data = TempDir::new().unwrap();
        let url = format!("{}{prefix}", server.uri());
        let out = batch(data.path(), &spec, &corpus, provider, &url, via);
        let what = format!("{provider} via {via}");
        assert!(out.status.code().is_some(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
        let bodies = stand_in.0.lock().unwrap().bodies.clone();
        assert_no_original(&bodies, &what);
    }
    // Ollama's native API: a server that refuses every call still shows what was sent.
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(400).set_body_string("no"))
            .mount(&server)
            .await;
        server
    });
    let data = TempDir::new().unwrap();
    let _ = batch(data.path(), &spec, &corpus, "ollama", &server.uri(), "calls");
    let bodies: Vec<String> = runtime
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_no_original(&bodies, "ollama");
}

#[test]
fn the_servers_intake_sends_only_the_redacted_transcript() {
    use crate::receiver::Behaviour;
    use crate::serve::Pipeline;
    let model = tokio::runtime::Runtime::new().unwrap();
    let server = model.block_on(async {
        let server = MockServer::start().await;
        // A local server's schema keeps optional fields optional: the answer leaves the note out.
        let mut answer = crate::batch_api_standin::good();
        answer.as_object_mut().unwrap().remove("follow_up_notes");
        let reply = crate::util::chat_reply(&answer.to_string(), "stop", 900, 0, 40);
        Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(reply)).mount(&server).await;
        server
    });
    let dir = TempDir::new().unwrap();
    let spec_path = redacting_spec(dir.path());
    let mut spec = debrief::core::spec::AnalysisSpec::load(&spec_path).unwrap();
    spec.provider = debrief::core::spec::ProviderKind::OpenaiCompatible;
    spec.model = "llama3.1".into();
    spec.evidence = false;
    let url = format!("{}/v1", server.uri());
    let p = Pipeline::start_with(&[Behaviour::Status(200)], |engine| {
        engine.add_agent("agt_red", &spec, Some(&url)).unwrap();
    });
    let (status, body) =
        p.post(json!({"conversation_id": "conv_pii", "agent_id": "agt_red", "transcript": CALL}), "");
    assert_eq!(status, 202, "{body}");
    let doc = p.wait_analysis("conv_pii");
    assert_eq!(doc["status"], "ok", "{doc}");
    let bodies: Vec<String> = model
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_no_original(&bodies, "serve intake");
    let hook = p.receiver.wait_for(1, 10);
    let payload = hook[0].json().to_string();
    for original in ORIGINALS {
        assert!(!payload.contains(original), "{original:?} in the webhook payload");
    }
}

#[test]
fn the_workbench_toggles_a_kind_shows_the_placeholders_sent_and_puts_the_originals_back() {
    use debrief::ui::app::state::{ResultTab, UiState};
    use egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let sample = root().join("sample_conversations/qa_card_number_readback.json");
    let call = debrief::core::transcript::load_file(&sample).unwrap().remove(0);
    let mut state = UiState::default();
    state.draft.provider = debrief::core::spec::ProviderKind::Anthropic;
    state.draft.model = "claude-haiku-4-5".into();
    state.tab = ResultTab::Raw;
    state.selected = Some(call.content_hash());
    let mut g = crate::gui::gui_with(state);
    g.wait("the preview is built", |app| app.model.preview.is_some());
    let body = |g: &crate::gui::Gui| g.app().model.preview.clone().unwrap().2;
    assert!(body(&g).contains("5412 7533 0918 2647"), "no redaction yet");
    g.harness.get_by_role_and_label(Role::CheckBox, "card").click();
    g.harness.run_steps(1);
    g.harness.get_by_role_and_label(Role::CheckBox, "dob").click();
    g.wait("the preview is rebuilt redacted", |app| {
        app.model.preview.as_ref().is_some_and(|(_, _, b)| b.contains("[CARD_1]") && b.contains("[DOB_1]"))
    });
    use debrief::core::redact::Kind;
    assert_eq!(g.app().state.draft.tuning.redact.kinds, [Kind::Card, Kind::Dob]);
    let sent = body(&g);
    for original in ["5412 7533 0918 2647", "five four one two", "fourth of June, ninety-one"] {
        assert!(!sent.contains(original), "{original} sent: {sent}");
    }
    assert!(g.has_label("placeholder(s) sent instead of personal data: [CARD_1] [DOB_1]"));
    // Run it offline, then read it in the Analysis tab beside the transcript the model saw.
    g.harness.state_mut().state.draft.provider = debrief::core::spec::ProviderKind::Offline;
    g.harness.state_mut().state.draft.model = "baseline".into();
    g.harness.state_mut().state.tab = ResultTab::Analysis;
    g.wait("the spec is checked", |app| app.model.check.is_ok() && app.model.run.is_none());
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the result arrives", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    g.harness.run_steps(3);
    // The turns in view: the birth date asked for in the turn before is redacted in the answer.
    assert!(g.has_label("Ryan McAllister, [DOB_1]."), "the transcript as sent");
    g.harness.get_by_role_and_label(Role::CheckBox, "Show original values").click();
    g.harness.run_steps(2);
    assert!(g.has_label("Ryan McAllister, fourth of June, ninety-one."), "the originals, from this machine");
    assert!(!g.has_label("[DOB_1]"));
}

#[test]
fn the_real_conversations_survive_redaction_with_only_their_real_pii_replaced() {
    let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["redact", "--json"])
        .arg(crate::util::real_conversations())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut lines = 0;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        lines += 1;
        let chars: Vec<char> = doc["text"].as_str().unwrap().chars().collect();
        for s in doc["spans"].as_array().unwrap() {
            let (a, b) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
            let shown: String = chars[a..b].iter().collect();
            assert!(shown.starts_with('[') && shown.ends_with(']'), "{shown}");
            *kinds.entry(s["kind"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    assert_eq!(lines, 64, "one line per real conversation");
    // ABCD's customers give emails and phone numbers (one repeated by the system turn), and
    // MultiWOZ's agents read out Cambridge numbers (01223 …); the order ids, prices, times,
    // @handles, tweet ids and the archive.org timestamp in a link stay.
    assert_eq!(kinds, BTreeMap::from([("email".to_string(), 2), ("phone".to_string(), 9)]));
}

#[test]
fn an_export_holds_what_the_model_saw_unless_the_originals_are_asked_for() {
    let dir = TempDir::new().unwrap();
    let spec = redacting_spec(dir.path());
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("call.txt"), CALL).unwrap();
    let data = dir.path().join("data");
    let debrief = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env_remove("DEBRIEF_DATA_DIR")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    debrief(&["batch", "--spec", spec.to_str().unwrap(), corpus.to_str().unwrap()]);
    let (plain, originals) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    debrief(&["export", "--all", "--format", "jsonl", "--out", plain.to_str().unwrap()]);
    debrief(&["export", "--all", "--format", "jsonl", "--originals", "--out", originals.to_str().unwrap()]);
    let plain = std::fs::read_to_string(plain).unwrap();
    let originals = std::fs::read_to_string(originals).unwrap();
    for original in ORIGINALS {
        assert!(!plain.contains(original), "{original:?} in the default export: {plain}");
    }
    // The offline baseline's summary quotes the transcript it was given: the redacted one.
    let placeholders = redact::marks(&plain);
    assert!(!placeholders.is_empty(), "{plain}");
    for (a, b) in placeholders {
        assert!(!originals.contains(&plain[a..b]), "{} left in the export with originals", &plain[a..b]);
    }
    assert!(originals.contains("5555-5555-5555-4444") && originals.contains("(415) 555-0123"), "{originals}");
}
