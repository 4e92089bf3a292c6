//! Async orchestration and the one API every front end uses.
//!
//! The GUI, the CLI and the server (`debrief serve`) never open the store or build a provider
//! themselves: they hold an [`Engine`] and ask it. Reads (`queries`), administration of agents,
//! keys, webhook endpoints and rules (`admin`), runs (`run`, with `plan` deciding what needs a
//! call), the intake queue and its worker (`intake`), the watch folder (`watch`), the events a
//! result sends (`events`), the webhook outbox's worker (`deliver`), exports (`export`) and the
//! data folder's pipeline lock (`lock`) all live behind it, so the three front ends cannot
//! disagree about what a query means. `tests/architecture.rs` checks that they do not reach past.
//!
//! Tasks: runs, the intake worker, the watch folder and the delivery worker are spawned here.
//! Front ends spawn only their own plumbing (the GUI bridge runs engine calls on blocking threads
//! and forwards events; the server's HTTP handlers are axum's tasks), never work that must
//! survive them.
//!
//! Errors cross task boundaries as [`EngineError`], typed; front ends turn them into text only
//! where a person reads them.

pub mod admin;
pub mod analyze;
pub mod batch_api;
mod commit;
pub mod deliver;
pub mod events;
pub mod export;
pub mod intake;
pub mod labels;
pub mod limit;
pub mod lock;
mod plan;
pub mod prepared;
pub mod queries;
pub mod run;
pub mod signals;
pub mod source;
pub mod watch;

pub use analyze::{analyze_one, analyze_prepared, extract_json};
pub use limit::{Limiter, MAX_CONCURRENCY};
pub use prepared::Prepared;
pub use run::{Deliver, Event, RunHandle, RunRequest, Stops, cancel_on_ctrl_c, run, run_until, spawn_run};
pub use source::{ConversationStream, Conversations};

use crate::core::cost::PriceTable;
use crate::core::schema::{self, CompiledSchema, SchemaError};
use crate::core::spec::AnalysisSpec;
use crate::llm::{self, LlmError, Provider, ProviderConfig};
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
pub use tokio_util::sync::CancellationToken;

/// The history, shared between engine tasks. rusqlite connections are not `Sync`, hence the
/// mutex; every access happens on a blocking thread.
pub type SharedStore = Arc<Mutex<Store>>;

/// Why an engine operation could not be done. Every variant says what to do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Provider(#[from] LlmError),
    #[error(transparent)]
    Batch(#[from] crate::llm::batch::BatchError),
    #[error("the history database is unavailable: a previous operation panicked while holding it")]
    StorePoisoned,
    #[error("background task failed: {0}")]
    Join(String),
    /// Something named by the user does not exist (a run, an agent, an endpoint…).
    #[error("{what} not found; {hint}")]
    NotFound { what: String, hint: String },
    /// A run that has no results cannot be scored or compared.
    #[error("run {0} has no results (or does not exist); see `debrief runs` for the run ids")]
    EmptyRun(i64),
    /// Another process holds the data folder's pipeline (intake and deliveries).
    #[error(transparent)]
    Locked(#[from] lock::LockError),
    /// The request cannot be carried out as given (bad value, conflicting state).
    #[error("{0}")]
    Invalid(String),
    /// Two runs could not be compared.
    #[error("cannot compare run {a} with run {b}: {cause}; see `debrief runs`")]
    Compare { a: i64, b: i64, cause: crate::core::compare::CompareError },
    /// A labels file could not be used.
    #[error(transparent)]
    Labels(#[from] crate::core::eval::ExpectedError),
    /// A file could not be written (exports).
    #[error("cannot write {path}: {cause}; check the folder exists and is writable")]
    Write { path: PathBuf, cause: String },
}

impl EngineError {
    /// A `NotFound` for `what`, with a hint of how to list what exists.
    pub fn not_found(what: impl Into<String>, hint: impl Into<String>) -> EngineError {
        EngineError::NotFound { what: what.into(), hint: hint.into() }
    }
}

/// The engine: the history plus the price table runs use. Cheap to clone; clones share the
/// database connection.
#[derive(Clone)]
pub struct Engine {
    store: SharedStore,
    prices: Arc<PriceTable>,
    /// The data folder (`None` for an in-memory history), for the pipeline lock and messages.
    data_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("data_dir", &self.data_dir).finish()
    }
}

impl Engine {
    /// Open (creating if needed) the history in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Engine, EngineError> {
        let store = Store::open_in(data_dir)?;
        Ok(Engine::from_store(store, Some(data_dir.to_path_buf())))
    }

    /// An engine over a fresh in-memory history (tests, or when the data folder is unusable).
    pub fn open_memory() -> Result<Engine, EngineError> {
        Ok(Engine::from_store(Store::open_memory()?, None))
    }

    /// Wrap an open store.
    pub fn from_store(store: Store, data_dir: Option<PathBuf>) -> Engine {
        Engine { store: Arc::new(Mutex::new(store)), prices: Arc::new(PriceTable::bundled()), data_dir }
    }

    /// The shared store, for the engine's own tasks and benchmarks that drive [`run`] directly.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// The data folder, `None` for an in-memory history.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// The price table runs use.
    pub fn prices(&self) -> &Arc<PriceTable> {
        &self.prices
    }

    /// Replace the price table (the GUI's price overrides).
    pub fn set_prices(&mut self, prices: PriceTable) {
        self.prices = Arc::new(prices);
    }

    /// Run `f` with the store locked, on the calling thread: for the engine's own modules,
    /// benchmarks and tests. Front ends call the named methods instead (a test in
    /// `tests/architecture.rs` holds them to it).
    pub fn with<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, EngineError> {
        let guard = self.store.lock().map_err(|_| EngineError::StorePoisoned)?;
        f(&guard).map_err(EngineError::from)
    }

    /// Run a synchronous engine call on a blocking thread (async front ends: the GUI bridge and
    /// the server), so the async workers never wait on disk.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || f(&engine)).await.map_err(|e| EngineError::Join(e.to_string()))?
    }

    /// The provider `config` describes (front ends ask here rather than building one).
    pub fn provider(config: &ProviderConfig) -> Result<Arc<dyn Provider>, EngineError> {
        Ok(Arc::from(llm::build(config)?))
    }

    /// The provider's exact token counter (`estimate --exact`): `None` when the provider has no
    /// counting endpoint or no key is configured.
    pub fn token_counter(config: &ProviderConfig) -> Result<Option<llm::count::Counter>, EngineError> {
        Ok(llm::count::Counter::new(config)?)
    }

    /// Start a run in the background with `provider`.
    pub fn spawn(&self, provider: Arc<dyn Provider>, request: RunRequest) -> RunHandle {
        spawn_run(Arc::clone(&self.store), provider, Arc::clone(&self.prices), request)
    }

    /// Start a run in the background with the provider `config` describes.
    pub fn start_run(&self, config: &ProviderConfig, request: RunRequest) -> Result<RunHandle, EngineError> {
        Ok(self.spawn(Engine::provider(config)?, request))
    }
}

/// Store operations waiting on blocking threads at once. The store is one connection behind a
/// mutex, so more would only park threads on it: at concurrency 256 every call's claim took a
/// blocking thread of its own (hundreds of threads, each with its own stack and caches).
static STORE_GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Run a store operation on a blocking thread.
pub async fn with_store<T, F>(store: &SharedStore, f: F) -> Result<T, EngineError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = Arc::clone(store);
    let _turn = STORE_GATE.acquire().await.map_err(|e| EngineError::Join(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let guard = store.lock().map_err(|_| EngineError::StorePoisoned)?;
        f(&guard).map_err(EngineError::from)
    })
    .await
    .map_err(|e| EngineError::Join(e.to_string()))?
}

/// Compile a spec's schema (exposed so front ends can validate before starting a run).
pub fn compile_spec(spec: &AnalysisSpec) -> Result<CompiledSchema, SchemaError> {
    schema::compile(&spec.schema, &spec.name)
}
