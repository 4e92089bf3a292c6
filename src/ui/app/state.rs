//! The GUI's saved state: one serde struct, restored at start and saved by eframe.
//!
//! Everything a user would be annoyed to lose lives here — the spec under edit (as a draft, even
//! unsaved), loaded files, layout, selected tab. Keys never do: they are `#[serde(skip)]` in
//! `Settings` so they cannot reach the state file. Unknown or missing fields fall back to
//! defaults (`#[serde(default)]`), so an older state file never stops the app from starting.

use crate::core::spec::{AnalysisSpec, ProviderKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The spec being edited: text as typed, so an unparseable schema is never lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub name: String,
    pub description: String,
    pub schema_text: String,
    pub prompt: String,
    pub provider: ProviderKind,
    pub model: String,
    pub temperature: Option<f64>,
    pub max_output_tokens: Option<u32>,
    pub max_repairs: u32,
    pub agent_id: Option<String>,
    /// The spec's cost controls, kept as loaded (edited in the spec file).
    #[serde(default)]
    pub policy: crate::core::policy::Policy,
    /// Ask for evidence quotes (the Evidence toggle in the editor).
    pub evidence: bool,
    /// Put evidence into webhook payloads.
    pub webhook_evidence: bool,
    /// Settings the draft's editors do not show yet, carried through to the saved spec.
    #[serde(default)]
    pub tuning: crate::core::spec::Tuning,
    /// The file this draft was opened from or last saved to.
    pub path: Option<PathBuf>,
    /// Which template it started from, when it did.
    pub template: Option<String>,
    /// The spec JSON as last loaded or saved; differs from the current one when there are
    /// unsaved changes.
    pub saved: String,
}

impl Default for Draft {
    fn default() -> Draft {
        match AnalysisSpec::template("post_analysis") {
            Ok(spec) => Draft::from_spec(&spec, None, Some("post_analysis".into())),
            Err(_) => Draft {
                name: "Untitled".into(),
                description: String::new(),
                schema_text: "{\n  \"type\": \"object\",\n  \"properties\": {}\n}".into(),
                prompt: String::new(),
                provider: ProviderKind::Offline,
                model: "baseline".into(),
                temperature: None,
                max_output_tokens: None,
                max_repairs: 1,
                agent_id: None,
                policy: Default::default(),
                evidence: false,
                webhook_evidence: false,
                tuning: Default::default(),
                path: None,
                template: None,
                saved: String::new(),
            },
        }
    }
}

impl Draft {
    pub fn from_spec(spec: &AnalysisSpec, path: Option<PathBuf>, template: Option<String>) -> Draft {
        let mut d = Draft {
            name: spec.name.clone(),
            description: spec.description.clone().unwrap_or_default(),
            schema_text: serde_json::to_string_pretty(&spec.schema).unwrap_or_default(),
            prompt: spec.prompt.clone(),
            provider: spec.provider,
            model: spec.model.clone(),
            temperature: spec.temperature,
            max_output_tokens: spec.max_output_tokens,
            max_repairs: spec.max_repairs,
            agent_id: spec.agent_id.clone(),
            policy: spec.policy.clone(),
            evidence: spec.evidence,
            webhook_evidence: spec.webhook_evidence,
            tuning: crate::core::spec::Tuning::of(spec),
            path,
            template,
            saved: String::new(),
        };
        d.mark_saved();
        d
    }

    /// A stable text form of everything that is saved, used to detect unsaved changes.
    fn fingerprint(&self) -> String {
        format!(
            "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{}\u{1}{}\u{1}{:?}",
            self.name,
            self.description,
            self.schema_text,
            self.prompt,
            self.provider,
            self.model,
            self.temperature,
            self.max_output_tokens,
            self.max_repairs,
            self.agent_id,
            self.policy,
            self.evidence,
            self.webhook_evidence,
            self.tuning
        )
    }

    pub fn mark_saved(&mut self) {
        self.saved = self.fingerprint();
    }

    /// What would be saved now (to mark exactly that as saved once the write is done).
    pub fn current_fingerprint(&self) -> String {
        self.fingerprint()
    }

    /// Mark the draft as saved as it was when `fingerprint` was taken.
    pub fn mark_saved_as(&mut self, fingerprint: String) {
        self.saved = fingerprint;
    }

    pub fn is_dirty(&self) -> bool {
        self.saved != self.fingerprint()
    }

    /// The spec, when the schema text parses. The caller has the parse error otherwise.
    pub fn to_spec(&self, schema: serde_json::Value) -> AnalysisSpec {
        let mut spec = AnalysisSpec {
            name: self.name.clone(),
            description: Some(self.description.clone()).filter(|d| !d.is_empty()),
            schema,
            prompt: self.prompt.clone(),
            provider: self.provider,
            model: self.model.clone(),
            temperature: self.temperature,
            max_output_tokens: self.max_output_tokens,
            max_repairs: self.max_repairs,
            agent_id: self.agent_id.clone(),
            policy: self.policy.clone(),
            evidence: self.evidence,
            webhook_evidence: self.webhook_evidence,
            reasoning_effort: None,
            thinking_budget: None,
            thinking_level: None,
            repeat_penalty: None,
            frequency_penalty: None,
            max_text_length: None,
            on_too_long: None,
            request_timeout_s: None,
            keep_temperature: false,
            redact: Default::default(),
        };
        self.tuning.apply(&mut spec);
        spec
    }
}

/// The right-hand tabs for the selected conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ResultTab {
    Transcript,
    #[default]
    Analysis,
    Raw,
    History,
}

/// Top-level views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum View {
    #[default]
    Workbench,
    History,
    Server,
    Deliveries,
    Settings,
}

/// The Server and Deliveries views' inputs. The address is kept; what is being typed is not.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub listen: String,
    #[serde(skip)]
    pub key_name: String,
    #[serde(skip)]
    pub agent_id: String,
    #[serde(skip)]
    pub endpoint_url: String,
    #[serde(skip)]
    pub endpoint_events: String,
    #[serde(skip)]
    pub endpoint_agent: String,
    /// Where the run browser exports to.
    pub export_path: String,
}

impl Default for ServerSettings {
    fn default() -> ServerSettings {
        ServerSettings {
            listen: crate::server::DEFAULT_LISTEN.to_string(),
            key_name: String::new(),
            agent_id: String::new(),
            endpoint_url: String::new(),
            endpoint_events: String::new(),
            endpoint_agent: String::new(),
            export_path: String::new(),
        }
    }
}

/// Settings; keys are memory-only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Per-provider base URL overrides.
    pub base_urls: BTreeMap<String, String>,
    /// Keys typed in this session. Never serialised.
    #[serde(skip)]
    pub keys: BTreeMap<String, String>,
    /// Per-model price overrides (USD per 1M tokens: input, cached input, output).
    pub price_overrides: BTreeMap<String, [f64; 3]>,
    /// Whose labels verdicts become (empty: the OS user).
    pub reviewer: String,
}

impl Settings {
    /// The reviewer name labels are saved under.
    pub fn reviewer_name(&self) -> String {
        Some(self.reviewer.trim().to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(crate::engine::labels::default_reviewer)
    }

    /// The base URL a provider is reached at: typed here, else its environment variable; `None`
    /// means the provider's default.
    pub fn base_url(&self, kind: crate::core::spec::ProviderKind) -> Option<String> {
        let typed = self.base_urls.get(kind.as_str()).filter(|u| !u.trim().is_empty()).cloned();
        crate::llm::ProviderConfig::from_env(kind, typed).base_url
    }
}

/// Inputs of the cost projection window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectionSettings {
    pub open: bool,
    pub per_month: u64,
    /// Fraction analysed, 0–1.
    pub sample_rate: f64,
}

impl Default for ProjectionSettings {
    fn default() -> ProjectionSettings {
        ProjectionSettings { open: false, per_month: 10_000, sample_rate: 1.0 }
    }
}

/// All persisted UI state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct UiState {
    pub draft: Draft,
    pub recent_specs: Vec<PathBuf>,
    /// Transcript files and folders loaded, reloaded at start.
    pub loaded_paths: Vec<PathBuf>,
    /// The bundled samples are loaded once, on first launch.
    pub first_launch_done: bool,
    /// Content hash of the selected conversation.
    pub selected: Option<String>,
    pub filter: String,
    pub tab: ResultTab,
    pub view: View,
    pub settings: Settings,
    /// The cost projection window: open, conversations per month, sampling rate.
    pub projection: ProjectionSettings,
    /// "Run all" analyses each conversation this many times (stability over repeats).
    pub repeat: u32,
    /// Workbench runs queue their results' webhook events for the configured endpoints.
    pub deliver: bool,
    /// The Server and Deliveries views.
    pub server: ServerSettings,
    /// Review rules over analysis fields; matching conversations gather in the review queue.
    pub rules: Vec<crate::core::rules::Rule>,
    /// Labels file for scoring runs (`expected.jsonl`); empty means the first loaded folder's.
    pub expected_path: String,
    /// A path typed in the "open" field (used when no file dialog is available).
    pub path_input: String,
    /// Set when the keyboard moved a selection, so the list scrolls to it once (every frame
    /// would fight the user's own scrolling).
    #[serde(skip)]
    pub scroll_to_selection: bool,
    /// A question the window is asking (modal), if any.
    #[serde(skip)]
    pub dialog: Option<Dialog>,
    /// Reviewing: the field in focus and the correction being entered.
    #[serde(skip)]
    pub review: super::review::ReviewUi,
    /// The schema text before a linter fix replaced it, for the editor to record as an undo
    /// point (Ctrl+Z in the schema editor takes the fix back).
    #[serde(skip)]
    pub lint_undo: Option<String>,
    /// The Analysis tab puts redacted values back (a local view; off at every start).
    #[serde(skip)]
    pub show_originals: bool,
}

/// Modal questions.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Type a spec file path (no file dialog on this system, or the user prefers typing).
    SpecPath { save: bool, text: String },
    /// The draft has unsaved changes; replacing it needs a yes.
    Discard { then: Box<crate::ui::app::Command> },
}

impl Default for UiState {
    fn default() -> UiState {
        UiState {
            draft: Draft::default(),
            recent_specs: Vec::new(),
            loaded_paths: Vec::new(),
            first_launch_done: false,
            selected: None,
            filter: String::new(),
            tab: ResultTab::Analysis,
            view: View::Workbench,
            settings: Settings::default(),
            projection: ProjectionSettings::default(),
            repeat: 1,
            deliver: false,
            server: ServerSettings::default(),
            rules: crate::core::rules::example_rules(),
            expected_path: String::new(),
            path_input: String::new(),
            scroll_to_selection: false,
            dialog: None,
            review: Default::default(),
            lint_undo: None,
            show_originals: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_keys_never_reach_the_state_file() {
        let mut state = UiState::default();
        state.settings.keys.insert("openai".into(), "sk-live-do-not-store".into());
        state.settings.base_urls.insert("openai".into(), "http://127.0.0.1:9/v1".into());
        let text = serde_json::to_string(&state).unwrap();
        assert!(!text.contains("sk-live-do-not-store"));
        let back: UiState = serde_json::from_str(&text).unwrap();
        assert!(back.settings.keys.is_empty());
        assert_eq!(back.settings.base_urls["openai"], "http://127.0.0.1:9/v1");
    }

    #[test]
    fn the_draft_survives_a_restart_even_when_unparseable() {
        let mut state = UiState::default();
        state.draft.schema_text = "{ \"type\": \"object\", oops".into();
        state.draft.prompt = "my half-written prompt".into();
        let back: UiState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        assert_eq!(back.draft.schema_text, state.draft.schema_text);
        assert_eq!(back.draft.prompt, "my half-written prompt");
        assert!(back.draft.is_dirty(), "unsaved changes stay marked");
    }

    #[test]
    fn an_old_or_partial_state_file_still_loads() {
        let back: UiState = serde_json::from_str(r#"{"filter": "billing", "unknown_field": 3}"#).unwrap();
        assert_eq!(back.filter, "billing");
        assert_eq!(back.draft.name, "Post analysis");
    }
}
