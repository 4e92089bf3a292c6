//! The Server view: run `debrief serve` inside this window (address, Start/Stop), its API keys,
//! its agents (added from the spec being edited), and the live request log.

use crate::ui::app::Command;
use crate::ui::app::model::Model;
use crate::ui::app::pipeline::{PipelineCommand as P, ServerState};
use crate::ui::app::state::UiState;

pub fn server_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    let p = &model.pipeline;
    egui::ScrollArea::vertical().id_salt("server_view").auto_shrink([false, false]).show(ui, |ui| {
        ui.heading("Server");
        ui.weak("The seed's pipeline on this machine: POST /api/conversations when a conversation ends, signed conversation.analyzed webhooks, GET /api/conversations/{id}/analysis. Same data folder as this window and the CLI.");
        ui.horizontal(|ui| {
            let l = ui.label("Address");
            let running = matches!(p.server, ServerState::Running { .. } | ServerState::Starting | ServerState::Stopping);
            ui.add_enabled(!running, egui::TextEdit::singleline(&mut state.server.listen).desired_width(180.0))
                .labelled_by(l.id);
            match &p.server {
                ServerState::Stopped | ServerState::Failed(_) => {
                    if ui.button("Start server").clicked() {
                        out.push(Command::Pipeline(P::StartServer));
                    }
                }
                ServerState::Running { .. } => {
                    if ui.button("Stop server").clicked() {
                        out.push(Command::Pipeline(P::StopServer));
                    }
                }
                ServerState::Starting | ServerState::Stopping => {
                    ui.spinner();
                }
            }
            match &p.server {
                ServerState::Running { addr, .. } => ui.label(format!("listening on http://{addr}")),
                ServerState::Starting => ui.weak("starting…"),
                ServerState::Stopping => ui.weak("stopping: finishing work in flight, flushing deliveries…"),
                ServerState::Stopped => ui.weak("stopped"),
                ServerState::Failed(e) => ui.colored_label(ui.visuals().error_fg_color, e),
            };
        });
        if let Some(s) = &p.snapshot {
            ui.weak(format!(
                "intake: {} queued · {} running · deliveries: {} pending · {} delivered · {} failed",
                s.intake.0, s.intake.1, s.counts.pending, s.counts.delivered, s.counts.failed
            ));
        }
        super::deliveries::revealed_ui(ui, model, out);
        ui.add_space(8.0);
        keys_ui(ui, state, model, out);
        ui.add_space(8.0);
        agents_ui(ui, state, model, out);
        ui.add_space(8.0);
        log_ui(ui, model);
    });
}

fn keys_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    ui.strong("API keys");
    ui.weak("Every route but /healthz needs `Authorization: Bearer <key>`. A key is shown once; only its hash is kept.");
    if let Some(s) = &model.pipeline.snapshot {
        egui::Grid::new("keys").num_columns(4).striped(true).show(ui, |ui| {
            for k in &s.keys {
                ui.label(&k.name);
                ui.monospace(format!("{}…", k.prefix));
                ui.weak(&k.created_at);
                match &k.revoked_at {
                    Some(t) => ui.weak(format!("revoked {t}")),
                    None => {
                        ui.push_id(&k.name, |ui| {
                            if ui.small_button("Revoke").clicked() {
                                out.push(Command::Pipeline(P::RevokeKey(k.name.clone())));
                            }
                        })
                        .response
                    }
                };
                ui.end_row();
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("New key name");
        ui.add(egui::TextEdit::singleline(&mut state.server.key_name).desired_width(180.0)).labelled_by(l.id);
        if ui.add_enabled(!state.server.key_name.trim().is_empty(), egui::Button::new("Create key")).clicked()
        {
            out.push(Command::Pipeline(P::CreateKey(std::mem::take(&mut state.server.key_name))));
        }
    });
}

fn agents_ui(ui: &mut egui::Ui, state: &mut UiState, model: &Model, out: &mut Vec<Command>) {
    ui.strong("Agents");
    ui.weak(
        "An agent id maps intake to a spec and provider. Provider keys come from the server's environment.",
    );
    if let Some(s) = &model.pipeline.snapshot {
        egui::Grid::new("agents").num_columns(5).striped(true).show(ui, |ui| {
            for a in &s.agents {
                ui.label(&a.id);
                ui.label(format!("{} {}", a.spec.name, &a.spec_hash[..12.min(a.spec_hash.len())]));
                ui.label(format!("{}/{}", a.spec.provider, a.spec.model));
                ui.weak(a.base_url.as_deref().unwrap_or("default endpoint"));
                ui.push_id(&a.id, |ui| {
                    if ui.small_button("Remove").clicked() {
                        out.push(Command::Pipeline(P::RemoveAgent(a.id.clone())));
                    }
                });
                ui.end_row();
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("Agent id");
        ui.add(egui::TextEdit::singleline(&mut state.server.agent_id).desired_width(180.0)).labelled_by(l.id);
        let can = !state.server.agent_id.trim().is_empty() && model.check.is_ok();
        if ui
            .add_enabled(can, egui::Button::new("Add with the current spec"))
            .on_hover_text(
                "The spec in the editor, with its provider, model and policy; replaces an agent of that id",
            )
            .clicked()
        {
            out.push(Command::Pipeline(P::AddAgentFromDraft(state.server.agent_id.clone())));
        }
    });
}

fn log_ui(ui: &mut egui::Ui, model: &Model) {
    ui.strong("Request log");
    let ServerState::Running { log, .. } = &model.pipeline.server else {
        ui.weak("Start the server to see its requests.");
        return;
    };
    let entries = log.entries();
    ui.weak(format!(
        "{} request(s) served; the newest first (method, path, status, latency — never headers or bodies)",
        log.total()
    ));
    egui::Grid::new("request_log").num_columns(5).striped(true).show(ui, |ui| {
        for e in entries.iter().rev().take(100) {
            ui.weak(&e.at);
            ui.monospace(&e.method);
            ui.monospace(&e.path);
            let color = if e.status >= 400 { ui.visuals().warn_fg_color } else { ui.visuals().text_color() };
            ui.colored_label(color, e.status.to_string());
            ui.weak(format!("{:.1} ms", e.latency_ms));
            ui.end_row();
        }
    });
}
