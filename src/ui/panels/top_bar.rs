//! The top bar: view switch, spec picker and file actions, provider and model, key status,
//! Run / Run all / Cancel with progress, and the live estimate for the selection.

use super::PanelCtx;
use crate::core::cost::format_usd;
use crate::core::spec::{ProviderKind, TEMPLATES};
use crate::llm::offline;
use crate::ui::app::Command;
use crate::ui::app::state::{UiState, View};

pub fn top_bar_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.heading("Debrief");
        ui.separator();
        for (view, label) in [
            (View::Workbench, "Workbench"),
            (View::History, "History"),
            (View::Server, "Server"),
            (View::Deliveries, "Deliveries"),
            (View::Settings, "Settings"),
        ] {
            if ui.selectable_label(state.view == view, label).clicked() && state.view != view {
                out.push(Command::SetView(view));
            }
        }
        ui.separator();
        spec_picker_ui(ui, state, out);
        for (label, command, hint) in [
            ("New", Command::NewSpec, "Start an empty spec"),
            ("Open…", Command::OpenSpecDialog, "Open a spec file"),
            ("Save", Command::Save, "Save the spec (Ctrl+S)"),
            ("Save As…", Command::SaveAsDialog, "Save the spec to a new file"),
        ] {
            if ui.button(label).on_hover_text(hint).clicked() {
                out.push(command);
            }
        }
        if state.draft.is_dirty() {
            ui.weak("unsaved changes");
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Provider");
        egui::ComboBox::from_id_salt("provider")
            .selected_text(provider_text(state.draft.provider))
            .show_ui(ui, |ui| {
                for p in ProviderKind::ALL {
                    let before = state.draft.provider;
                    if ui.selectable_value(&mut state.draft.provider, p, provider_text(p)).clicked()
                        && before != p
                    {
                        state.draft.model = p.default_model().to_string();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let model_label = ui.label("Model");
        ui.add_enabled(
            state.draft.provider != ProviderKind::Offline,
            egui::TextEdit::singleline(&mut state.draft.model).desired_width(150.0),
        )
        .labelled_by(model_label.id);
        if state.draft.provider != ProviderKind::Offline {
            egui::ComboBox::from_id_salt("model_suggestions")
                .selected_text("…")
                .width(24.0)
                .show_ui(ui, |ui| {
                    // The price table names the seller ("google"), not the API ("gemini").
                    let family = match state.draft.provider {
                        ProviderKind::Gemini => "google",
                        other => other.as_str(),
                    };
                    for p in cx
                        .prices
                        .models
                        .iter()
                        .filter(|p| family == "openai-compatible" || p.provider == family)
                    {
                        ui.selectable_value(&mut state.draft.model, p.model.clone(), &p.model);
                    }
                })
                .response
                .labelled_by(model_label.id)
                .on_hover_text("Priced models");
        }
        if let Some(status) = cx.key_status {
            let color = if status == "key missing" {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().weak_text_color()
            };
            ui.colored_label(color, status)
                .on_hover_text("Set the key in Settings or in the environment; it is never saved to disk");
        }
        ui.separator();
        run_controls_ui(ui, state, cx, out);
    });
    ui.add_space(2.0);
}

/// `75 s` → `1m 15s`.
fn short_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 60 { format!("{}m {:02}s", s / 60, s % 60) } else { format!("{s}s") }
}

fn provider_text(p: ProviderKind) -> &'static str {
    match p {
        ProviderKind::Offline => offline::LABEL,
        ProviderKind::Openai => "OpenAI",
        ProviderKind::OpenaiCompatible => "OpenAI-compatible (local)",
        ProviderKind::Anthropic => "Anthropic",
        ProviderKind::Gemini => "Gemini",
        ProviderKind::Ollama => "Ollama (local)",
    }
}

fn spec_picker_ui(ui: &mut egui::Ui, state: &UiState, out: &mut Vec<Command>) {
    let current = state
        .draft
        .template
        .clone()
        .or_else(|| state.draft.path.as_ref().map(|p| p.display().to_string()))
        .unwrap_or_else(|| "unsaved spec".into());
    let label = ui.label("Spec");
    egui::ComboBox::from_id_salt("spec_picker")
        .selected_text(current)
        .width(200.0)
        .show_ui(ui, |ui| {
            ui.weak("Templates");
            for (name, _) in TEMPLATES {
                if ui.selectable_label(state.draft.template.as_deref() == Some(name), name).clicked() {
                    out.push(Command::LoadTemplate(name.to_string()));
                }
            }
            if !state.recent_specs.is_empty() {
                ui.separator();
                ui.weak("Recent");
                for path in &state.recent_specs {
                    if ui
                        .selectable_label(state.draft.path.as_ref() == Some(path), path.display().to_string())
                        .clicked()
                    {
                        out.push(Command::OpenSpec(path.clone()));
                    }
                }
            }
        })
        .response
        .labelled_by(label.id);
}

fn run_controls_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    let model = cx.model;
    let can_run = model.run.is_none() && model.check.is_ok();
    if ui
        .add_enabled(can_run && model.selected(state).is_some(), egui::Button::new("Run"))
        .on_hover_text("Analyse the selected conversation (Ctrl+Enter)")
        .clicked()
    {
        out.push(Command::Run { all: false });
    }
    let n = model.visible(&state.filter).len();

    if ui
        .add_enabled(can_run && n > 0, egui::Button::new(format!("Run all ({n})")))
        .on_hover_text("Analyse every conversation in the list")
        .clicked()
    {
        out.push(Command::Run { all: true });
    }
    ui.add(egui::DragValue::new(&mut state.repeat).range(1..=100).prefix("×"))
        .on_hover_text("Run all analyses each conversation this many times; the run's dashboard shows how stable each field is");
    ui.checkbox(&mut state.deliver, "Deliver")
        .on_hover_text("Send each result's webhook events to the endpoints in the Deliveries view (while a server runs on this data folder)");
    if ui
        .selectable_label(state.projection.open, "Cost...")
        .on_hover_text("What the listed conversations cost, and a monthly projection for every model")
        .clicked()
    {
        out.push(Command::ToggleProjection);
    }
    if let Some(run) = &model.run {
        if ui.button("Cancel").on_hover_text("Stop (Esc); finished results are kept").clicked() {
            out.push(Command::Cancel);
        }
        ui.add(
            egui::ProgressBar::new(run.done as f32 / run.planned.max(1) as f32)
                .desired_width(140.0)
                .text(format!("{}/{}", run.done, run.planned)),
        );
        if run.failed > 0 {
            ui.colored_label(ui.visuals().warn_fg_color, format!("{} failed", run.failed));
        }
        if let Some((conversation, attempt, of, at, reason)) = &run.retrying {
            let left = at.saturating_duration_since(std::time::Instant::now());
            let text = if left.is_zero() {
                format!("retrying {conversation} (attempt {attempt} of {of})")
            } else {
                // Repaint as the countdown moves.
                ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
                format!("retrying {conversation} in {} s (attempt {attempt} of {of})", left.as_secs() + 1)
            };
            ui.colored_label(ui.visuals().warn_fg_color, text).on_hover_text(reason);
        }
        let mut parts = vec![format!("{} left", run.planned - run.done)];
        if run.skipped > 0 {
            parts.push(format!("{} skipped", run.skipped));
        }
        if run.reused > 0 {
            parts.push(format!("{} reused", run.reused));
        }
        if let Some(eta) = run.eta() {
            parts.push(format!("ETA {}", short_duration(eta)));
        }
        parts.push(format_usd(Some(run.cost_usd)));
        ui.weak(parts.join(" · "));
    } else if let Some((_, e, exact)) = &model.estimate {
        let approx = if *exact { "" } else { "≈ " };
        let cost = match e.cost_usd {
            Some(c) => format_usd(Some(c)),
            None => "no price".into(),
        };
        let text = if state.draft.provider == ProviderKind::Offline {
            format!(
                "{}: free, no tokens (an LLM would read ≈ {} in · {} out)",
                offline::LABEL,
                thousands(e.input_tokens),
                thousands(e.output_tokens)
            )
        } else {
            format!(
                "{approx}{} in · {} out tokens · {cost} on {}",
                thousands(e.input_tokens),
                thousands(e.output_tokens),
                state.draft.model
            )
        };
        ui.weak(text)
            .on_hover_text("Estimate for the selected conversation: input counted with the model's tokenizer, output estimated from the schema");
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
