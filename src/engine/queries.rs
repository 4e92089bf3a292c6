//! The read side of the engine: runs, results, latest result per conversation, conversation
//! history, spec versions, labels and run comparison.
//!
//! Every front end reads through these (the GUI bridge on a blocking thread, the CLI directly,
//! the server's handlers through [`Engine::blocking`]), so "the results of run 7" or "the newest
//! result for this conversation" mean the same everywhere. Calls are synchronous: each locks the
//! store for one query and returns owned data.

use super::{Engine, EngineError};
use crate::core::compare::{self, Comparison, ResultRef, RunSide};
use crate::core::eval::{self, LabelSet};
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use crate::store::{
    AttemptRow, DeliveryCounts, DeliveryQuery, DeliveryRow, RunId, RunQuery, RunSummary, StoredResult,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What `debrief runs` suggests when a run id is unknown.
const RUNS_HINT: &str = "`debrief runs` lists the runs";

impl Engine {
    /// A page of runs with their aggregates, newest first.
    pub fn runs(&self, query: &RunQuery) -> Result<Vec<RunSummary>, EngineError> {
        self.with(|s| s.runs(query))
    }

    /// One run with its aggregates, or `NotFound`.
    pub fn run_summary(&self, run_id: RunId) -> Result<RunSummary, EngineError> {
        self.with(|s| s.run(run_id))?
            .ok_or_else(|| EngineError::not_found(format!("run {run_id}"), RUNS_HINT))
    }

    /// Every result of a run, in the order they were recorded (empty for an unknown run).
    pub fn run_results(&self, run_id: RunId) -> Result<Vec<StoredResult>, EngineError> {
        self.with(|s| s.results(run_id))
    }

    /// A run's results and the spec version they were made with. A run without results cannot be
    /// scored or compared, so it is an error here.
    pub fn run_with_spec(&self, run_id: RunId) -> Result<(Vec<StoredResult>, AnalysisSpec), EngineError> {
        self.spec_of(run_id, self.run_results(run_id)?)
    }

    /// [`Engine::run_with_spec`] without the attempt logs (`outcome.attempts` empty): what
    /// evaluation and comparison need, read without decoding every request body.
    pub fn run_for_scoring(&self, run_id: RunId) -> Result<(Vec<StoredResult>, AnalysisSpec), EngineError> {
        self.spec_of(run_id, self.with(|s| s.results_for_scoring(run_id))?)
    }

    /// Call `f` with each result of a run in recorded order, one at a time (`runs show`
    /// streams with this; memory does not grow with the run).
    pub fn each_result(
        &self,
        run_id: RunId,
        f: impl FnMut(StoredResult) -> Result<(), crate::store::StoreError>,
    ) -> Result<(), EngineError> {
        self.with(|s| s.each_result(run_id, f))
    }

    /// `results` with the spec version of their run; an empty run is an error.
    fn spec_of(
        &self,
        run_id: RunId,
        results: Vec<StoredResult>,
    ) -> Result<(Vec<StoredResult>, AnalysisSpec), EngineError> {
        let Some(first) = results.first() else {
            return Err(EngineError::EmptyRun(run_id));
        };
        let hash = first.spec_hash.clone();
        let spec = self.spec(&hash)?.ok_or_else(|| {
            EngineError::not_found(
                format!("the spec version {hash} of run {run_id}"),
                "the history may have been edited by hand",
            )
        })?;
        Ok((results, spec))
    }

    /// Conversation content hash → its `started_at`, for the results' conversations whose source
    /// recorded one (the dashboard's sentiment over time).
    pub fn start_times(&self, results: &[StoredResult]) -> Result<HashMap<String, String>, EngineError> {
        self.with(|s| {
            let mut started = HashMap::new();
            let mut seen = HashSet::new();
            for r in results {
                if seen.insert(r.conversation_hash.as_str())
                    && let Some(t) = s.conversation(&r.conversation_hash)?.and_then(|c| c.metadata.started_at)
                {
                    started.insert(r.conversation_hash.clone(), t);
                }
            }
            Ok(started)
        })
    }

    /// The newest stored result for each of these conversations under one spec version.
    pub fn latest_for(&self, spec_hash: &str, hashes: &[String]) -> Result<Vec<StoredResult>, EngineError> {
        self.with(|s| {
            let mut out = Vec::new();
            for c in hashes {
                if let Some(r) = s.latest(spec_hash, c)? {
                    out.push(r);
                }
            }
            Ok(out)
        })
    }

    /// A stored spec version.
    pub fn spec(&self, hash: &str) -> Result<Option<AnalysisSpec>, EngineError> {
        self.with(|s| s.spec(hash))
    }

    /// A stored conversation by content hash.
    pub fn conversation(&self, content_hash: &str) -> Result<Option<Conversation>, EngineError> {
        self.with(|s| s.conversation(content_hash))
    }

    /// The newest `limit` results for one conversation's content, across runs and specs.
    pub fn conversation_history(
        &self,
        content_hash: &str,
        limit: usize,
    ) -> Result<Vec<StoredResult>, EngineError> {
        self.with(|s| s.results_for_conversation(content_hash, limit))
    }

    /// The distinct conversations behind `results` (by content), for labels embedded in
    /// transcripts: ids, sources and labels only, without turns (scoring needs nothing else,
    /// and a large run's transcripts would not fit in memory). When a transcript was edited between runs (same id, new content) the first
    /// version is kept: only one of them can be paired with a label anyway.
    pub fn conversations_of<'a>(
        &self,
        results: impl IntoIterator<Item = &'a StoredResult>,
    ) -> Result<Vec<Conversation>, EngineError> {
        self.with(|s| {
            let labelled = s.has_embedded_labels()?;
            let mut seen = HashSet::new();
            let mut ids = HashSet::new();
            let mut conversations = Vec::new();
            for r in results {
                if seen.insert(r.conversation_hash.as_str()) && ids.insert(r.outcome.conversation_id.as_str())
                {
                    // The result carries the conversation's id and source; only its embedded
                    // labels are looked up.
                    conversations.push(Conversation {
                        id: r.outcome.conversation_id.clone(),
                        turns: Vec::new(),
                        metadata: Default::default(),
                        expected: if labelled { s.embedded_labels(&r.conversation_hash)? } else { None },
                        source: r.outcome.source.clone(),
                    });
                }
            }
            Ok(conversations)
        })
    }

    /// Compare run `a` with run `b` on their shared conversations, scoring both against the
    /// labels in `expected` (if given) and those embedded in either run's transcripts.
    pub fn compare_runs(
        &self,
        a: RunId,
        b: RunId,
        expected: Option<&Path>,
    ) -> Result<Comparison, EngineError> {
        let (results_a, spec_a) = self.run_for_scoring(a)?;
        let (results_b, spec_b) = self.run_for_scoring(b)?;
        let conversations = self.conversations_of(results_a.iter().chain(&results_b))?;
        let labels = self.labels(expected, &conversations)?.set;
        let (refs_a, refs_b) = (result_refs(&results_a), result_refs(&results_b));
        compare::compare(
            RunSide { spec: &spec_a, results: &refs_a },
            RunSide { spec: &spec_b, results: &refs_b },
            (!labels.is_empty()).then_some(&labels),
        )
        .map_err(|cause| EngineError::Compare { a, b, cause })
    }
}

impl Engine {
    /// The webhook delivery log, newest first.
    pub fn deliveries(&self, query: &DeliveryQuery) -> Result<Vec<DeliveryRow>, EngineError> {
        self.with(|s| s.deliveries(query))
    }

    /// Every attempt of one delivery, in order.
    pub fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<AttemptRow>, EngineError> {
        self.with(|s| s.delivery_attempts(delivery_id))
    }

    /// Deliveries per state.
    pub fn delivery_counts(&self) -> Result<DeliveryCounts, EngineError> {
        self.with(|s| s.delivery_counts())
    }

    /// Intake rows queued and running.
    pub fn intake_open(&self) -> Result<(u64, u64), EngineError> {
        self.with(|s| s.intake_open())
    }
}

/// Labels from `file` (if any) merged with those embedded in `conversations`. A conversation
/// labelled in both is an error, not a silent choice.
pub fn labels(file: Option<&Path>, conversations: &[Conversation]) -> Result<LabelSet, EngineError> {
    let mut labels = match file {
        Some(path) => eval::load_expected(path)?,
        None => LabelSet::default(),
    };
    labels.merge(LabelSet::from_conversations(conversations)?)?;
    Ok(labels)
}

/// What `core::compare` needs of each stored result.
fn result_refs(results: &[StoredResult]) -> Vec<ResultRef<'_>> {
    results
        .iter()
        .map(|r| ResultRef {
            content_hash: &r.conversation_hash,
            conversation_id: &r.outcome.conversation_id,
            outcome: &r.outcome,
        })
        .collect()
}
