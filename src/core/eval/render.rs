//! Plain-text rendering of an [`Evaluation`] for the terminal.
//!
//! [`render_table`] is the compact summary, one line per field; [`render_details`] adds
//! per-class scores, confusion matrices, wrong items and label warnings. Every rate is printed
//! with its `hits/n`, and a `*` marks those over fewer than [`LOW_CONFIDENCE_N`] items.

use super::report::{Evaluation, FieldMetrics, FieldReport, LOW_CONFIDENCE_N, Mean, Rate};
use std::fmt::Write;

/// Most wrong items listed per field in the details.
const MAX_MISMATCHES: usize = 20;

/// One line per field: kind, n, headline score with its interval, secondary numbers.
pub fn render_table(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    let overall = &evaluation.overall;
    let _ = writeln!(
        out,
        "{} labelled results; every counted field right: {}",
        evaluation.items,
        rate(&overall.all_right)
    );
    if !overall.counted_fields.is_empty() {
        let _ = writeln!(out, "  counted: {}", overall.counted_fields.join(", "));
    }
    if !evaluation.not_in_schema.is_empty() {
        let _ = writeln!(
            out,
            "  labelled but not in the schema, not scored (the model was not asked for them): {}",
            evaluation.not_in_schema.join(", ")
        );
    }
    if !overall.excluded_fields.is_empty() {
        let _ = writeln!(out, "  free text, scored but not counted: {}", overall.excluded_fields.join(", "));
    }
    let header = ["field", "kind", "n", "score", "95% CI", "also"].map(String::from).to_vec();
    let mut rows = vec![header];
    for f in &evaluation.fields {
        rows.push(row(f));
    }
    out.push('\n');
    out.push_str(&columns(&rows));
    let any_low =
        evaluation.fields.iter().any(|f| f.labelled < LOW_CONFIDENCE_N) || overall.all_right.low_confidence;
    if any_low {
        let _ = writeln!(out, "* fewer than {LOW_CONFIDENCE_N} items: low confidence");
    }
    out
}

fn row(f: &FieldReport) -> Vec<String> {
    let unanswered = if f.unanswered > 0 { format!("{} unanswered", f.unanswered) } else { String::new() };
    let join =
        |parts: Vec<String>| parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ");
    let (score, ci, also) = match &f.metrics {
        FieldMetrics::Classification(c) => {
            let macro_f1 = c.macro_f1.map(|v| format!("macro F1 {v:.3}")).unwrap_or_default();
            (
                format!("accuracy {}", rate_short(&c.accuracy)),
                interval(&c.accuracy),
                join(vec![macro_f1, unanswered]),
            )
        }
        FieldMetrics::Numeric(n) => {
            let mae = format!("MAE {}", mean(&n.mean_absolute_error, 2));
            let score = format!("within ±{} {}", number(n.tolerance), rate_short(&n.within_tolerance));
            (score, interval(&n.within_tolerance), join(vec![mae, unanswered]))
        }
        FieldMetrics::Text(t) => (
            format!("token F1 {}", mean(&t.mean_token_f1, 3)),
            "-".into(),
            join(vec!["rough lexical measure".into(), unanswered]),
        ),
        FieldMetrics::Set(s) => {
            let pr = format!("P {} R {}", mean(&s.mean_precision, 3), mean(&s.mean_recall, 3));
            (format!("exact {}", rate_short(&s.exact)), interval(&s.exact), join(vec![pr, unanswered]))
        }
    };
    let n = format!("{}{}", f.labelled, if f.labelled < LOW_CONFIDENCE_N { "*" } else { "" });
    vec![f.field.clone(), f.kind.word().into(), n, score, ci, also]
}

/// The table followed by, per field, class scores, the confusion matrix, wrong items, warnings.
pub fn render_details(evaluation: &Evaluation) -> String {
    let mut out = render_table(evaluation);
    for f in &evaluation.fields {
        let _ = writeln!(out, "\n{} ({})", f.field, f.kind.word());
        if let FieldMetrics::Classification(c) = &f.metrics {
            let mut rows = vec![
                ["class", "precision", "recall", "F1", "support", "predicted"].map(String::from).to_vec(),
            ];
            for k in &c.classes {
                let star = if k.low_confidence { "*" } else { "" };
                rows.push(vec![
                    k.label.clone(),
                    format!("{:.3}", k.precision),
                    format!("{:.3}", k.recall),
                    format!("{:.3}", k.f1),
                    format!("{}{star}", k.support),
                    k.predicted.to_string(),
                ]);
            }
            let avg = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
            rows.push(vec![
                "macro average".into(),
                avg(c.macro_precision),
                avg(c.macro_recall),
                avg(c.macro_f1),
            ]);
            out.push_str(&indent(&columns(&rows)));
            let _ = writeln!(out, "  confusion matrix (rows = expected, columns = predicted):");
            let mut matrix =
                vec![std::iter::once(String::new()).chain(c.confusion.labels.iter().cloned()).collect()];
            for (label, counts) in c.confusion.labels.iter().zip(&c.confusion.counts) {
                matrix.push(
                    std::iter::once(label.clone()).chain(counts.iter().map(usize::to_string)).collect(),
                );
            }
            out.push_str(&indent(&columns(&matrix)));
        }
        for m in f.mismatches.iter().take(MAX_MISMATCHES) {
            let predicted =
                m.predicted.as_ref().map_or_else(|| super::MISSING_LABEL.to_string(), |v| v.to_string());
            let _ = writeln!(out, "  wrong: {}: expected {}, got {predicted}", m.conversation_id, m.expected);
        }
        if f.mismatches.len() > MAX_MISMATCHES {
            let _ = writeln!(out, "  … and {} more wrong", f.mismatches.len() - MAX_MISMATCHES);
        }
        for w in &f.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    out
}

/// "72.4% (21/29), 95% CI 54.3–85.3%", or "no items".
fn rate(r: &Rate) -> String {
    match r.value {
        None => "no items".into(),
        Some(_) => format!("{}, 95% CI {}", rate_short(r), interval(r)),
    }
}

/// "72.4% (21/29)" with a `*` when low-confidence.
fn rate_short(r: &Rate) -> String {
    match r.value {
        None => "- (0/0)".into(),
        Some(v) => {
            format!("{:.1}% ({}/{}){}", v * 100.0, r.hits, r.n, if r.low_confidence { "*" } else { "" })
        }
    }
}

fn interval(r: &Rate) -> String {
    r.ci95.map_or_else(|| "-".into(), |i| format!("{:.1}–{:.1}%", i.low * 100.0, i.high * 100.0))
}

fn mean(m: &Mean, decimals: usize) -> String {
    m.value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// A tolerance without a trailing ".0".
fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { v.to_string() }
}

/// Left-aligned columns separated by two spaces; trailing spaces trimmed.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (cell, width) in r.iter().zip(&widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
