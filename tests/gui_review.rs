//! The QA review loop in a kittest harness: a run reviewed by keyboard only — walk the fields,
//! mark one wrong and correct a string, an enum, a boolean and a number, next conversation, all
//! correct — after which the labels are in SQLite and the Evaluation tab counts them; lists keep
//! their selection in view after 30 presses of Down; the transcript sits beside the analysis
//! with the selected field's evidence highlighted.

use crate::gui::{Gui, gui_with};
use debrief::store::{Store, Verdict};
use debrief::ui::app::model::RunTab;
use debrief::ui::app::state::{UiState, View};
use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use serde_json::json;

const SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "summary": {"type": "string", "description": "2-3 sentence summary of the conversation"},
    "topic": {"type": "string", "enum": ["billing", "technical_support", "sales", "general", "complaint"]},
    "resolved": {"type": "boolean", "description": "Whether the customer's issue was resolved"},
    "customer_effort_score": {"type": "integer", "minimum": 1, "maximum": 5, "description": "1=easy, 5=difficult"}
  },
  "required": ["summary", "topic", "resolved", "customer_effort_score"]
}"#;

fn key(g: &mut Gui, k: Key) {
    g.harness.key_press(k);
    g.harness.run_steps(2);
}

fn open_run(g: &mut Gui) {
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 29);
    g.harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Num2);
    g.wait("runs are listed", |app| app.state.view == View::History && !app.model.history.runs.is_empty());
    let run_id = g.app().model.history.runs[0].id;
    g.harness.state_mut().commands.push(debrief::ui::app::Command::OpenRun(run_id));
    g.wait("the run, its spec and the first transcript load", |app| {
        let h = &app.model.history;
        h.results.len() == 29
            && h.spec.is_some()
            && h.transcript.ready_for(&h.results[h.selected].conversation_hash).is_some()
    });
}

#[test]
fn a_run_is_reviewed_by_keyboard_and_the_labels_count() {
    let mut state = UiState::default();
    state.draft.schema_text = SCHEMA.into();
    state.draft.evidence = true;
    state.settings.reviewer = "qa_ana".into();
    let mut g = gui_with(state);
    open_run(&mut g);

    // The transcript is beside the analysis, with the first field's evidence marked.
    let first = g.app().model.history.results[0].clone();
    let h = &g.app().model.history;
    let transcript = h.transcript.ready_for(&h.results[0].conversation_hash).cloned().unwrap();
    assert!(g.has_label(&transcript.turns[0].text), "the first turn is on screen");
    assert!(g.has_label("Review as qa_ana"));
    assert!(g.has_label("0 of 29 reviewed by qa_ana"));
    assert!(first.outcome.evidence.as_ref().unwrap().contains_key("summary"));
    assert!(g.has_label("quote found in the transcript"), "the summary's quote is highlighted");

    // summary (string): W, type, Enter.
    key(&mut g, Key::W);
    assert!(g.app().state.review.editing.is_some());
    let field = g.harness.get_by_role_and_label(Role::TextInput, "Value");
    field.type_text(" (corrected)");
    g.harness.run_steps(2);
    key(&mut g, Key::Enter);
    // topic (enum): Right, W, Down, Enter.
    key(&mut g, Key::ArrowRight);
    key(&mut g, Key::W);
    key(&mut g, Key::ArrowDown);
    key(&mut g, Key::Enter);
    // resolved (boolean): Right, W, Space, Enter.
    key(&mut g, Key::ArrowRight);
    key(&mut g, Key::W);
    key(&mut g, Key::Space);
    key(&mut g, Key::Enter);
    // customer_effort_score (bounded integer): Right, W, Up, Enter.
    key(&mut g, Key::ArrowRight);
    key(&mut g, Key::W);
    key(&mut g, Key::ArrowUp);
    key(&mut g, Key::Enter);
    g.wait("the four corrections are saved and read back", |app| {
        app.model.labels.get(&first.outcome.conversation_id).is_some_and(|l| l.len() == 4)
    });
    // Next conversation, all correct.
    key(&mut g, Key::ArrowDown);
    let second = g.app().model.history.results[1].clone();
    key(&mut g, Key::A);
    g.wait("the second is all correct", |app| {
        app.model.labels.get(&second.outcome.conversation_id).is_some_and(|l| l.len() == 4)
    });
    assert!(g.has_label("2 of 29 reviewed by qa_ana"));

    // In SQLite, with provenance.
    let store = Store::open_in(g._data.path()).unwrap();
    let labels = store.current_labels(None).unwrap();
    assert_eq!(labels.len(), 8);
    let of = |conv: &str, pointer: &str| {
        labels.iter().find(|l| l.conversation_id == conv && l.pointer == pointer).unwrap().clone()
    };
    let a = &first.outcome.analysis.clone().unwrap();
    let summary = of(&first.outcome.conversation_id, "/summary");
    assert_eq!(summary.verdict, Verdict::Wrong);
    assert_eq!(summary.value, json!(format!("{} (corrected)", a["summary"].as_str().unwrap())));
    assert_eq!(summary.reviewer, "qa_ana");
    assert_eq!(summary.result_id, Some(first.id));
    assert_eq!(summary.content_hash.as_deref(), Some(first.conversation_hash.as_str()));
    let topics = ["billing", "technical_support", "sales", "general", "complaint"];
    let next_topic = topics[(topics.iter().position(|t| *t == a["topic"]).unwrap() + 1) % topics.len()];
    assert_eq!(of(&first.outcome.conversation_id, "/topic").value, json!(next_topic));
    assert_eq!(
        of(&first.outcome.conversation_id, "/resolved").value,
        json!(!a["resolved"].as_bool().unwrap())
    );
    let score = a["customer_effort_score"].as_i64().unwrap();
    assert_eq!(of(&first.outcome.conversation_id, "/customer_effort_score").value, json!((score + 1).min(5)));
    let correct = of(&second.outcome.conversation_id, "/topic");
    assert_eq!(correct.verdict, Verdict::Correct);
    assert_eq!(correct.value, second.outcome.analysis.clone().unwrap()["topic"]);

    // The Evaluation tab now counts the reviewers' labels (and the samples' file).
    g.harness.get_by_role_and_label(Role::Button, "Evaluation").click();
    g.wait("the run is scored", |app| matches!(app.model.history.evaluation, Some(Ok(_))));
    let e = g.app().model.history.evaluation.clone().unwrap().unwrap();
    assert_eq!(e.labels.from_reviewers, 2);
    assert_eq!(e.labels.reviewers, ["qa_ana"]);
    let effort = e.evaluation.field("customer_effort_score").unwrap();
    assert_eq!(effort.labelled, 2, "only reviewers label this field");
    assert!(g.has_label("2 from reviewers (qa_ana)"));
    // A mismatch opens its conversation beside the transcript.
    let mismatch = effort.mismatches[0].conversation_id.clone();
    g.harness.get_by_label_contains(&format!("{mismatch} · customer_effort_score")).click();
    g.harness.run_steps(3);
    assert_eq!(g.app().model.history.tab, RunTab::Results);
    assert_eq!(
        g.app().model.history.results[g.app().model.history.selected].outcome.conversation_id,
        mismatch
    );
}

#[test]
fn lists_keep_the_selection_in_view_after_30_downs() {
    let mut g = gui_with(UiState::default());
    for _ in 0..30 {
        g.harness.key_press(Key::ArrowDown);
        g.harness.run_steps(1);
    }
    g.harness.run_steps(3);
    let app = g.app();
    let selected = app.model.selected(&app.state).unwrap().conversation.clone();
    let row = format!("{}  ·  {} turns", selected.id, selected.turns.len());
    assert!(g.has_label(&row), "the Workbench list shows the selected row {row}");

    open_run(&mut g);
    for _ in 0..30 {
        g.harness.key_press(Key::ArrowDown);
        g.harness.run_steps(1);
    }
    g.harness.run_steps(3);
    let h = &g.app().model.history;
    assert_eq!(h.selected, 28);
    let id = h.results[28].outcome.conversation_id.clone();
    assert!(
        g.harness.query_all_by_label(&id).count() >= 2,
        "the selected row is drawn in the list (and titled beside it)"
    );
}

#[test]
fn save_as_by_enter_names_the_file_in_the_spec_picker() {
    let mut g = gui_with(UiState::default());
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("typed.json");
    g.harness.state_mut().commands.push(debrief::ui::app::Command::AskSpecPath { save: true });
    g.harness.run_steps(3);
    let field = g.harness.get_by_role_and_label(Role::TextInput, "Path of the spec file (JSON):");
    field.type_text(path.to_str().unwrap());
    g.harness.run_steps(2);
    key(&mut g, Key::Enter);
    let want = path.clone();
    g.wait("the spec is written", move |app| app.state.draft.path.as_ref() == Some(&want));
    assert!(path.is_file(), "Enter saved the spec");
    assert_eq!(g.app().state.draft.path.as_ref(), Some(&path));
    assert_eq!(g.app().state.draft.template, None);
    let picker = g.harness.get_by_role_and_label(Role::ComboBox, "Spec");
    let shown = format!("{:?}", picker);
    assert!(shown.contains("typed.json"), "the spec picker names the file, not the template: {shown}");
}

#[test]
fn settings_have_keys_for_every_hosted_provider_and_a_reviewer() {
    let mut g = gui_with(UiState::default());
    g.harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Num3);
    g.harness.run_steps(3);
    for name in ["openai", "anthropic", "gemini", "openai-compatible"] {
        assert!(g.has_label(name), "a {name} section");
    }
    assert_eq!(g.harness.query_all_by_label("API key").count(), 4);
    assert!(g.harness.query_by_label("Reviewer name").is_some());
}

#[test]
fn failures_say_what_happened_in_the_result_panel() {
    use debrief::core::spec::ProviderKind;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut state = UiState::default();
    state.draft.provider = ProviderKind::Openai;
    state.draft.model = "gpt-4o-mini".into();
    state.settings.base_urls.insert("openai".into(), format!("http://127.0.0.1:{port}/v1"));
    state.settings.keys.insert("openai".into(), "sk-test".into());
    let mut g = gui_with(state);
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the refused connection ends the call", |app| {
        app.model.run.is_none() && !app.model.outcomes.is_empty()
    });
    assert!(g.has_label("no reply came back"), "a refused connection is not called a reply");
    assert!(g.has_label("cannot reach"), "the error names what happened");

    // A run that cannot start at all says so beside the conversation, not only in the note bar.
    g.harness.state_mut().state.draft.provider = ProviderKind::Anthropic;
    g.harness.state_mut().state.draft.model = "claude-haiku-4-5".into();
    g.harness.state_mut().state.settings.keys.clear();
    g.harness.run_steps(2);
    if std::env::var("ANTHROPIC_API_KEY").is_err() {
        g.harness.get_by_role_and_label(Role::Button, "Run").click();
        g.wait("the run fails to start", |app| app.model.run_failure.is_some());
        assert!(g.has_label("the run failed"), "{:?}", g.app().model.run_failure);
    }
}

#[test]
fn a_retry_is_shown_while_it_is_waited_out() {
    use debrief::core::spec::ProviderKind;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(429).insert_header("retry-after", "3").set_body_json(
                json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}),
            ))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let good = json!({"summary": "Refund issued.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false, "follow_up_notes": null});
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(crate::util::chat_reply(&good.to_string(), "stop", 100, 0, 20)))
            .mount(&server)
            .await;
        server
    });
    let mut state = UiState::default();
    state.draft.provider = ProviderKind::Openai;
    state.draft.model = "gpt-4o-mini".into();
    state.settings.base_urls.insert("openai".into(), format!("{}/v1", server.uri()));
    state.settings.keys.insert("openai".into(), "sk-test".into());
    let mut g = gui_with(state);
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the retry is announced", |app| app.model.run.as_ref().is_some_and(|r| r.retrying.is_some()));
    assert!(g.has_label("attempt 2 of 5"), "the top bar says which try is next");
    assert!(g.has_label("retrying"), "and that it is waiting");
    g.wait("the retried call succeeds", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    assert!(!g.has_label("attempt 2 of 5"));
}

#[test]
fn the_result_panel_keeps_its_width_from_tab_to_tab() {
    let mut g = gui_with(UiState::default());
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the result arrives", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    // The panel is anchored right, so its left edge is where the conversation's title starts.
    let title = g.app().model.selected(&g.app().state).unwrap().conversation.id.clone();
    let width = |g: &mut Gui| {
        g.harness.run_steps(3);
        let left =
            g.harness.query_all_by_label(&title).map(|n| n.rect().left()).fold(f32::INFINITY, f32::min);
        1360.0 - left
    };
    let first = width(&mut g);
    for (k, tab) in
        [(Key::Num1, "Transcript"), (Key::Num3, "Raw"), (Key::Num4, "History"), (Key::Num2, "Analysis")]
    {
        g.harness.key_press_modifiers(Modifiers::COMMAND, k);
        let w = width(&mut g);
        assert!((w - first).abs() < 1.0, "the {tab} tab changed the panel width from {first} to {w}");
    }
}

#[test]
fn the_follow_up_queue_and_the_review_queue_open_conversations_beside_their_transcripts() {
    let mut g = gui_with(UiState::default());
    open_run(&mut g);
    g.wait("the dashboard is built", |app| app.model.history.dashboard.is_some());
    g.harness.get_by_role_and_label(Role::Button, "Dashboard").click();
    g.harness.run_steps(3);
    let queue = g.app().model.history.dashboard.clone().unwrap().follow_up_queue;
    assert!(!queue.is_empty(), "the samples have follow-ups");
    let wanted = queue[0].conversation_id.clone();
    g.harness.get_by_role_and_label(Role::Link, &wanted).scroll_to_me();
    g.harness.run_steps(3);
    g.harness.get_by_role_and_label(Role::Link, &wanted).click();
    g.harness.run_steps(3);
    let h = &g.app().model.history;
    assert_eq!(h.tab, RunTab::Results);
    assert_eq!(h.results[h.selected].outcome.conversation_id, wanted);
    g.wait("its transcript loads", |app| {
        let h = &app.model.history;
        h.transcript.ready_for(&h.results[h.selected].conversation_hash).is_some()
    });
    let h = &g.app().model.history;
    let first_turn =
        h.transcript.ready_for(&h.results[h.selected].conversation_hash).unwrap().turns[0].text.clone();
    assert!(g.has_label(&first_turn), "the transcript is beside the analysis");

    // The review queue: the follow-up rule queues conversations; the one selected is shown
    // beside its transcript.
    g.harness.get_by_role_and_label(Role::Button, "Review queue").click();
    g.harness.run_steps(3);
    g.harness.key_press(Key::ArrowDown);
    g.harness.run_steps(3);
    g.wait("the queued conversation's transcript loads", |app| {
        let h = &app.model.history;
        h.transcript.ready_for(&h.results[h.selected].conversation_hash).is_some()
    });
    let h = &g.app().model.history;
    let turn =
        h.transcript.ready_for(&h.results[h.selected].conversation_hash).unwrap().turns[0].text.clone();
    assert!(g.has_label(&turn), "the review queue shows the transcript too");
    assert!(g.has_label("Review as"), "with the verdicts");
}
