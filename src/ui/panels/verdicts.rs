//! Review beside an analysis: per field Correct / Wrong, the right value when wrong (an editor
//! that fits the schema), an optional note, "All correct", every reviewer's current label, and
//! the transcript next to it with the selected field's evidence highlighted.

use super::analysis::analysis_ui;
use super::transcript::transcript_ui;
use crate::core::outcome::Outcome;
use crate::core::transcript::Conversation;
use crate::store::{Label, Verdict};
use crate::ui::app::Command;
use crate::ui::app::review::{EditValue, ReviewCommand as R, Target};
use crate::ui::app::state::UiState;
use egui::RichText;
use serde_json::Value;

/// What the pane shows.
pub struct Pane<'a> {
    /// Unique per place the pane is drawn (panel ids).
    pub id: &'static str,
    pub conversation: Option<&'a Conversation>,
    pub outcome: &'a Outcome,
    pub schema: Option<&'a Value>,
    pub spec_version: Option<&'a str>,
    /// Where verdicts apply (`None`: a result that cannot be reviewed here).
    pub target: Option<Target>,
    /// Current labels of this conversation, every reviewer.
    pub labels: &'a [Label],
    /// "37 of 120 reviewed", when a run is open.
    pub progress: Option<String>,
}

/// Transcript (left, resizable) and analysis with verdicts (right).
pub fn pane_ui(ui: &mut egui::Ui, state: &mut UiState, pane: &Pane<'_>, out: &mut Vec<Command>) {
    let fields = pane.target.as_ref().map(Target::fields).unwrap_or_default();
    let selected = fields.get(state.review.field.min(fields.len().saturating_sub(1))).cloned();
    let quote = selected.as_ref().and_then(|f| pane.outcome.evidence.as_ref()?.get(f));
    let scroll = std::mem::take(&mut state.review.scroll_quote);
    super::widgets::split_ui(
        ui,
        ("review_split", pane.id),
        0.45,
        |ui| match pane.conversation {
            Some(c) => transcript_ui(ui, c, quote, scroll),
            None => {
                ui.weak("Loading the transcript…");
            }
        },
        |ui| {
            egui::ScrollArea::vertical().id_salt(("review_side", pane.id)).auto_shrink([false, false]).show(
                ui,
                |ui| {
                    if let Some(target) = &pane.target {
                        verdicts_ui(ui, state, pane, target, &fields, out);
                        ui.separator();
                    }
                    analysis_ui(ui, pane.outcome, pane.schema, pane.spec_version);
                },
            );
        },
    );
}

fn short(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) => {
            let t: String = s.chars().take(48).collect();
            if s.chars().count() > 48 { format!("{t}…") } else { t }
        }
        Some(other) => {
            let t = other.to_string();
            if t.chars().count() > 48 { format!("{}…", t.chars().take(48).collect::<String>()) } else { t }
        }
    }
}

fn verdicts_ui(
    ui: &mut egui::Ui,
    state: &mut UiState,
    pane: &Pane<'_>,
    target: &Target,
    fields: &[String],
    out: &mut Vec<Command>,
) {
    let me = state.settings.reviewer_name();
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("Review as {me}"));
        if let Some(p) = &pane.progress {
            ui.weak(p);
        }
        if target.analysis.is_some()
            && ui.button("All correct").on_hover_text("Mark every field correct (A)").clicked()
        {
            out.push(Command::Review(R::AllCorrect));
        }
    });
    if target.analysis.is_none() {
        ui.weak("This result has no valid analysis: mark fields Wrong to enter the right values.");
    }
    ui.weak("Left/Right: field · C: correct · W: wrong · A: all correct · Up/Down: conversation");
    egui::Grid::new(("verdicts", pane.id)).num_columns(4).striped(true).show(ui, |ui| {
        for (i, field) in fields.iter().enumerate() {
            let on = i == state.review.field;
            if ui.selectable_label(on, RichText::new(field).strong()).clicked() {
                out.push(Command::Review(R::SelectField(i)));
            }
            // The buttons before the value, so a narrow panel never hides them.
            ui.push_id(i, |ui| {
                ui.horizontal(|ui| {
                    if target.analysis.is_some() && ui.small_button("Correct").clicked() {
                        out.push(Command::Review(R::Correct(Some(field.clone()))));
                    }
                    if ui.small_button("Wrong").clicked() {
                        out.push(Command::Review(R::Wrong(Some(field.clone()))));
                    }
                });
            });
            let pointer = format!("/{field}");
            let labels: Vec<&Label> = pane.labels.iter().filter(|l| l.pointer == pointer).collect();
            ui.horizontal(|ui| {
                for l in &labels {
                    let mark = match l.verdict {
                        Verdict::Correct => "✔".to_string(),
                        _ => format!("✖ {}", short(Some(&l.value))),
                    };
                    let text = if l.reviewer == me { mark } else { format!("{}: {mark}", l.reviewer) };
                    ui.label(text).on_hover_text(format!("{} · {}", l.reviewer, l.created_at));
                }
                let values: std::collections::BTreeSet<String> =
                    labels.iter().map(|l| l.value.to_string()).collect();
                if values.len() > 1 {
                    ui.colored_label(ui.visuals().warn_fg_color, "reviewers disagree");
                }
            });
            ui.add(egui::Label::new(short(target.analysis.as_ref().and_then(|a| a.get(field)))).truncate());
            ui.end_row();
        }
    });
    editor_ui(ui, state, out);
}

fn editor_ui(ui: &mut egui::Ui, state: &mut UiState, out: &mut Vec<Command>) {
    let Some((field, value)) = &mut state.review.editing else { return };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong(format!("The right value of {field}"));
        let mut save = false;
        match value {
            EditValue::Choice { options, index } => {
                let label = ui.label("Value");
                let text = short(options.get(*index));
                egui::ComboBox::from_id_salt("verdict_choice")
                    .selected_text(text)
                    .show_ui(ui, |ui| {
                        for (i, o) in options.iter().enumerate() {
                            ui.selectable_value(index, i, short(Some(o)));
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.weak("Up/Down to choose, Enter to save");
            }
            EditValue::Bool(b) => {
                ui.checkbox(b, "true").on_hover_text("Space toggles");
            }
            EditValue::Int { value, min, max } => {
                let label = ui.label("Value");
                let mut drag = egui::DragValue::new(value);
                if let (Some(a), Some(b)) = (min, max) {
                    drag = drag.range(*a..=*b);
                }
                ui.add(drag).labelled_by(label.id);
            }
            EditValue::Num(n) => {
                let label = ui.label("Value");
                ui.add(egui::DragValue::new(n).speed(0.1)).labelled_by(label.id);
            }
            EditValue::Text(t) => {
                let label = ui.label("Value");
                let r =
                    ui.add(egui::TextEdit::singleline(t).desired_width(f32::INFINITY)).labelled_by(label.id);
                if !r.has_focus() && !r.lost_focus() {
                    r.request_focus();
                }
                save |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            }
            EditValue::List(t) => {
                let label = ui.label("Values, one per line");
                ui.add(egui::TextEdit::multiline(t).desired_rows(3).desired_width(f32::INFINITY))
                    .labelled_by(label.id);
            }
        }
        let label = ui.label("Note");
        ui.add(
            egui::TextEdit::singleline(&mut state.review.note)
                .hint_text("optional")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                save = true;
            }
            if ui.button("Cancel").clicked() {
                out.push(Command::Review(R::Cancel));
            }
        });
        if save {
            out.push(Command::Review(R::Save));
        }
    });
}
