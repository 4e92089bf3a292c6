//! The cost projection window: what the listed conversations would cost now, and what running
//! the spec in production would cost per month for every priced model, with the batch-API price.

use super::PanelCtx;
use super::top_bar::thousands;
use crate::core::cost::format_usd;
use crate::core::cost::projection::{BATCH_DISCOUNT, analysed_per_month};
use crate::ui::app::state::UiState;

pub fn projection_window(ctx: &egui::Context, state: &mut UiState, cx: &PanelCtx<'_>) {
    let mut open = state.projection.open;
    egui::Window::new("Cost projection").open(&mut open).default_width(560.0).show(ctx, |ui| {
        ui.horizontal(|ui| {
            let l = ui.label("Conversations per month");
            ui.add(egui::DragValue::new(&mut state.projection.per_month).range(0..=1_000_000_000).speed(100))
                .labelled_by(l.id);
            let l = ui.label("Sampling rate");
            ui.add(egui::Slider::new(&mut state.projection.sample_rate, 0.01..=1.0).fixed_decimals(2)).labelled_by(l.id);
        });
        let Some((_, total, input, rows)) = &cx.model.projection else {
            ui.weak("Load conversations and fix the schema to see a projection (every listed conversation may be skipped by the spec's policy).");
            return;
        };
        ui.label(format!(
            "Now: the {} listed conversation(s) ≈ {} in · {} out tokens · {}",
            input.sample_size,
            thousands(total.input_tokens),
            thousands(total.output_tokens),
            format_usd(total.cost_usd)
        ));
        ui.label(format!(
            "Per month: {} × sample {:.0}% × not skipped {:.0}% = {:.0} analysed, each ≈ {:.0} in · {:.0} out tokens",
            thousands(input.per_month),
            input.sample_rate * 100.0,
            input.share_not_skipped * 100.0,
            analysed_per_month(input),
            input.mean_input_tokens,
            input.mean_output_tokens
        ));
        ui.separator();
        egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
            egui::Grid::new("projection_rows").striped(true).num_columns(4).show(ui, |ui| {
                ui.strong("model");
                ui.strong("per month");
                ui.strong(format!("batch API (-{:.0}%)", BATCH_DISCOUNT * 100.0));
                ui.strong("per analysis");
                ui.end_row();
                for r in rows {
                    if r.model == state.draft.model {
                        ui.strong(format!("{} (chosen)", r.model));
                    } else {
                        ui.label(&r.model);
                    }
                    ui.label(format_usd(Some(r.monthly_cost_usd)));
                    ui.label(format_usd(Some(r.monthly_batch_cost_usd)));
                    ui.label(format_usd(Some(r.per_conversation_usd)));
                    ui.end_row();
                }
            });
        });
        ui.weak(format!("Prices as of {}; other models' tokens are counted with the chosen model's tokenizer.", cx.prices.as_of));
    });
    state.projection.open = open;
}
