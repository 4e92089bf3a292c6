//! What panels can ask for, and how the app carries it out (egui demo's `Command`, rerun's
//! `command_handling.rs`). Also the handling of events coming back from the engine.

use super::DebriefApp;
use super::model::RunProgress;
use super::state::{Dialog, Draft, View};
use crate::core::cost::PriceTable;
use crate::core::spec::AnalysisSpec;
use crate::llm::{ProviderConfig, key_env};
use crate::store::RunId;
use crate::ui::bridge::Pick;
use std::path::PathBuf;

/// The schema a new spec starts from.
const NEW_SCHEMA: &str = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"summary\": {\"type\": \"string\", \"description\": \"2-3 sentence summary of the conversation\"}\n  },\n  \"required\": [\"summary\"]\n}";

/// A request from a panel or a shortcut.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Analyse the selected conversation, or every visible one.
    Run {
        all: bool,
    },
    Cancel,
    OpenFilesDialog,
    OpenFolderDialog,
    LoadPaths(Vec<PathBuf>),
    ClearConversations,
    Select(String),
    /// Move the selection by this many rows (keyboard).
    MoveSelection(i32),
    NewSpec,
    LoadTemplate(String),
    OpenSpecDialog,
    OpenSpec(PathBuf),
    Save,
    SaveAsDialog,
    SaveTo(PathBuf),
    FormatSchema,
    SetView(View),
    SetTab(super::state::ResultTab),
    RefreshHistory,
    SetHistoryQuery(crate::store::RunQuery),
    HistoryPage(isize),
    OpenRun(RunId),
    /// Move within the open run's results (History view).
    MoveResult(i32),
    /// Show a stored result (History tab of a conversation).
    Pin(i64),
    DismissNotices,
    /// Run a command that replaces the draft, unsaved changes or not (after "Discard").
    Confirmed(Box<Command>),
    /// Ask for a spec path in the window (Open when `save` is false).
    AskSpecPath {
        save: bool,
    },
    ApplyPrices,
    /// Switch the History run browser between its results and its dashboard.
    RunTab(super::model::RunTab),
    /// Compare the open run (A) with another run (B).
    Compare(RunId),
    /// Select one result of the open run by its position in the run.
    SelectResult(usize),
    /// Open or close the cost projection window.
    ToggleProjection,
    /// Score the open run against the labels file and the loaded transcripts' own labels.
    Evaluate,
    /// Apply a schema linter fix to the draft's schema text.
    ApplyLintFix(crate::core::lint::Fix),
    /// Server, keys, agents, endpoints, deliveries, exports.
    Pipeline(super::pipeline::PipelineCommand),
    /// Reviewing: verdicts and corrections.
    Review(super::review::ReviewCommand),
    /// Open a conversation of the open run in the Results tab (from an evaluation mismatch or
    /// the follow-up queue).
    OpenInRun(String),
}

impl DebriefApp {
    /// Provider settings: typed key, else the environment; typed base URL, else the environment.
    pub fn provider_config(&self) -> ProviderConfig {
        let kind = self.state.draft.provider;
        let mut config = ProviderConfig::from_env(kind, self.state.settings.base_url(kind));
        if let Some(k) = self.state.settings.keys.get(kind.as_str()).filter(|k| !k.trim().is_empty()) {
            config.api_key = Some(k.trim().to_string());
        }
        config.request_timeout =
            self.state.draft.tuning.request_timeout_s.map(std::time::Duration::from_secs);
        config
    }

    /// Where the key for the chosen provider comes from, for the top bar (never the key).
    pub fn key_status(&self) -> Option<&'static str> {
        let kind = self.state.draft.provider;
        key_env(kind)?;
        let env_set = crate::llm::key_envs(kind).iter().any(|e| self.model.env_keys.contains(e));
        if self.state.settings.keys.get(kind.as_str()).is_some_and(|k| !k.trim().is_empty()) {
            Some("key entered")
        } else if env_set {
            Some("key from environment")
        } else if kind == crate::core::spec::ProviderKind::OpenaiCompatible {
            Some("no key (optional)")
        } else {
            Some("key missing")
        }
    }

    pub(super) fn apply_price_overrides(&mut self) {
        let mut prices = PriceTable::bundled();
        for (model, rates) in &self.state.settings.price_overrides {
            prices.override_rates(model, *rates);
        }
        self.bridge.set_prices(prices);
        self.model.estimate = None;
    }

    pub(super) fn run_command(&mut self, command: Command) {
        // Commands that replace the draft ask first when it has unsaved changes.
        let replaces = matches!(command, Command::NewSpec | Command::LoadTemplate(_) | Command::OpenSpec(_));
        if replaces && self.state.draft.is_dirty() {
            self.state.dialog = Some(Dialog::Discard { then: Box::new(command) });
            return;
        }
        self.run_confirmed(command);
    }

    fn run_confirmed(&mut self, command: Command) {
        match command {
            Command::Confirmed(inner) => {
                self.state.dialog = None;
                self.run_confirmed(*inner);
            }
            Command::Run { all } => self.start_run(all),
            Command::Cancel => {
                if let Some(run) = &self.model.run {
                    run.cancel.cancel();
                }
            }
            Command::OpenFilesDialog => self.bridge.pick(Pick::Transcripts, false),
            Command::OpenFolderDialog => self.bridge.pick(Pick::Transcripts, true),
            Command::LoadPaths(paths) => {
                self.model.importing += 1;
                self.bridge.import(paths);
            }
            Command::ClearConversations => {
                self.model.conversations.clear();
                self.model.import_errors.clear();
                self.state.loaded_paths.clear();
                self.state.selected = None;
            }
            Command::Select(hash) => self.select(hash),
            Command::MoveSelection(delta) => {
                self.state.scroll_to_selection = true;
                let visible = self.model.visible(&self.state.filter);
                let current = visible.iter().position(|c| Some(&c.hash) == self.state.selected.as_ref());
                let next = match current {
                    Some(i) => (i as i64 + delta as i64).clamp(0, visible.len() as i64 - 1) as usize,
                    None => 0,
                };
                if let Some(c) = visible.get(next) {
                    let hash = c.hash.clone();
                    self.select(hash);
                }
            }
            Command::DismissNotices => self.model.notices.clear(),
            Command::ApplyPrices => self.apply_price_overrides(),
            Command::ToggleProjection => self.state.projection.open = !self.state.projection.open,
            Command::Pipeline(command) => self.run_pipeline(command),
            Command::Review(command) => self.run_review(command),
            command @ (Command::ApplyLintFix(..)
            | Command::AskSpecPath { .. }
            | Command::FormatSchema
            | Command::LoadTemplate(..)
            | Command::NewSpec
            | Command::OpenSpec(..)
            | Command::OpenSpecDialog
            | Command::Save
            | Command::SaveAsDialog
            | Command::SaveTo(..)) => self.run_spec_command(command),
            command @ (Command::Compare(..)
            | Command::Evaluate
            | Command::HistoryPage(..)
            | Command::MoveResult(..)
            | Command::OpenInRun(..)
            | Command::OpenRun(..)
            | Command::Pin(..)
            | Command::RefreshHistory
            | Command::RunTab(..)
            | Command::SelectResult(..)
            | Command::SetHistoryQuery(..)
            | Command::SetTab(..)
            | Command::SetView(..)) => self.run_history_command(command),
        }
    }

    /// The spec being edited: new, templates, open, save, format, lint fixes.
    fn run_spec_command(&mut self, command: Command) {
        match command {
            Command::AskSpecPath { save } => {
                let text =
                    self.state.draft.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                self.state.dialog = Some(Dialog::SpecPath { save, text });
            }
            Command::NewSpec => {
                // A new spec keeps the provider and model the user has chosen.
                let (provider, model) = (self.state.draft.provider, self.state.draft.model.clone());
                self.state.draft = Draft {
                    name: "Untitled analysis".into(),
                    description: String::new(),
                    provider,
                    model,
                    template: None,
                    schema_text: NEW_SCHEMA.into(),
                    prompt: "Summarise this conversation in two or three sentences.".into(),
                    path: None,
                    saved: String::new(),
                    ..Draft::default()
                };
            }
            Command::LoadTemplate(name) => match AnalysisSpec::template(&name) {
                Ok(spec) => self.state.draft = Draft::from_spec(&spec, None, Some(name)),
                Err(e) => self.model.notice(e.to_string()),
            },
            Command::OpenSpecDialog => self.bridge.pick(Pick::Spec, false),
            Command::OpenSpec(path) => self.bridge.load_spec(path),
            Command::Save => match self.state.draft.path.clone() {
                Some(path) => self.save_to(path),
                None => self.bridge.pick(Pick::SaveSpec, false),
            },
            Command::SaveAsDialog => self.bridge.pick(Pick::SaveSpec, false),
            Command::SaveTo(path) => self.save_to(path),
            Command::FormatSchema => {
                match serde_json::from_str::<serde_json::Value>(&self.state.draft.schema_text) {
                    Ok(v) => {
                        self.state.draft.schema_text = serde_json::to_string_pretty(&v)
                            .unwrap_or_else(|_| self.state.draft.schema_text.clone())
                    }
                    Err(e) => self.model.notice(format!(
                        "cannot format: line {}, column {}: the schema is not valid JSON yet",
                        e.line(),
                        e.column()
                    )),
                }
            }
            Command::ApplyLintFix(fix) => self.apply_lint_fix(&fix),
            _ => {}
        }
    }

    /// Views, tabs and the History run browser.
    fn run_history_command(&mut self, command: Command) {
        match command {
            Command::SetView(view) => {
                self.state.view = view;
                if view == View::History {
                    self.refresh_history();
                }
                if matches!(view, View::Server | View::Deliveries) {
                    self.refresh_pipeline();
                }
            }
            Command::SetTab(tab) => self.state.tab = tab,
            Command::RefreshHistory => self.refresh_history(),
            Command::SetHistoryQuery(query) => {
                self.model.history.query = query;
                self.refresh_history();
            }
            Command::HistoryPage(delta) => {
                let q = &mut self.model.history.query;
                let step = q.limit.max(1) as isize;
                q.offset = (q.offset as isize + delta * step).max(0) as usize;
                self.refresh_history();
            }
            Command::OpenRun(run_id) => {
                self.model.history.open_run = Some(run_id);
                self.model.history.results.clear();
                self.bridge.query_run_results(run_id);
            }
            Command::MoveResult(delta) => {
                self.state.scroll_to_selection = true;
                let h = &mut self.model.history;
                if h.tab == super::model::RunTab::Review {
                    h.move_in_review(delta);
                } else if !h.results.is_empty() {
                    h.selected =
                        (h.selected as i64 + delta as i64).clamp(0, h.results.len() as i64 - 1) as usize;
                }
            }
            Command::Pin(result_id) => {
                let found = self
                    .model
                    .conversation_history
                    .as_ref()
                    .and_then(|(_, rs)| rs.iter().find(|r| r.id == result_id).cloned());
                self.model.pinned = found;
                self.state.tab = super::state::ResultTab::Analysis;
            }
            Command::RunTab(tab) => {
                self.model.history.tab = tab;
                if tab == super::model::RunTab::Evaluation && self.model.history.evaluation.is_none() {
                    self.evaluate_open_run();
                }
            }
            Command::Evaluate => self.evaluate_open_run(),
            Command::Compare(other) => {
                if let Some(open) = self.model.history.open_run {
                    self.model.history.compare_with = Some(other);
                    self.model.history.comparison = None;
                    // The older run is A, so the diffs read from old to new (an added line is +).
                    let (a, b) = if open < other { (open, other) } else { (other, open) };
                    self.bridge.query_compare(a, b, self.expected_path());
                }
            }
            Command::SelectResult(i) if i < self.model.history.results.len() => {
                self.model.history.selected = i;
            }
            Command::OpenInRun(conversation_id) => {
                let h = &mut self.model.history;
                if let Some(i) = h.results.iter().position(|r| r.outcome.conversation_id == conversation_id) {
                    h.selected = i;
                    h.tab = super::model::RunTab::Results;
                    self.state.scroll_to_selection = true;
                }
            }

            _ => {}
        }
    }

    /// The labels file the Evaluation tab uses: the typed one, else `expected.jsonl` in the
    /// first loaded folder that has one.
    pub fn expected_path(&self) -> Option<PathBuf> {
        let typed = self.state.expected_path.trim();
        if !typed.is_empty() {
            return Some(PathBuf::from(typed));
        }
        self.state.loaded_paths.iter().map(|p| p.join("expected.jsonl")).find(|p| p.is_file())
    }

    /// Score the open run against every label source, on the engine.
    pub(super) fn evaluate_open_run(&mut self) {
        let Some(run) = self.model.history.open_run else { return };
        let expected = self.expected_path();
        self.bridge.query(
            move |e| Ok(e.evaluate_run(run, expected.as_deref()).map(Box::new)),
            crate::ui::bridge::UiEvent::Evaluated,
        );
    }

    pub(super) fn select(&mut self, hash: String) {
        self.model.pinned = None;
        if self.state.selected.as_ref() != Some(&hash) {
            self.model.conversation_history = None;
        }
        self.state.selected = Some(hash.clone());
        self.bridge.query_conversation_history(hash);
    }

    fn refresh_history(&mut self) {
        self.model.history.loading = true;
        self.bridge.query_runs(self.model.history.query.clone());
        self.bridge.query_batch_jobs();
    }

    fn start_run(&mut self, all: bool) {
        if self.model.run.is_some() {
            return;
        }
        let Some(schema) = self.model.check.parsed.clone().filter(|_| self.model.check.is_ok()) else {
            self.model.notice("fix the schema errors shown under the editor before running");
            return;
        };
        let conversations: Vec<_> = if all {
            self.model.visible(&self.state.filter).into_iter().map(|c| c.conversation.clone()).collect()
        } else {
            self.model.selected(&self.state).map(|c| vec![c.conversation.clone()]).unwrap_or_default()
        };
        if conversations.is_empty() {
            self.model.notice("no conversation to run: load transcripts and select one");
            return;
        }
        let spec = self.state.draft.to_spec(schema);
        let spec_hash = spec.version_hash();
        let planned = conversations.len();
        // A new run: old notes and the last failure no longer apply.
        self.model.notices.clear();
        self.model.run_failure = None;
        // Run all resumes: stored ok results of this spec version are reused, not paid again.
        // Run on one conversation always asks the model afresh.
        let repeat = if all { self.state.repeat.clamp(1, 100) } else { 1 };
        let mut request = crate::ui::bridge::workbench_request(spec, conversations, all, repeat);
        if self.state.deliver {
            request.deliver = Some(crate::engine::Deliver { agent_id: self.state.draft.agent_id.clone() });
        }
        let cancel = self.bridge.start_run(self.provider_config(), request);
        self.model.pinned = None;
        self.model.run = Some(RunProgress::new(spec_hash, planned * repeat as usize, cancel));
    }

    fn save_to(&mut self, path: PathBuf) {
        let Some(schema) = self.model.check.parsed.clone() else {
            self.model
                .notice("the schema is not valid JSON; fix it before saving (your draft is kept either way)");
            return;
        };
        let spec = self.state.draft.to_spec(schema);
        let fingerprint = self.state.draft.current_fingerprint();
        self.bridge.write_spec(path, spec.to_json_pretty() + "\n", fingerprint);
    }

    /// A spec file was read: it becomes the draft.
    pub(super) fn on_spec_loaded(&mut self, path: PathBuf, result: Result<AnalysisSpec, String>) {
        match result {
            Ok(spec) => {
                self.state.draft = Draft::from_spec(&spec, Some(path.clone()), None);
                self.remember_spec(path);
            }
            Err(e) => self.model.notice(e),
        }
    }

    /// A spec file was written: the draft is that file now (not the template it came from), saved
    /// as it was when the save began.
    pub(super) fn on_spec_saved(&mut self, path: PathBuf, fingerprint: String, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.state.draft.path = Some(path.clone());
                self.state.draft.template = None;
                self.state.draft.mark_saved_as(fingerprint);
                self.remember_spec(path);
            }
            Err(e) => self.model.notice(e),
        }
    }

    fn remember_spec(&mut self, path: PathBuf) {
        self.state.recent_specs.retain(|p| p != &path);
        self.state.recent_specs.insert(0, path);
        self.state.recent_specs.truncate(8);
    }
}

impl DebriefApp {
    /// Apply a linter fix to the draft: parse the text as it is now, edit, pretty-print (key
    /// order kept). The old text goes to `lint_undo` so the editor can make it an undo point;
    /// the draft is then dirty like after any edit.
    fn apply_lint_fix(&mut self, fix: &crate::core::lint::Fix) {
        let fixed = serde_json::from_str::<serde_json::Value>(&self.state.draft.schema_text)
            .map_err(|e| format!("the schema is not valid JSON (line {}, column {})", e.line(), e.column()))
            .and_then(|schema| crate::core::lint::apply_fix(&schema, fix).map_err(|e| e.to_string()))
            .and_then(|schema| serde_json::to_string_pretty(&schema).map_err(|e| e.to_string()));
        match fixed {
            Ok(text) => {
                let before = std::mem::replace(&mut self.state.draft.schema_text, text);
                self.state.lint_undo = Some(before);
            }
            Err(e) => self.model.notice(format!("cannot apply \"{}\": {e}", fix.label)),
        }
    }
}
