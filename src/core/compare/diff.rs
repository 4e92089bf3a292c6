//! What differs between two spec versions: prompt and schema as unified diffs, settings by name.
//!
//! The diffs are what a reviewer reads beside the changed answers ("the topic list lost
//! `general`, and 6 conversations moved to `complaint`"), so they are the familiar unified
//! format (`similar`, three lines of context, headers `run A` / `run B`) and empty when the two
//! texts are equal. Schemas are diffed as pretty-printed JSON so a change shows on its own line.

use crate::core::spec::AnalysisSpec;
use serde::Serialize;
use serde_json::{Value, json};
use similar::TextDiff;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// How two specs differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecDiff {
    /// Both runs used the same spec version (same schema, prompt, provider, model, settings).
    pub same_version: bool,
    /// Unified diff of the prompts; empty when equal.
    pub prompt_diff: String,
    /// Unified diff of the schemas as pretty-printed JSON; empty when equal.
    pub schema_diff: String,
    /// Settings that differ (provider, model, temperature, output limit, repairs).
    pub settings: Vec<SettingChange>,
}

/// One setting that differs between the specs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingChange {
    pub setting: String,
    /// Run A's value (`null` when unset).
    pub a: Value,
    /// Run B's value (`null` when unset).
    pub b: Value,
}

/// Compare two specs.
pub fn diff_specs(a: &AnalysisSpec, b: &AnalysisSpec) -> SpecDiff {
    let settings = [
        ("provider", json!(a.provider), json!(b.provider)),
        ("model", json!(a.model), json!(b.model)),
        ("temperature", json!(a.temperature), json!(b.temperature)),
        ("max_output_tokens", json!(a.max_output_tokens), json!(b.max_output_tokens)),
        ("max_repairs", json!(a.max_repairs), json!(b.max_repairs)),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(setting, a, b)| SettingChange { setting: setting.to_string(), a, b })
    .collect();
    SpecDiff {
        same_version: a.version_hash() == b.version_hash(),
        prompt_diff: unified(&a.prompt, &b.prompt),
        schema_diff: unified(&pretty(&a.schema), &pretty(&b.schema)),
        settings,
    }
}

/// A unified diff of `a` and `b` by line; empty when they are equal.
fn unified(a: &str, b: &str) -> String {
    if a == b {
        return String::new();
    }
    // End both with a newline so a changed last line never carries the "No newline" marker.
    let (a, b) = (with_newline(a), with_newline(b));
    let diff = TextDiff::from_lines(a.as_str(), b.as_str());
    diff.unified_diff().context_radius(CONTEXT).header("run A", "run B").to_string()
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') { text.to_string() } else { format!("{text}\n") }
}

fn pretty(value: &Value) -> String {
    // Serialising a `Value` cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}
