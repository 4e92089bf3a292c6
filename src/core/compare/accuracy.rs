//! Accuracy against labels in both runs, and the difference.
//!
//! Each run is scored with the same rules as `debrief eval` (`eval::pair_outcomes`, then
//! `eval::evaluate` with the run's own schema), but only on the chosen result of each shared
//! conversation, so both scores are over the same conversations and a difference means the
//! answers changed, not the sample. The number compared is each field's headline
//! ([`FieldReport::headline`]): accuracy, share within tolerance, exact-set share or token F1.

use super::select::Pair;
use crate::core::eval::{self, Evaluation, FieldReport, LOW_CONFIDENCE_N, LabelSet};
use crate::core::outcome::Outcome;
use crate::core::spec::AnalysisSpec;
use serde::Serialize;

/// Both runs' scores against labels on the shared conversations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyComparison {
    /// Shared conversations with labels.
    pub labelled: usize,
    /// Share of items with every counted field right (see `eval::Overall`).
    pub overall: AccuracyDelta,
    /// One entry per labelled field, run A's order first.
    pub fields: Vec<AccuracyDelta>,
}

/// One score in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyDelta {
    pub field: String,
    /// The headline metric's name: "accuracy", "within tolerance", "exact set", "token F1".
    pub metric: String,
    /// Run A's score and the number of items it is over.
    pub a: Option<f64>,
    pub n_a: usize,
    pub b: Option<f64>,
    pub n_b: usize,
    /// `b − a`, when both exist.
    pub delta: Option<f64>,
    /// Either score is over fewer than `LOW_CONFIDENCE_N` items.
    pub low_confidence: bool,
}

impl AccuracyDelta {
    fn new(
        field: &str,
        metric: &str,
        (a, n_a): (Option<f64>, usize),
        (b, n_b): (Option<f64>, usize),
    ) -> Self {
        AccuracyDelta {
            field: field.to_string(),
            metric: metric.to_string(),
            a,
            n_a,
            b,
            n_b,
            delta: a.zip(b).map(|(a, b)| b - a),
            low_confidence: n_a.min(n_b) < LOW_CONFIDENCE_N,
        }
    }
}

/// Score both sides of `pairs`; `None` when no shared conversation is labelled.
pub(super) fn compare_accuracy(
    spec_a: &AnalysisSpec,
    spec_b: &AnalysisSpec,
    pairs: &[Pair],
    labels: &LabelSet,
) -> Option<AccuracyComparison> {
    let labelled = pairs.iter().filter(|p| labels.get(p.id).is_some()).count();
    if labelled == 0 {
        return None;
    }
    let eval_a = score(&spec_a.schema, pairs.iter().map(|p| p.a), labels);
    let eval_b = score(&spec_b.schema, pairs.iter().map(|p| p.b), labels);
    // A's fields in order, then B's new ones (field lists are short; a set keeps it linear anyway).
    let mut names: Vec<&str> = eval_a.fields.iter().map(|f| f.field.as_str()).collect();
    let mut known: std::collections::HashSet<&str> = names.iter().copied().collect();
    for f in &eval_b.fields {
        if known.insert(f.field.as_str()) {
            names.push(&f.field);
        }
    }
    let fields = names
        .into_iter()
        .map(|name| {
            let (fa, fb) = (eval_a.field(name), eval_b.field(name));
            let metric = fa.or(fb).map(metric_name).unwrap_or("score");
            AccuracyDelta::new(name, metric, headline(fa), headline(fb))
        })
        .collect();
    let overall = AccuracyDelta::new(
        "(every counted field right)",
        "share",
        (eval_a.overall.all_right.value, eval_a.overall.all_right.n),
        (eval_b.overall.all_right.value, eval_b.overall.all_right.n),
    );
    Some(AccuracyComparison { labelled, overall, fields })
}

fn score<'a>(
    schema: &serde_json::Value,
    outcomes: impl IntoIterator<Item = &'a Outcome>,
    labels: &'a LabelSet,
) -> Evaluation {
    let pairing = eval::pair_outcomes(outcomes, labels);
    eval::evaluate(schema, &pairing.items)
}

fn headline(report: Option<&FieldReport>) -> (Option<f64>, usize) {
    report.map(|r| (r.headline(), r.labelled)).unwrap_or((None, 0))
}

fn metric_name(report: &FieldReport) -> &'static str {
    match report.metrics {
        eval::FieldMetrics::Classification(_) => "accuracy",
        eval::FieldMetrics::Numeric(_) => "within tolerance",
        eval::FieldMetrics::Set(_) => "exact set",
        eval::FieldMetrics::Text(_) => "token F1",
    }
}
