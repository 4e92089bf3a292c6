//! The GUI's link to the engine: a channel plus `request_repaint`, nothing more.
//!
//! Panels never touch the network or the database. The app asks the bridge ("start a run",
//! "load these files", "query the history"); the bridge runs the engine call on the runtime
//! (database work on blocking threads, through [`Engine::blocking`]) and sends a `UiEvent` back,
//! calling `request_repaint` after each send so the UI wakes only when something happened — an
//! idle window uses no CPU. The UI drains the channel at the start of each frame. Errors arrive
//! typed ([`EngineError`]) and become text only where the notice is drawn.

use crate::core::cost::PriceTable;
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::{self, Conversation, Import};
use crate::engine::{CancellationToken, Engine, EngineError, Event, RunRequest};
use crate::llm::ProviderConfig;
use crate::store::{RunId, RunQuery, RunSummary, StoredResult};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use tokio::runtime::Handle;

/// Most batch-API jobs the History view lists.
const BATCH_JOBS_SHOWN: usize = 50;

/// What comes back from background work.
#[derive(Debug)]
pub enum UiEvent {
    /// Progress of a run started from the GUI.
    Engine(Event),
    /// A run could not start or failed as a whole (bad provider settings, database trouble).
    RunFailed(EngineError),
    Imported {
        paths: Vec<PathBuf>,
        import: Import,
    },
    /// Newest stored result per conversation for one spec version (after a load or restart).
    Latest {
        spec_hash: String,
        results: Vec<StoredResult>,
    },
    Runs {
        query: RunQuery,
        runs: Vec<RunSummary>,
    },
    /// The newest provider batch-API jobs.
    BatchJobs(Vec<crate::store::BatchJob>),
    RunResults {
        run_id: RunId,
        results: Vec<StoredResult>,
        /// Conversation content hash → its `started_at`, where the source recorded one.
        started: std::collections::HashMap<String, String>,
    },
    ConversationHistory {
        content_hash: String,
        results: Vec<StoredResult>,
    },
    Spec {
        hash: String,
        spec: Option<AnalysisSpec>,
    },
    /// Two runs compared (run A is the open one), or why they could not be.
    Compared {
        a: RunId,
        b: RunId,
        result: Result<Box<crate::core::compare::Comparison>, EngineError>,
    },
    /// A file dialog closed; `None` when nothing was chosen or no dialog could be shown.
    Picked {
        pick: Pick,
        paths: Option<Vec<PathBuf>>,
    },
    /// A store query failed.
    QueryFailed(EngineError),
    /// The pipeline views' lists.
    Pipeline(Box<crate::ui::app::pipeline::PipelineSnapshot>),
    /// An administrative change was made; `revealed` is a new key or secret to show once.
    AdminDone {
        message: Option<String>,
        revealed: Option<(String, String)>,
    },
    ServerStarted(Result<crate::ui::app::pipeline::ServerBox, EngineError>),
    ServerStopped(Result<(), EngineError>),
    TestSent(Result<crate::engine::deliver::TestResult, EngineError>),
    Attempts {
        delivery_id: i64,
        attempts: Vec<crate::store::AttemptRow>,
    },
    Exported(Result<crate::engine::export::Exported, EngineError>),
    /// A spec file was read (Open), or why not.
    SpecLoaded {
        path: PathBuf,
        result: Result<AnalysisSpec, String>,
    },
    /// A spec file was written (Save); `fingerprint` is the draft that was saved.
    SpecSaved {
        path: PathBuf,
        fingerprint: String,
        result: Result<(), String>,
    },
    /// The rules stored in the history (shared with `debrief serve`).
    StoredRules(Vec<crate::store::StoredRule>),
    /// Verdicts were saved.
    LabelsSaved,
    /// A stored conversation (the History view's transcript).
    Transcript {
        hash: String,
        conversation: Option<Conversation>,
    },
    /// Reviewers' current labels of the conversations in view.
    Labels(Vec<crate::store::Label>),
    /// The open run scored.
    Evaluated(Result<Box<crate::engine::labels::RunEvaluation>, EngineError>),
}

/// Sends events to the UI from any task, waking it.
#[derive(Clone)]
pub struct EventSender {
    tx: Sender<UiEvent>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl EventSender {
    pub fn send(&self, event: UiEvent) {
        let _ = self.tx.send(event);
        (self.repaint)();
    }
}

/// What a file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Transcripts,
    Spec,
    SaveSpec,
}

/// Sends jobs to the engine and receives their events.
pub struct Bridge {
    runtime: Handle,
    engine: Engine,
    tx: Sender<UiEvent>,
    rx: Receiver<UiEvent>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl Bridge {
    /// `repaint` wakes the UI (egui's `request_repaint`); tests pass their own.
    pub fn new(runtime: Handle, engine: Engine, repaint: Arc<dyn Fn() + Send + Sync>) -> Bridge {
        let (tx, rx) = channel();
        Bridge { runtime, engine, tx, rx, repaint }
    }

    /// Everything that arrived since the last call.
    pub fn drain(&self) -> Vec<UiEvent> {
        self.rx.try_iter().collect()
    }

    /// The engine the bridge talks to (panels never get it; the app passes it to workers).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The runtime engine work runs on.
    pub fn runtime(&self) -> &Handle {
        &self.runtime
    }

    /// The price table runs use.
    pub fn prices(&self) -> &PriceTable {
        self.engine.prices()
    }

    /// Replace the price table (settings overrides).
    pub fn set_prices(&mut self, prices: PriceTable) {
        self.engine.set_prices(prices);
    }

    fn sender(&self) -> (Sender<UiEvent>, Arc<dyn Fn() + Send + Sync>) {
        (self.tx.clone(), Arc::clone(&self.repaint))
    }

    /// A sender for tasks the app starts itself.
    pub fn clone_sender(&self) -> EventSender {
        EventSender { tx: self.tx.clone(), repaint: Arc::clone(&self.repaint) }
    }

    /// Send one event and wake the UI.
    pub fn send(&self, event: UiEvent) {
        let _ = self.tx.send(event);
        (self.repaint)();
    }

    /// Start a run; the token cancels it.
    pub fn start_run(&self, config: ProviderConfig, request: RunRequest) -> CancellationToken {
        let (tx, repaint) = self.sender();
        // The run is spawned onto the runtime; the UI thread only enters it to do so.
        let entered = self.runtime.enter();
        let started = self.engine.start_run(&config, request);
        drop(entered);
        let handle = match started {
            Ok(h) => h,
            Err(e) => {
                self.send(UiEvent::RunFailed(e));
                return CancellationToken::new();
            }
        };
        let cancel = handle.cancel.clone();
        let (mut events, join) = (handle.events, handle.join);
        let (ftx, frepaint) = (tx.clone(), Arc::clone(&repaint));
        self.runtime.spawn(async move {
            while let Some(event) = events.recv().await {
                let _ = ftx.send(UiEvent::Engine(event));
                frepaint();
            }
        });
        self.runtime.spawn(async move {
            let failure = match join.await {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(e),
                Err(e) => Some(EngineError::Join(e.to_string())),
            };
            if let Some(e) = failure {
                let _ = tx.send(UiEvent::RunFailed(e));
                repaint();
            }
        });
        cancel
    }

    /// Load transcript files or folders in the background.
    pub fn import(&self, paths: Vec<PathBuf>) {
        let (tx, repaint) = self.sender();
        self.runtime.spawn_blocking(move || {
            let import = transcript::load_paths(&paths);
            let _ = tx.send(UiEvent::Imported { paths, import });
            repaint();
        });
    }

    /// Read a spec file off the UI thread.
    pub fn load_spec(&self, path: PathBuf) {
        let (tx, repaint) = self.sender();
        self.runtime.spawn_blocking(move || {
            let result = AnalysisSpec::load(&path).map_err(|e| e.to_string());
            let _ = tx.send(UiEvent::SpecLoaded { path, result });
            repaint();
        });
    }

    /// Write a spec file off the UI thread.
    pub fn write_spec(&self, path: PathBuf, text: String, fingerprint: String) {
        let (tx, repaint) = self.sender();
        self.runtime.spawn_blocking(move || {
            let result =
                std::fs::write(&path, text).map_err(|e| format!("cannot save {}: {e}", path.display()));
            let _ = tx.send(UiEvent::SpecSaved { path, fingerprint, result });
            repaint();
        });
    }

    /// Show a native file dialog off the UI thread (rfd blocks while it is open). rfd answers
    /// `None` both for "cancelled" and "no portal or zenity on this system"; the UI then points
    /// to the path field.
    pub fn pick(&self, pick: Pick, folder: bool) {
        let (tx, repaint) = self.sender();
        self.runtime.spawn_blocking(move || {
            let dialog = rfd::FileDialog::new();
            let paths = match (pick, folder) {
                (Pick::Transcripts, true) => dialog.pick_folder().map(|p| vec![p]),
                (Pick::Transcripts, false) => dialog
                    .add_filter("transcripts", &["txt", "json", "jsonl", "vtt", "srt", "csv"])
                    .pick_files(),
                (Pick::Spec, _) => dialog.add_filter("spec", &["json"]).pick_file().map(|p| vec![p]),
                (Pick::SaveSpec, _) => dialog
                    .add_filter("spec", &["json"])
                    .set_file_name("spec.json")
                    .save_file()
                    .map(|p| vec![p]),
            };
            let _ = tx.send(UiEvent::Picked { pick, paths });
            repaint();
        });
    }

    /// Run an engine call on a blocking thread and send its result.
    pub fn query<T, F, M>(&self, f: F, map: M)
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
        M: FnOnce(T) -> UiEvent + Send + 'static,
    {
        let (tx, repaint) = self.sender();
        let engine = self.engine.clone();
        self.runtime.spawn(async move {
            let event = match engine.blocking(f).await {
                Ok(v) => map(v),
                Err(e) => UiEvent::QueryFailed(e),
            };
            let _ = tx.send(event);
            repaint();
        });
    }

    /// A page of runs.
    pub fn query_runs(&self, query: RunQuery) {
        let q = query.clone();
        self.query(move |e| e.runs(&q), move |runs| UiEvent::Runs { query, runs });
    }

    /// The newest provider batch-API jobs, for the History view.
    pub fn query_batch_jobs(&self) {
        self.query(|e| e.batch_jobs(BATCH_JOBS_SHOWN), UiEvent::BatchJobs);
    }

    /// Every result of one run, with its conversations' start times.
    pub fn query_run_results(&self, run_id: RunId) {
        self.query(
            move |e| {
                let results = e.run_results(run_id)?;
                let started = e.start_times(&results)?;
                Ok((results, started))
            },
            move |(results, started)| UiEvent::RunResults { run_id, results, started },
        );
    }

    /// The newest stored result for each conversation under one spec version.
    pub fn query_latest(&self, spec_hash: String, hashes: Vec<String>) {
        let h = spec_hash.clone();
        self.query(move |e| e.latest_for(&h, &hashes), move |results| UiEvent::Latest { spec_hash, results });
    }

    /// A stored spec version.
    pub fn query_spec(&self, hash: String) {
        let h = hash.clone();
        self.query(move |e| e.spec(&h), move |spec| UiEvent::Spec { hash, spec });
    }

    /// Compare run `a` with run `b` (labels from `expected` and the runs' own transcripts).
    pub fn query_compare(&self, a: RunId, b: RunId, expected: Option<PathBuf>) {
        let (tx, repaint) = self.sender();
        let engine = self.engine.clone();
        let expected = expected.filter(|p| p.is_file());
        self.runtime.spawn(async move {
            let result =
                engine.blocking(move |e| e.compare_runs(a, b, expected.as_deref())).await.map(Box::new);
            let _ = tx.send(UiEvent::Compared { a, b, result });
            repaint();
        });
    }

    /// Earlier results for one conversation's content.
    pub fn query_conversation_history(&self, content_hash: String) {
        let h = content_hash.clone();
        self.query(
            move |e| e.conversation_history(&h, 200),
            move |results| UiEvent::ConversationHistory { content_hash, results },
        );
    }
}

/// Build a run the way the workbench does: Run all resumes (reuses stored ok results) and may
/// repeat; Run on one conversation always asks afresh.
pub fn workbench_request(
    spec: AnalysisSpec,
    conversations: Vec<Conversation>,
    reuse: bool,
    repeat: u32,
) -> RunRequest {
    let mut request = RunRequest::new(spec, conversations, if reuse { "batch" } else { "analyze" }, 8);
    request.reuse = reuse;
    request.repeat = repeat.max(1);
    request
}
