//! The workbench application: state, the engine bridge, and the frame loop.
//!
//! Split by concern (rerun's `app/`): `state` is what is saved, `model` the live data built
//! from events, `commands` what panels ask for and how the app carries it out, and this file the
//! eframe glue. Each frame: drain engine events, draw panels (which only read state and push
//! commands), then run the commands.

pub mod commands;
mod events;
pub mod model;
pub mod pipeline;
pub mod review;
pub mod state;

use super::bridge::{Bridge, UiEvent};
use super::panels;
use crate::engine::{Engine, EngineError};
pub use commands::Command;
pub use model::Model;
use state::UiState;
use std::path::PathBuf;
use std::sync::Arc;

/// Key under which eframe stores `UiState`.
const STATE_KEY: &str = "debrief.ui_state";

/// What the app needs from outside: where the runtime and the history are.
pub struct AppContext {
    pub runtime: tokio::runtime::Handle,
    pub data_dir: PathBuf,
    /// The bundled samples, loaded on first launch (when the folder exists).
    pub samples_dir: Option<PathBuf>,
}

/// The Debrief workbench.
pub struct DebriefApp {
    pub state: UiState,
    pub model: Model,
    pub bridge: Bridge,
    /// Commands queued by panels this frame.
    pub commands: Vec<Command>,
    /// The server this window started (Server view), while it runs.
    pub server: Option<crate::server::Server>,
}

impl DebriefApp {
    /// Build the app; restores saved state from eframe storage when there is some.
    pub fn new(cc: &eframe::CreationContext<'_>, context: AppContext) -> Result<DebriefApp, EngineError> {
        let state: UiState = cc.storage.and_then(|s| eframe::get_value(s, STATE_KEY)).unwrap_or_default();
        let ctx = cc.egui_ctx.clone();
        DebriefApp::with_state(state, context, Arc::new(move || ctx.request_repaint()))
    }

    /// Build the app from explicit state (tests use this too). If the history cannot be opened
    /// the app still starts, on an in-memory database, and says so.
    pub fn with_state(
        state: UiState,
        context: AppContext,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Result<DebriefApp, EngineError> {
        let mut model = Model::default();
        let engine = match Engine::open(&context.data_dir) {
            Ok(e) => e,
            Err(e) => {
                model.notice(format!("{e:#} — results of this session will not be kept"));
                Engine::open_memory()?
            }
        };
        model.data_dir = context.data_dir.clone();
        model.env_keys = crate::core::spec::ProviderKind::ALL
            .iter()
            .flat_map(|k| crate::llm::key_envs(*k).iter().copied())
            .filter(|v| std::env::var(v).is_ok_and(|x| !x.trim().is_empty()))
            .collect();
        model.env_base_urls = crate::core::spec::ProviderKind::ALL
            .iter()
            .filter_map(|k| crate::llm::ProviderConfig::from_env(*k, None).base_url.map(|u| (*k, u)))
            .collect();
        // Build the tokenizers off the UI thread (~100 ms each); estimates wait for them and
        // appear with the repaint that follows.
        let warmed = Arc::clone(&repaint);
        context.runtime.spawn_blocking(move || {
            crate::core::cost::warm_up();
            warmed();
        });
        let bridge = Bridge::new(context.runtime.clone(), engine, repaint);
        let mut app = DebriefApp { state, model, bridge, commands: Vec::new(), server: None };
        app.apply_price_overrides();
        app.startup_loads(context.samples_dir);
        Ok(app)
    }

    fn startup_loads(&mut self, samples: Option<PathBuf>) {
        let mut paths = self.state.loaded_paths.clone();
        if !self.state.first_launch_done {
            self.state.first_launch_done = true;
            if let Some(dir) = samples.filter(|d| d.is_dir()) {
                if !paths.contains(&dir) {
                    paths.push(dir.clone());
                }
                self.state.loaded_paths.push(dir);
            }
        }
        if !paths.is_empty() {
            self.model.importing += 1;
            self.bridge.import(paths);
        }
        self.commands.push(Command::RefreshHistory);
        // Rules saved for the server (`debrief rules`) are the review queue's rules too.
        self.bridge.query(|e| e.rules(), UiEvent::StoredRules);
        let _ = self.model.recheck(&self.state.draft);
    }

    /// After a load, a restart or a spec change, fetch what the history already holds for the
    /// loaded conversations under the current spec version, so nothing is paid for twice.
    fn fetch_stored_results(&mut self) {
        let Some(hash) = self.model.spec_hash.clone() else { return };
        if self.model.importing > 0
            || self.model.conversations.is_empty()
            || self.model.latest_for.as_ref() == Some(&hash)
        {
            return;
        }
        let hashes = self.model.conversations.iter().map(|c| c.hash.clone()).collect();
        self.bridge.query_latest(hash.clone(), hashes);
        self.model.latest_for = Some(hash);
    }

    /// Process events, draw, then run commands. Shared by eframe and tests.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        for event in self.bridge.drain() {
            self.on_event(event);
        }
        if let Some(wait) = self.model.recheck(&self.state.draft) {
            ui.ctx().request_repaint_after(wait);
        }
        self.fetch_stored_results();
        self.model.refresh_estimate(&self.state, self.bridge.prices());
        self.model.refresh_preview(&self.state);
        if self.model.history.tab == model::RunTab::Review {
            self.model.history.refresh_review(&self.state.rules);
        }
        self.model.refresh_projection(&self.state, self.bridge.prices());
        self.tick_pipeline(ui.ctx());
        let key_status = self.key_status();
        self.ensure_transcript();
        let review = self.review_target();
        let reviewing = review.is_some();
        let cx = panels::PanelCtx { model: &self.model, prices: self.bridge.prices(), key_status, review };
        panels::draw(ui, &mut self.state, &cx, &mut self.commands);
        panels::keyboard(ui.ctx(), &self.state, &self.model, reviewing, &mut self.commands);
        let commands = std::mem::take(&mut self.commands);
        for command in commands {
            self.run_command(command);
        }
        let title = panels::window_title(&self.state.draft);
        if self.model.title != title {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.model.title = title;
        }
    }
}

impl eframe::App for DebriefApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STATE_KEY, &self.state);
    }
}
