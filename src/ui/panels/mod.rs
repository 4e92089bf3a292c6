//! Panels: short-lived views over state that draw and push `Command`s, nothing else.
//!
//! Each panel file has one `*_ui` function taking `ui` first. They may edit UI state that is
//! plainly theirs (text being typed, the selected tab) but never reach the engine, the store or
//! the network: anything with effects goes through a `Command`, run by the app after drawing.

mod analysis;
mod batch_jobs;
mod compare;
mod conversations;
mod dashboard;
mod deliveries;
mod dialog;
mod editor;
mod history;
mod lint;
mod projection;
mod redaction;
mod results;
mod review;
mod server;
mod settings;
mod top_bar;
pub mod transcript;
mod verdicts;
pub mod widgets;

use super::app::Command;
use super::app::model::Model;
use super::app::state::{Draft, ResultTab, UiState, View};
use crate::core::cost::PriceTable;
use egui::{Key, Modifiers};

/// What panels read besides the saved state.
pub struct PanelCtx<'a> {
    pub model: &'a Model,
    pub prices: &'a PriceTable,
    /// "key from environment" / "key entered" / "key missing"; `None` when no key is needed.
    pub key_status: Option<&'static str>,
    /// What verdicts apply to in the current view, if anything.
    pub review: Option<crate::ui::app::review::Target>,
}

/// Draw the whole window.
pub fn draw(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    dialog::dialog_ui(ui.ctx(), state, out);
    if state.projection.open {
        projection::projection_window(ui.ctx(), state, cx);
    }
    egui::Panel::top("top_bar").show(ui, |ui| top_bar::top_bar_ui(ui, state, cx, out));
    if !cx.model.notices.is_empty() {
        egui::Panel::bottom("notices").show(ui, |ui| notices_ui(ui, cx.model, out));
    }
    match state.view {
        View::Workbench => {
            // Bounded sizes: panels must not grow with their content and squeeze the editors.
            egui::Panel::left("conversations")
                .resizable(true)
                .default_size(280.0)
                .size_range(200.0..=480.0)
                .show(ui, |ui| {
                    conversations::conversations_ui(ui, state, cx.model, out);
                });
            egui::Panel::right("results").resizable(true).default_size(520.0).size_range(360.0..=900.0).show(
                ui,
                |ui| {
                    // Wide content scrolls inside the panel instead of widening it from tab to tab.
                    egui::ScrollArea::horizontal().id_salt("results_h").auto_shrink([false, false]).show(
                        ui,
                        |ui| {
                            ui.set_max_width(ui.available_width());
                            results::results_ui(ui, state, cx, out);
                        },
                    );
                },
            );
            egui::CentralPanel::default().show(ui, |ui| editor::editor_ui(ui, state, cx.model, out));
        }
        View::History => {
            egui::CentralPanel::default().show(ui, |ui| history::history_ui(ui, state, cx, out));
        }
        View::Server => {
            egui::CentralPanel::default().show(ui, |ui| server::server_ui(ui, state, cx.model, out));
        }
        View::Deliveries => {
            egui::CentralPanel::default().show(ui, |ui| deliveries::deliveries_ui(ui, state, cx.model, out));
        }
        View::Settings => {
            egui::CentralPanel::default().show(ui, |ui| settings::settings_ui(ui, state, cx, out));
        }
    }
}

fn notices_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.colored_label(ui.visuals().warn_fg_color, "Note:");
        if let Some(last) = model.notices.last() {
            ui.label(last);
        }
        if model.notices.len() > 1 {
            ui.weak(format!("(+{} earlier)", model.notices.len() - 1));
        }
        if ui.button("Dismiss").clicked() {
            out.push(Command::DismissNotices);
        }
    });
}

/// Global shortcuts: Ctrl+Enter run, Ctrl+S save, Ctrl+O open, Esc cancel, ↑/↓ (and J/K)
/// through conversations or, in the History view, through the open run's results;
/// Ctrl+Shift+1/2/3/4/5 switch views (Workbench, History, Settings, Server, Deliveries), Ctrl+1..4 the result tabs.
pub fn keyboard(
    ctx: &egui::Context,
    state: &UiState,
    model: &Model,
    reviewing: bool,
    out: &mut Vec<Command>,
) {
    use crate::ui::app::review::{EditValue, ReviewCommand as R};
    // Only a text field owns the arrow keys; a focused button (after a click) must not.
    let typing = ctx.text_edit_focused();
    ctx.input_mut(|i| {
        // Reviewing: the editor of a field marked wrong takes Enter, Esc and the arrows.
        if reviewing && let Some((_, value)) = &state.review.editing {
            if i.consume_key(Modifiers::NONE, Key::Escape) {
                out.push(Command::Review(R::Cancel));
            }
            if (!typing || matches!(value, EditValue::Text(_))) && i.consume_key(Modifiers::NONE, Key::Enter)
            {
                out.push(Command::Review(R::Save));
            }
            if !typing {
                let down = i.consume_key(Modifiers::NONE, Key::ArrowDown);
                let up = i.consume_key(Modifiers::NONE, Key::ArrowUp);
                if down || up {
                    out.push(Command::Review(R::Step(if down { 1 } else { -1 })));
                }
                if i.consume_key(Modifiers::NONE, Key::Space) {
                    out.push(Command::Review(R::Toggle));
                }
            }
            return;
        }
        if reviewing && !typing {
            let right = i.consume_key(Modifiers::NONE, Key::ArrowRight);
            let left = i.consume_key(Modifiers::NONE, Key::ArrowLeft);
            if right || left {
                out.push(Command::Review(R::MoveField(if right { 1 } else { -1 })));
            }
            if i.consume_key(Modifiers::NONE, Key::C) {
                out.push(Command::Review(R::Correct(None)));
            }
            if i.consume_key(Modifiers::NONE, Key::W) {
                out.push(Command::Review(R::Wrong(None)));
            }
            if i.consume_key(Modifiers::NONE, Key::A) {
                out.push(Command::Review(R::AllCorrect));
            }
        }
        if i.consume_key(Modifiers::COMMAND, Key::Enter) {
            out.push(Command::Run { all: false });
        }
        if i.consume_key(Modifiers::COMMAND, Key::S) {
            out.push(Command::Save);
        }
        if i.consume_key(Modifiers::COMMAND, Key::O) {
            out.push(Command::OpenFilesDialog);
        }
        if model.run.is_some() && i.consume_key(Modifiers::NONE, Key::Escape) {
            out.push(Command::Cancel);
        }
        for (key, view) in [
            (Key::Num1, View::Workbench),
            (Key::Num2, View::History),
            (Key::Num3, View::Settings),
            (Key::Num4, View::Server),
            (Key::Num5, View::Deliveries),
        ] {
            // Ctrl+Shift, not Alt: Alt+digit also arrives as typed text in the focused editor.
            if i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, key) {
                out.push(Command::SetView(view));
            }
        }
        for (key, tab) in [
            (Key::Num1, ResultTab::Transcript),
            (Key::Num2, ResultTab::Analysis),
            (Key::Num3, ResultTab::Raw),
            (Key::Num4, ResultTab::History),
        ] {
            if i.consume_key(Modifiers::COMMAND, key) {
                out.push(Command::SetTab(tab));
            }
        }
        if typing {
            return;
        }
        let down = i.consume_key(Modifiers::NONE, Key::ArrowDown) || i.consume_key(Modifiers::NONE, Key::J);
        let up = i.consume_key(Modifiers::NONE, Key::ArrowUp) || i.consume_key(Modifiers::NONE, Key::K);
        let delta = down as i32 - up as i32;
        if delta != 0 {
            out.push(match state.view {
                View::History => Command::MoveResult(delta),
                _ => Command::MoveSelection(delta),
            });
        }
    });
}

/// "Debrief — <spec name>", with a dot when there are unsaved changes.
pub fn window_title(draft: &Draft) -> String {
    let dirty = if draft.is_dirty() { " ●" } else { "" };
    format!("Debrief — {}{dirty}", draft.name)
}
