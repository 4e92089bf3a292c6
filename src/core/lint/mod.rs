//! The schema linter: what will go wrong with a schema before anyone pays for a run.
//!
//! A schema can be valid JSON Schema and still make a poor analysis: thirty fields where five are
//! read, `summary` beside `brief_summary`, a free-text `sentiment` that comes back as "happy",
//! "satisfied" and "good", a score with no scale. And a schema that one provider takes may be
//! rewritten or refused by another. [`lint`] reports all of this as [`Finding`]s — a stable code,
//! a severity, a JSON pointer into the user's schema, a message that says what is wrong and what
//! to do, and, where the remedy is mechanical, a [`Fix`] that [`apply_fix`] carries out.
//!
//! Provider findings come from the same `dialect::transform` the request builder and the GUI
//! preview use, so the three cannot disagree. The rules:
//!
//! | code | severity | what |
//! |---|---|---|
//! | `invalid-schema`, `root-not-object`, `schema-compile-error` | error | the schema cannot be used |
//! | `misspelt-keyword` | error | `enumm`: an unknown key one or two edits from a keyword |
//! | `contradictory-bounds` | error | `minimum` above `maximum` (lengths, item counts too) |
//! | `bad-temperature`, `bad-sample-rate`, … | error | spec settings that cannot work ([`check_settings`]) |
//! | `too-many-fields` | warning | more than 12 top-level properties |
//! | `near-duplicate-field` | warning | `summary` / `brief_summary` / `detailedSummary` |
//! | `missing-description` | warning | a property without `description` |
//! | `free-text-category` | warning | a free-text string whose name or description names a category |
//! | `enum-without-catch-all` | warning | no `other` / `unknown` / `none` / `n/a` value |
//! | `unbounded-number` | warning | an integer or number without `minimum` and `maximum` |
//! | `missing-required` | warning | an object with properties but no `required` list |
//! | `provider-*` | note or warning | what the chosen provider's dialect drops, adds or rewrites |
//! | `openai-*` | error | OpenAI strict mode's documented limits |
//!
//! Nothing here panics, whatever the input: every lookup is checked and recursion is bounded.

mod limits;
pub use limits::spec_limits;
mod fix;
mod keywords;
mod practices;
mod provider;
mod ranges;
pub mod settings;
mod values;
mod walk;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_provider;

pub use fix::apply_fix;
pub use values::check_settings;

/// Every finding about a spec's own settings (not its schema): limits, values that cannot work,
/// and what the chosen model accepts. Pointers are into the spec file.
pub fn spec_settings(spec: &crate::core::spec::AnalysisSpec) -> Vec<Finding> {
    let mut out = spec_limits(spec);
    out.extend(check_settings(spec));
    out.extend(settings::check(spec));
    out
}

use crate::core::schema::{self, SchemaError};
use crate::core::spec::ProviderKind;
use serde::Serialize;
use serde_json::Value;

/// How much a finding matters. Ordered: errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The schema cannot be used as it is (or the chosen provider will refuse it).
    Error,
    /// The schema works but will likely give worse or less consistent results.
    Warning,
    /// Worth knowing (e.g. a keyword the provider drops); nothing needs to change.
    Info,
}

impl Severity {
    /// The word shown to people: "error", "warning", "note".
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        }
    }
}

/// One mechanical edit of a schema, addressed by JSON pointer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FixOp {
    /// Set the value at `pointer`: insert a new key (at the end of its object) or replace the
    /// existing value in place. The parent must exist.
    Set { pointer: String, value: Value },
    /// Append `value` to the array at `pointer`.
    Append { pointer: String, value: Value },
}

/// A suggested edit that can be applied with one click.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// What the fix does, for a button or a `fix:` line ("Add \"other\" to the enum").
    pub label: String,
    pub ops: Vec<FixOp>,
}

/// One thing the linter found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// A stable kebab-case identifier (`missing-description`), for scripts and suppression.
    pub code: &'static str,
    pub severity: Severity,
    /// JSON pointer into the user's schema; "" is the root.
    pub pointer: String,
    /// What is wrong and what to do about it.
    pub message: String,
    pub fix: Option<Fix>,
}

impl Finding {
    fn new(code: &'static str, severity: Severity, pointer: impl Into<String>, message: String) -> Finding {
        Finding { code, severity, pointer: pointer.into(), message, fix: None }
    }

    fn with_fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }
}

/// Why a fix could not be applied (the schema changed since it was linted, usually).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    #[error("{pointer}: not a JSON pointer (it must be empty or start with \"/\")")]
    BadPointer { pointer: String },
    #[error("{pointer}: the schema has nothing there any more; lint it again")]
    Missing { pointer: String },
    #[error("{pointer}: expected an array here; lint it again")]
    NotAnArray { pointer: String },
    #[error("{pointer}: cannot replace the whole schema with a fix")]
    RootReplace { pointer: String },
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    /// Count `findings` by severity.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    /// "2 errors, 1 warning, 0 notes".
    pub fn summary(&self) -> String {
        fn plural(n: usize, word: &str) -> String {
            if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
        }
        format!(
            "{}, {}, {}",
            plural(self.error, "error"),
            plural(self.warning, "warning"),
            plural(self.info, "note")
        )
    }
}

/// Lint a schema: validity first, then the best practices, then (when `provider` is given) what
/// that provider's dialect changes and, for OpenAI, its strict-mode limits. The offline baseline
/// and `None` give no provider findings. Findings are sorted by pointer, then severity, then
/// code, and are the same for the same input.
pub fn lint(schema: &Value, provider: Option<ProviderKind>) -> Vec<Finding> {
    let mut findings = validity(schema);
    // A root that is not a JSON object (`true`, a string, an array) has nothing to walk.
    if schema.is_object() {
        keywords::check(schema, &mut findings);
        practices::check(schema, &mut findings);
        if let Some(kind) = provider {
            provider::check(schema, kind, &mut findings);
        }
    }
    findings.sort_by(|a, b| {
        (&a.pointer, a.severity, a.code, &a.message).cmp(&(&b.pointer, b.severity, b.code, &b.message))
    });
    findings.dedup();
    findings
}

/// Errors from the schema compiler (metaschema, root shape, `$ref`s), as findings.
fn validity(schema: &Value) -> Vec<Finding> {
    const ORIGIN: &str = "schema";
    match schema::compile(schema, ORIGIN) {
        Ok(_) => Vec::new(),
        Err(SchemaError::Meta { problems, .. }) => problems
            .into_iter()
            .map(|p| {
                let message = format!("{}; the schema cannot be used until this is fixed", p.message);
                Finding::new("invalid-schema", Severity::Error, p.pointer, message)
            })
            .collect(),
        Err(SchemaError::RootNotObject { .. }) => vec![Finding::new(
            "root-not-object",
            Severity::Error,
            "",
            "the root must be an object schema (`\"type\": \"object\"` with `properties`), because an analysis is a set of named fields; wrap your fields in `properties`".to_string(),
        )],
        Err(e) => {
            let text = e.to_string();
            let message = text.strip_prefix(&format!("{ORIGIN}: ")).unwrap_or(&text).to_string();
            vec![Finding::new("schema-compile-error", Severity::Error, "", message)]
        }
    }
}
