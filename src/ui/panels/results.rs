//! Right panel: tabs for the selected conversation — Transcript, Analysis, Raw, History.

use super::widgets::status_chip;
use crate::ui::app::Command;
use crate::ui::app::model::Model;
use crate::ui::app::state::{ResultTab, UiState};

pub fn results_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &super::PanelCtx<'_>, out: &mut Vec<Command>) {
    let model = cx.model;
    ui.add_space(4.0);
    let Some(selected) = model.selected(state) else {
        ui.weak("Select a conversation on the left.");
        return;
    };
    if let Some(failure) = &model.run_failure {
        ui.colored_label(ui.visuals().error_fg_color, failure);
    }
    ui.horizontal(|ui| {
        ui.strong(&selected.conversation.id);
        ui.weak(format!("{} turns", selected.conversation.turns.len()));
    });
    ui.horizontal(|ui| {
        for (tab, label) in [
            (ResultTab::Transcript, "Transcript"),
            (ResultTab::Analysis, "Analysis"),
            (ResultTab::Raw, "Raw"),
            (ResultTab::History, "History"),
        ] {
            ui.selectable_value(&mut state.tab, tab, label);
        }
    });
    ui.separator();
    match state.tab {
        ResultTab::Transcript => super::transcript::transcript_ui(ui, &selected.conversation, None, false),
        ResultTab::Analysis => match model.shown_outcome(state) {
            Some(outcome) => {
                let version =
                    model.pinned.as_ref().map(|p| p.spec_hash.as_str()).or(model.spec_hash.as_deref());
                let same_spec =
                    model.pinned.as_ref().is_none_or(|p| Some(&p.spec_hash) == model.spec_hash.as_ref());
                if let Some(p) = &model.pinned {
                    ui.horizontal(|ui| {
                        ui.weak(format!(
                            "Stored result from {} (run {})",
                            p.created_at.get(..19).unwrap_or(&p.created_at),
                            p.run_id
                        ));
                        if ui.small_button("back to latest").clicked() {
                            out.push(Command::Select(selected.hash.clone()));
                        }
                    });
                }
                let schema = if same_spec { model.check.parsed.as_ref() } else { None };
                let labels =
                    model.labels.get(&selected.conversation.id).map(Vec::as_slice).unwrap_or_default();
                // A redacting spec's result sits beside the transcript the model saw; the
                // originals are a local view, for the current spec version only (its mapping).
                let redaction = &state.draft.tuning.redact;
                if same_spec && !redaction.is_empty() {
                    ui.checkbox(&mut state.show_originals, "Show original values")
                        .on_hover_text("Put the redacted values back, from the transcript on this machine; nothing is sent or stored");
                }
                let shown = if same_spec {
                    super::redaction::shown(redaction, &selected.conversation, outcome, state.show_originals)
                } else {
                    None
                };
                let (conversation, outcome) = match &shown {
                    Some(s) => (&s.conversation, &s.outcome),
                    None => (&selected.conversation, outcome),
                };
                let pane = super::verdicts::Pane {
                    id: "workbench_pane",
                    conversation: Some(conversation),
                    outcome,
                    schema,
                    spec_version: version,
                    target: cx.review.clone(),
                    labels,
                    progress: None,
                };
                super::verdicts::pane_ui(ui, state, &pane, out);
            }
            None if model.run.is_some() => {
                ui.weak("Running…");
            }
            None if !model.check.is_ok() => {
                ui.weak("No result for this spec version. Fix the schema errors under the editor to run it.");
            }
            None => {
                ui.weak("No result for this spec version yet. Press Run (Ctrl+Enter).");
            }
        },
        ResultTab::Raw => raw_ui(ui, state, model),
        ResultTab::History => history_tab_ui(ui, model, out),
    }
}

fn raw_ui(ui: &mut egui::Ui, state: &UiState, model: &Model) {
    let theme = egui_extras::syntax_highlighting::CodeTheme::from_memory(ui.ctx(), ui.style());
    egui::ScrollArea::vertical().id_salt("raw").auto_shrink([false, false]).show(ui, |ui| {
        let outcome = model.shown_outcome(state);
        egui::CollapsingHeader::new(format!("Preview what is sent to {}", state.draft.provider))
            .id_salt("preview_sent")
            .open(outcome.is_none().then_some(true))
            .show(ui, |ui| preview_ui(ui, model, &theme));
        let Some(o) = outcome else {
            return;
        };
        ui.weak("Request headers are not kept: the key is never shown or stored.");
        for a in &o.attempts {
            egui::CollapsingHeader::new(format!(
                "Attempt {} · {}{}",
                a.number,
                a.reason,
                a.http_status.map(|s| format!(" · HTTP {s}")).unwrap_or_default()
            ))
            .default_open(true)
            .show(ui, |ui| {
                if let Some(e) = &a.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.strong("Request");
                super::redaction::marked_code_ui(
                    ui,
                    &theme,
                    &serde_json::to_string_pretty(&a.request).unwrap_or_default(),
                    "json",
                );
                ui.strong("Reply");
                egui_extras::syntax_highlighting::code_view_ui(ui, &theme, &a.raw_reply, "json");
            });
        }
    });
}

/// The endpoint, headers (key masked), what the dialect changed, and the exact body.
fn preview_ui(ui: &mut egui::Ui, model: &Model, theme: &egui_extras::syntax_highlighting::CodeTheme) {
    let Some((_, preview, body)) = &model.preview else {
        ui.weak("(select a conversation and fix the schema to see the request)");
        return;
    };
    match &preview.url {
        Some(url) => {
            ui.label(format!("POST {url}"));
            for (name, value) in &preview.headers {
                ui.weak(format!("{name}: {value}"));
            }
        }
        None => {
            ui.weak("Nothing is sent anywhere: the offline baseline reads the transcript locally.");
        }
    }
    if preview.notes.is_empty() {
        ui.weak("The schema is sent as written.");
    } else {
        ui.strong(format!("{} change(s) to the schema for this provider", preview.notes.len()));
        ui.weak("The full schema still checks every result locally.");
        egui::Grid::new("dialect_notes").striped(true).show(ui, |ui| {
            for n in &preview.notes {
                ui.monospace(crate::core::schema::display_pointer(&n.pointer));
                ui.label(note_action(n.action));
                ui.label(&n.detail);
                ui.end_row();
            }
        });
    }
    ui.strong("Body");
    super::redaction::marked_code_ui(ui, theme, body, "json");
}

fn note_action(action: crate::core::schema::dialect::NoteAction) -> &'static str {
    use crate::core::schema::dialect::NoteAction;
    match action {
        NoteAction::MovedToDescription => "moved to description",
        NoteAction::Dropped => "dropped",
        NoteAction::Rewritten => "rewritten",
        NoteAction::Added => "added",
    }
}

fn history_tab_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    let Some((_, results)) = &model.conversation_history else {
        ui.weak("Loading…");
        return;
    };
    if results.is_empty() {
        ui.weak("No earlier results for this conversation.");
        return;
    }
    ui.weak(format!("{} earlier result(s), newest first — click one to view it", results.len()));
    egui::ScrollArea::vertical().id_salt("conv_history").auto_shrink([false, false]).show(ui, |ui| {
        for r in results {
            ui.horizontal(|ui| {
                status_chip(ui, r.outcome.status);
                let text = format!(
                    "{} · run {} · {} {} · spec {}",
                    r.created_at.get(..19).unwrap_or(&r.created_at),
                    r.run_id,
                    r.outcome.provider,
                    r.outcome.model,
                    r.spec_hash.get(..8).unwrap_or(&r.spec_hash)
                );
                let pinned = model.pinned.as_ref().is_some_and(|p| p.id == r.id);
                if ui.selectable_label(pinned, text).clicked() {
                    out.push(Command::Pin(r.id));
                }
            });
        }
    });
}
