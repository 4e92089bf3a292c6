//! `debrief serve`: the seed's pipeline over HTTP, a third front end of the engine beside the
//! GUI and the CLI.
//!
//! Routes (all but `/healthz` need `Authorization: Bearer <key>`):
//! - `POST /api/conversations` — a conversation ended: queued (`202`), already known (`200` with
//!   its analysis), or a conflict (`409`, unless `?reanalyze=true`);
//! - `GET /api/conversations/{id}/analysis` — the seed's read;
//! - `GET /api/conversations?agent_id=&status=&since=&cursor=&limit=` — paged, arrival order;
//! - `GET /api/runs`, `GET /api/runs/{id}`, `GET /healthz`.
//!
//! Errors are `{"error": {"code", "message"}}`. [`Server::start`] takes the data folder's
//! pipeline lock, starts the delivery and intake workers (and the watch folder), then listens;
//! [`Server::shutdown`] stops intake, lets work in flight finish or queues it again, flushes
//! due deliveries and releases the lock. Handlers only call the engine.

mod auth;
mod error;
mod log;
mod routes;

pub use error::ApiError;
pub use log::{LogEntry, RequestLog};
pub use routes::MAX_BODY;

use crate::engine::deliver::{self, DeliveryConfig, DeliveryWorker};
use crate::engine::intake::{self as intake_worker, IntakeConfig, IntakeWorker};
use crate::engine::lock::PipelineLock;
use crate::engine::watch::{self, WatchWorker};
use crate::engine::{Engine, EngineError};
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub delivery: DeliveryConfig,
    pub intake: IntakeConfig,
    /// A folder whose new transcript files are ended conversations of an agent.
    pub watch: Option<(PathBuf, String)>,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            delivery: DeliveryConfig::default(),
            intake: IntakeConfig::default(),
            watch: None,
        }
    }
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    keys: auth::KeyCache,
    log: RequestLog,
    /// Wakes the intake worker when a conversation is queued.
    intake: Arc<Notify>,
}

/// A running server.
pub struct Server {
    /// Where it listens (the real port when 0 was asked for).
    pub addr: SocketAddr,
    pub log: RequestLog,
    stop: CancellationToken,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    intake: IntakeWorker,
    delivery: DeliveryWorker,
    watch: Option<WatchWorker>,
    _lock: Option<PipelineLock>,
}

impl Server {
    /// Take the pipeline lock, start the workers and listen. Refuses a non-loopback address
    /// unless at least one API key exists.
    pub async fn start(engine: Engine, config: ServeConfig) -> Result<Server, EngineError> {
        if !config.listen.ip().is_loopback() && engine.active_key_hashes()?.is_empty() {
            return Err(EngineError::Invalid(format!(
                "refusing to listen on {} (not loopback) without an API key; create one with `debrief keys create NAME`",
                config.listen
            )));
        }
        let lock = match engine.data_dir() {
            Some(dir) => Some(PipelineLock::acquire(dir, &format!("debrief serve on {}", config.listen))?),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
            EngineError::Invalid(format!(
                "cannot listen on {}: {e}; is another server using the port?",
                config.listen
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| EngineError::Invalid(format!("cannot read the bound address: {e}")))?;
        let delivery = deliver::spawn_worker(engine.clone(), config.delivery.clone(), deliver::Mode::Serve)?;
        let intake =
            intake_worker::spawn_worker(engine.clone(), config.intake.clone(), Arc::clone(&delivery.notify))?;
        let watch = match &config.watch {
            Some((dir, agent)) => {
                Some(watch::spawn(engine.clone(), dir.clone(), agent.clone(), Arc::clone(&intake.notify))?)
            }
            None => None,
        };
        let log = RequestLog::default();
        let state = AppState {
            engine,
            keys: auth::KeyCache::default(),
            log: log.clone(),
            intake: Arc::clone(&intake.notify),
        };
        let stop = CancellationToken::new();
        let http = tokio::spawn({
            let stop = stop.clone();
            let app = router(state);
            async move {
                axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await }).await
            }
        });
        tracing::info!(%addr, "debrief serve: listening");
        Ok(Server { addr, log, stop, http, intake, delivery, watch, _lock: lock })
    }

    /// Stop intake, finish or re-queue work in flight, flush due deliveries, release the lock.
    pub async fn shutdown(self) -> Result<(), EngineError> {
        self.stop.cancel();
        if let Some(w) = self.watch {
            w.stop.cancel();
            let _ = w.join.await;
        }
        let _ = self.http.await;
        self.intake.stop.cancel();
        self.intake.join.await.map_err(|e| EngineError::Join(e.to_string()))??;
        self.delivery.stop.cancel();
        let stats = self.delivery.join.await.map_err(|e| EngineError::Join(e.to_string()))??;
        tracing::info!(?stats, "debrief serve: stopped");
        Ok(())
    }
}

/// The routes, with auth on everything but `/healthz` and the request log around all.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/conversations", post(routes::post_conversation).get(routes::list_conversations))
        .route("/api/conversations/{id}/analysis", get(routes::get_analysis))
        .route("/api/runs", get(routes::list_runs))
        .route("/api/runs/{id}", get(routes::get_run))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_key));
    Router::new()
        .route("/healthz", get(routes::healthz))
        .merge(api)
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, path) = (request.method().to_string(), request.uri().path().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, latency_ms, "request");
    state.log.push(LogEntry { at: crate::store::now_rfc3339(), method, path, status, latency_ms });
    response
}
