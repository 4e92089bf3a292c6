//! The GUI's link to the engine: starts work on the tokio runtime and brings results back.
//!
//! Panels never touch the network or the database. The app asks the bridge ("start a run",
//! "load these files", "query the history"); the bridge runs the job on the runtime (database
//! work on blocking threads) and sends a `UiEvent` back over a channel, calling
//! `request_repaint` after each send so the UI wakes only when something happened — an idle
//! window uses no CPU. The UI drains the channel at the start of each frame.

use crate::core::cost::PriceTable;
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::{self, Conversation, Import};
use crate::engine::{self, CancellationToken, Event, RunRequest, SharedStore};
use crate::llm::{self, ProviderConfig};
use crate::store::{RunId, RunQuery, RunSummary, StoredResult};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use tokio::runtime::Handle;

/// What comes back from background work.
#[derive(Debug)]
pub enum UiEvent {
    /// Progress of a run started from the GUI.
    Engine(Event),
    /// A run could not start or failed as a whole (bad provider settings, database trouble).
    RunFailed(String),
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
        result: Result<Box<crate::core::compare::Comparison>, String>,
    },
    /// A file dialog closed; `None` when nothing was chosen or no dialog could be shown.
    Picked {
        pick: Pick,
        paths: Option<Vec<PathBuf>>,
    },
    /// A store query failed.
    QueryFailed(String),
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
    store: SharedStore,
    prices: Arc<PriceTable>,
    tx: Sender<UiEvent>,
    rx: Receiver<UiEvent>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl Bridge {
    /// `repaint` wakes the UI (egui's `request_repaint`); tests pass their own.
    pub fn new(
        runtime: Handle,
        store: SharedStore,
        prices: PriceTable,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Bridge {
        let (tx, rx) = channel();
        Bridge { runtime, store, prices: Arc::new(prices), tx, rx, repaint }
    }

    /// Everything that arrived since the last call.
    pub fn drain(&self) -> Vec<UiEvent> {
        self.rx.try_iter().collect()
    }

    /// The price table runs use.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// Replace the price table (settings overrides).
    pub fn set_prices(&mut self, prices: PriceTable) {
        self.prices = Arc::new(prices);
    }

    fn sender(&self) -> (Sender<UiEvent>, Arc<dyn Fn() + Send + Sync>) {
        (self.tx.clone(), Arc::clone(&self.repaint))
    }

    /// Start a run; the token cancels it.
    pub fn start_run(
        &self,
        spec: AnalysisSpec,
        config: ProviderConfig,
        conversations: Vec<Conversation>,
        reuse: bool,
        repeat: u32,
    ) -> CancellationToken {
        let cancel = CancellationToken::new();
        let (tx, repaint) = self.sender();
        let provider = match llm::build(&config) {
            Ok(p) => Arc::<dyn llm::Provider>::from(p),
            Err(e) => {
                let _ = tx.send(UiEvent::RunFailed(e.to_string()));
                repaint();
                return cancel;
            }
        };
        let (etx, mut erx) = tokio::sync::mpsc::unbounded_channel();
        let mut request = RunRequest::new(spec, conversations, if reuse { "batch" } else { "analyze" }, 8);
        request.reuse = reuse;
        request.repeat = repeat.max(1);
        let (store, prices, token) = (Arc::clone(&self.store), Arc::clone(&self.prices), cancel.clone());
        let (ftx, frepaint) = (tx.clone(), Arc::clone(&repaint));
        self.runtime.spawn(async move {
            while let Some(event) = erx.recv().await {
                let _ = ftx.send(UiEvent::Engine(event));
                frepaint();
            }
        });
        self.runtime.spawn(async move {
            if let Err(e) = engine::run(store, provider, prices, request, etx, token).await {
                let _ = tx.send(UiEvent::RunFailed(format!("{e:#}")));
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

    /// Run a read-only store query on a blocking thread and send its result.
    fn query<T, F, M>(&self, f: F, map: M)
    where
        T: Send + 'static,
        F: FnOnce(&crate::store::Store) -> Result<T, crate::store::StoreError> + Send + 'static,
        M: FnOnce(T) -> UiEvent + Send + 'static,
    {
        let (tx, repaint) = self.sender();
        let store = Arc::clone(&self.store);
        self.runtime.spawn(async move {
            let event = match engine::with_store(&store, f).await {
                Ok(v) => map(v),
                Err(e) => UiEvent::QueryFailed(format!("{e:#}")),
            };
            let _ = tx.send(event);
            repaint();
        });
    }

    /// A page of runs.
    pub fn query_runs(&self, query: RunQuery) {
        let q = query.clone();
        self.query(move |s| s.runs(&q), move |runs| UiEvent::Runs { query, runs });
    }

    /// Every result of one run.
    pub fn query_run_results(&self, run_id: RunId) {
        self.query(
            move |s| {
                let results = s.results(run_id)?;
                let mut started = std::collections::HashMap::new();
                for r in &results {
                    if !started.contains_key(&r.conversation_hash)
                        && let Some(t) =
                            s.conversation(&r.conversation_hash)?.and_then(|c| c.metadata.started_at)
                    {
                        started.insert(r.conversation_hash.clone(), t);
                    }
                }
                Ok((results, started))
            },
            move |(results, started)| UiEvent::RunResults { run_id, results, started },
        );
    }

    /// The newest stored result for each conversation under one spec version.
    pub fn query_latest(&self, spec_hash: String, hashes: Vec<String>) {
        let h = spec_hash.clone();
        self.query(
            move |s| {
                let mut out = Vec::new();
                for c in &hashes {
                    if let Some(r) = s.latest(&h, c)? {
                        out.push(r);
                    }
                }
                Ok(out)
            },
            move |results| UiEvent::Latest { spec_hash, results },
        );
    }

    /// A stored spec version.
    pub fn query_spec(&self, hash: String) {
        let h = hash.clone();
        self.query(move |s| s.spec(&h), move |spec| UiEvent::Spec { hash, spec });
    }

    /// Compare run `a` with run `b` (labels from `expected` and the runs' own transcripts). The
    /// work runs on a blocking thread: it reads both runs whole.
    pub fn query_compare(&self, a: RunId, b: RunId, expected: Option<PathBuf>) {
        self.query(
            move |s| Ok(compare_runs(s, a, b, expected.as_deref())),
            move |result| UiEvent::Compared { a, b, result: result.map(Box::new) },
        );
    }

    /// Earlier results for one conversation's content.
    pub fn query_conversation_history(&self, content_hash: String) {
        let h = content_hash.clone();
        self.query(
            move |s| s.results_for_conversation(&h, 200),
            move |results| UiEvent::ConversationHistory { content_hash, results },
        );
    }
}

/// Load two runs, their specs and labels, and compare them; every failure is a message.
fn compare_runs(
    store: &crate::store::Store,
    a: RunId,
    b: RunId,
    expected: Option<&std::path::Path>,
) -> Result<crate::core::compare::Comparison, String> {
    use crate::core::compare::{RunSide, compare};
    let load = |run: RunId| -> Result<(Vec<StoredResult>, AnalysisSpec), String> {
        let results = store.results(run).map_err(|e| e.to_string())?;
        let first = results.first().ok_or_else(|| format!("run {run} has no results"))?;
        let spec = store
            .spec(&first.spec_hash)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the spec of run {run} is missing from the history"))?;
        Ok((results, spec))
    };
    let (ra, sa) = load(a)?;
    let (rb, sb) = load(b)?;
    let (xa, xb) = (result_refs(&ra), result_refs(&rb));
    let labels = match expected.filter(|p| p.is_file()) {
        Some(path) => Some(crate::core::eval::load_expected(path).map_err(|e| e.to_string())?),
        None => None,
    };
    compare(RunSide { spec: &sa, results: &xa }, RunSide { spec: &sb, results: &xb }, labels.as_ref())
        .map_err(|e| e.to_string())
}

fn result_refs(results: &[StoredResult]) -> Vec<crate::core::compare::ResultRef<'_>> {
    results
        .iter()
        .map(|r| crate::core::compare::ResultRef {
            content_hash: &r.conversation_hash,
            conversation_id: &r.outcome.conversation_id,
            outcome: &r.outcome,
        })
        .collect()
}
