//! Small drawing helpers shared by panels: status chips, value chips, score bars.

use crate::core::outcome::Status;
use egui::{Color32, RichText};

/// A colour per status, readable on dark and light themes.
pub fn status_color(status: Status) -> Color32 {
    match status {
        Status::Ok => Color32::from_rgb(60, 170, 90),
        Status::Invalid => Color32::from_rgb(220, 150, 40),
        Status::Refused | Status::Truncated => Color32::from_rgb(200, 120, 200),
        Status::Error => Color32::from_rgb(220, 80, 80),
        Status::Skipped => Color32::GRAY,
    }
}

/// A small rounded label.
pub fn chip(ui: &mut egui::Ui, text: &str, color: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| ui.label(RichText::new(text).color(ui.visuals().strong_text_color()).small()))
        .response
}

/// The status as a chip.
pub fn status_chip(ui: &mut egui::Ui, status: Status) -> egui::Response {
    chip(ui, status.as_str(), status_color(status))
}

/// A horizontal bar for a bounded number.
pub fn score_bar(ui: &mut egui::Ui, value: f64, min: f64, max: f64) {
    let fraction = if max > min { ((value - min) / (max - min)).clamp(0.0, 1.0) as f32 } else { 0.0 };
    ui.add(egui::ProgressBar::new(fraction).desired_width(120.0).text(format!("{value} / {max}")));
}

/// A virtualised list that follows the keyboard: when `follow` is set (the keyboard moved the
/// selection), the scroll offset is set so row `selected` is in view — `scroll_to_me` cannot do
/// it, because a row outside the drawn range is never drawn. The flag is cleared.
pub fn follow_selection(
    area: egui::ScrollArea,
    ui: &egui::Ui,
    row_height: f32,
    selected: Option<usize>,
    follow: &mut bool,
) -> egui::ScrollArea {
    match selected.filter(|_| *follow) {
        Some(i) => {
            *follow = false;
            let step = row_height + ui.spacing().item_spacing.y;
            // A few rows of context above the selection.
            area.vertical_scroll_offset(((i as f32 - 3.0) * step).max(0.0))
        }
        None => area,
    }
}

/// Two children side by side in the space left, with a handle between them that drags the split
/// (its position is kept per `id` in egui's memory). Works inside any panel, however narrow,
/// because it only divides the rectangle it is given.
pub fn split_ui(
    ui: &mut egui::Ui,
    id: impl std::hash::Hash + std::fmt::Debug,
    default_fraction: f32,
    left: impl FnOnce(&mut egui::Ui),
    right: impl FnOnce(&mut egui::Ui),
) {
    let id = ui.make_persistent_id(id);
    let rect = ui.available_rect_before_wrap();
    let mut fraction: f32 = ui.data(|d| d.get_temp(id)).unwrap_or(default_fraction);
    let handle_w = 6.0;
    let min = 120.0_f32.min(rect.width() / 3.0);
    let split_x = (rect.left() + rect.width() * fraction).clamp(rect.left() + min, rect.right() - min);
    let handle =
        egui::Rect::from_x_y_ranges(split_x - handle_w / 2.0..=split_x + handle_w / 2.0, rect.y_range());
    let response = ui.interact(handle, id.with("handle"), egui::Sense::drag());
    if response.dragged()
        && let Some(p) = response.interact_pointer_pos()
    {
        fraction = ((p.x - rect.left()) / rect.width()).clamp(0.15, 0.85);
        ui.data_mut(|d| d.insert_temp(id, fraction));
    }
    if response.hovered() || response.dragged() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
    }
    let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
    ui.painter().vline(split_x, rect.y_range(), stroke);
    let left_rect = egui::Rect::from_x_y_ranges(rect.left()..=split_x - handle_w / 2.0, rect.y_range());
    let right_rect = egui::Rect::from_x_y_ranges(split_x + handle_w / 2.0..=rect.right(), rect.y_range());
    ui.scope_builder(egui::UiBuilder::new().max_rect(left_rect).id_salt(id.with("left")), |ui| {
        ui.set_clip_rect(left_rect);
        left(ui);
    });
    ui.scope_builder(egui::UiBuilder::new().max_rect(right_rect).id_salt(id.with("right")), |ui| {
        ui.set_clip_rect(right_rect);
        right(ui);
    });
    ui.allocate_rect(rect, egui::Sense::hover());
}
