//! Left panel: loaded conversations with a filter, per-row status for the current spec
//! version, open actions (dialogs, a path field for systems without dialogs, drag and drop), and
//! the import errors, listed rather than fatal.

use super::widgets::status_chip;
use crate::ui::app::Command;
use crate::ui::app::model::Model;
use crate::ui::app::state::UiState;
use std::path::PathBuf;

pub fn conversations_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.strong("Conversations");
        if model.importing > 0 {
            ui.weak("loading…");
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Open files…").clicked() {
            out.push(Command::OpenFilesDialog);
        }
        if ui.button("Open folder…").clicked() {
            out.push(Command::OpenFolderDialog);
        }
        if ui
            .button("Clear")
            .on_hover_text("Unload every conversation (the history keeps its results)")
            .clicked()
        {
            out.push(Command::ClearConversations);
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Path");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut state.path_input)
                    .hint_text("file or folder, Enter to load")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if edit.lost_focus()
            && ui.input(|i| i.key_pressed(egui::Key::Enter))
            && !state.path_input.trim().is_empty()
        {
            out.push(Command::LoadPaths(vec![PathBuf::from(state.path_input.trim())]));
            state.path_input.clear();
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.add(
            egui::TextEdit::singleline(&mut state.filter)
                .hint_text("id or file")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    });
    ui.separator();

    let visible = model.visible(&state.filter);
    if model.conversations.is_empty() && model.importing == 0 {
        ui.weak("No conversations loaded. Open files or a folder, type a path above, or drop transcripts onto the window.");
    } else {
        ui.weak(format!("{} of {} shown", visible.len(), model.conversations.len()));
    }
    let errors_height = if model.import_errors.is_empty() { 0.0 } else { 90.0 };
    let selected_row = visible.iter().position(|c| state.selected.as_ref() == Some(&c.hash));
    let area = egui::ScrollArea::vertical()
        .id_salt("conversation_list")
        .max_height(ui.available_height() - errors_height)
        .auto_shrink([false, false]);
    super::widgets::follow_selection(area, ui, 22.0, selected_row, &mut state.scroll_to_selection).show_rows(
        ui,
        22.0,
        visible.len(),
        |ui, range| {
            for c in &visible[range] {
                let selected = state.selected.as_ref() == Some(&c.hash);
                ui.horizontal(|ui| {
                    // The status first, in a fixed slot, so badges line up down the list.
                    ui.allocate_ui_with_layout(
                        egui::vec2(62.0, 18.0),
                        egui::Layout::left_to_right(egui::Align::Center),
                        |ui| {
                            ui.set_min_width(62.0);
                            match model.status_of(&c.hash) {
                                Some(status) => {
                                    status_chip(ui, status);
                                }
                                None => {
                                    ui.weak("·");
                                }
                            }
                        },
                    );
                    let text =
                        format!("{}  ·  {} turns", c.conversation.display_name(), c.conversation.turns.len());
                    let row = ui
                        .add(egui::Button::selectable(selected, text).truncate())
                        .on_hover_text(&c.conversation.source);
                    if row.clicked() {
                        out.push(Command::Select(c.hash.clone()));
                    }
                });
            }
        },
    );
    if !model.import_errors.is_empty() {
        ui.separator();
        egui::CollapsingHeader::new(format!("{} file(s) could not be imported", model.import_errors.len()))
            .default_open(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().id_salt("import_errors").max_height(70.0).show(ui, |ui| {
                    for e in &model.import_errors {
                        ui.label(egui::RichText::new(e).small().color(ui.visuals().warn_fg_color));
                    }
                });
            });
    }

    // Drag and drop anywhere on the window.
    let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    });
    if !dropped.is_empty() {
        out.push(Command::LoadPaths(dropped));
    }
}
