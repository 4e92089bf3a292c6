//! Evaluation: how well a run's analyses match what people labelled.
//!
//! A user who changes a prompt wants to know whether `topic` got better, not a feeling. Given
//! the spec's schema and, per conversation, the analysis and the expected values, [`evaluate`]
//! scores every labelled field with the metric its schema type calls for:
//!
//! | schema type | metrics |
//! |---|---|
//! | `enum`, `const`, `boolean` | accuracy (Wilson 95% interval), per-class precision/recall/F1, macro averages, confusion matrix |
//! | `integer`, `number` | mean absolute error, share within a tolerance |
//! | `string` without `enum` | mean token F1 (SQuAD) — a rough lexical measure |
//! | `array` | mean set precision and recall, share of exact set matches |
//!
//! Definitions equal scikit-learn's (see [`metrics`]). Choices made here, and why:
//!
//! - **Failed analyses count as wrong.** An item with no analysis (error, refusal, truncation,
//!   an invalid result — see [`scored_analysis`]) or without the field is *unanswered*: wrong
//!   for accuracy and tolerance, 0 for F1 and set scores, a "(no answer)" column in the confusion
//!   matrix. Leaving them out would reward a prompt that fails on the hard conversations.
//! - **Tolerance defaults to 0** (exact) for integers and numbers, and is set per field with
//!   [`EvalOptions`]. A fixed ±1 means "almost exact" on a 0–100 score and "half the scale" on a
//!   1–5 rating, so no single default is right for both; the mean absolute error already shows
//!   how close the misses are, and the tolerance used is part of the report.
//! - **Overall** is the share of items with every *exact-matchable* labelled field right:
//!   classifications equal, numbers within tolerance, closed arrays (items from an enum, numbers
//!   or booleans) equal as sets. Free text (strings without `enum`, arrays of free strings) is
//!   scored but never called right or wrong, because a lexical score has no honest threshold;
//!   [`Overall`] lists which fields counted and which did not.
//! - **Every rate carries its n** and is `low_confidence` under [`LOW_CONFIDENCE_N`] items.
//! - Labelled fields the schema lacks are **not scored** — the model was never asked for them, so
//!   "0% (0/29), 29 unanswered" would blame it for a question it did not get — and are listed in
//!   [`Evaluation::not_in_schema`]. (A schema without `properties` scores every labelled field,
//!   with a kind guessed from the labels.) Labels outside the schema's `enum` are scored (the model
//!   cannot match them) and warned about; labels of the wrong type are warned about and not scored.

pub mod agreement;
mod class;
pub mod expected;
mod field;
pub mod metrics;
mod pairing;
pub(crate) mod render;
mod report;
pub mod reviewers;
pub mod text;

#[cfg(test)]
mod metrics_tests;
#[cfg(test)]
mod tests;

pub use class::{Class, FieldKind, MISSING_LABEL};
pub use expected::{ExpectedError, LabelEntry, LabelSet, LineProblem, load_expected, parse_expected};
pub use pairing::{Pairing, pair_outcomes, scored_analysis};
pub use render::{render_details, render_table};
pub use report::{
    ClassReport, ClassificationMetrics, Confusion, Evaluation, FieldMetrics, FieldReport, KindSource,
    LOW_CONFIDENCE_N, Mean, Mismatch, NumericMetrics, Overall, Rate, SetMetrics, TextMetrics,
};
pub use reviewers::{
    Disagreement, FieldAgreement, LabelSources, ReviewerValue, agreement, combine, render_agreement,
};

use field::Cell;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One labelled result to score.
#[derive(Debug, Clone, Copy)]
pub struct EvalItem<'a> {
    pub conversation_id: &'a str,
    /// The analysis to score; `None` for a failed or missing analysis (scored as wrong).
    pub analysis: Option<&'a Value>,
    /// Field → expected value.
    pub expected: &'a Map<String, Value>,
}

/// Settings of an evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalOptions {
    /// Tolerance for numeric fields without their own entry in `tolerances`. Default 0: exact.
    pub default_tolerance: f64,
    /// Per-field tolerance, e.g. `overall_score` → 5.
    pub tolerances: BTreeMap<String, f64>,
}

impl EvalOptions {
    /// The tolerance that applies to `field`.
    pub fn tolerance(&self, field: &str) -> f64 {
        self.tolerances.get(field).copied().unwrap_or(self.default_tolerance).abs()
    }
}

/// Score `items` against the spec's `schema` with default options (exact numbers).
pub fn evaluate(schema: &Value, items: &[EvalItem]) -> Evaluation {
    evaluate_with(schema, items, &EvalOptions::default())
}

/// Score `items` against the spec's `schema`: one [`FieldReport`] per labelled field and the
/// [`Overall`] share (see the module docs for the rules).
pub fn evaluate_with(schema: &Value, items: &[EvalItem], options: &EvalOptions) -> Evaluation {
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let mut fields = Vec::new();
    // verdicts[i]: None = no counted field labelled for item i; Some(all right so far).
    let mut verdicts: Vec<Option<bool>> = vec![None; items.len()];
    let mut counted = Vec::new();
    let mut excluded = Vec::new();
    let mut not_in_schema = Vec::new();
    for name in labelled_fields(properties, items) {
        if !properties.is_empty() && !properties.contains_key(&name) {
            not_in_schema.push(name);
            continue;
        }
        let cells: Vec<Cell> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                item.expected.get(&name).map(|expected| Cell {
                    item: i,
                    conversation_id: item.conversation_id,
                    expected,
                    predicted: item.analysis.and_then(|a| a.get(&name)),
                })
            })
            .collect();
        let property = properties.get(&name);
        let from_schema = property.and_then(|p| FieldKind::from_schema(schema, p));
        let (kind, kind_source) = match from_schema {
            Some(kind) => (kind, KindSource::Schema),
            None => (FieldKind::from_values(cells.iter().map(|c| c.expected)), KindSource::Labels),
        };
        let allowed = property.and_then(|p| class::allowed_values(schema, p));
        let scored = field::score(kind, &cells, allowed.as_deref(), options.tolerance(&name));
        let counts_for_overall = kind.exact_matchable() && scored.labelled > 0;
        if counts_for_overall {
            for (i, right) in &scored.verdicts {
                verdicts[*i] = Some(verdicts[*i].unwrap_or(true) && *right);
            }
            counted.push(name.clone());
        } else {
            excluded.push(name.clone());
        }
        let mut warnings = scored.warnings;
        if kind_source == KindSource::Labels {
            let why = if property.is_some() { "has no usable type" } else { "is not in the schema" };
            warnings.insert(0, format!("{name} {why}; scored as {} from its labels", kind.word()));
        }
        fields.push(FieldReport {
            field: name,
            kind,
            kind_source,
            labelled: scored.labelled,
            unanswered: scored.unanswered,
            counts_for_overall,
            metrics: scored.metrics,
            mismatches: scored.mismatches,
            warnings,
        });
    }
    let judged = verdicts.iter().flatten().count();
    let all_right = verdicts.iter().filter(|v| **v == Some(true)).count();
    Evaluation {
        items: items.len(),
        overall: Overall {
            all_right: Rate::new(all_right, judged),
            counted_fields: counted,
            excluded_fields: excluded,
        },
        fields,
        not_in_schema,
    }
}

/// Labelled field names: the schema's order first, then the rest by first appearance.
fn labelled_fields(properties: &Map<String, Value>, items: &[EvalItem]) -> Vec<String> {
    let labelled = |name: &str| items.iter().any(|i| i.expected.contains_key(name));
    let mut names: Vec<String> = properties.keys().filter(|k| labelled(k)).cloned().collect();
    for item in items {
        for key in item.expected.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    names
}
