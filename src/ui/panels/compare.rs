//! The Compare tab: the open run (A) against another run (B) on their shared conversations —
//! per-field agreement and kappa, changed values, accuracy deltas with labels, cost and latency
//! deltas, and the prompt and schema diffs. The report is `core::compare`'s, the same text
//! `debrief compare` prints.

use crate::ui::app::Command;
use crate::ui::app::model::Model;

pub fn compare_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    let h = &model.history;
    let Some(a) = h.open_run else { return };
    ui.horizontal(|ui| {
        ui.label(format!("Run {a} compared with"));
        let chosen = h.compare_with.map(|b| format!("run {b}")).unwrap_or_else(|| "choose a run".into());
        egui::ComboBox::from_id_salt("compare_with").selected_text(chosen).show_ui(ui, |ui| {
            for r in h.runs.iter().filter(|r| r.id != a) {
                let text = format!(
                    "run {} · {} · {} {} · version {} · {}",
                    r.id,
                    r.started_at.get(..16).unwrap_or(&r.started_at).replace('T', " "),
                    r.spec_name,
                    r.model,
                    r.spec_hash.get(..8).unwrap_or(&r.spec_hash),
                    r.state.as_str()
                );
                if ui.selectable_label(h.compare_with == Some(r.id), text).clicked() {
                    out.push(Command::Compare(r.id));
                }
            }
        });
        ui.weak("The older of the two runs is A, so the diffs read from old to new. Labels: the Evaluation tab's file, embedded labels and reviewers'.");
    });
    ui.separator();
    match &h.comparison {
        None if h.compare_with.is_some() => {
            ui.weak("Comparing…");
        }
        None => {
            ui.weak(
                "Choose a run to compare with: another prompt version, or another model on the same spec.",
            );
        }
        Some((_, Err(e))) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        Some((_, Ok(text))) => {
            egui::ScrollArea::both().id_salt("comparison").auto_shrink([false, false]).show(ui, |ui| {
                ui.monospace(text);
            });
        }
    }
}
