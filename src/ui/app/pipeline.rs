//! The pipeline in the workbench: the Server view (start/stop `debrief serve` in this window,
//! API keys, agents, the live request log) and the Deliveries view (endpoints, the delivery
//! log with every attempt, Send test, Replay), plus exports from the run browser.
//!
//! Everything goes through the engine on the runtime (via the bridge); what comes back is a
//! [`PipelineSnapshot`], refreshed after each change and every second while one of the two
//! views is open. A new key or secret is shown once, in `revealed`, and never saved.

use super::DebriefApp;
use crate::engine::deliver::{DeliveryConfig, TestResult};
use crate::engine::events::Replay;
use crate::engine::export::{Exported, Format, Scope};
use crate::engine::{Engine, EngineError};
use crate::server::{RequestLog, ServeConfig, Server};
use crate::store::{
    Agent, ApiKeyInfo, AttemptRow, DeliveryCounts, DeliveryQuery, DeliveryRow, Endpoint, RunId,
};
use crate::ui::bridge::UiEvent;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Everything the two views list.
#[derive(Debug, Clone, Default)]
pub struct PipelineSnapshot {
    pub keys: Vec<ApiKeyInfo>,
    pub agents: Vec<Agent>,
    pub endpoints: Vec<Endpoint>,
    pub deliveries: Vec<DeliveryRow>,
    pub counts: DeliveryCounts,
    /// Queued and running intake.
    pub intake: (u64, u64),
}

/// Where the window's own server is.
#[derive(Debug, Default)]
pub enum ServerState {
    #[default]
    Stopped,
    Starting,
    Running {
        addr: std::net::SocketAddr,
        log: RequestLog,
    },
    Stopping,
    Failed(String),
}

/// The live pipeline data.
#[derive(Debug, Default)]
pub struct PipelineModel {
    pub snapshot: Option<PipelineSnapshot>,
    pub server: ServerState,
    /// A key or secret just created: (what it is, the value). Shown until dismissed.
    pub revealed: Option<(String, String)>,
    /// The attempts of the delivery opened in the log.
    pub attempts: Option<(i64, Vec<AttemptRow>)>,
    /// The last test send.
    pub test: Option<Result<TestResult, String>>,
    /// The last export from the run browser.
    pub exported: Option<Result<Exported, String>>,
    pub refreshed: Option<Instant>,
}

/// A running server, for the event that hands it to the app.
pub struct ServerBox(pub Server);

impl std::fmt::Debug for ServerBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Server({})", self.0.addr)
    }
}

/// What the pipeline views ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineCommand {
    Refresh,
    StartServer,
    StopServer,
    CreateKey(String),
    RevokeKey(String),
    /// Add (or replace) an agent running the draft spec with the current provider settings.
    AddAgentFromDraft(String),
    RemoveAgent(String),
    AddEndpoint {
        url: String,
        events: String,
        agent: String,
    },
    SetEndpointEnabled(i64, bool),
    RemoveEndpoint(i64),
    RotateEndpoint(i64),
    SendTest(i64),
    ShowAttempts(i64),
    Replay(Replay),
    Export {
        run: RunId,
        format: Format,
        path: PathBuf,
    },
    /// Store the review queue's rules for `debrief serve` and `debrief rules`.
    SaveRules,
    DismissRevealed,
}

impl DebriefApp {
    pub(super) fn run_pipeline(&mut self, command: PipelineCommand) {
        match command {
            PipelineCommand::Refresh => self.refresh_pipeline(),
            PipelineCommand::StartServer => self.start_server(),
            PipelineCommand::StopServer => self.stop_server(),
            PipelineCommand::CreateKey(name) => {
                self.admin(move |e| e.create_key(name.trim()).map(|k| Some(("API key".to_string(), k))))
            }
            PipelineCommand::RevokeKey(name) => self.admin(move |e| e.revoke_key(&name).map(|_| None)),
            PipelineCommand::AddAgentFromDraft(id) => {
                let Some(schema) = self.model.check.parsed.clone().filter(|_| self.model.check.is_ok())
                else {
                    self.model.notice("fix the schema errors shown under the editor before adding an agent");
                    return;
                };
                let spec = self.state.draft.to_spec(schema);
                let base_url = self.state.settings.base_url(spec.provider);
                self.admin(move |e| e.add_agent(id.trim(), &spec, base_url.as_deref()).map(|_| None));
            }
            PipelineCommand::RemoveAgent(id) => self.admin(move |e| e.remove_agent(&id).map(|_| None)),
            PipelineCommand::AddEndpoint { url, events, agent } => {
                let events: Vec<String> =
                    events.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
                let agent = Some(agent.trim().to_string()).filter(|a| !a.is_empty());
                self.admin(move |e| {
                    e.add_webhook(url.trim(), &events, agent.as_deref()).map(|(endpoint, secret)| {
                        Some((format!("signing secret of endpoint {}", endpoint.id), secret.expose()))
                    })
                })
            }
            PipelineCommand::SetEndpointEnabled(id, on) => {
                self.admin(move |e| e.set_webhook_enabled(id, on).map(|_| None))
            }
            PipelineCommand::RemoveEndpoint(id) => self.admin(move |e| e.remove_webhook(id).map(|_| None)),
            PipelineCommand::RotateEndpoint(id) => self.admin(move |e| {
                e.rotate_webhook(id).map(|s| {
                    Some((
                        format!("new signing secret of endpoint {id} (the old one signs for 24 h)"),
                        s.expose(),
                    ))
                })
            }),
            PipelineCommand::SendTest(id) => {
                self.model.pipeline.test = None;
                let (engine, tx) = (self.bridge.engine().clone(), self.bridge.clone_sender());
                self.bridge.runtime().spawn(async move {
                    let result = engine.send_test(id, &DeliveryConfig::default()).await;
                    tx.send(UiEvent::TestSent(result));
                });
            }
            PipelineCommand::ShowAttempts(id) => self.bridge.query(
                move |e| e.delivery_attempts(id),
                move |attempts| UiEvent::Attempts { delivery_id: id, attempts },
            ),
            PipelineCommand::Replay(what) => {
                let (engine, tx) = (self.bridge.engine().clone(), self.bridge.clone_sender());
                let own_server = self.server.is_some();
                self.bridge.runtime().spawn(async move {
                    let queued = engine.blocking(move |e| e.replay(what, None)).await;
                    let message = match queued {
                        Err(e) => format!("cannot replay: {e:#}"),
                        Ok(n) if own_server => {
                            format!("{n} delivery(ies) queued; this window's server sends them")
                        }
                        Ok(n) => match engine.deliver_due(DeliveryConfig::default()).await {
                            Ok(crate::engine::deliver::Drained::Sent(s)) => format!(
                                "{n} delivery(ies) replayed: {} delivered, {} to retry, {} failed",
                                s.delivered, s.retrying, s.failed
                            ),
                            Ok(crate::engine::deliver::Drained::LeftTo(h)) => {
                                format!("{n} delivery(ies) queued; {h} sends them")
                            }
                            Ok(crate::engine::deliver::Drained::NoDataDir) => {
                                format!("{n} delivery(ies) queued")
                            }
                            Err(e) => format!("{n} delivery(ies) queued, but sending failed: {e:#}"),
                        },
                    };
                    tx.send(UiEvent::AdminDone { message: Some(message), revealed: None });
                });
            }
            PipelineCommand::Export { run, format, path } => {
                self.model.pipeline.exported = None;
                self.bridge.query(move |e| Ok(e.export(Scope::Run(run), format, &path)), UiEvent::Exported);
            }
            PipelineCommand::SaveRules => {
                let rules = self.state.rules.clone();
                self.bridge.query(
                    move |e| e.replace_rules(&rules),
                    |()| UiEvent::AdminDone {
                        message: Some(
                            "rules saved: debrief serve and `debrief rules list` use them now".into(),
                        ),
                        revealed: None,
                    },
                );
            }
            PipelineCommand::DismissRevealed => self.model.pipeline.revealed = None,
        }
    }

    /// Run an administrative change, then refresh the lists.
    fn admin<F>(&self, f: F)
    where
        F: FnOnce(&Engine) -> Result<Option<(String, String)>, EngineError> + Send + 'static,
    {
        self.bridge.query(f, |revealed| UiEvent::AdminDone { message: None, revealed });
    }

    pub(super) fn refresh_pipeline(&mut self) {
        self.model.pipeline.refreshed = Some(Instant::now());
        self.bridge.query(
            |e| {
                Ok(PipelineSnapshot {
                    keys: e.keys()?,
                    agents: e.agents()?,
                    endpoints: e.webhooks()?,
                    deliveries: e.deliveries(&DeliveryQuery { limit: 200, ..Default::default() })?,
                    counts: e.delivery_counts()?,
                    intake: e.intake_open()?,
                })
            },
            |snapshot| UiEvent::Pipeline(Box::new(snapshot)),
        );
    }

    /// While a pipeline view is open: refresh every second (the log and the counts move).
    pub(super) fn tick_pipeline(&mut self, ctx: &egui::Context) {
        use super::state::View;
        if !matches!(self.state.view, View::Server | View::Deliveries) {
            return;
        }
        let due = self.model.pipeline.refreshed.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if due {
            self.refresh_pipeline();
        }
        ctx.request_repaint_after(Duration::from_secs(1));
    }

    /// After a Deliver run with no server in this window: send what is due now (unless another
    /// process runs this folder's pipeline, which then sends it).
    pub(super) fn deliver_now(&mut self) {
        let (engine, tx) = (self.bridge.engine().clone(), self.bridge.clone_sender());
        self.bridge.runtime().spawn(async move {
            use crate::engine::deliver::Drained;
            let message = match engine.deliver_due(DeliveryConfig::default()).await {
                Ok(Drained::Sent(s)) => format!(
                    "webhooks: {} delivered, {} to retry, {} failed (Deliveries view)",
                    s.delivered, s.retrying, s.failed
                ),
                Ok(Drained::LeftTo(holder)) => format!("webhooks queued; {holder} sends them"),
                Ok(Drained::NoDataDir) => "webhooks queued (no data folder: nothing sent)".into(),
                Err(e) => format!("webhooks could not be sent: {e:#}"),
            };
            tx.send(UiEvent::AdminDone { message: Some(message), revealed: None });
        });
    }

    fn start_server(&mut self) {
        if !matches!(self.model.pipeline.server, ServerState::Stopped | ServerState::Failed(_)) {
            return;
        }
        let listen = match self.state.server.listen.trim().parse() {
            Ok(a) => a,
            Err(_) => {
                self.model.pipeline.server = ServerState::Failed(format!(
                    "{:?} is not an address such as 127.0.0.1:8787",
                    self.state.server.listen
                ));
                return;
            }
        };
        self.model.pipeline.server = ServerState::Starting;
        let config = ServeConfig { listen, ..ServeConfig::default() };
        let (engine, tx) = (self.bridge.engine().clone(), self.bridge.clone_sender());
        self.bridge.runtime().spawn(async move {
            let started = Server::start(engine, config).await.map(ServerBox);
            tx.send(UiEvent::ServerStarted(started));
        });
    }

    fn stop_server(&mut self) {
        let Some(server) = self.server.take() else { return };
        self.model.pipeline.server = ServerState::Stopping;
        let tx = self.bridge.clone_sender();
        self.bridge.runtime().spawn(async move {
            tx.send(UiEvent::ServerStopped(server.shutdown().await));
        });
    }

    pub(super) fn on_pipeline_event(&mut self, event: UiEvent) {
        let p = &mut self.model.pipeline;
        match event {
            UiEvent::Pipeline(snapshot) => p.snapshot = Some(*snapshot),
            UiEvent::AdminDone { message, revealed } => {
                if revealed.is_some() {
                    p.revealed = revealed;
                }
                if let Some(m) = message {
                    self.model.notice(m);
                }
                self.refresh_pipeline();
            }
            UiEvent::ServerStarted(Ok(ServerBox(server))) => {
                p.server = ServerState::Running { addr: server.addr, log: server.log.clone() };
                self.server = Some(server);
                self.refresh_pipeline();
            }
            UiEvent::ServerStarted(Err(e)) => p.server = ServerState::Failed(format!("{e:#}")),
            UiEvent::ServerStopped(result) => {
                p.server = match result {
                    Ok(()) => ServerState::Stopped,
                    Err(e) => ServerState::Failed(format!("stopped with an error: {e:#}")),
                };
            }
            UiEvent::TestSent(result) => {
                p.test = Some(result.map_err(|e| format!("{e:#}")));
                self.refresh_pipeline();
            }
            UiEvent::Attempts { delivery_id, attempts } => p.attempts = Some((delivery_id, attempts)),
            UiEvent::Exported(result) => p.exported = Some(result.map_err(|e| format!("{e:#}"))),
            _ => {}
        }
    }
}
