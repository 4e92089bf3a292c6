//! The Analysis tab: one row per schema field, in schema order, each value drawn by its type —
//! the view QA reviewers live in, so it favours calm, scannable rows over raw JSON.
//!
//! Enums are chips, booleans ✓/✗, bounded numbers a value with a bar, arrays lists, nested
//! objects collapsible; a field that failed validation is outlined with its message. Above the
//! rows: status, attempts, tokens and cost (estimate beside actual), latency, model, spec version.

use super::top_bar::thousands;
use super::widgets::{chip, score_bar, status_chip};
use crate::core::cost::format_usd;
use crate::core::outcome::{FieldError, Outcome};
use crate::core::schema::resolve_ref;
use egui::{Color32, RichText};
use serde_json::Value;

/// Draw an outcome against the schema that produced it.
pub fn analysis_ui(ui: &mut egui::Ui, outcome: &Outcome, schema: Option<&Value>, spec_version: Option<&str>) {
    summary_ui(ui, outcome, spec_version);
    ui.separator();
    let Some(analysis) = &outcome.analysis else {
        use crate::core::outcome::Status;
        let replied = outcome.attempts.iter().any(|a| !a.raw_reply.is_empty());
        let text = match outcome.status {
            Status::Error if !replied => {
                "No analysis: no reply came back (see the error above; each try is in the Raw tab)."
            }
            Status::Error => "No analysis: the provider answered with an error (see above and the Raw tab).",
            Status::Refused => "No analysis: the model refused (see above).",
            Status::Truncated => {
                "No analysis: the reply was cut off at the output-token limit; raise max_output_tokens."
            }
            Status::Skipped => {
                "Not analysed: skipped by the spec's policy or for the model's context window (see the note above)."
            }
            _ => "No analysis: the model's reply could not be used. See the errors above and the Raw tab.",
        };
        ui.weak(text);
        return;
    };
    egui::ScrollArea::vertical().id_salt("analysis_rows").auto_shrink([false, false]).show(ui, |ui| {
        match schema {
            Some(root) => object_rows_ui(ui, root, root, analysis, "", &outcome.errors, 0),
            None => {
                ui.label(
                    RichText::new(serde_json::to_string_pretty(analysis).unwrap_or_default()).monospace(),
                );
            }
        }
    });
}

fn summary_ui(ui: &mut egui::Ui, o: &Outcome, spec_version: Option<&str>) {
    ui.horizontal_wrapped(|ui| {
        status_chip(ui, o.status);
        if let Some(note) = &o.note {
            ui.weak(note);
        }
    });
    for e in
        o.errors.iter().filter(|e| e.pointer.is_empty() && o.status != crate::core::outcome::Status::Invalid)
    {
        ui.colored_label(ui.visuals().error_fg_color, &e.message);
    }
    let cached = if o.usage.cached_input_tokens > 0 {
        format!(" ({} cached)", thousands(o.usage.cached_input_tokens))
    } else {
        String::new()
    };
    let facts = [
        ("model", format!("{} · {}", o.provider, o.model)),
        ("attempts", o.attempts.len().to_string()),
        (
            "tokens",
            format!(
                "{} in{cached} · {} out",
                thousands(o.usage.input_tokens),
                thousands(o.usage.output_tokens)
            ),
        ),
        (
            "estimate",
            format!(
                "{} in · {} out",
                thousands(o.estimate.input_tokens),
                thousands(o.estimate.output_tokens)
            ),
        ),
        ("cost", format_usd(o.cost_usd)),
        ("estimated", format_usd(o.estimate.cost_usd)),
        ("latency", format!("{} ms", thousands(o.latency_ms))),
        ("spec version", spec_version.map(|v| v.get(..12).unwrap_or(v)).unwrap_or("—").to_string()),
    ];
    // Two pairs a row when there is room, one when the column is narrow (beside a transcript).
    let per_row = if ui.available_width() >= 420.0 { 2 } else { 1 };
    egui::Grid::new("outcome_facts").num_columns(per_row * 2).spacing([12.0, 2.0]).show(ui, |ui| {
        for row in facts.chunks(per_row) {
            for (k, v) in row {
                ui.weak(*k);
                ui.label(v);
            }
            ui.end_row();
        }
    });
}

/// Errors that belong to `pointer` (its own, or a missing-required message naming it).
fn errors_for<'e>(errors: &'e [FieldError], parent: &str, name: &str) -> Vec<&'e FieldError> {
    let pointer = format!("{parent}/{name}");
    errors
        .iter()
        .filter(|e| {
            e.pointer == pointer
                || e.pointer.starts_with(&format!("{pointer}/"))
                || (e.pointer == parent && e.message.contains(&format!("\"{name}\"")))
        })
        .collect()
}

fn deref<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve_ref(root, r).unwrap_or(schema),
        None => schema,
    }
}

fn object_rows_ui(
    ui: &mut egui::Ui,
    root: &Value,
    schema: &Value,
    value: &Value,
    pointer: &str,
    errors: &[FieldError],
    depth: usize,
) {
    let schema = deref(root, schema);
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        ui.label(RichText::new(value.to_string()).monospace());
        return;
    };
    for (name, sub) in props {
        let sub = deref(root, sub);
        let field_errors = errors_for(errors, pointer, name);
        let failed = !field_errors.is_empty();
        let stroke =
            if failed { egui::Stroke::new(1.5, ui.visuals().error_fg_color) } else { egui::Stroke::NONE };
        egui::Frame::new()
            .stroke(stroke)
            .inner_margin(egui::Margin::symmetric(4, 3))
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    // The name column gives way in a narrow column (beside a transcript).
                    let name_w = (ui.available_width() * 0.4).min(150.0);
                    let label = ui
                        .allocate_ui_with_layout(
                            egui::vec2(name_w, 18.0),
                            egui::Layout::left_to_right(egui::Align::Min),
                            |ui| {
                                ui.set_min_width(name_w);
                                ui.add(egui::Label::new(RichText::new(name).strong()).truncate())
                            },
                        )
                        .inner;
                    if let Some(d) = sub.get("description").and_then(Value::as_str) {
                        label.on_hover_text(d);
                    }
                    ui.vertical(|ui| match value.get(name) {
                        None => {
                            ui.weak("—");
                        }
                        Some(v) => value_ui(ui, root, sub, v, &format!("{pointer}/{name}"), errors, depth),
                    });
                });
                for e in field_errors {
                    ui.colored_label(ui.visuals().error_fg_color, format!("× {}", e.message));
                }
            });
    }
}

fn value_ui(
    ui: &mut egui::Ui,
    root: &Value,
    schema: &Value,
    v: &Value,
    pointer: &str,
    errors: &[FieldError],
    depth: usize,
) {
    let accent = Color32::from_rgb(90, 140, 220);
    match v {
        Value::Bool(true) => {
            // Neutral colours: yes/no is a value, not a pass/fail verdict.
            ui.label(RichText::new("yes").strong());
        }
        Value::Bool(false) => {
            ui.label(RichText::new("no").weak());
        }
        Value::String(s) if schema.get("enum").is_some() => {
            chip(ui, s, accent);
        }
        Value::String(s) => {
            ui.add(egui::Label::new(s.as_str()).wrap());
        }
        Value::Number(n) => {
            let (min, max) = (
                schema.get("minimum").and_then(Value::as_f64),
                schema.get("maximum").and_then(Value::as_f64),
            );
            match (n.as_f64(), min, max) {
                (Some(x), Some(lo), Some(hi)) => score_bar(ui, x, lo, hi),
                _ => {
                    ui.label(n.to_string());
                }
            }
        }
        Value::Array(items) if items.is_empty() => {
            ui.weak("none");
        }
        Value::Array(items) => {
            let item_schema = schema.get("items").map(|s| deref(root, s)).unwrap_or(&Value::Null);
            for (i, item) in items.iter().enumerate() {
                ui.horizontal_top(|ui| {
                    ui.weak("•");
                    ui.vertical(|ui| {
                        value_ui(ui, root, item_schema, item, &format!("{pointer}/{i}"), errors, depth + 1)
                    });
                });
            }
        }
        Value::Object(_) => {
            egui::CollapsingHeader::new(RichText::new("details").weak())
                .id_salt(pointer)
                .default_open(depth < 1)
                .show(ui, |ui| {
                    object_rows_ui(ui, root, schema, v, pointer, errors, depth + 1);
                });
        }
        Value::Null => {
            ui.weak("null");
        }
    }
}
