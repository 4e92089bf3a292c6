//! The evaluation as data (serialised for `--json`) and as a plain-text table for the CLI.
//!
//! No rate appears without its n: a [`Rate`] is `hits / n` plus its Wilson interval, a [`Mean`]
//! carries the number of items averaged, and both say `low_confidence` when n is under
//! [`LOW_CONFIDENCE_N`]. A rate over no items is `None` (JSON `null`), never NaN.

use super::class::FieldKind;
use super::metrics::{Interval, wilson_interval};
use serde::Serialize;
use serde_json::Value;

/// Below this many items a rate or mean is marked low-confidence.
pub const LOW_CONFIDENCE_N: usize = 10;

/// A proportion: `hits` out of `n`, with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// `hits / n`; `None` when n = 0.
    pub value: Option<f64>,
    pub hits: usize,
    pub n: usize,
    pub ci95: Option<Interval>,
    pub low_confidence: bool,
}

impl Rate {
    /// `hits` out of `n`.
    pub fn new(hits: usize, n: usize) -> Rate {
        Rate {
            value: (n > 0).then(|| hits as f64 / n as f64),
            hits,
            n,
            ci95: wilson_interval(hits, n),
            low_confidence: n < LOW_CONFIDENCE_N,
        }
    }
}

/// A mean over `n` items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mean {
    /// `None` when n = 0.
    pub value: Option<f64>,
    pub n: usize,
    pub low_confidence: bool,
}

impl Mean {
    /// A mean computed elsewhere, over `n` items.
    pub fn new(value: Option<f64>, n: usize) -> Mean {
        Mean { value, n, low_confidence: n < LOW_CONFIDENCE_N }
    }

    /// The mean of `values`.
    pub fn of(values: &[f64]) -> Mean {
        let n = values.len();
        Mean::new((n > 0).then(|| values.iter().sum::<f64>() / n as f64), n)
    }
}

/// The whole evaluation of one run against labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Items evaluated (labelled results; a conversation run N times counts N times).
    pub items: usize,
    pub overall: Overall,
    /// One report per labelled field of the schema, in schema order.
    pub fields: Vec<FieldReport>,
    /// Labelled fields the schema does not have: not scored (the model was not asked for them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_in_schema: Vec<String>,
}

impl Evaluation {
    /// The report of `field`, if it was labelled.
    pub fn field(&self, field: &str) -> Option<&FieldReport> {
        self.fields.iter().find(|f| f.field == field)
    }
}

/// Share of items with every counted field right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    /// Over the items that have at least one counted field labelled.
    pub all_right: Rate,
    /// Fields that count: classification, numeric (within tolerance), closed sets (exact).
    pub counted_fields: Vec<String>,
    /// Free-text fields (strings, arrays of free strings): scored, but not right/wrong.
    pub excluded_fields: Vec<String>,
}

/// Where a field's kind came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindSource {
    Schema,
    /// The schema does not describe the field; the kind was guessed from the labels.
    Labels,
}

/// The scores of one labelled field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReport {
    pub field: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    pub kind_source: KindSource,
    /// Items with a usable label for this field.
    pub labelled: usize,
    /// Of those, items whose analysis has no value for the field (failed or missing analysis,
    /// or the field left out): scored as wrong.
    pub unanswered: usize,
    pub counts_for_overall: bool,
    pub metrics: FieldMetrics,
    /// Items scored wrong, for exact-matchable fields (empty for free text).
    pub mismatches: Vec<Mismatch>,
    /// Problems with the labels themselves (a value outside the enum, a wrong type).
    pub warnings: Vec<String>,
}

impl FieldReport {
    /// The one number a CI gate (`--min-accuracy FIELD=0.9`) compares: accuracy for
    /// classifications, share within tolerance for numbers, exact-set share for arrays, mean
    /// token F1 for free text. `None` when nothing was scored.
    pub fn headline(&self) -> Option<f64> {
        match &self.metrics {
            FieldMetrics::Classification(c) => c.accuracy.value,
            FieldMetrics::Numeric(n) => n.within_tolerance.value,
            FieldMetrics::Set(s) => s.exact.value,
            FieldMetrics::Text(t) => t.mean_token_f1.value,
        }
    }
}

/// Metrics by field kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldMetrics {
    Classification(ClassificationMetrics),
    Numeric(NumericMetrics),
    Text(TextMetrics),
    Set(SetMetrics),
}

/// Enums and booleans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationMetrics {
    /// `accuracy_score`; an unanswered item is wrong.
    pub accuracy: Rate,
    /// `precision_recall_fscore_support(zero_division=0)` over the real classes (expected or
    /// predicted), sorted; "(no answer)" is not a class here, so an unanswered item lowers its
    /// true class's recall and no class's precision.
    pub classes: Vec<ClassReport>,
    /// Unweighted means over `classes`.
    pub macro_precision: Option<f64>,
    pub macro_recall: Option<f64>,
    pub macro_f1: Option<f64>,
    /// `confusion_matrix` with the sorted classes, plus "(no answer)" last when any item is
    /// unanswered.
    pub confusion: Confusion,
}

/// One class's scores; `precision` is over `predicted` items, `recall` over `support` items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
    pub predicted: usize,
    /// `support` under [`LOW_CONFIDENCE_N`].
    pub low_confidence: bool,
}

/// A confusion matrix with display labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    /// Rows = expected, columns = predicted.
    pub counts: Vec<Vec<usize>>,
}

/// Integers and numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericMetrics {
    /// Over items where both values are numbers; unanswered items are not in it (they have no
    /// error to measure) but are counted in `unanswered`.
    pub mean_absolute_error: Mean,
    /// |expected − predicted| ≤ `tolerance`; unanswered items are outside.
    pub within_tolerance: Rate,
    pub tolerance: f64,
}

/// Free text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextMetrics {
    /// Mean SQuAD token F1 — a rough lexical measure, not a judgement of meaning. Unanswered
    /// items score 0.
    pub mean_token_f1: Mean,
}

/// Arrays, compared as sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetMetrics {
    /// Mean per-item set precision and recall; unanswered items score 0 on both.
    pub mean_precision: Mean,
    pub mean_recall: Mean,
    /// Items whose predicted set equals the expected set.
    pub exact: Rate,
}

/// One wrong item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub conversation_id: String,
    pub expected: Value,
    /// `None` when unanswered.
    pub predicted: Option<Value>,
}
