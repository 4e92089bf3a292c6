//! Plain-text rendering of a [`Comparison`] for the terminal.
//!
//! Concise by design, in the order a reviewer asks: what was compared, a table with one line per
//! field, scores against labels, status changes, the changed values (at most
//! [`MAX_CHANGES`] per field), the totals, and last the spec diffs that explain the rest.

use super::Comparison;
use super::accuracy::AccuracyDelta;
use crate::core::eval::LOW_CONFIDENCE_N;
use crate::core::eval::render::columns;
use serde_json::Value;
use std::fmt::Write;

/// Most changed values listed per field (`--json` lists all).
const MAX_CHANGES: usize = 20;

/// The whole comparison as text. Run A is "A", run B is "B"; the caller says which runs those are.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    for (side, info) in [("A", &c.a), ("B", &c.b)] {
        let _ = writeln!(
            out,
            "{side}: {} {} ({}/{}), {} conversation(s), {} result(s)",
            info.spec_name, info.spec_version, info.provider, info.model, info.conversations, info.results
        );
    }
    let _ = writeln!(
        out,
        "shared conversations: {} (only in A: {}, only in B: {})",
        c.shared, c.only_a, c.only_b
    );
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out.push('\n');
    let mut rows = vec![["field", "kind", "n", "agreement", "kappa", "changed"].map(String::from).to_vec()];
    for f in &c.fields {
        let schema = match (f.in_a, f.in_b) {
            (true, false) => " (only A)",
            (false, true) => " (only B)",
            _ => "",
        };
        rows.push(vec![
            format!("{}{schema}", f.field),
            f.kind.clone().unwrap_or_else(|| "?".into()),
            f.compared.to_string(),
            f.agreement.map(percent).unwrap_or_else(|| "—".into()),
            f.kappa.map(|k| format!("{k:.3}")).unwrap_or_else(|| "—".into()),
            f.changes.len().to_string(),
        ]);
    }
    out.push_str(&columns(&rows));
    if let Some(acc) = &c.accuracy {
        let _ = writeln!(out, "\nagainst labels ({} labelled shared conversation(s)):", acc.labelled);
        let mut rows = vec![["field", "metric", "A", "B", "Δ"].map(String::from).to_vec()];
        rows.extend(acc.fields.iter().chain([&acc.overall]).map(accuracy_row));
        out.push_str(&columns(&rows));
        if acc.fields.iter().chain([&acc.overall]).any(|f| f.low_confidence) {
            let _ = writeln!(out, "* fewer than {LOW_CONFIDENCE_N} items: low confidence");
        }
    }
    if !c.status_changes.is_empty() {
        let _ = writeln!(out, "\nstatus changes ({}):", c.status_changes.len());
        for s in &c.status_changes {
            let _ = writeln!(out, "  {}: {} → {}", s.conversation_id, s.old, s.new);
        }
    }
    for f in c.fields.iter().filter(|f| !f.changes.is_empty()) {
        let _ = writeln!(out, "\n{} changed in {} of {}:", f.field, f.changes.len(), f.compared);
        for ch in f.changes.iter().take(MAX_CHANGES) {
            let _ = writeln!(out, "  {}: {} → {}", ch.conversation_id, value(&ch.old), value(&ch.new));
        }
        if f.changes.len() > MAX_CHANGES {
            let _ = writeln!(out, "  … and {} more (--json lists all)", f.changes.len() - MAX_CHANGES);
        }
    }
    totals(&mut out, c);
    spec(&mut out, c);
    out
}

fn totals(out: &mut String, c: &Comparison) {
    let (a, b, d) = (&c.totals.a, &c.totals.b, &c.totals.delta);
    let cost = |v: Option<f64>| v.map(|v| format!("${v:.4}")).unwrap_or_else(|| "unknown".into());
    let cost_delta = |v: Option<f64>| v.map(|v| format!("{v:+.4}")).unwrap_or_else(|| "—".into());
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0} ms")).unwrap_or_else(|| "—".into());
    let rows = vec![
        ["totals over shared", "A", "B", "Δ"].map(String::from).to_vec(),
        vec![
            "input tokens".into(),
            a.usage.input_tokens.to_string(),
            b.usage.input_tokens.to_string(),
            format!("{:+}", d.input_tokens),
        ],
        vec![
            "output tokens".into(),
            a.usage.output_tokens.to_string(),
            b.usage.output_tokens.to_string(),
            format!("{:+}", d.output_tokens),
        ],
        vec!["cost".into(), cost(a.cost_usd), cost(b.cost_usd), cost_delta(d.cost_usd)],
        vec![
            "mean latency".into(),
            ms(a.mean_latency_ms),
            ms(b.mean_latency_ms),
            d.mean_latency_ms.map(|v| format!("{v:+.0} ms")).unwrap_or_else(|| "—".into()),
        ],
    ];
    out.push('\n');
    out.push_str(&columns(&rows));
}

fn spec(out: &mut String, c: &Comparison) {
    let s = &c.spec;
    out.push('\n');
    if s.same_version {
        let _ = writeln!(out, "same spec version: prompt, schema and settings are identical");
        return;
    }
    for change in &s.settings {
        let _ = writeln!(out, "{}: {} → {}", change.setting, change.a, change.b);
    }
    for (what, diff) in [("prompt", &s.prompt_diff), ("schema", &s.schema_diff)] {
        if diff.is_empty() {
            let _ = writeln!(out, "{what}: identical");
        } else {
            if !out.ends_with("\n\n") {
                out.push('\n');
            }
            let _ = write!(out, "{what} diff:\n{diff}");
        }
    }
}

fn accuracy_row(f: &AccuracyDelta) -> Vec<String> {
    let score = |v: Option<f64>, n: usize| match v {
        Some(v) => format!("{v:.3} (n={n}){}", if n < LOW_CONFIDENCE_N { "*" } else { "" }),
        None => "—".into(),
    };
    vec![
        f.field.clone(),
        f.metric.clone(),
        score(f.a, f.n_a),
        score(f.b, f.n_b),
        f.delta.map(|d| format!("{d:+.3}")).unwrap_or_else(|| "—".into()),
    ]
}

fn value(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(79).collect::<String>())
            } else {
                text
            }
        }
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}
