//! The workbench, whole, in an egui_kittest harness: widgets found by role and label, clicked
//! and typed into, with the real engine running the offline baseline or a loopback OpenAI
//! stand-in on a temporary data folder.

use crate::util::{chat_reply, root};
use debrief::core::spec::ProviderKind;
use debrief::ui::app::state::{UiState, View};
use debrief::ui::{AppContext, DebriefApp};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub(crate) struct Gui {
    pub harness: Harness<'static, DebriefApp>,
    _runtime: tokio::runtime::Runtime,
    pub _data: TempDir,
}

pub(crate) fn gui_with(state: UiState) -> Gui {
    gui_in(state, TempDir::new().unwrap())
}

/// A window over an existing data folder (a "restart" reuses it).
pub(crate) fn gui_in(state: UiState, data: TempDir) -> Gui {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let context = AppContext {
        runtime: runtime.handle().clone(),
        data_dir: data.path().to_path_buf(),
        samples_dir: Some(root().join("sample_conversations")),
    };
    let harness = Harness::builder().with_size(egui::vec2(1360.0, 860.0)).build_eframe(move |cc| {
        let ctx = cc.egui_ctx.clone();
        DebriefApp::with_state(state, context, std::sync::Arc::new(move || ctx.request_repaint())).unwrap()
    });
    let mut gui = Gui { harness, _runtime: runtime, _data: data };
    gui.wait("the samples load", |app| app.model.conversations.len() >= 29 && app.model.importing == 0);
    gui
}

pub(crate) fn gui() -> Gui {
    gui_with(UiState::default())
}

impl Gui {
    /// Step frames until `done` holds; background work arrives through the engine's channel.
    pub fn wait(&mut self, what: &str, done: impl Fn(&DebriefApp) -> bool) {
        let start = Instant::now();
        while !done(self.harness.state()) {
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting until {what}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
        self.harness.step();
        self.harness.step();
    }

    pub fn app(&self) -> &DebriefApp {
        self.harness.state()
    }

    pub fn has_label(&self, text: &str) -> bool {
        self.harness.query_all_by_label_contains(text).next().is_some()
    }

    /// Run all 29 samples, switch to History and open the newest run (its results load next).
    pub fn run_all_and_open_the_run(&mut self) {
        self.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
        self.wait("the batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 29);
        self.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
        self.wait("runs are listed", |app| {
            app.state.view == View::History && !app.model.history.runs.is_empty()
        });
        let run_id = self.app().model.history.runs[0].id;
        self.harness.get_by_label(&run_id.to_string()).click();
    }
}

#[test]
fn run_a_sample_offline_and_read_every_field() {
    let mut g = gui();
    assert_eq!(g.app().model.title, "Debrief — Post analysis");
    let selected = g.app().state.selected.clone().unwrap();
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the result arrives", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    let spec_hash = g.app().model.spec_hash.clone().unwrap();
    assert!(g.app().model.outcomes.contains_key(&(spec_hash, selected)));
    for field in ["summary", "topic", "resolved", "sentiment", "follow_up_needed"] {
        assert!(
            g.harness.query_all_by_label(field).count() >= 2,
            "the Analysis tab shows {field}, with its verdict row"
        );
    }
    assert!(g.has_label("offline baseline (no LLM)"));
    assert!(
        g.harness.query_all_by_label("ok").count() >= 2,
        "status chip in the list and in the Analysis tab"
    );
}

#[test]
fn a_broken_schema_shows_its_line_and_column() {
    let mut g = gui();
    let editor = g.harness.get_by_role_and_label(Role::MultilineTextInput, "Schema");
    editor.focus();
    editor.type_text("x");
    g.harness.run_steps(3);
    assert!(g.app().state.draft.schema_text.contains('x'));
    let problem = g.app().model.check.problems[0].clone();
    let (line, column) = (problem.line.unwrap(), problem.column.unwrap());
    assert!(
        g.has_label(&format!("line {line}, column {column}:")),
        "the syntax error is shown with its position"
    );
    assert!(g.app().state.draft.is_dirty());
    assert!(g.app().model.title.ends_with('●'), "unsaved marker in the title: {}", g.app().model.title);
    // Running is refused with a visible reason, not a crash.
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    g.harness.run_steps(3);
    assert!(g.app().model.run.is_none());
    assert!(g.has_label("fix the schema errors shown under the editor"));
}

#[test]
fn a_metaschema_error_shows_its_pointer() {
    let mut state = UiState::default();
    state.draft.schema_text = r#"{"type": "object", "properties": {"topic": {"type": "strng"}}}"#.into();
    let mut g = gui_with(state);
    g.harness.run_steps(2);
    assert!(g.has_label("/properties/topic/type: \"strng\" is not valid"));
}

#[test]
fn switching_template_changes_both_editors() {
    let mut g = gui();
    g.harness.get_by_role_and_label(Role::ComboBox, "Spec").click();
    g.harness.run_steps(2);
    g.harness.get_by_label("customer_support").click();
    g.harness.run_steps(3);
    let schema =
        g.harness.get_by_role_and_label(Role::MultilineTextInput, "Schema").value().unwrap_or_default();
    let prompt =
        g.harness.get_by_role_and_label(Role::MultilineTextInput, "Prompt").value().unwrap_or_default();
    assert!(schema.contains("customer_effort_score"), "{schema}");
    assert!(prompt.contains("Customer effort score"), "{prompt}");
    assert_eq!(g.app().model.title, "Debrief — Customer support");
}

#[test]
fn a_loopback_openai_run_shows_tokens_and_cost() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        let good = serde_json::json!({"summary": "Refund issued.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false, "follow_up_notes": null});
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(chat_reply(&good.to_string(), "stop", 1200, 0, 90)))
            .mount(&server)
            .await;
        server
    });
    let mut state = UiState::default();
    state.draft.provider = ProviderKind::Openai;
    state.draft.model = "gpt-4o-mini".into();
    state.settings.base_urls.insert("openai".into(), format!("{}/v1", server.uri()));
    state.settings.keys.insert("openai".into(), "sk-test-gui".into());
    let mut g = gui_with(state);
    assert!(g.has_label("key entered"));
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the OpenAI result arrives", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    assert!(g.has_label("1,200 in · 90 out"), "actual tokens shown");
    // 1200 × $0.15/M + 90 × $0.60/M = $0.000234.
    let outcome = g.app().model.shown_outcome(&g.app().state).unwrap();
    assert!((outcome.cost_usd.unwrap() - 0.000234).abs() < 1e-12);
    assert!(g.has_label("$0.0002"), "actual cost shown");
    assert!(g.has_label("openai · gpt-4o-mini"));
    assert_eq!(runtime.block_on(server.received_requests()).unwrap().len(), 1);
}

#[test]
fn the_history_view_finds_the_run_and_walks_it_by_keyboard() {
    let mut g = gui();
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 29);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
    g.wait("runs are listed", |app| app.state.view == View::History && !app.model.history.runs.is_empty());
    assert!(g.has_label("Post analysis"));
    assert!(g.has_label("offline baseline (no LLM)"));
    let run_id = g.app().model.history.runs[0].id;
    g.harness.get_by_label(&run_id.to_string()).click();
    g.wait("the run opens", |app| app.model.history.results.len() == 29);
    let first = g.app().model.history.results[0].outcome.conversation_id.clone();
    let second = g.app().model.history.results[1].outcome.conversation_id.clone();
    assert!(
        g.harness.query_all_by_label(&first).count() >= 2,
        "selected in the list and titled in the analysis"
    );
    g.harness.key_press(egui::Key::ArrowDown);
    g.harness.run_steps(2);
    assert_eq!(g.app().model.history.selected, 1);
    assert!(g.harness.query_all_by_label(&second).count() >= 2);
    g.harness.key_press(egui::Key::K);
    g.harness.run_steps(2);
    assert_eq!(g.app().model.history.selected, 0);
}

#[test]
fn conversations_are_walked_with_the_arrow_keys() {
    let mut g = gui();
    let order: Vec<String> = g.app().model.visible("").iter().map(|c| c.hash.clone()).collect();
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[0]));
    g.harness.key_press(egui::Key::ArrowDown);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[1]));
    g.harness.key_press(egui::Key::J);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[2]));
    g.harness.key_press(egui::Key::ArrowUp);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[1]));
}

#[test]
fn save_and_reopen_a_spec_file() {
    use debrief::ui::app::Command;
    let mut g = gui();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("my_spec.json");
    g.harness.get_by_role_and_label(Role::TextInput, "Spec name").focus();
    g.harness.get_by_role_and_label(Role::TextInput, "Spec name").type_text(" v2");
    g.harness.run_steps(2);
    assert!(g.app().state.draft.is_dirty());
    g.harness.state_mut().commands.push(Command::SaveTo(path.clone()));
    g.wait("the spec is written (off the UI thread)", |app| !app.state.draft.is_dirty());
    let spec = debrief::core::spec::AnalysisSpec::load(&path).unwrap();
    assert_eq!(spec.name, "Post analysis v2");
    g.harness.state_mut().commands.push(Command::LoadTemplate("quality_assurance".into()));
    g.harness.run_steps(2);
    g.harness.state_mut().commands.push(Command::OpenSpec(path.clone()));
    g.wait("the spec is read (off the UI thread)", |app| app.state.draft.name == "Post analysis v2");
    assert_eq!(g.app().state.recent_specs.first(), Some(&path));
}

#[test]
fn a_path_typed_in_the_field_loads_and_bad_files_are_listed() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("good.txt"),
        "Agent: Hello, how can I help?\nCustomer: My invoice is wrong.\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    // No samples: start empty.
    let state = UiState { first_launch_done: true, ..UiState::default() };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let data = TempDir::new().unwrap();
    let context = AppContext {
        runtime: runtime.handle().clone(),
        data_dir: data.path().to_path_buf(),
        samples_dir: None,
    };
    let mut harness = Harness::builder().with_size(egui::vec2(1360.0, 860.0)).build_eframe(move |cc| {
        let ctx = cc.egui_ctx.clone();
        DebriefApp::with_state(state, context, std::sync::Arc::new(move || ctx.request_repaint())).unwrap()
    });
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("No conversations loaded").next().is_some());
    let field = harness.get_by_role_and_label(Role::TextInput, "Path");
    field.focus();
    field.type_text(&dir.path().display().to_string());
    harness.key_press(egui::Key::Enter);
    let start = Instant::now();
    while harness.state().model.conversations.is_empty() || harness.state().model.importing > 0 {
        assert!(start.elapsed() < Duration::from_secs(20));
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(2);
    assert_eq!(harness.state().model.conversations.len(), 1);
    assert!(harness.query_all_by_label_contains("1 file(s) could not be imported").next().is_some());
    assert!(harness.query_all_by_label_contains("empty.txt").next().is_some());
    drop(harness);
    drop(runtime);
}

#[test]
fn arrow_keys_move_the_list_after_a_click_but_not_while_typing() {
    let mut g = gui();
    let order: Vec<(String, String)> =
        g.app().model.visible("").iter().map(|c| (c.hash.clone(), c.conversation.id.clone())).collect();
    // Click the third row: the button takes focus, the arrows must still walk the list.
    g.harness.get_by_label_contains(&order[2].1).click();
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[2].0));
    g.harness.key_press(egui::Key::ArrowDown);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[3].0));
    // In a text field the arrows belong to the text.
    let filter = g.harness.get_by_role_and_label(Role::TextInput, "Filter");
    filter.focus();
    filter.type_text("c");
    g.harness.run_steps(2);
    assert_eq!(g.app().state.filter, "c");
    g.harness.key_press(egui::Key::ArrowDown);
    g.harness.key_press(egui::Key::J);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.selected.as_ref(), Some(&order[3].0), "the selection stays while typing");
}

#[test]
fn an_idle_window_settles_instead_of_repainting_forever() {
    let mut g = gui();
    // `run` panics when the UI keeps asking for frames (a spinner or a repaint loop).
    g.harness.run();
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num4);
    g.wait("the History tab loads", |app| app.model.conversation_history.is_some());
    g.harness.run();
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the result arrives", |app| app.model.run.is_none() && !app.model.outcomes.is_empty());
    g.harness.run();
}

#[test]
fn results_of_an_earlier_session_show_after_a_restart() {
    let data = TempDir::new().unwrap();
    let keep = data.path().to_path_buf();
    let mut g = gui_in(UiState::default(), data);
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 29);
    let state = g.app().state.clone();
    let Gui { harness, _runtime, _data } = g;
    drop(harness);
    // Same data folder, same saved state: a new window.
    let mut g = gui_in(state, _data);
    assert_eq!(g.app().model.data_dir, keep);
    g.wait("stored results are fetched", |app| app.model.outcomes.len() >= 29);
    assert!(g.harness.query_all_by_label("ok").count() >= 29, "every row shows its stored status");
}

#[test]
fn replacing_an_edited_spec_asks_first() {
    let mut g = gui();
    let name = g.harness.get_by_role_and_label(Role::TextInput, "Spec name");
    name.focus();
    name.type_text(" (mine)");
    g.harness.run_steps(2);
    g.harness
        .state_mut()
        .commands
        .push(debrief::ui::app::Command::LoadTemplate("sales_qualification".into()));
    g.harness.run_steps(3);
    assert_eq!(g.app().state.draft.name, "Post analysis (mine)", "nothing replaced yet");
    assert!(g.has_label("has unsaved changes"));
    g.harness.get_by_label("Cancel").click();
    g.harness.run_steps(3);
    assert_eq!(g.app().state.draft.name, "Post analysis (mine)");
    g.harness.state_mut().commands.push(debrief::ui::app::Command::NewSpec);
    g.harness.run_steps(3);
    g.harness.get_by_label("Discard changes").click();
    g.harness.run_steps(3);
    assert_eq!(g.app().state.draft.name, "Untitled analysis");
}

#[test]
fn without_a_file_dialog_a_spec_path_can_be_typed() {
    use debrief::ui::app::Command;
    let mut g = gui();
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("typed.json");
    g.harness.state_mut().commands.push(Command::AskSpecPath { save: true });
    g.harness.run_steps(3);
    let field = g.harness.get_by_role_and_label(Role::TextInput, "Path of the spec file (JSON):");
    field.type_text(&path.display().to_string());
    g.harness.run_steps(2);
    g.harness.get_by_role_and_label(Role::Button, "Save spec").click();
    g.harness.run_steps(3);
    assert!(path.exists(), "saved through the typed path");
    assert!(g.app().state.dialog.is_none());
}

#[test]
fn the_raw_tab_previews_what_each_provider_is_sent() {
    let mut state = UiState::default();
    state.draft.provider = ProviderKind::Anthropic;
    state.draft.model = "claude-haiku-4-5".into();
    state.tab = debrief::ui::app::state::ResultTab::Raw;
    let mut g = gui_with(state);
    g.wait("the preview is built", |app| app.model.preview.is_some());
    assert!(g.has_label("Preview what is sent to anthropic"));
    assert!(g.has_label("POST https://api.anthropic.com/v1/messages"));
    assert!(g.has_label("anthropic-version: 2023-06-01"));
    assert!(g.has_label("x-api-key: "), "the key header is named, its value masked");
    // post_analysis has optional fields and no closed objects: Anthropic's dialect adds
    // additionalProperties, and the preview lists that change.
    assert!(g.has_label("change(s) to the schema for this provider"));
    let (_, preview, body) = g.app().model.preview.clone().unwrap();
    assert!(preview.notes.iter().any(|n| n.keyword == "additionalProperties"));
    // Claude 4.5 gets structured outputs, not the forced tool.
    assert!(body.contains("\"output_config\"") && !body.contains("\"tool_choice\""), "{body}");
    // Switching provider rebuilds the preview for Gemini.
    g.harness.state_mut().state.draft.provider = ProviderKind::Gemini;
    g.harness.state_mut().state.draft.model = "gemini-2.5-flash".into();
    g.wait("the Gemini preview is built", |app| {
        app.model
            .preview
            .as_ref()
            .is_some_and(|(_, p, _)| p.url.as_deref().is_some_and(|u| u.contains("generateContent")))
    });
    assert!(g.has_label(":generateContent"));
    let (_, _, body) = g.app().model.preview.clone().unwrap();
    assert!(body.contains("responseJsonSchema") && !body.contains("\"responseSchema\""), "{body}");
}

#[test]
fn a_lint_finding_is_fixed_with_one_click_and_undone_in_the_editor() {
    let mut g = gui();
    let poor = r#"{"type": "object", "properties": {"sentiment": {"type": "string", "description": "How the customer felt"}}, "required": ["sentiment"]}"#;
    g.harness.get_by_role_and_label(Role::MultilineTextInput, "Schema").focus();
    g.harness.run_steps(1);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    g.harness.get_by_role_and_label(Role::MultilineTextInput, "Schema").type_text(poor);
    // Two frames (half a second of harness time): the typed text is not yet an undo point of
    // its own, so undoing the fix below relies on the fix recording one.
    g.harness.run_steps(2);
    assert_eq!(g.app().state.draft.schema_text, poor);
    let codes: Vec<&str> = g.app().model.lint.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["free-text-category"], "linted live for the draft's provider");
    assert!(g.has_label("reads like a category (sentiment)"), "the finding is listed under the editor");
    assert!(g.has_label("/properties/sentiment"));
    assert!(g.has_label("0 errors, 1 warning, 0 notes"));
    g.harness.get_by_role_and_label(Role::Button, "Fix").click();
    g.harness.run_steps(2);
    let fixed = g.app().state.draft.schema_text.clone();
    let value: serde_json::Value = serde_json::from_str(&fixed).unwrap();
    assert_eq!(value["properties"]["sentiment"]["enum"][0], "positive", "{fixed}");
    assert!(fixed.starts_with("{\n  \"type\": \"object\""), "pretty-printed, key order kept: {fixed}");
    assert!(g.app().model.lint.findings.is_empty(), "the finding is gone");
    assert!(!g.has_label("reads like a category"));
    assert!(g.has_label("no findings"));
    assert!(g.app().state.draft.is_dirty());
    // The fix is one step of the editor's undo history.
    g.harness.get_by_role_and_label(Role::MultilineTextInput, "Schema").focus();
    g.harness.run_steps(1);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    g.harness.run_steps(2);
    assert_eq!(g.app().state.draft.schema_text, poor, "Ctrl+Z takes the fix back");
    assert!(g.has_label("reads like a category (sentiment)"));
    // Another provider, other findings: OpenAI strict mode closes every object.
    g.harness.state_mut().state.draft.provider = ProviderKind::Openai;
    g.harness.run_steps(2);
    assert!(g.app().model.lint.findings.iter().any(|f| f.code == "provider-added"));
    assert!(g.has_label("for openai"));
}

#[test]
fn run_all_again_reuses_what_is_stored_and_reports_it() {
    let mut g = gui();
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the first batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() == 29);
    assert!(
        g.app().model.notices.iter().any(|n| n.contains("29 ok (0 reused)")),
        "{:?}",
        g.app().model.notices
    );
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the second batch finishes", |app| {
        app.model.run.is_none() && app.model.notices.iter().any(|n| n.contains("(29 reused)"))
    });
}

#[test]
fn a_runs_dashboard_charts_every_field_from_the_schema() {
    let mut g = gui();
    g.run_all_and_open_the_run();
    g.wait("the dashboard is built", |app| app.model.history.dashboard.is_some());
    g.harness.get_by_role_and_label(Role::Button, "Dashboard").click();
    g.harness.run_steps(3);
    let d = g.app().model.history.dashboard.clone().unwrap();
    assert_eq!(d.n, 29);
    let Some(debrief::core::dashboard::Chart::Counts { counts, .. }) = d.chart("topic") else {
        panic!("topic chart")
    };
    let billing = counts.iter().find(|(k, _)| k == "billing").unwrap().1;
    assert!(g.has_label(&format!("billing: {billing}")), "counts are shown beside the chart");
    assert!(g.has_label("resolution rate"));
    assert!(g.has_label("sentiment"));
    // Several samples record when they started (on different September 2026 days): the trend has
    // one row per distinct day, counting every conversation with a start time.
    let starts: Vec<String> = g
        .app()
        .model
        .conversations
        .iter()
        .filter_map(|c| {
            c.conversation.metadata.started_at.as_deref().and_then(debrief::core::dashboard::day_of)
        })
        .collect();
    let days: std::collections::BTreeSet<&String> = starts.iter().collect();
    assert!(days.len() >= 3, "{days:?}");
    let trend = d.sentiment_trend.clone().expect("a sentiment trend from the samples' start times");
    assert_eq!(trend.days.iter().map(|(day, _)| day).collect::<std::collections::BTreeSet<_>>(), days);
    assert_eq!(trend.n, starts.len());
    assert!(g.has_label(&format!("sentiment over time ({} analyses with a start time)", starts.len())));
    if !d.follow_up_queue.is_empty() {
        assert!(g.has_label("Follow-up queue"));
        assert!(g.has_label(&d.follow_up_queue[0].conversation_id));
    }
}

#[test]
fn a_run_is_scored_against_the_sample_labels_in_the_evaluation_tab() {
    let mut g = gui();
    g.run_all_and_open_the_run();
    g.wait("the run and its spec load", |app| app.model.history.dashboard.is_some());
    g.harness.get_by_role_and_label(Role::Button, "Evaluation").click();
    g.wait("the run is scored", |app| app.model.history.evaluation.is_some());
    let evaluation =
        g.app().model.history.evaluation.clone().unwrap().expect("labels from the samples folder");
    let topic = evaluation.evaluation.field("topic").unwrap();
    // The offline baseline's known score on the samples (tests/pipeline.rs): 24 of 29.
    assert_eq!(topic.headline().map(|a| (a * 29.0).round()), Some(24.0));
    assert!(g.has_label("accuracy 82.8% (24/29)"), "the table is shown");
    // A bad labels path says so instead of scoring.
    g.harness.state_mut().state.expected_path = "/nonexistent/expected.jsonl".into();
    g.harness.get_by_role_and_label(Role::Button, "Score").click();
    g.wait("the bad path is reported", |app| matches!(app.model.history.evaluation, Some(Err(_))));
}

#[test]
fn the_cost_window_projects_a_month_for_every_priced_model() {
    let mut state = UiState::default();
    state.draft.provider = ProviderKind::Openai;
    state.draft.model = "gpt-4o-mini".into();
    let mut g = gui_with(state);
    g.harness.get_by_role_and_label(Role::Button, "Cost...").click();
    g.wait("the projection is built", |app| app.model.projection.is_some());
    let (_, total, input, rows) = g.app().model.projection.clone().unwrap();
    assert_eq!(input.sample_size, 29);
    assert!(total.input_tokens > 0 && total.cost_usd.unwrap() > 0.0);
    assert!(g.has_label("gpt-4o-mini (chosen)"));
    assert!(g.has_label("The 29 listed conversation(s)") || g.has_label("the 29 listed conversation(s)"));
    let mini = rows.iter().find(|r| r.model == "gpt-4o-mini").unwrap();
    // Default 10,000 a month, everything sampled: monthly = per analysis × 10,000.
    assert!((mini.monthly_cost_usd - mini.per_conversation_usd * 10_000.0).abs() < 1e-9);
    assert!((mini.monthly_batch_cost_usd * 2.0 - mini.monthly_cost_usd).abs() < 1e-9);
    // Halving the sampling rate halves the month.
    g.harness.state_mut().state.projection.sample_rate = 0.5;
    g.wait("the projection follows the rate", |app| {
        app.model.projection.as_ref().is_some_and(|(_, _, i, _)| (i.sample_rate - 0.5).abs() < 1e-12)
    });
    let (_, _, _, rows) = g.app().model.projection.clone().unwrap();
    let half = rows.iter().find(|r| r.model == "gpt-4o-mini").unwrap();
    assert!((half.monthly_cost_usd * 2.0 - mini.monthly_cost_usd).abs() < 1e-9);
}

#[test]
fn the_review_queue_gathers_rule_matches_and_is_walked_by_keyboard() {
    let mut g = gui();
    g.run_all_and_open_the_run();
    g.wait("the run opens", |app| app.model.history.results.len() == 29);
    g.harness.get_by_role_and_label(Role::Button, "Review queue").click();
    g.wait("the queue is built", |app| app.model.history.review.is_some());
    // The bundled example rules include "follow_up_needed == true" for post_analysis results.
    let (_, queue, _) = g.app().model.history.review.clone().unwrap();
    let expected: Vec<usize> = g
        .app()
        .model
        .history
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.outcome.analysis.as_ref().is_some_and(|a| a["follow_up_needed"] == true))
        .map(|(i, _)| i)
        .collect();
    assert!(expected.len() >= 2, "the samples have several follow-ups: {expected:?}");
    assert_eq!(queue.items.iter().map(|i| i.index).collect::<Vec<_>>(), expected);
    // Walk the queue: from the first queued conversation, Down and J skip to the next queued
    // one (never to a conversation the rules did not match); K goes back.
    g.harness.state_mut().model.history.selected = expected[0];
    g.harness.key_press(egui::Key::ArrowDown);
    g.harness.run_steps(2);
    assert_eq!(g.app().model.history.selected, expected[1]);
    g.harness.key_press(egui::Key::K);
    g.harness.run_steps(2);
    assert_eq!(g.app().model.history.selected, expected[0]);
    // A rule that does not parse shows where.
    g.harness.state_mut().state.rules = vec![debrief::core::rules::Rule::new("broken", "overall_score < ")];
    g.harness.run_steps(3);
    let (_, _, errors) = g.app().model.history.review.clone().unwrap();
    let error = errors[0].clone().expect("a syntax error");
    assert!(error.contains('^'), "{error}");
    assert!(g.has_label("^"));
}

#[test]
fn two_runs_are_compared_in_the_compare_tab() {
    let mut g = gui();
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the first batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 29);
    // A second spec version (another temperature) over the same conversations.
    g.harness.state_mut().state.draft.temperature = Some(0.7);
    g.harness.run_steps(2);
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("the second batch finishes", |app| app.model.run.is_none() && app.model.outcomes.len() >= 58);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
    g.wait("both runs are listed", |app| {
        app.state.view == View::History && app.model.history.runs.len() >= 2
    });
    let (newer, older) = (g.app().model.history.runs[0].id, g.app().model.history.runs[1].id);
    g.harness.get_by_label(&newer.to_string()).click();
    g.wait("the run opens", |app| app.model.history.results.len() == 29);
    g.harness.get_by_role_and_label(Role::Button, "Compare").click();
    g.harness.run_steps(2);
    g.harness.state_mut().commands.push(debrief::ui::app::Command::Compare(older));
    g.wait("the comparison arrives", |app| app.model.history.comparison.is_some());
    let (b, text) = g.app().model.history.comparison.clone().unwrap();
    assert_eq!(b, older);
    let text = text.expect("the runs share every conversation");
    assert!(
        text.starts_with(&format!("A = run {older} (older), B = run {newer} (newer)")),
        "the diff reads from the older run to the newer, whichever is open:\n{text}"
    );
    assert!(text.contains("temperature"), "the settings that differ are named:\n{text}");
    assert!(text.contains("topic"), "{text}");
    assert!(g.has_label("temperature"));
}

#[test]
fn run_all_with_repeats_shows_stability_per_field() {
    let mut g = gui_with(UiState { repeat: 2, ..UiState::default() });
    g.harness.get_by_role_and_label(Role::Button, "Run all (29)").click();
    g.wait("both repeats finish", |app| app.model.run.is_none() && !app.model.notices.is_empty());
    assert!(g.app().model.notices.iter().any(|n| n.contains("58 ok")), "{:?}", g.app().model.notices);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
    g.wait("runs are listed", |app| app.state.view == View::History && !app.model.history.runs.is_empty());
    let run_id = g.app().model.history.runs[0].id;
    g.harness.get_by_label(&run_id.to_string()).click();
    g.wait("the dashboard is built", |app| app.model.history.dashboard.is_some());
    g.harness.get_by_role_and_label(Role::Button, "Dashboard").click();
    g.harness.run_steps(3);
    let stability =
        g.app().model.history.dashboard.clone().unwrap().stability.expect("repeats give stability");
    let topic = stability.iter().find(|f| f.field == "topic").unwrap();
    // The offline baseline is deterministic: both repeats agree on every conversation.
    assert_eq!((topic.stability, topic.n, topic.unstable), (1.0, 29, false));
    assert!(g.has_label("Stability over repeats"));
}
