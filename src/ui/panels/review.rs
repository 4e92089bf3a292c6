//! The review queue: user rules over analysis fields (evalexpr expressions such as
//! `overall_score < 70 || len(compliance_issues) > 0`), the conversations of the open run that
//! match any of them, and the analysis of the one selected — walked with Up/Down or J/K.

use crate::core::rules::Rule;
use crate::ui::app::Command;
use crate::ui::app::state::UiState;

pub fn review_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &super::PanelCtx<'_>, out: &mut Vec<Command>) {
    let model = cx.model;
    let h = &model.history;
    let Some((_, queue, errors)) = &h.review else {
        ui.weak("Loading…");
        return;
    };
    egui::Panel::left("review_rules").resizable(true).default_size(380.0).show(ui, |ui| {
        ui.strong("Rules");
        ui.weak(
            "A conversation is queued when any rule is true. Fields are variables; len(list) counts items.",
        );
        let mut remove = None;
        for (i, rule) in state.rules.iter_mut().enumerate() {
            ui.push_id(i, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("Name");
                    ui.add(egui::TextEdit::singleline(&mut rule.name).desired_width(160.0)).labelled_by(l.id);
                    if let Some(c) = queue.counts.iter().find(|c| c.rule == rule.name) {
                        ui.weak(format!("{} matched", c.matched));
                    }
                    if ui.small_button("Remove").clicked() {
                        remove = Some(i);
                    }
                });
                let l = ui.label("Expression");
                ui.add(
                    egui::TextEdit::singleline(&mut rule.expression)
                        .font(egui::TextStyle::Monospace)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
                ui.horizontal(|ui| {
                    let l = ui.label("Event");
                    let mut event = rule.event.clone().unwrap_or_default();
                    let edit = ui
                        .add(egui::TextEdit::singleline(&mut event).desired_width(200.0).hint_text("none, or e.g. qa.review_needed"))
                        .labelled_by(l.id)
                        .on_hover_text("The webhook event a matching analysis sends (saved rules apply to debrief serve and Deliver runs)");
                    if edit.changed() {
                        rule.event = Some(event).filter(|e| !e.trim().is_empty());
                    }
                });
                if let Some(missing) = h.review_missing.get(i).filter(|m| !m.is_empty()) {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("matches nothing here: {} not a field of this run's schema", missing.join(", ")),
                    );
                }
                if let Some(Some(error)) = errors.get(i) {
                    ui.colored_label(ui.visuals().error_fg_color, egui::RichText::new(error).monospace());
                }
                ui.separator();
            });
        }
        if let Some(i) = remove {
            state.rules.remove(i);
        }
        ui.horizontal(|ui| {
            if ui.button("Add rule").clicked() {
                state
                    .rules
                    .push(Rule::new(format!("rule {}", state.rules.len() + 1), "follow_up_needed == true"));
            }
            if ui
                .button("Save rules")
                .on_hover_text("Store these rules in the history: debrief serve, Deliver runs and `debrief rules` use them")
                .clicked()
            {
                out.push(Command::Pipeline(crate::ui::app::pipeline::PipelineCommand::SaveRules));
            }
        });
    });
    egui::Panel::left("review_queue").resizable(true).default_size(260.0).show(ui, |ui| {
        ui.strong(format!("Queue: {} of {} evaluated", queue.items.len(), queue.evaluated));
        if !queue.not_evaluable.is_empty() {
            ui.weak(format!("{} result(s) not evaluable (not ok)", queue.not_evaluable.len()));
        }
        ui.weak("Up/Down or J/K to move");
        egui::ScrollArea::vertical().id_salt("review_list").auto_shrink([false, false]).show(ui, |ui| {
            for item in &queue.items {
                let selected = item.index == h.selected;
                let row = ui
                    .selectable_label(selected, &item.conversation_id)
                    .on_hover_text(item.matched.join(", "));
                if selected && state.scroll_to_selection {
                    row.scroll_to_me(None);
                    state.scroll_to_selection = false;
                }
                if row.clicked() {
                    out.push(Command::SelectResult(item.index));
                }
                ui.weak(format!("  {}", item.matched.join(", ")));
            }
        });
    });
    egui::CentralPanel::default().show(ui, |ui| {
        let shown = h.results.get(h.selected).filter(|_| queue.items.iter().any(|i| i.index == h.selected));
        match shown {
            Some(r) => super::history::result_pane_ui(ui, state, cx, r, "review_pane", out),
            None if queue.items.is_empty() => {
                ui.weak("No conversation matches the rules.");
            }
            None => {
                ui.weak("Select a queued conversation (or press Down).");
            }
        }
    });
}
