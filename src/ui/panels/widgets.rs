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
