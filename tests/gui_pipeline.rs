//! The workbench's Server and Deliveries views in a kittest harness: start a server from the
//! window, create a key and an agent, post a conversation to it and watch the request log; add a
//! webhook endpoint, send a test, open its attempts, deliver a workbench run, replay a run.

use crate::gui::{Gui, gui_with};
use crate::receiver::{Behaviour, Receiver, verify};
use crate::serve::BILLING;
use debrief::ui::app::pipeline::ServerState;
use debrief::ui::app::state::{UiState, View};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use serde_json::json;

fn type_into(g: &mut Gui, label: &str, text: &str) {
    let field = g.harness.get_by_role_and_label(Role::TextInput, label);
    field.focus();
    field.type_text(text);
    g.harness.run_steps(2);
}

fn click(g: &mut Gui, label: &str) {
    g.harness.get_by_role_and_label(Role::Button, label).click();
    g.harness.run_steps(2);
}

fn revealed(g: &Gui) -> String {
    g.app().model.pipeline.revealed.as_ref().map(|(_, v)| v.clone()).unwrap_or_default()
}

#[test]
fn the_server_view_starts_a_server_with_a_key_and_an_agent_and_logs_its_requests() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut state = UiState::default();
    state.server.listen = format!("127.0.0.1:{port}");
    let mut g = gui_with(state);
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num4);
    g.wait("the Server view loads", |app| {
        app.state.view == View::Server && app.model.pipeline.snapshot.is_some()
    });

    type_into(&mut g, "New key name", "gui");
    click(&mut g, "Create key");
    g.wait("the key is shown once", |app| app.model.pipeline.revealed.is_some());
    let key = revealed(&g);
    assert!(key.starts_with("dbk_"), "{key}");
    assert!(g.has_label(&key), "the new key is on screen");
    g.wait("the key is listed", |app| {
        app.model.pipeline.snapshot.as_ref().is_some_and(|s| s.keys.len() == 1)
    });
    click(&mut g, "Done");
    assert!(!g.has_label(&key), "dismissed, the key is gone for good");

    type_into(&mut g, "Agent id", "agt_gui");
    click(&mut g, "Add with the current spec");
    g.wait("the agent is listed", |app| {
        app.model.pipeline.snapshot.as_ref().is_some_and(|s| s.agents.len() == 1)
    });
    assert!(g.has_label("agt_gui"));

    click(&mut g, "Start server");
    g.wait("the server runs", |app| matches!(app.model.pipeline.server, ServerState::Running { .. }));
    assert!(g.has_label(&format!("listening on http://127.0.0.1:{port}")));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/api/conversations"))
            .bearer_auth(&key)
            .json(&json!({"conversation_id": "gui_1", "agent_id": "agt_gui", "transcript": BILLING}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 202);
    g.wait("the request is logged", |app| match &app.model.pipeline.server {
        ServerState::Running { log, .. } => {
            log.entries().iter().any(|e| e.path == "/api/conversations" && e.status == 202)
        }
        _ => false,
    });
    g.harness.run_steps(2);
    assert!(g.has_label("/api/conversations"), "the request log shows the POST");
    let doc = rt.block_on(async {
        for _ in 0..200 {
            let doc: serde_json::Value = reqwest::Client::new()
                .get(format!("{base}/api/conversations/gui_1/analysis"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if doc["status"] == "ok" {
                return doc;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the window's server did not analyse the conversation");
    });
    assert_eq!(doc["agent_id"], "agt_gui");

    click(&mut g, "Stop server");
    g.wait("the server stops", |app| matches!(app.model.pipeline.server, ServerState::Stopped));
}

#[test]
fn the_deliveries_view_adds_an_endpoint_tests_it_delivers_runs_and_replays() {
    let receiver = Receiver::start(&[Behaviour::Status(200)]);
    let mut g = gui_with(UiState::default());
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num5);
    g.wait("the Deliveries view loads", |app| {
        app.state.view == View::Deliveries && app.model.pipeline.snapshot.is_some()
    });
    type_into(&mut g, "Endpoint URL", &receiver.url);
    click(&mut g, "Add endpoint");
    g.wait("the secret is shown", |app| app.model.pipeline.revealed.is_some());
    let secret = revealed(&g);
    assert!(secret.starts_with("whsec_"));
    g.wait("the endpoint is listed", |app| {
        app.model.pipeline.snapshot.as_ref().is_some_and(|s| s.endpoints.len() == 1)
    });

    click(&mut g, "Send test");
    g.wait("the test is answered", |app| app.model.pipeline.test.is_some());
    assert!(g.has_label("test delivered: HTTP 200"));
    let got = receiver.wait_for(1, 10);
    assert!(verify(&secret, &got[0]), "the test is signed with the shown secret");
    assert_eq!(got[0].json()["event"], "webhook.test");
    g.wait("the log lists it", |app| {
        app.model.pipeline.snapshot.as_ref().is_some_and(|s| s.deliveries.len() == 1)
    });
    let id = g.app().model.pipeline.snapshot.as_ref().unwrap().deliveries[0].id;
    g.harness.get_by_label(&format!("#{id}")).click();
    g.wait("its attempts open", |app| {
        app.model.pipeline.attempts.as_ref().is_some_and(|(d, a)| *d == id && a.len() == 1)
    });
    assert!(g.has_label("Delivery #"));

    // A workbench run with Deliver checked sends conversation.analyzed.
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num1);
    g.harness.run_steps(2);
    g.harness.get_by_role_and_label(Role::CheckBox, "Deliver").click();
    g.harness.run_steps(2);
    assert!(g.app().state.deliver);
    g.harness.get_by_role_and_label(Role::Button, "Run").click();
    g.wait("the run ends and its webhooks are sent", |app| {
        app.model.run.is_none() && app.model.notices.iter().any(|n| n.starts_with("webhooks"))
    });
    let notices = g.app().model.notices.clone();
    assert!(notices.iter().any(|n| n.contains("1 delivered")), "{notices:?}");
    let got = receiver.wait_for(2, 15);
    assert_eq!(got[1].json()["event"], "conversation.analyzed");
    assert!(verify(&secret, &got[1]));

    // Replay the run from the History view.
    g.harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Num2);
    g.wait("runs are listed", |app| !app.model.history.runs.is_empty());
    let run_id = g.app().model.history.runs[0].id;
    g.harness.state_mut().commands.push(debrief::ui::app::Command::OpenRun(run_id));
    g.harness.run_steps(2);
    g.wait("the run opens", |app| !app.model.history.results.is_empty());
    click(&mut g, "Replay webhooks");
    let got = receiver.wait_for(3, 15);
    assert_eq!(got[2].json()["conversation_id"], got[1].json()["conversation_id"]);
    assert_ne!(got[2].id(), got[1].id(), "a replay is a new message");
}
