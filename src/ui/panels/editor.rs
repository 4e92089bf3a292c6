//! Center: the schema editor and the prompt editor side by side (resizable).
//!
//! The schema editor highlights JSON, numbers its lines and checks as you type: syntax errors
//! with line and column, metaschema problems with their JSON pointers, listed right under it.
//! Below them, the schema linter's findings for the chosen provider (`lint`), each with a
//! one-click fix where the fix is mechanical; a fix is an undoable edit (Ctrl+Z in the editor).
//! Both editors write into the draft, which is saved with the UI state, so nothing typed is lost.

use crate::ui::app::Command;
use crate::ui::app::model::Model;
use crate::ui::app::state::UiState;
use egui_extras::syntax_highlighting::{CodeTheme, highlight};

pub fn editor_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    let width = ui.available_width();
    egui::Panel::left("schema_editor")
        .resizable(true)
        .default_size(width * 0.55)
        .size_range(220.0..=(width - 200.0).max(260.0))
        .show(ui, |ui| {
            schema_ui(ui, state, model, out);
        });
    egui::CentralPanel::default().show(ui, |ui| prompt_ui(ui, state));
}

fn schema_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    let header = ui
        .horizontal(|ui| {
            let header = ui.strong("Schema");
            ui.weak("JSON Schema (draft 2020-12)");
            if ui.button("Format").on_hover_text("Re-indent the JSON").clicked() {
                out.push(Command::FormatSchema);
            }
            header
        })
        .inner;
    let problems = &model.check.problems;
    let problems_height =
        if problems.is_empty() { 24.0 } else { (problems.len().min(6) as f32) * 18.0 + 28.0 };
    // The findings take what they need, but never more than a third of the column.
    let lint_height = if model.check.parsed.is_some() {
        super::lint::desired_height(&model.lint.findings).min(ui.available_height() / 3.0)
    } else {
        0.0
    };
    let theme = CodeTheme::from_memory(ui.ctx(), ui.style());
    // The line of the first syntax error, marked in the gutter and in the text.
    let error_line = problems.iter().find_map(|p| p.line);
    let mark = ui.visuals().error_fg_color;
    // No wrapping: a wrapped line would put the line numbers out of step.
    let mut layouter = |ui: &egui::Ui, text: &dyn egui::TextBuffer, _wrap_width: f32| {
        let mut job = highlight(ui.ctx(), ui.style(), &theme, text.as_str(), "json");
        job.wrap.max_width = f32::INFINITY;
        if let Some(line) = error_line {
            mark_line(&mut job, text.as_str(), line, mark);
        }
        ui.ctx().fonts_mut(|f| f.layout_job(job))
    };
    // The gutter scrolls with the text vertically only, so long lines never push it away.
    egui::ScrollArea::vertical()
        .id_salt("schema_scroll")
        .max_height(ui.available_height() - problems_height - lint_height)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                let lines = state.draft.schema_text.lines().count().max(1)
                    + usize::from(state.draft.schema_text.ends_with('\n'));
                let mut gutter = egui::text::LayoutJob::default();
                let font = egui::TextStyle::Monospace.resolve(ui.style());
                for n in 1..=lines {
                    let color = if Some(n) == error_line { mark } else { ui.visuals().weak_text_color() };
                    let text = if n < lines { format!("{n:>3}\n") } else { format!("{n:>3}") };
                    gutter.append(&text, 0.0, egui::TextFormat::simple(font.clone(), color));
                }
                ui.label(gutter);
                egui::ScrollArea::horizontal().id_salt("schema_hscroll").auto_shrink([false, true]).show(
                    ui,
                    |ui| {
                        let output = egui::TextEdit::multiline(&mut state.draft.schema_text)
                            .id_salt("schema_text")
                            .code_editor()
                            .desired_width(f32::INFINITY)
                            .desired_rows(30)
                            .lock_focus(true)
                            .layouter(&mut layouter)
                            .show(ui);
                        let id = output.response.response.id;
                        output.response.response.labelled_by(header.id);
                        if let Some(before) = state.lint_undo.take() {
                            record_fix_for_undo(ui.ctx(), output.state, id, before, &state.draft.schema_text);
                        }
                    },
                );
            });
        });
    ui.separator();
    if problems.is_empty() {
        ui.colored_label(egui::Color32::from_rgb(60, 170, 90), "Schema is valid");
    } else {
        egui::ScrollArea::vertical().id_salt("schema_problems").max_height(problems_height).show(ui, |ui| {
            for p in problems {
                ui.colored_label(ui.visuals().error_fg_color, p.text());
            }
        });
    }
    if model.check.parsed.is_some() {
        ui.separator();
        super::lint::lint_ui(ui, state.draft.provider, &model.lint.findings, lint_height, out);
    }
}

/// Give the text of line `line` (1-based) an error background in a highlighted job.
fn mark_line(job: &mut egui::text::LayoutJob, text: &str, line: usize, color: egui::Color32) {
    let start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let end = start + text[start.min(text.len())..].find('\n').unwrap_or(text.len() - start.min(text.len()));
    for section in &mut job.sections {
        let r = &section.byte_range;
        if r.start.0 < end && r.end.0 > start {
            section.format.background = color.gamma_multiply(0.35);
        }
    }
}

/// Make a linter fix one step of the editor's own undo history: the text before the fix, then
/// the text after, so Ctrl+Z in the editor takes the fix back like any typed edit.
fn record_fix_for_undo(
    ctx: &egui::Context,
    mut edit: egui::text_edit::TextEditState,
    id: egui::Id,
    before: String,
    after: &str,
) {
    let cursor = edit.cursor.char_range().unwrap_or_default();
    let mut undoer = edit.undoer();
    undoer.add_undo(&(cursor, before));
    undoer.add_undo(&(cursor, after.to_string()));
    edit.set_undoer(undoer);
    edit.store(ctx, id);
}

fn prompt_ui(ui: &mut egui::Ui, state: &mut UiState) {
    let header = ui
        .horizontal(|ui| {
            let header = ui.strong("Prompt");
            ui.weak("sent as the system message");
            header
        })
        .inner;
    ui.horizontal(|ui| {
        let label = ui.label("Spec name");
        ui.add(egui::TextEdit::singleline(&mut state.draft.name).desired_width(f32::INFINITY))
            .labelled_by(label.id);
    });
    super::redaction::toggles_ui(ui, &mut state.draft.tuning.redact);
    egui::ScrollArea::vertical().id_salt("prompt_scroll").auto_shrink([false, false]).show(ui, |ui| {
        ui.add(
            egui::TextEdit::multiline(&mut state.draft.prompt)
                .id_salt("prompt_text")
                .desired_width(f32::INFINITY)
                .desired_rows(30)
                .lock_focus(true),
        )
        .labelled_by(header.id);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_line_and_only_it_is_marked() {
        let text = "{\n  \"a\": 1,\n  oops\n}";
        let mut job = egui::text::LayoutJob::default();
        // Sections of different colours, as the highlighter makes them (equal ones would merge).
        for (i, part) in ["{\n", "  \"a\": 1,\n", "  oops\n", "}"].iter().enumerate() {
            let color = egui::Color32::from_gray(10 * i as u8 + 10);
            job.append(part, 0.0, egui::TextFormat { color, ..Default::default() });
        }
        mark_line(&mut job, text, 3, egui::Color32::RED);
        let marked: Vec<bool> =
            job.sections.iter().map(|s| s.format.background != egui::Color32::TRANSPARENT).collect();
        assert_eq!(marked, [false, false, true, false]);
    }
}
