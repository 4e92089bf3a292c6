//! The History view: every run in a virtualised table (paged queries keep it smooth with 100k
//! results), filters, and a run browser where ↑/↓ (or J/K) walks the run's conversations with
//! the Analysis view beside it — a reviewer can go through a run by keyboard alone.

use super::top_bar::thousands;
use super::widgets::status_chip;
use crate::core::cost::format_usd;
use crate::core::outcome::Status;
use crate::llm::offline;
use crate::store::RunSummary;
use crate::ui::app::Command;
use crate::ui::app::model::{Model, RunTab};
use crate::ui::app::state::UiState;
use egui_extras::{Column, TableBuilder};

pub fn history_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &super::PanelCtx<'_>, out: &mut Vec<Command>) {
    let model = cx.model;
    let h = &model.history;
    ui.horizontal(|ui| {
        ui.heading("History");
        if h.loading {
            ui.weak("loading…");
        }
        if ui.button("Refresh").clicked() {
            out.push(Command::RefreshHistory);
        }
        ui.separator();
        filters_ui(ui, model, out);
        ui.separator();
        let page = h.query.offset / h.query.limit.max(1) + 1;
        if ui.add_enabled(h.query.offset > 0, egui::Button::new("< Newer")).clicked() {
            out.push(Command::HistoryPage(-1));
        }
        ui.label(format!("page {page}"));
        if ui.add_enabled(h.runs.len() == h.query.limit, egui::Button::new("Older >")).clicked() {
            out.push(Command::HistoryPage(1));
        }
    });
    ui.separator();
    if !h.batch_jobs.is_empty() {
        super::batch_jobs::batch_jobs_ui(ui, &h.batch_jobs);
        ui.separator();
    }
    let table_height =
        if h.open_run.is_some() { (ui.available_height() * 0.35).max(120.0) } else { ui.available_height() };
    ui.push_id("runs_table", |ui| {
        ui.set_max_height(table_height);
        runs_table_ui(ui, &h.runs, h.open_run, out);
    });
    if let Some(run_id) = h.open_run {
        ui.separator();
        run_browser_ui(ui, state, cx, run_id, out);
    }
}

fn filters_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    let q = &model.history.query;
    let label = ui.label("Status");
    let mut status = q.status;
    egui::ComboBox::from_id_salt("status_filter")
        .selected_text(status.map(|s| s.as_str()).unwrap_or("any"))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut status, None, "any");
            for s in [
                Status::Ok,
                Status::Invalid,
                Status::Refused,
                Status::Truncated,
                Status::Error,
                Status::Skipped,
            ] {
                ui.selectable_value(&mut status, Some(s), s.as_str());
            }
        })
        .response
        .labelled_by(label.id);
    let label = ui.label("Model");
    let mut text = q.model.clone().unwrap_or_default();
    let edit = ui
        .add(egui::TextEdit::singleline(&mut text).desired_width(110.0).hint_text("any"))
        .labelled_by(label.id);
    let model_filter = Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let label = ui.label("Since");
    let mut since = q.since.clone().unwrap_or_default();
    let since_edit = ui
        .add(egui::TextEdit::singleline(&mut since).desired_width(90.0).hint_text("YYYY-MM-DD"))
        .labelled_by(label.id);
    let since_filter = Some(since.trim().to_string()).filter(|t| !t.is_empty());
    let mut this_spec = q.spec_hash.is_some();
    ui.checkbox(&mut this_spec, "This spec version only")
        .on_hover_text("Only runs of the spec as it is in the editor now");
    let spec_filter = if this_spec { model.spec_hash.clone().or(q.spec_hash.clone()) } else { None };
    let committed = |r: &egui::Response| r.lost_focus() || !r.has_focus();
    let changed = status != q.status
        || spec_filter != q.spec_hash
        || (committed(&edit) && model_filter != q.model)
        || (committed(&since_edit) && since_filter != q.since);
    if changed {
        let mut query = q.clone();
        query.status = status;
        query.model = model_filter;
        query.since = since_filter;
        query.spec_hash = spec_filter;
        query.offset = 0;
        out.push(Command::SetHistoryQuery(query));
    }
}

fn runs_table_ui(ui: &mut egui::Ui, runs: &[RunSummary], open: Option<i64>, out: &mut Vec<Command>) {
    if runs.is_empty() {
        ui.weak("No runs yet. Run a spec from the Workbench; every result is kept here.");
        return;
    }
    TableBuilder::new(ui)
        .striped(true)
        .sense(egui::Sense::click())
        .column(Column::exact(50.0))
        .column(Column::exact(150.0))
        .column(Column::remainder().at_least(160.0))
        .column(Column::initial(190.0))
        .columns(Column::exact(70.0), 3)
        .column(Column::exact(90.0))
        .column(Column::exact(80.0))
        .column(Column::exact(80.0))
        .header(20.0, |mut header| {
            for title in [
                "run",
                "started",
                "spec",
                "provider / model",
                "convs",
                "ok",
                "failed",
                "tokens",
                "cost",
                "state",
            ] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(22.0, runs.len(), |mut row| {
                let r = &runs[row.index()];
                row.set_selected(open == Some(r.id));
                let ok = r.counts.get("ok").copied().unwrap_or(0);
                let failed: usize = r
                    .counts
                    .iter()
                    .filter(|(s, _)| s.as_str() != "ok" && s.as_str() != "skipped")
                    .map(|(_, n)| n)
                    .sum();
                let pm = if r.provider == "offline" {
                    offline::LABEL.to_string()
                } else {
                    format!("{} / {}", r.provider, r.model)
                };
                let cells = [
                    r.id.to_string(),
                    r.started_at.get(..19).unwrap_or(&r.started_at).replace('T', " "),
                    format!("{} · {}", r.spec_name, r.spec_hash.get(..8).unwrap_or(&r.spec_hash)),
                    pm,
                    r.n_results.to_string(),
                    ok.to_string(),
                    failed.to_string(),
                    thousands(r.usage.input_tokens + r.usage.output_tokens),
                    if r.n_results == 0 { "$0.00".into() } else { format_usd(r.cost_usd) },
                    r.state.as_str().to_string(),
                ];
                for cell in cells {
                    row.col(|ui| {
                        ui.add(egui::Label::new(cell).truncate().selectable(false));
                    });
                }
                if row.response().clicked() {
                    out.push(Command::OpenRun(r.id));
                }
            });
        });
}

fn run_browser_ui(
    ui: &mut egui::Ui,
    state: &mut UiState,
    cx: &super::PanelCtx<'_>,
    run_id: i64,
    out: &mut Vec<Command>,
) {
    let model = cx.model;
    let h = &model.history;
    ui.horizontal(|ui| {
        ui.strong(format!("Run {run_id}"));
        let mut tab = h.tab;
        ui.selectable_value(&mut tab, RunTab::Results, "Results");
        ui.selectable_value(&mut tab, RunTab::Dashboard, "Dashboard");
        ui.selectable_value(&mut tab, RunTab::Evaluation, "Evaluation");
        ui.selectable_value(&mut tab, RunTab::Review, "Review queue");
        ui.selectable_value(&mut tab, RunTab::Compare, "Compare");
        if tab != h.tab {
            out.push(Command::RunTab(tab));
        }
        ui.weak(format!("{} result(s) · Up/Down or J/K to move", h.results.len()));
        if let Some(p) = review_progress(model, &state.settings.reviewer_name()) {
            ui.strong(p);
        }
    });
    run_actions_ui(ui, state, model, run_id, out);
    match h.tab {
        RunTab::Dashboard => return super::dashboard::dashboard_ui(ui, h.dashboard.as_ref(), out),
        RunTab::Evaluation => return super::dashboard::evaluation_ui(ui, state, h.evaluation.as_ref(), out),
        RunTab::Review => return super::review::review_ui(ui, state, cx, out),
        RunTab::Compare => return super::compare::compare_ui(ui, model, out),
        RunTab::Results => {}
    }
    egui::Panel::left("run_results").resizable(true).default_size(300.0).show(ui, |ui| {
        let area = egui::ScrollArea::vertical().id_salt("run_results_list").auto_shrink([false, false]);
        super::widgets::follow_selection(area, ui, 22.0, Some(h.selected), &mut state.scroll_to_selection)
            .show_rows(ui, 22.0, h.results.len(), |ui, range| {
                for i in range {
                    let r = &h.results[i];
                    ui.horizontal(|ui| {
                        status_chip(ui, r.outcome.status);
                        let row = ui.selectable_label(i == h.selected, &r.outcome.conversation_id);
                        if row.clicked() {
                            out.push(Command::MoveResult(i as i32 - h.selected as i32));
                        }
                    });
                }
            });
    });
    egui::CentralPanel::default().show(ui, |ui| match h.results.get(h.selected) {
        Some(r) => result_pane_ui(ui, state, cx, r, "history_pane", out),
        None => {
            ui.weak("Loading…");
        }
    });
}

/// A stored result of the open run, reviewed beside its transcript.
pub fn result_pane_ui(
    ui: &mut egui::Ui,
    state: &mut UiState,
    cx: &super::PanelCtx<'_>,
    r: &crate::store::StoredResult,
    id: &'static str,
    out: &mut Vec<Command>,
) {
    let h = &cx.model.history;
    ui.strong(&r.outcome.conversation_id);
    let schema = h.spec.as_ref().filter(|(hash, _)| *hash == r.spec_hash).map(|(_, s)| s);
    let conversation = h.transcript.ready_for(&r.conversation_hash);
    let labels = cx.model.labels.get(&r.outcome.conversation_id).map(Vec::as_slice).unwrap_or_default();
    let pane = super::verdicts::Pane {
        id,
        conversation,
        outcome: &r.outcome,
        schema,
        spec_version: Some(&r.spec_hash),
        target: cx.review.clone().filter(|t| t.result_id == Some(r.id)),
        labels,
        progress: review_progress(cx.model, &state.settings.reviewer_name()),
    };
    super::verdicts::pane_ui(ui, state, &pane, out);
}

/// "37 of 120 reviewed by ana" for the open run.
fn review_progress(model: &Model, reviewer: &str) -> Option<String> {
    let h = &model.history;
    h.open_run?;
    let ids: std::collections::BTreeSet<&str> =
        h.results.iter().map(|r| r.outcome.conversation_id.as_str()).collect();
    let reviewed = ids
        .iter()
        .filter(|id| model.labels.get(**id).is_some_and(|ls| ls.iter().any(|l| l.reviewer == reviewer)))
        .count();
    Some(format!("{reviewed} of {} reviewed by {reviewer}", ids.len()))
}

/// Replay the run's webhooks, or export it.
fn run_actions_ui(
    ui: &mut egui::Ui,
    state: &mut UiState,
    model: &Model,
    run_id: i64,
    out: &mut Vec<Command>,
) {
    use crate::engine::events::Replay;
    use crate::engine::export::Format;
    use crate::ui::app::pipeline::PipelineCommand as P;
    ui.horizontal(|ui| {
        if ui
            .button("Replay webhooks")
            .on_hover_text("Send conversation.analyzed again for every result of this run")
            .clicked()
        {
            out.push(Command::Pipeline(P::Replay(Replay::Run(run_id))));
        }
        if let Some(r) = model.history.results.get(model.history.selected)
            && ui.button("Replay this result").clicked()
        {
            out.push(Command::Pipeline(P::Replay(Replay::Result(r.id))));
        }
        ui.separator();
        let l = ui.label("Export to");
        ui.add(
            egui::TextEdit::singleline(&mut state.server.export_path)
                .desired_width(260.0)
                .hint_text("results.parquet, .csv or .jsonl"),
        )
        .labelled_by(l.id);
        let path = state.server.export_path.trim().to_string();
        let format = match path.rsplit('.').next() {
            Some("csv") => Some(Format::Csv),
            Some("jsonl") | Some("ndjson") => Some(Format::Jsonl),
            Some("parquet") => Some(Format::Parquet),
            _ => None,
        };
        if ui
            .add_enabled(format.is_some(), egui::Button::new("Export"))
            .on_hover_text("The file's extension picks the format: .jsonl, .csv or .parquet")
            .clicked()
            && let Some(format) = format
        {
            out.push(Command::Pipeline(P::Export { run: run_id, format, path: path.into() }));
        }
        match &model.pipeline.exported {
            Some(Ok(e)) => {
                ui.weak(format!("{} row(s) written to {}", e.rows, e.path.display()));
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {}
        }
    });
}
