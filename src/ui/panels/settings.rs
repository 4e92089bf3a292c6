//! Settings: per-provider key and base URL, price overrides, where data lives.
//!
//! Keys typed here stay in memory for this session only: they are not written to the UI state
//! file or the history (`Settings::keys` is `#[serde(skip)]`). Storing them in the OS keyring is
//! not offered yet; environment variables are the way to make a key permanent.

use super::PanelCtx;
use crate::core::spec::ProviderKind;
use crate::llm::{key_env, openai};
use crate::ui::app::Command;
use crate::ui::app::state::UiState;

pub fn settings_ui(ui: &mut egui::Ui, state: &mut UiState, cx: &PanelCtx<'_>, out: &mut Vec<Command>) {
    egui::ScrollArea::vertical().id_salt("settings").auto_shrink([false, false]).show(ui, |ui| {
        ui.heading("Providers");
        ui.weak("Keys typed here live in memory for this session only and are never written to disk. To keep one, set its environment variable.");
        ui.add_space(6.0);
        egui::Grid::new("provider_settings").num_columns(4).spacing([12.0, 6.0]).show(ui, |ui| {
            ui.strong("provider");
            ui.strong("API key");
            ui.strong("base URL");
            ui.strong("");
            ui.end_row();
            for kind in [ProviderKind::Openai, ProviderKind::OpenaiCompatible] {
                let name = kind.as_str();
                ui.label(name);
                let key = state.settings.keys.entry(name.to_string()).or_default();
                let env = key_env(kind).unwrap_or("");
                let env_set = std::env::var(env).is_ok_and(|v| !v.trim().is_empty());
                let hint = if env_set { format!("using ${env}") } else { format!("or set ${env}") };
                let label = ui.label("");
                ui.add(egui::TextEdit::singleline(key).password(true).hint_text(hint).desired_width(260.0)).labelled_by(label.id).on_hover_text(format!("{name} API key"));
                let url = state.settings.base_urls.entry(name.to_string()).or_default();
                let default = if kind == ProviderKind::Openai { openai::OPENAI_BASE_URL } else { openai::LOCAL_BASE_URL };
                ui.add(egui::TextEdit::singleline(url).hint_text(default).desired_width(280.0)).on_hover_text(format!("{name} base URL"));
                ui.end_row();
            }
        });
        ui.add_space(12.0);
        ui.heading("Prices");
        ui.weak(format!("USD per 1M tokens. Bundled table: {} (as of {}). Overrides apply to new estimates and runs.", cx.prices.source, cx.prices.as_of));
        egui::Grid::new("price_overrides").num_columns(5).spacing([12.0, 4.0]).show(ui, |ui| {
            for h in ["model", "input", "cached input", "output", ""] {
                ui.strong(h);
            }
            ui.end_row();
            let mut remove = None;
            for (model, prices) in state.settings.price_overrides.iter_mut() {
                ui.label(model);
                for p in prices.iter_mut() {
                    ui.add(egui::DragValue::new(p).speed(0.01).range(0.0..=1000.0));
                }
                if ui.small_button("remove").clicked() {
                    remove = Some(model.clone());
                }
                ui.end_row();
            }
            if let Some(m) = remove {
                state.settings.price_overrides.remove(&m);
                out.push(Command::ApplyPrices);
            }
        });
        ui.horizontal(|ui| {
            let model = state.draft.model.clone();
            if ui.button(format!("Override the price of {model}")).clicked() {
                let base = cx.prices.price(&model).map(|p| [p.input, p.cached_input, p.output]).unwrap_or([0.0; 3]);
                state.settings.price_overrides.entry(model).or_insert(base);
                out.push(Command::ApplyPrices);
            }
            if ui.button("Apply price changes").clicked() {
                out.push(Command::ApplyPrices);
            }
        });
        ui.add_space(12.0);
        ui.heading("Data");
        ui.label(format!("History database: {}", cx.model.data_dir.join(crate::store::DB_FILE_NAME).display()));
        ui.weak("Set DEBRIEF_DATA_DIR or pass --data-dir to use another folder.");
    });
}
