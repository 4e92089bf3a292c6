//! Scoring one labelled field across all items, by its kind.
//!
//! Conventions shared by every kind: an item whose analysis has no value for the field (failed
//! analysis, or the field left out) is *unanswered* and scores as wrong — 0 F1, 0 set precision
//! and recall, outside any tolerance, its own "(no answer)" column in a confusion matrix. A
//! label that does not fit the kind (text for a number field, say) is not scored at all and
//! becomes a warning, because a broken label says nothing about the model.

use super::class::{Class, FieldKind};
use super::metrics::{
    confusion_matrix, macro_average, mean_absolute_error, precision_recall_fscore_support, within,
};
use super::report::{
    ClassReport, ClassificationMetrics, Confusion, FieldMetrics, LOW_CONFIDENCE_N, Mean, Mismatch,
    NumericMetrics, Rate, SetMetrics, TextMetrics,
};
use super::text::{set_precision_recall, token_f1};
use serde_json::Value;

/// One item's label and answer for the field.
pub(super) struct Cell<'a> {
    /// Index of the item in the caller's list.
    pub item: usize,
    pub conversation_id: &'a str,
    pub expected: &'a Value,
    pub predicted: Option<&'a Value>,
}

/// What scoring a field gives back.
pub(super) struct Scored {
    pub metrics: FieldMetrics,
    /// `(item index, right)` for each scored cell, when the kind is exact-matchable.
    pub verdicts: Vec<(usize, bool)>,
    pub labelled: usize,
    pub unanswered: usize,
    pub mismatches: Vec<Mismatch>,
    pub warnings: Vec<String>,
}

/// Score `cells` as `kind`. `allowed` is the schema's `enum` (checked against labels only);
/// `tolerance` applies to numeric fields.
pub(super) fn score(kind: FieldKind, cells: &[Cell], allowed: Option<&[&Value]>, tolerance: f64) -> Scored {
    let mut warnings = Vec::new();
    let fits = |v: &Value| match kind {
        FieldKind::Classification => true,
        FieldKind::Numeric { .. } => v.is_number() || v.is_null(),
        FieldKind::Text => v.is_string() || v.is_null(),
        FieldKind::Set { .. } => v.is_array() || v.is_null(),
    };
    let mut kept: Vec<&Cell> = Vec::new();
    for cell in cells {
        if !fits(cell.expected) {
            warnings.push(format!(
                "{}: label {} is the wrong type for this {} field; not scored",
                cell.conversation_id,
                cell.expected,
                kind.word()
            ));
        } else if let Some(allowed) = allowed
            && !allowed.contains(&cell.expected)
        {
            warnings.push(format!(
                "{}: label {} is not one of the schema's values; the model cannot match it",
                cell.conversation_id, cell.expected
            ));
            kept.push(cell);
        } else {
            kept.push(cell);
        }
    }
    let unanswered = kept.iter().filter(|c| c.predicted.is_none()).count();
    let (metrics, verdicts) = match kind {
        FieldKind::Classification => classification(&kept),
        FieldKind::Numeric { .. } => numeric(&kept, tolerance),
        FieldKind::Text => text(&kept),
        FieldKind::Set { closed } => set(&kept, closed),
    };
    let mismatches = verdicts
        .iter()
        .zip(&kept)
        .filter(|((_, right), _)| !right)
        .map(|(_, c)| Mismatch {
            conversation_id: c.conversation_id.to_string(),
            expected: c.expected.clone(),
            predicted: c.predicted.cloned(),
        })
        .collect();
    Scored { metrics, verdicts, labelled: kept.len(), unanswered, mismatches, warnings }
}

fn classification(cells: &[&Cell]) -> (FieldMetrics, Vec<(usize, bool)>) {
    let pairs: Vec<(Class, Class)> =
        cells.iter().map(|c| (Class::of(Some(c.expected)), Class::of(c.predicted))).collect();
    let verdicts: Vec<(usize, bool)> = cells.iter().zip(&pairs).map(|(c, (t, p))| (c.item, t == p)).collect();
    let hits = verdicts.iter().filter(|(_, right)| *right).count();
    // sklearn: labels = the real classes, sorted; a "(no answer)" prediction then counts as a
    // false negative of the true class only.
    let mut real = super::metrics::sorted_labels(&pairs);
    real.retain(|c| *c != Class::Missing);
    let scores = precision_recall_fscore_support(&pairs, Some(&real));
    let averages = macro_average(&scores);
    let matrix = confusion_matrix(&pairs, None);
    let classes = scores
        .into_iter()
        .map(|s| ClassReport {
            label: s.label.display(),
            precision: s.precision,
            recall: s.recall,
            f1: s.f1,
            support: s.support,
            predicted: s.predicted,
            low_confidence: s.support < LOW_CONFIDENCE_N,
        })
        .collect();
    let metrics = ClassificationMetrics {
        accuracy: Rate::new(hits, cells.len()),
        classes,
        macro_precision: averages.map(|a| a.0),
        macro_recall: averages.map(|a| a.1),
        macro_f1: averages.map(|a| a.2),
        confusion: Confusion {
            labels: matrix.labels.iter().map(Class::display).collect(),
            counts: matrix.counts,
        },
    };
    (FieldMetrics::Classification(metrics), verdicts)
}

fn numeric(cells: &[&Cell], tolerance: f64) -> (FieldMetrics, Vec<(usize, bool)>) {
    let mut pairs = Vec::new();
    let mut verdicts = Vec::new();
    for c in cells {
        let right = match (c.expected.as_f64(), c.predicted) {
            (Some(t), Some(p)) => match p.as_f64() {
                Some(p) => {
                    pairs.push((t, p));
                    within(t, p, tolerance)
                }
                None => false,
            },
            // A `null` label (nullable field, "no value") is right only when answered `null`.
            (None, Some(p)) => p.is_null(),
            (_, None) => false,
        };
        verdicts.push((c.item, right));
    }
    let hits = verdicts.iter().filter(|(_, right)| *right).count();
    let mae = mean_absolute_error(&pairs);
    let metrics = NumericMetrics {
        mean_absolute_error: Mean::new(mae, pairs.len()),
        within_tolerance: Rate::new(hits, cells.len()),
        tolerance,
    };
    (FieldMetrics::Numeric(metrics), verdicts)
}

fn text(cells: &[&Cell]) -> (FieldMetrics, Vec<(usize, bool)>) {
    let as_text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let scores: Vec<f64> = cells
        .iter()
        .map(|c| c.predicted.map_or(0.0, |p| token_f1(&as_text(p), &as_text(c.expected))))
        .collect();
    // Free text is never called right or wrong: no verdicts, no mismatches.
    (FieldMetrics::Text(TextMetrics { mean_token_f1: Mean::of(&scores) }), Vec::new())
}

fn set(cells: &[&Cell], closed: bool) -> (FieldMetrics, Vec<(usize, bool)>) {
    let items = |v: &Value| -> Option<Vec<Class>> {
        match v {
            Value::Array(a) => Some(a.iter().map(Class::loose).collect()),
            Value::Null => Some(Vec::new()),
            _ => None,
        }
    };
    let mut precision = Vec::new();
    let mut recall = Vec::new();
    let mut exact = Vec::new();
    for c in cells {
        let expected = items(c.expected).unwrap_or_default();
        let scores = c.predicted.and_then(items).map(|p| set_precision_recall(&p, &expected));
        precision.push(scores.map_or(0.0, |s| s.precision));
        recall.push(scores.map_or(0.0, |s| s.recall));
        exact.push((c.item, scores.is_some_and(|s| s.exact)));
    }
    let hits = exact.iter().filter(|(_, right)| *right).count();
    let metrics = SetMetrics {
        mean_precision: Mean::of(&precision),
        mean_recall: Mean::of(&recall),
        exact: Rate::new(hits, cells.len()),
    };
    // Only closed sets are right or wrong; free-text items are too loose to call.
    (FieldMetrics::Set(metrics), if closed { exact } else { Vec::new() })
}
