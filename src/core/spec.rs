//! `AnalysisSpec`: the unit users iterate on — schema, prompt, provider, model, settings.
//!
//! A spec is a JSON file users keep in git. Every version that runs is stored content-addressed:
//! `version_hash` covers exactly what changes the model's answer (schema, prompt, provider, model,
//! generation settings) and nothing cosmetic (name, description), so two runs with the same hash
//! are comparable and a stored `ok` result can be reused for the same conversation content.
//! The four bundled templates are embedded at compile time so the binary works from any folder.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Which wire format and endpoint family a spec talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// The embedded offline baseline: no network, no LLM, deterministic.
    #[default]
    Offline,
    /// OpenAI Chat Completions with strict structured outputs.
    Openai,
    /// Any `/v1/chat/completions` server: llama.cpp, vLLM, LM Studio (and Ollama's `/v1`, which
    /// ignores `num_ctx`: use `ollama` for Ollama).
    OpenaiCompatible,
    /// Anthropic Messages API, structured output by a forced tool.
    Anthropic,
    /// Google Gemini `generateContent` with `responseJsonSchema`.
    Gemini,
    /// Ollama's native `/api/chat` with `format: <schema>` and `options.num_ctx` sized per call.
    Ollama,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 6] = [
        ProviderKind::Offline,
        ProviderKind::Openai,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
        ProviderKind::OpenaiCompatible,
    ];

    /// A server the user runs (no key required, no price known).
    pub fn is_local(self) -> bool {
        matches!(self, ProviderKind::OpenaiCompatible | ProviderKind::Ollama)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Offline => "offline",
            ProviderKind::Openai => "openai",
            ProviderKind::OpenaiCompatible => "openai-compatible",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The model used when a spec or the command line names none.
    pub fn default_model(self) -> &'static str {
        match self {
            ProviderKind::Offline => "baseline",
            ProviderKind::Openai => "gpt-4o-mini",
            ProviderKind::OpenaiCompatible | ProviderKind::Ollama => "llama3.1",
            ProviderKind::Anthropic => "claude-haiku-4-5",
            ProviderKind::Gemini => "gemini-2.5-flash",
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn default_max_repairs() -> u32 {
    1
}

/// Most repair attempts a spec may ask for. A repair that has not fixed the reply after five
/// tries will not fix it at the sixth; beyond that, repairs only multiply the cost of a server
/// that always answers badly.
pub const MAX_REPAIRS: u32 = 5;

/// An analysis specification, exactly as stored in a spec file. Unknown keys are rejected: a
/// misspelt `temprature` silently ignored would run with settings the user did not choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A JSON Schema (draft 2020-12 unless `$schema` says otherwise); root must be an object schema.
    pub schema: Value,
    /// The analysis instructions given to the model as the system message.
    pub prompt: String,
    #[serde(default)]
    pub provider: ProviderKind,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// Extra attempts with the validation errors fed back. Default 1.
    #[serde(default = "default_max_repairs")]
    pub max_repairs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Which conversations are sent (skip short ones, sample a fraction). Not part of the
    /// version hash: it never changes an answer.
    #[serde(default, skip_serializing_if = "crate::core::policy::Policy::is_default")]
    pub policy: crate::core::policy::Policy,
    /// Ask, per top-level field, for a verbatim quote from the transcript supporting the value
    /// (see `core::evidence`). Part of the version: it changes what is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evidence: bool,
    /// Put the evidence into webhook payloads too (off: it stays in the history and the API).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub webhook_evidence: bool,
    /// OpenAI reasoning models (gpt-5 family, o-series): `reasoning_effort` as the model accepts
    /// it (`minimal`, `low`, `medium`, `high`, …). Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Gemini 2.5: `thinkingConfig.thinkingBudget` in tokens (0 turns thinking off on Flash).
    /// Never sent together with `thinking_level`. Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_budget: Option<i64>,
    /// Gemini 3: `thinkingConfig.thinkingLevel` (`low`, `high`, …). Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_level: Option<String>,
    /// Local servers (llama.cpp `repeat_penalty`, Ollama `options.repeat_penalty`): discourages
    /// the loops small models fall into. Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_penalty: Option<f64>,
    /// OpenAI-style `frequency_penalty` (-2.0 to 2.0). Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// For grammar-constrained local servers: the `maxLength` given in the sent copy to string
    /// fields that have none, so an unbounded string cannot loop until the output budget runs
    /// out. Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_text_length: Option<u32>,
    /// What to do with a conversation too long for the model's context window: `skip` (the
    /// default: it ends `skipped` with the reason) or `head_tail` (keep the start and the end,
    /// with a marker between). Part of the version when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_too_long: Option<OnTooLong>,
    /// Per-request timeout in seconds (default 120). Not part of the version: it never changes
    /// an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_s: Option<u64>,
    /// Send `temperature` even where the provider advises against it (Gemini 3 below 1.0, which
    /// Google warns can loop); without it such a temperature is left out and lint says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_temperature: bool,
    /// Personal data replaced by placeholders before the transcript is sent (`core::redact`).
    /// Part of the version when set: it changes what the model sees.
    #[serde(default, skip_serializing_if = "crate::core::redact::Redaction::is_empty")]
    pub redact: crate::core::redact::Redaction,
}

/// The generation settings added after the first spec format, as one value, so a front end that
/// edits only some of them (the GUI's draft) carries the rest through unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tuning {
    pub reasoning_effort: Option<String>,
    pub thinking_budget: Option<i64>,
    pub thinking_level: Option<String>,
    pub repeat_penalty: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub max_text_length: Option<u32>,
    pub on_too_long: Option<OnTooLong>,
    pub request_timeout_s: Option<u64>,
    pub keep_temperature: bool,
    pub redact: crate::core::redact::Redaction,
}

impl Tuning {
    /// The tuning a spec carries.
    pub fn of(spec: &AnalysisSpec) -> Tuning {
        Tuning {
            reasoning_effort: spec.reasoning_effort.clone(),
            thinking_budget: spec.thinking_budget,
            thinking_level: spec.thinking_level.clone(),
            repeat_penalty: spec.repeat_penalty,
            frequency_penalty: spec.frequency_penalty,
            max_text_length: spec.max_text_length,
            on_too_long: spec.on_too_long,
            request_timeout_s: spec.request_timeout_s,
            keep_temperature: spec.keep_temperature,
            redact: spec.redact.clone(),
        }
    }

    /// Write these settings into `spec`.
    pub fn apply(&self, spec: &mut AnalysisSpec) {
        spec.reasoning_effort = self.reasoning_effort.clone();
        spec.thinking_budget = self.thinking_budget;
        spec.thinking_level = self.thinking_level.clone();
        spec.repeat_penalty = self.repeat_penalty;
        spec.frequency_penalty = self.frequency_penalty;
        spec.max_text_length = self.max_text_length;
        spec.on_too_long = self.on_too_long;
        spec.request_timeout_s = self.request_timeout_s;
        spec.keep_temperature = self.keep_temperature;
        spec.redact = self.redact.clone();
    }
}

/// What to do with a conversation that does not fit the model's context window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnTooLong {
    /// Do not send it; the result is `skipped` with the estimate and the window.
    #[default]
    Skip,
    /// Keep the start and the end of the transcript, with a marker saying what was left out.
    HeadTail,
}

/// Why a spec file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read spec {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error(
        "{path}: max_repairs {found} is above the cap of {cap}; more repairs rarely fix a reply and each one is paid, so set at most {cap}"
    )]
    TooManyRepairs { path: PathBuf, found: u32, cap: u32 },
    /// Valid JSON, wrong shape: `pointer` is the JSON pointer of the offending key.
    #[error("{path}: {}: {message}", crate::core::schema::display_pointer(.pointer))]
    Shape { path: PathBuf, pointer: String, message: String },
    #[error(transparent)]
    Encoding(#[from] crate::core::text_file::TextError),
    #[error("no template named {0:?}; run `debrief templates` to list them")]
    UnknownTemplate(String),
}

/// A bundled template: its file name stem and the spec JSON text.
pub const TEMPLATES: [(&str, &str); 4] = [
    ("post_analysis", include_str!("../../assets/templates/post_analysis.json")),
    ("customer_support", include_str!("../../assets/templates/customer_support.json")),
    ("sales_qualification", include_str!("../../assets/templates/sales_qualification.json")),
    ("quality_assurance", include_str!("../../assets/templates/quality_assurance.json")),
];

impl AnalysisSpec {
    /// Parse spec JSON; `origin` names the file in errors.
    ///
    /// Two stages, so each error says what the user needs: text → JSON (syntax errors with line
    /// and column), then JSON → spec (the JSON pointer of the wrong key, what it holds and what
    /// is allowed there; see `spec_shape`).
    pub fn from_json(text: &str, origin: &Path) -> Result<AnalysisSpec, SpecError> {
        let value: Value = serde_json::from_str(text).map_err(|e| SpecError::Syntax {
            path: origin.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: crate::core::schema::strip_position(&e.to_string()),
        })?;
        let mut spec = crate::core::spec_shape::from_value(value).map_err(|(pointer, message)| {
            SpecError::Shape { path: origin.to_path_buf(), pointer, message }
        })?;
        if spec.model.trim().is_empty() {
            spec.model = spec.provider.default_model().to_string();
        }
        Ok(spec)
    }

    /// Load a spec file to run it: its settings must be within the limits ([`MAX_REPAIRS`]).
    pub fn load(path: &Path) -> Result<AnalysisSpec, SpecError> {
        let spec = AnalysisSpec::load_unchecked(path)?;
        spec.check_limits(path)?;
        Ok(spec)
    }

    /// Load a spec file without checking its limits (`debrief lint` reports them as findings).
    pub fn load_unchecked(path: &Path) -> Result<AnalysisSpec, SpecError> {
        let bytes =
            std::fs::read(path).map_err(|source| SpecError::Io { path: path.to_path_buf(), source })?;
        let text = crate::core::text_file::decode_text(path, &bytes)?;
        AnalysisSpec::from_json(&text, path)
    }

    /// Refuse settings above the limits; `origin` names the spec in the error.
    pub fn check_limits(&self, origin: &Path) -> Result<(), SpecError> {
        if self.max_repairs > MAX_REPAIRS {
            return Err(SpecError::TooManyRepairs {
                path: origin.to_path_buf(),
                found: self.max_repairs,
                cap: MAX_REPAIRS,
            });
        }
        Ok(())
    }

    /// One of the bundled templates by name.
    pub fn template(name: &str) -> Result<AnalysisSpec, SpecError> {
        let (stem, text) = TEMPLATES
            .iter()
            .find(|(stem, _)| *stem == name)
            .ok_or_else(|| SpecError::UnknownTemplate(name.to_string()))?;
        AnalysisSpec::from_json(text, Path::new(&format!("assets/templates/{stem}.json")))
    }

    /// Pretty JSON, as written to a spec file.
    pub fn to_json_pretty(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Content address of everything that affects the model's answer.
    pub fn version_hash(&self) -> String {
        let mut material = serde_json::json!({
            "schema": self.schema,
            "prompt": self.prompt,
            "provider": self.provider,
            "model": self.model,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "max_repairs": self.max_repairs,
        });
        // Only when on, so every spec version made before the option keeps its hash.
        if self.evidence {
            material["evidence"] = serde_json::Value::Bool(true);
        }
        if self.keep_temperature {
            material["keep_temperature"] = serde_json::Value::Bool(true);
        }
        if !self.redact.is_empty() {
            material["redact"] = serde_json::to_value(&self.redact).unwrap_or_default();
            material["redact_detectors"] = crate::core::redact::DETECTORS_VERSION.into();
        }
        // Settings added later join the material only when set, for the same reason.
        let later = [
            ("reasoning_effort", serde_json::to_value(&self.reasoning_effort)),
            ("thinking_budget", serde_json::to_value(self.thinking_budget)),
            ("thinking_level", serde_json::to_value(&self.thinking_level)),
            ("repeat_penalty", serde_json::to_value(self.repeat_penalty)),
            ("frequency_penalty", serde_json::to_value(self.frequency_penalty)),
            ("max_text_length", serde_json::to_value(self.max_text_length)),
            ("on_too_long", serde_json::to_value(self.on_too_long)),
        ];
        for (key, value) in later {
            if let Ok(v) = value
                && !v.is_null()
            {
                material[key] = v;
            }
        }
        let mut hasher = Sha256::new();
        hasher.update(material.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }

    /// The first 12 hex digits of `version_hash`, for display.
    pub fn short_version(&self) -> String {
        self.version_hash()[..12].to_string()
    }
}

#[cfg(test)]
mod tuning_tests {
    use super::*;

    #[test]
    fn later_settings_change_the_version_only_when_set_and_survive_a_round_trip() {
        let base = AnalysisSpec::template("post_analysis").unwrap();
        let mut tuned = base.clone();
        assert_eq!(tuned.version_hash(), base.version_hash());
        tuned.thinking_budget = Some(0);
        assert_ne!(tuned.version_hash(), base.version_hash());
        let mut timed = base.clone();
        timed.request_timeout_s = Some(30);
        assert_eq!(timed.version_hash(), base.version_hash(), "a timeout never changes an answer");
        tuned.on_too_long = Some(OnTooLong::HeadTail);
        let text = tuned.to_json_pretty();
        assert!(text.contains("\"on_too_long\": \"head_tail\""), "{text}");
        let back = AnalysisSpec::from_json(&text, Path::new("x.json")).unwrap();
        assert_eq!(back, tuned);
        let mut copy = base.clone();
        Tuning::of(&tuned).apply(&mut copy);
        assert_eq!(copy, tuned);
    }
}
