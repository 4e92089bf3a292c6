//! Modal questions: a spec path to open or save (when no file dialog is available), and
//! "discard unsaved changes?" before anything replaces the draft.

use crate::ui::app::Command;
use crate::ui::app::state::{Dialog, UiState};
use std::path::PathBuf;

pub fn dialog_ui(ctx: &egui::Context, state: &mut UiState, out: &mut Vec<Command>) {
    let Some(dialog) = state.dialog.as_mut() else { return };
    let mut close = false;
    let title = match dialog {
        Dialog::SpecPath { save: true, .. } => "Save spec as",
        Dialog::SpecPath { save: false, .. } => "Open spec",
        Dialog::Discard { .. } => "Unsaved changes",
    };
    egui::Modal::new(egui::Id::unique("debrief.dialog")).show(ctx, |ui| {
        ui.set_width(460.0);
        ui.heading(title);
        match dialog {
            Dialog::SpecPath { save, text } => {
                let label = ui.label("Path of the spec file (JSON):");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(text)
                            .desired_width(f32::INFINITY)
                            .hint_text("/path/to/spec.json"),
                    )
                    .labelled_by(label.id);
                let enter =
                    (edit.has_focus() || edit.lost_focus()) && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if !edit.lost_focus() {
                    edit.request_focus();
                }
                ui.horizontal(|ui| {
                    let verb = if *save { "Save spec" } else { "Open spec" };
                    if (ui.button(verb).clicked() || enter) && !text.trim().is_empty() {
                        let path = PathBuf::from(text.trim());
                        out.push(if *save { Command::SaveTo(path) } else { Command::OpenSpec(path) });
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            }
            Dialog::Discard { then } => {
                ui.label(format!("The spec \"{}\" has unsaved changes. Discard them?", state_name(then)));
                ui.horizontal(|ui| {
                    if ui.button("Discard changes").clicked() {
                        out.push(Command::Confirmed(then.clone()));
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            }
        }
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            close = true;
        }
    });
    if close {
        state.dialog = None;
    }
}

fn state_name(then: &Command) -> &'static str {
    match then {
        Command::NewSpec => "being edited (New)",
        Command::LoadTemplate(_) => "being edited (template)",
        _ => "being edited",
    }
}
