//! Under the schema editor: the linter's findings for the draft's provider, live as you type.
//!
//! One row per finding — severity word, JSON pointer, a "Fix" button when the fix is mechanical
//! — with the message below it. The findings come from the model's cache (re-linted only when
//! the schema text or the provider changes); a click pushes `Command::ApplyLintFix`, which
//! rewrites the draft. Problems that make the schema unusable are already listed right above by
//! the schema check, so they are not repeated here. Plain words only: egui's default fonts have
//! no warning glyphs.

use crate::core::lint::{Counts, Finding, Severity};
use crate::core::spec::ProviderKind;
use crate::ui::app::Command;

/// Codes the schema check above the linter already shows (with the same pointers).
const SHOWN_BY_THE_CHECK: &[&str] = &["invalid-schema", "root-not-object", "schema-compile-error"];

/// The findings worth listing under the editor.
pub fn shown(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| !SHOWN_BY_THE_CHECK.contains(&f.code)).collect()
}

/// The height the list wants: a header line, plus room for a few findings when there are any.
pub fn desired_height(findings: &[Finding]) -> f32 {
    match shown(findings).len() {
        0 => 24.0,
        n => 30.0 + (n.min(4) as f32) * 54.0,
    }
}

/// Draw the findings in at most `max_height`.
pub fn lint_ui(
    ui: &mut egui::Ui,
    provider: ProviderKind,
    findings: &[Finding],
    max_height: f32,
    out: &mut Vec<Command>,
) {
    let shown = shown(findings);
    ui.horizontal(|ui| {
        ui.strong("Lint");
        ui.weak(format!("for {provider}"));
        if shown.is_empty() {
            ui.weak("no findings");
        } else {
            ui.weak(Counts::of(shown.iter().copied()).summary());
        }
    });
    if shown.is_empty() {
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("schema_lint")
        .max_height((max_height - 24.0).max(40.0))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for (i, f) in shown.iter().enumerate() {
                ui.push_id(i, |ui| finding_ui(ui, f, out));
            }
        });
}

fn finding_ui(ui: &mut egui::Ui, f: &Finding, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let color = match f.severity {
            Severity::Error => ui.visuals().error_fg_color,
            Severity::Warning => ui.visuals().warn_fg_color,
            Severity::Info => ui.visuals().weak_text_color(),
        };
        // The Fix button first: on a narrow editor column the end of the row is cut off.
        if let Some(fix) = &f.fix
            && ui.small_button("Fix").on_hover_text(&fix.label).clicked()
        {
            out.push(Command::ApplyLintFix(fix.clone()));
        }
        ui.colored_label(color, f.severity.word());
        let pointer = if f.pointer.is_empty() { "(root)" } else { f.pointer.as_str() };
        ui.add(egui::Label::new(egui::RichText::new(pointer).monospace()).truncate());
        ui.weak(f.code);
    });
    ui.add(egui::Label::new(egui::RichText::new(&f.message).small()).wrap());
    ui.add_space(2.0);
}
