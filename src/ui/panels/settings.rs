//! Settings: per-provider key and base URL, prices (bundled, with overrides), where data lives.
//!
//! Keys typed here stay in memory for this session only: they are not written to the UI state
//! file or the history (`Settings::keys` is `#[serde(skip)]`). Storing them in the OS keyring is
//! not offered yet; environment variables are the way to make a key permanent.

use super::PanelCtx;
use crate::core::spec::ProviderKind;
use crate::ui::app::Command;
use crate::ui::app::state::UiState;

pub fn settings_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    egui::ScrollArea::vertical().id_salt("settings").auto_shrink([false, false]).show(ui, |ui| {
        ui.heading("Providers");
        ui.weak("Keys typed here live in memory for this session only and are never written to disk. To keep one, set its environment variable.");
        ui.add_space(6.0);
        for kind in [
            ProviderKind::Openai,
            ProviderKind::Anthropic,
            ProviderKind::Gemini,
            ProviderKind::Ollama,
            ProviderKind::OpenaiCompatible,
        ] {
            provider_ui(ui, state, cx, kind);
            ui.add_space(6.0);
        }
        ui.add_space(8.0);
        prices_ui(ui, state, cx, out);
        ui.add_space(12.0);
        ui.heading("Review");
        ui.horizontal(|ui| {
            let l = ui.label("Reviewer name");
            ui.add(egui::TextEdit::singleline(&mut state.settings.reviewer).hint_text(crate::engine::labels::default_reviewer()))
                .labelled_by(l.id);
            ui.weak("Verdicts are saved as this reviewer's labels.");
        });
        ui.add_space(12.0);
        ui.heading("Data");
        ui.label(format!("History database: {}", cx.model.data_dir.join(crate::store::DB_FILE_NAME).display()));
        ui.weak("Set DEBRIEF_DATA_DIR or pass --data-dir to use another folder.");
    });
}

fn provider_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, kind: ProviderKind) {
    let name = kind.as_str();
    let set_var = crate::llm::key_envs(kind).iter().find(|e| cx.model.env_keys.contains(*e));
    let env_set = set_var.is_some();
    let env = set_var.copied().unwrap_or(crate::llm::key_env_hint(kind));
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width().min(760.0));
        ui.strong(name);
        egui::Grid::new(("provider", name)).num_columns(3).spacing([12.0, 6.0]).show(ui, |ui| {
            if crate::llm::key_env(kind).is_some() {
                key_row(ui, state, kind, env, env_set);
            }
            let url_label = ui.label("Base URL");
            let url = state.settings.base_urls.entry(name.to_string()).or_default();
            let default = match (kind, cx.model.env_base_urls.get(&kind)) {
                (ProviderKind::Ollama, Some(from_env)) => format!("{from_env} (from $OLLAMA_HOST)"),
                _ => crate::llm::default_base_url(kind).unwrap_or_default().to_string(),
            };
            ui.add_sized([360.0, 20.0], egui::TextEdit::singleline(url).hint_text(default))
                .labelled_by(url_label.id);
            ui.weak(if url.trim().is_empty() { "default" } else { "override" });
            ui.end_row();
        });
    });
}

/// The key field and where the key comes from.
fn key_row(ui: &mut egui::Ui, state: &mut UiState, kind: ProviderKind, env: &str, env_set: bool) {
    let name = kind.as_str();
    let key_label = ui.label("API key");
    let key = state.settings.keys.entry(name.to_string()).or_default();
    let hint = if env_set { format!("using ${env}") } else { format!("or set ${env}") };
    ui.add_sized([360.0, 20.0], egui::TextEdit::singleline(key).password(true).hint_text(hint))
        .labelled_by(key_label.id);
    let status = if !key.trim().is_empty() {
        "key entered"
    } else if env_set {
        "key from environment"
    } else if kind == ProviderKind::OpenaiCompatible {
        "no key (optional for local servers)"
    } else {
        "key missing"
    };
    ui.weak(status);
    ui.end_row();
}

fn prices_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    ui.heading("Prices");
    ui.weak(format!(
        "USD per 1M tokens — {} (as of {}). Edit a price to override it for estimates and new runs.",
        cx.prices.source, cx.prices.as_of
    ));
    ui.add_space(4.0);
    let mut changed = false;
    egui::Grid::new("prices").num_columns(6).striped(true).spacing([14.0, 4.0]).show(ui, |ui| {
        for h in ["model", "provider", "input", "cached input", "output", ""] {
            ui.strong(h);
        }
        ui.end_row();
        let mut remove = None;
        for p in &cx.prices.models {
            ui.label(&p.model);
            ui.weak(&p.provider);
            match state.settings.price_overrides.get_mut(&p.model) {
                Some(values) => {
                    for v in values.iter_mut() {
                        changed |= ui
                            .add(egui::DragValue::new(v).speed(0.01).range(0.0..=1000.0).max_decimals(4))
                            .changed();
                    }
                    if ui.small_button("reset").on_hover_text("Back to the bundled price").clicked() {
                        remove = Some(p.model.clone());
                    }
                }
                None => {
                    for v in [p.input, p.cached_input, p.output] {
                        ui.label(format!("{v}"));
                    }
                    if ui.small_button("override").clicked() {
                        state
                            .settings
                            .price_overrides
                            .insert(p.model.clone(), [p.input, p.cached_input, p.output]);
                        changed = true;
                    }
                }
            }
            ui.end_row();
        }
        if let Some(m) = remove {
            state.settings.price_overrides.remove(&m);
            changed = true;
        }
    });
    let model = state.draft.model.clone();
    if state.draft.provider != ProviderKind::Offline && cx.prices.price(&model).is_none() {
        ui.add_space(4.0);
        if ui
            .button(format!("Add a price for {model}"))
            .on_hover_text("This model has no price, so its cost shows as n/a")
            .clicked()
        {
            state.settings.price_overrides.insert(model, [0.0; 3]);
            changed = true;
        }
    }
    if changed {
        out.push(Command::ApplyPrices);
    }
}
