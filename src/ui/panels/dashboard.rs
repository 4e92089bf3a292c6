//! A run's dashboard and evaluation: the charts `core::dashboard` builds from the schema, drawn
//! with egui_plot, with the numbers beside each chart as text (readable, copyable, and findable
//! by tests); and the run scored against labels by `core::eval`.

use crate::core::dashboard::{Chart, Dashboard};
use crate::core::eval::Rate;

use crate::ui::app::Command;
use crate::ui::app::state::UiState;
use egui_plot::{Bar, BarChart, Plot};

/// The Evaluation tab: which labels, then the per-field table and details.
pub fn evaluation_ui(
    ui: &mut egui::Ui,
    state: &mut UiState,
    evaluation: Option<&Result<Box<crate::engine::labels::RunEvaluation>, String>>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let label = ui.label("Labels file");
        ui.add(
            egui::TextEdit::singleline(&mut state.expected_path)
                .hint_text("expected.jsonl of the first loaded folder")
                .desired_width(360.0),
        )
        .labelled_by(label.id);
        if ui.button("Score").on_hover_text("Score this run against the labels").clicked() {
            out.push(Command::Evaluate);
        }
    });
    ui.weak("Reviewers' labels (Correct / Wrong in the Results tab) and labels inside JSON transcripts are used too; where sources disagree the field is not scored and the disagreement is listed.");
    ui.separator();
    match evaluation {
        None => {
            ui.weak("Press Score to compare this run with the labels.");
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        Some(Ok(e)) => {
            ui.strong(e.labels.summary());
            egui::ScrollArea::vertical().id_salt("evaluation").auto_shrink([false, false]).show(ui, |ui| {
                let mismatches: Vec<(&str, &crate::core::eval::Mismatch)> = e
                    .evaluation
                    .fields
                    .iter()
                    .flat_map(|f| f.mismatches.iter().map(move |m| (f.field.as_str(), m)))
                    .collect();
                if !mismatches.is_empty() {
                    egui::CollapsingHeader::new(format!(
                        "{} mismatch(es) — click one to open it beside its transcript",
                        mismatches.len()
                    ))
                    .default_open(true)
                    .show(ui, |ui| {
                        for (field, m) in mismatches.iter().take(200) {
                            let got = m
                                .predicted
                                .as_ref()
                                .map(|v| v.to_string())
                                .unwrap_or_else(|| "no answer".into());
                            let text = format!(
                                "{} · {field}: expected {}, got {got}",
                                m.conversation_id, m.expected
                            );
                            if ui.link(text).clicked() {
                                out.push(Command::OpenInRun(m.conversation_id.clone()));
                            }
                        }
                    });
                }
                // The text report is the CLI's own, so both front ends say the same thing.
                ui.monospace(e.render());
            });
        }
    }
}

pub fn dashboard_ui(ui: &mut egui::Ui, dashboard: Option<&Dashboard>, out: &mut Vec<Command>) {
    let Some(d) = dashboard else {
        ui.weak("Loading…");
        return;
    };
    egui::ScrollArea::vertical().id_salt("dashboard").auto_shrink([false, false]).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("{} ok analyses", d.n));
            if let Some(r) = &d.resolution_rate {
                ui.separator();
                ui.label(format!("resolution rate {}", rate_text(r)));
            }
            if !d.follow_up_queue.is_empty() {
                ui.separator();
                ui.label(format!("{} waiting for follow-up", d.follow_up_queue.len()));
            }
        });
        ui.separator();
        for chart in &d.charts {
            chart_ui(ui, chart);
            ui.add_space(8.0);
        }
        if let Some(fields) = &d.stability {
            ui.strong("Stability over repeats (share of repeats agreeing with the most common value)");
            egui::Grid::new("stability").striped(true).show(ui, |ui| {
                for f in fields {
                    ui.label(&f.field);
                    ui.label(format!("{:.2}", f.stability));
                    ui.weak(format!("n = {}", f.n));
                    if f.unstable {
                        ui.colored_label(ui.visuals().warn_fg_color, "unstable (under 0.8)");
                    }
                    ui.end_row();
                }
            });
            ui.add_space(8.0);
        }
        if let Some(t) = &d.sentiment_trend {
            trend_ui(ui, t);
        }
        if !d.follow_up_queue.is_empty() {
            ui.heading("Follow-up queue");
            egui::Grid::new("follow_up_queue").striped(true).show(ui, |ui| {
                for f in &d.follow_up_queue {
                    if ui.link(&f.conversation_id).on_hover_text("Open it beside its transcript").clicked() {
                        out.push(Command::OpenInRun(f.conversation_id.clone()));
                    }
                    ui.label(f.notes.as_deref().unwrap_or("(no notes)"));
                    ui.end_row();
                }
            });
        }
    });
}

/// `72.4% (21/29), 95% CI 54–86%`, marked when based on fewer than 10.
fn rate_text(r: &Rate) -> String {
    let Some(v) = r.value else {
        return "n/a (0 answers)".into();
    };
    let ci =
        r.ci95.map(|c| format!(", 95% CI {:.0}–{:.0}%", c.low * 100.0, c.high * 100.0)).unwrap_or_default();
    let low = if r.low_confidence { " (few items: low confidence)" } else { "" };
    format!("{:.1}% ({}/{}){ci}{low}", v * 100.0, r.hits, r.n)
}

fn chart_ui(ui: &mut egui::Ui, chart: &Chart) {
    ui.strong(chart.field());
    match chart {
        Chart::Counts { field, counts, n } | Chart::TopValues { field, values: counts, n } => {
            ui.horizontal(|ui| {
                let bars = counts
                    .iter()
                    .enumerate()
                    .map(|(i, (k, c))| Bar::new(i as f64, *c as f64).name(k))
                    .collect();
                let labels: Vec<String> = counts.iter().map(|(k, _)| k.clone()).collect();
                plot_labelled(ui, field, BarChart::new(field.clone(), bars), labels);
                ui.vertical(|ui| {
                    ui.weak(format!("n = {n}"));
                    for (k, c) in counts {
                        ui.label(format!("{k}: {c}"));
                    }
                });
            });
        }
        Chart::Rate { rate, .. } => {
            ui.label(format!("true in {}", rate_text(rate)));
        }
        Chart::Histogram { field, bins, mean, n } => {
            ui.horizontal(|ui| {
                let width = bins.first().map(|b| b.high - b.low).unwrap_or(1.0);
                let bars = bins
                    .iter()
                    .map(|b| {
                        Bar::new(b.low, b.count as f64)
                            .width(width * 0.9)
                            .name(format!("{:.4}–{:.4}", b.low, b.high))
                    })
                    .collect();
                plot(ui, field, BarChart::new(field.clone(), bars));
                ui.vertical(|ui| {
                    ui.weak(format!("n = {n}"));
                    match mean {
                        Some(m) => ui.label(format!("mean {m:.2}")),
                        None => ui.weak("no values"),
                    };
                });
            });
        }
    }
}

/// One line per value over the days, and the counts as a table.
fn trend_ui(ui: &mut egui::Ui, t: &crate::core::dashboard::Trend) {
    ui.strong(format!("{} over time ({} analyses with a start time)", t.field, t.n));
    ui.horizontal(|ui| {
        // Headroom above the highest point keeps the legend off the lines.
        let top = t.days.iter().flat_map(|(_, c)| c.iter()).copied().max().unwrap_or(0) as f64;
        fixed_plot(format!("trend_{}", t.field), 160.0)
            .include_y(top * 1.6 + 1.0)
            .legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftTop))
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 7.0, 28.0]))
            .x_axis_formatter({
                let days: Vec<String> =
                    t.days.iter().map(|(d, _)| d.get(5..).unwrap_or(d).to_string()).collect();
                move |mark, _| axis_label(&days, mark.value)
            })
            .show(ui, |p| {
                for (i, value) in t.values.iter().enumerate() {
                    let points: Vec<[f64; 2]> = t
                        .days
                        .iter()
                        .enumerate()
                        .map(|(d, (_, counts))| [d as f64, counts[i] as f64])
                        .collect();
                    let mut line = egui_plot::Line::new(value.clone(), points);
                    if let Some(color) = sentiment_color(value) {
                        line = line.color(color);
                    }
                    p.line(line);
                }
            });
        egui::Grid::new(format!("trend_table_{}", t.field)).striped(true).show(ui, |ui| {
            ui.strong("day");
            for v in &t.values {
                ui.strong(v);
            }
            ui.end_row();
            for (day, counts) in &t.days {
                ui.label(day);
                for c in counts {
                    ui.label(c.to_string());
                }
                ui.end_row();
            }
        });
    });
}

/// Sentiment values in the colours people read them in: positive green, negative red.
fn sentiment_color(value: &str) -> Option<egui::Color32> {
    let v = value.to_lowercase();
    if ["negative", "angry", "frustrated", "dissatisfied", "very_negative"].iter().any(|n| v == *n) {
        Some(egui::Color32::from_rgb(220, 80, 80))
    } else if ["positive", "satisfied", "happy", "very_positive"].iter().any(|p| v == *p) {
        Some(egui::Color32::from_rgb(60, 170, 90))
    } else if ["neutral", "mixed"].iter().any(|n| v == *n) {
        Some(egui::Color32::GRAY)
    } else {
        None
    }
}

/// A bar chart whose x axis names every bar (bar i is at x = i; a mark at each integer).
fn plot_labelled(ui: &mut egui::Ui, id: &str, chart: BarChart, labels: Vec<String>) {
    fixed_plot(format!("plot_{id}"), 140.0)
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 2.0, 4.0]))
        .x_axis_formatter(move |mark, _| axis_label(&labels, mark.value))
        .show(ui, |p| p.bar_chart(chart));
}

/// The label of the bar at `x`, blank between bars.
fn axis_label(labels: &[String], x: f64) -> String {
    if (x - x.round()).abs() > 1e-6 || x < 0.0 {
        return String::new();
    }
    // Short enough that neighbours do not collide (the plot hides labels that would overlap);
    // the whole name is in the table beside the chart.
    let label = labels.get(x.round() as usize).cloned().unwrap_or_default();
    if label.chars().count() > 10 {
        format!("{}…", label.chars().take(9).collect::<String>())
    } else {
        label
    }
}

fn plot(ui: &mut egui::Ui, id: &str, chart: BarChart) {
    fixed_plot(format!("plot_{id}"), 140.0).show(ui, |p| p.bar_chart(chart));
}

/// A small plot that does not pan or zoom (a dashboard is read, not explored), with y from 0.
fn fixed_plot<'a>(id: String, height: f32) -> Plot<'a> {
    Plot::new(id)
        .height(height)
        .width(360.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
}
