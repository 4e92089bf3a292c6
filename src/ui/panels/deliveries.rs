//! The Deliveries view: webhook endpoints (add, enable/disable, rotate, remove, Send test) and
//! the delivery log, every attempt of a delivery one click away.

use crate::ui::app::Command;
use crate::ui::app::model::Model;
use crate::ui::app::pipeline::PipelineCommand as P;
use crate::ui::app::state::UiState;

pub fn deliveries_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    let p = &model.pipeline;
    egui::Panel::bottom("delivery_attempts")
        .resizable(true)
        .default_size(200.0)
        .show(ui, |ui| attempts_ui(ui, model));
    egui::ScrollArea::vertical().id_salt("deliveries_view").auto_shrink([false, false]).show(ui, |ui| {
        ui.heading("Webhooks");
        ui.weak("Events are signed with Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) and retried on failure; they go out while a server runs on this data folder (Server view or `debrief serve`).");
        revealed_ui(ui, model, out);
        endpoints_ui(ui, state, model, out);
        match &p.test {
            Some(Ok(t)) => {
                let text = match (t.delivered, t.status_code, &t.error) {
                    (true, Some(s), _) => format!("test delivered: HTTP {s} in {} ms", t.latency_ms),
                    (_, _, Some(e)) => format!("test failed: {e}"),
                    (_, s, None) => format!("test not delivered (status {s:?})"),
                };
                ui.label(text);
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {}
        }
        ui.add_space(8.0);
        log_ui(ui, model, out);
    });
}

/// A key or secret shown once, with Copy.
pub fn revealed_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    let Some((what, value)) = &model.pipeline.revealed else { return };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.colored_label(ui.visuals().warn_fg_color, format!("New {what} — shown only now, copy it:"));
        ui.horizontal(|ui| {
            ui.monospace(value);
            if ui.button("Copy").clicked() {
                ui.ctx().copy_text(value.clone());
            }
            if ui.button("Done").clicked() {
                out.push(Command::Pipeline(P::DismissRevealed));
            }
        });
    });
}

fn endpoints_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    ui.strong("Endpoints");
    if let Some(s) = &model.pipeline.snapshot {
        egui::Grid::new("endpoints").num_columns(6).striped(true).show(ui, |ui| {
            for e in &s.endpoints {
                ui.label(e.id.to_string());
                ui.monospace(&e.url);
                ui.label(if e.events.is_empty() { "every event".to_string() } else { e.events.join(", ") });
                ui.label(e.agent_id.as_deref().unwrap_or("any agent"));
                if e.enabled {
                    ui.label("enabled");
                } else {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("disabled: {}", e.disabled_reason.as_deref().unwrap_or("")),
                    );
                }
                ui.push_id(e.id, |ui| {
                    ui.horizontal(|ui| {
                        if ui.small_button("Send test").clicked() {
                            out.push(Command::Pipeline(P::SendTest(e.id)));
                        }
                        let toggle = if e.enabled { "Disable" } else { "Enable" };
                        if ui.small_button(toggle).clicked() {
                            out.push(Command::Pipeline(P::SetEndpointEnabled(e.id, !e.enabled)));
                        }
                        if ui.small_button("Rotate secret").clicked() {
                            out.push(Command::Pipeline(P::RotateEndpoint(e.id)));
                        }
                        if ui.small_button("Remove").clicked() {
                            out.push(Command::Pipeline(P::RemoveEndpoint(e.id)));
                        }
                    });
                });
                ui.end_row();
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("Endpoint URL");
        ui.add(
            egui::TextEdit::singleline(&mut state.server.endpoint_url)
                .desired_width(260.0)
                .hint_text("http://127.0.0.1:9000/hooks"),
        )
        .labelled_by(l.id);
        let l = ui.label("Events");
        ui.add(
            egui::TextEdit::singleline(&mut state.server.endpoint_events)
                .desired_width(200.0)
                .hint_text("all, or e.g. lead.hot,qa.review_needed"),
        )
        .labelled_by(l.id);
        let l = ui.label("Agent");
        ui.add(
            egui::TextEdit::singleline(&mut state.server.endpoint_agent)
                .desired_width(100.0)
                .hint_text("any"),
        )
        .labelled_by(l.id);
        if ui
            .add_enabled(!state.server.endpoint_url.trim().is_empty(), egui::Button::new("Add endpoint"))
            .clicked()
        {
            out.push(Command::Pipeline(P::AddEndpoint {
                url: std::mem::take(&mut state.server.endpoint_url),
                events: std::mem::take(&mut state.server.endpoint_events),
                agent: std::mem::take(&mut state.server.endpoint_agent),
            }));
        }
    });
}

fn log_ui(ui: &mut egui::Ui, model: &Model, out: &mut Vec<Command>) {
    let Some(s) = &model.pipeline.snapshot else {
        ui.weak("Loading…");
        return;
    };
    ui.strong(format!(
        "Delivery log: {} pending · {} delivered · {} failed",
        s.counts.pending, s.counts.delivered, s.counts.failed
    ));
    if s.deliveries.is_empty() {
        ui.weak("No deliveries yet. Add an endpoint, then run with Deliver checked, or start the server and post a conversation.");
        return;
    }
    egui::Grid::new("delivery_log").num_columns(7).striped(true).show(ui, |ui| {
        for d in &s.deliveries {
            let open = model.pipeline.attempts.as_ref().is_some_and(|(id, _)| *id == d.id);
            if ui.selectable_label(open, format!("#{}", d.id)).on_hover_text("Show every attempt").clicked() {
                out.push(Command::Pipeline(P::ShowAttempts(d.id)));
            }
            let color = match d.state.as_str() {
                "failed" => ui.visuals().error_fg_color,
                "pending" => ui.visuals().warn_fg_color,
                _ => ui.visuals().text_color(),
            };
            ui.colored_label(color, &d.state);
            ui.label(&d.event);
            ui.label(d.conversation_id.as_deref().unwrap_or("-"));
            ui.label(format!("endpoint {}", d.webhook_id));
            ui.label(format!("{} attempt(s)", d.attempts));
            ui.weak(d.last_error.clone().or(d.last_status.map(|s| format!("HTTP {s}"))).unwrap_or_default());
            ui.end_row();
        }
    });
}

fn attempts_ui(ui: &mut egui::Ui, model: &Model) {
    let Some((id, attempts)) = &model.pipeline.attempts else {
        ui.weak("Click a delivery to see its attempts.");
        return;
    };
    ui.strong(format!("Delivery #{id}: {} attempt(s)", attempts.len()));
    egui::ScrollArea::vertical().id_salt("attempts").show(ui, |ui| {
        egui::Grid::new("attempts_grid").num_columns(5).striped(true).show(ui, |ui| {
            for a in attempts {
                ui.label(format!("#{}", a.number));
                ui.weak(&a.attempted_at);
                ui.label(a.status_code.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no reply".into()));
                ui.weak(format!("{} ms", a.latency_ms));
                ui.label(a.error.as_deref().or(a.response.as_deref()).unwrap_or(""));
                ui.end_row();
            }
        });
    });
}
