//! Live data the panels draw: loaded conversations, the schema check, results, run progress,
//! history pages. Built from events and edits; never saved (the history database is the record).

use super::state::{Draft, UiState};
use crate::core::cost::{self, PriceTable};
use crate::core::outcome::{Estimate, Outcome, Status};
use crate::core::prompt;
use crate::core::schema::{self, SchemaError, dialect};
use crate::core::transcript::Conversation;
use crate::engine::CancellationToken;
use crate::store::{RunId, RunQuery, RunSummary, StoredResult};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// What a cached estimate was computed from: (spec version, conversation content hash). The
/// caches below keep their inputs as typed keys, compared by value, not as formatted strings.
pub type EstimateKey = (String, String);
/// (spec version, conversation content hash, base URL).
pub type PreviewKey = (String, String, Option<String>);
/// (spec version, conversations listed, first listed conversation's hash).
pub type ProjectionKey = (String, usize, Option<String>);
/// (open run, its results, the rules, the run schema's fields).
pub type ReviewKey = (Option<RunId>, usize, Vec<crate::core::rules::Rule>, Option<Vec<String>>);

/// A result fetched in the background: not asked for, on its way (for which key), or here.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Requested<K, V> {
    #[default]
    NotAsked,
    Pending(K),
    Ready(K, V),
}

impl<K: PartialEq, V> Requested<K, V> {
    /// The value, when it is here for `key`.
    pub fn ready_for(&self, key: &K) -> Option<&V> {
        match self {
            Requested::Ready(k, v) if k == key => Some(v),
            _ => None,
        }
    }

    /// Whether `key` was asked for already (pending or here).
    pub fn asked(&self, key: &K) -> bool {
        matches!(self, Requested::Pending(k) | Requested::Ready(k, _) if k == key)
    }
}

/// A conversation in the left list.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub conversation: Conversation,
    pub hash: String,
}

/// One problem with the schema text, located for the editor.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub pointer: Option<String>,
    pub message: String,
}

impl Problem {
    /// "line 3, column 18: …" or "/properties/topic/type: …".
    pub fn text(&self) -> String {
        match (&self.line, &self.column, &self.pointer) {
            (Some(l), Some(c), _) => format!("line {l}, column {c}: {}", self.message),
            (_, _, Some(p)) => format!("{}: {}", schema::display_pointer(p), self.message),
            _ => self.message.clone(),
        }
    }
}

/// The draft's schema, checked as it is typed.
#[derive(Debug, Default)]
pub struct SchemaCheck {
    text: String,
    /// The parsed schema when the text is valid JSON.
    pub parsed: Option<Value>,
    /// Empty when the schema is usable.
    pub problems: Vec<Problem>,
}

impl SchemaCheck {
    pub fn is_ok(&self) -> bool {
        self.parsed.is_some() && self.problems.is_empty()
    }
}

/// A run started from this window.
#[derive(Debug)]
pub struct RunProgress {
    pub run_id: Option<RunId>,
    pub spec_hash: String,
    pub planned: usize,
    pub done: usize,
    /// Not ok and not skipped.
    pub failed: usize,
    /// Left out by the spec's policy.
    pub skipped: usize,
    /// Stored results reused instead of called again.
    pub reused: usize,
    pub cost_usd: f64,
    pub started: std::time::Instant,
    pub cancel: CancellationToken,
    /// The newest retry being waited out: (conversation, next try, most tries, when it starts,
    /// why the last try failed).
    pub retrying: Option<(String, u32, u32, std::time::Instant, String)>,
}

impl RunProgress {
    pub fn new(spec_hash: String, planned: usize, cancel: CancellationToken) -> RunProgress {
        RunProgress {
            run_id: None,
            spec_hash,
            planned,
            done: 0,
            failed: 0,
            skipped: 0,
            reused: 0,
            retrying: None,
            cost_usd: 0.0,
            started: std::time::Instant::now(),
            cancel,
        }
    }

    /// Time left, from the pace of the calls so far (reused and skipped results are instant,
    /// so they are left out of the pace). `None` until one call has finished.
    pub fn eta(&self) -> Option<std::time::Duration> {
        let called = self.done.saturating_sub(self.reused + self.skipped);
        if called == 0 || self.done >= self.planned {
            return None;
        }
        let per_call = self.started.elapsed().as_secs_f64() / called as f64;
        Some(std::time::Duration::from_secs_f64(per_call * (self.planned - self.done) as f64))
    }
}

/// The History view's data.
#[derive(Debug, Default)]
pub struct HistoryModel {
    pub query: RunQuery,
    pub runs: Vec<RunSummary>,
    /// Provider batch-API jobs (`batch --via batch-api`), newest first.
    pub batch_jobs: Vec<crate::store::BatchJob>,
    pub loading: bool,
    pub open_run: Option<RunId>,
    pub results: Vec<StoredResult>,
    pub selected: usize,
    /// The open run's spec version and schema, for drawing its results field by field.
    pub spec: Option<(String, Value)>,
    /// Results list or dashboard for the open run.
    pub tab: RunTab,
    /// Conversation content hash → `started_at`, for the sentiment trend.
    pub started: HashMap<String, String>,
    /// Built once the run's results and schema are both here (not every frame).
    pub dashboard: Option<crate::core::dashboard::Dashboard>,
    /// The open run scored against labels (files, embedded, reviewers), or why it could not be.
    pub evaluation: Option<Result<Box<crate::engine::labels::RunEvaluation>, String>>,
    /// The open run's review queue under the current rules: (cache key, queue, one compile
    /// error per rule that does not compile, shown under it).
    pub review: Option<(ReviewKey, crate::core::rules::ReviewQueue, Vec<Option<String>>)>,
    /// Per rule, the fields it reads that the open run's schema does not have (why it matches
    /// nothing).
    pub review_missing: Vec<Vec<String>>,
    /// The run the open one is compared with (chosen in the Compare tab).
    pub compare_with: Option<RunId>,
    /// The comparison of the open run (A) with `compare_with` (B), as text, or why not.
    pub comparison: Option<(RunId, Result<String, String>)>,
    /// The transcript of the selected result, by content hash.
    pub transcript: Requested<String, Conversation>,
}

/// What the History run browser shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RunTab {
    #[default]
    Results,
    Dashboard,
    Evaluation,
    Review,
    Compare,
}

impl HistoryModel {
    /// Rebuild the review queue when the rules or the run's results changed (not every frame).
    pub fn refresh_review(&mut self, rules: &[crate::core::rules::Rule]) {
        let schema_fields = self.spec.as_ref().map(|(_, s)| crate::core::schema::top_level_fields(s));
        let key: ReviewKey = (self.open_run, self.results.len(), rules.to_vec(), schema_fields.clone());
        if self.review.as_ref().is_some_and(|(k, ..)| *k == key) {
            return;
        }
        let checked = crate::core::rules::check_against(rules, schema_fields.as_deref());
        let mut compiled = Vec::new();
        let mut errors = Vec::new();
        self.review_missing.clear();
        for c in checked {
            match c {
                crate::core::rules::Checked::Ok { rule, missing } => {
                    self.review_missing.push(missing);
                    compiled.push(rule);
                    errors.push(None);
                }
                crate::core::rules::Checked::Error(message) => {
                    self.review_missing.push(Vec::new());
                    errors.push(Some(message));
                }
            }
        }
        let items = self.results.iter().map(|r| (r.outcome.conversation_id.clone(), &r.outcome));
        let queue = crate::core::rules::review_queue(items, &compiled);
        self.review = Some((key, queue, errors));
    }

    /// Move the selection to the next (`delta` > 0) or previous queued conversation.
    pub fn move_in_review(&mut self, delta: i32) {
        let Some((_, queue, _)) = &self.review else { return };
        if queue.items.is_empty() {
            return;
        }
        let pos = queue.items.iter().position(|i| i.index == self.selected);
        let next = match pos {
            Some(p) => (p as i64 + delta as i64).clamp(0, queue.items.len() as i64 - 1) as usize,
            None => 0,
        };
        self.selected = queue.items[next].index;
    }

    /// Rebuild the dashboard when the open run's results and its schema are both loaded.
    pub fn rebuild_dashboard(&mut self) {
        self.dashboard = None;
        self.evaluation = None;
        let Some((hash, schema)) = &self.spec else { return };
        if self.results.first().is_none_or(|r| r.spec_hash != *hash) {
            return;
        }
        let rows: Vec<crate::core::dashboard::RunRow<'_>> = self
            .results
            .iter()
            .filter(|r| r.outcome.status == crate::core::outcome::Status::Ok)
            .filter_map(|r| {
                Some(crate::core::dashboard::RunRow {
                    conversation_id: &r.outcome.conversation_id,
                    conversation_hash: &r.conversation_hash,
                    started_at: self.started.get(&r.conversation_hash).map(String::as_str),
                    analysis: r.outcome.analysis.as_ref()?,
                })
            })
            .collect();
        let dashboard = crate::core::dashboard::for_run(schema, &rows);
        self.dashboard = Some(dashboard);
    }
}

/// Everything live.
#[derive(Default)]
pub struct Model {
    pub conversations: Vec<Loaded>,
    pub import_errors: Vec<String>,
    /// Imports in flight.
    pub importing: usize,
    pub check: SchemaCheck,
    /// Version hash of the draft, when its schema is usable.
    pub spec_hash: Option<String>,
    /// Latest outcome per (spec version, conversation content).
    pub outcomes: HashMap<(String, String), Outcome>,
    pub run: Option<RunProgress>,
    /// Errors and messages the user should see, newest last.
    pub notices: Vec<String>,
    pub history: HistoryModel,
    /// Earlier results of the selected conversation.
    pub conversation_history: Option<(String, Vec<StoredResult>)>,
    /// A stored result picked in the History tab, shown instead of the latest.
    pub pinned: Option<StoredResult>,
    /// Estimate for the current selection: (cache key, estimate, exact counts).
    pub estimate: Option<(EstimateKey, Estimate, bool)>,
    pub data_dir: PathBuf,
    pub title: String,
    /// "What would be sent" for the selection: (cache key, preview, pretty body). Built once
    /// per change, not every frame the Raw tab is drawn.
    pub preview: Option<(PreviewKey, crate::llm::RequestPreview, String)>,
    /// The cost projection for the listed conversations: (cache key, estimate for them all,
    /// projection input, one row per priced model). Built only while its window is open.
    pub projection: Option<(
        ProjectionKey,
        Estimate,
        crate::core::cost::projection::ProjectionInput,
        Vec<crate::core::cost::projection::ProjectionRow>,
    )>,
    /// The spec version whose stored results were last fetched for the loaded conversations.
    pub latest_for: Option<String>,
    /// The draft `spec_hash` was computed from (hashing every frame would cost time on big
    /// schemas).
    hashed: Option<Draft>,
    /// When a large schema's text first differed from the last check (checks are debounced).
    pending_since: Option<std::time::Instant>,
    /// Linter findings for the draft's schema and provider.
    pub lint: LintCache,
    /// The Server and Deliveries views.
    pub pipeline: super::pipeline::PipelineModel,
    /// Reviewers' current labels of the conversations in view, by conversation id.
    pub labels: HashMap<String, Vec<crate::store::Label>>,
    /// Why the last run could not start or failed as a whole, shown in the result panel.
    pub run_failure: Option<String>,
    /// The provider key variables set in the environment, read once at start (not every frame).
    pub env_keys: std::collections::HashSet<&'static str>,
    /// The providers' base URLs from the environment, read once at start.
    pub env_base_urls: HashMap<crate::core::spec::ProviderKind, String>,
}

/// Schemas larger than this are checked after a pause in typing, not on every keystroke.
const DEBOUNCE_BYTES: usize = 20_000;
/// The pause.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(300);

impl Model {
    pub fn notice(&mut self, text: impl Into<String>) {
        self.notices.push(text.into());
    }

    /// Re-check the schema when its text changed. Returns how long to wait before checking
    /// again when a large schema's check was postponed (the caller schedules a repaint).
    pub fn recheck(&mut self, draft: &Draft) -> Option<std::time::Duration> {
        let checked = self.check.parsed.is_some() || !self.check.problems.is_empty();
        if self.check.text != draft.schema_text || !checked {
            if draft.schema_text.len() > DEBOUNCE_BYTES && checked {
                let since = *self.pending_since.get_or_insert_with(std::time::Instant::now);
                let waited = since.elapsed();
                if waited < DEBOUNCE {
                    return Some(DEBOUNCE - waited);
                }
            }
            self.pending_since = None;
            self.check = check_schema(&draft.schema_text);
            self.hashed = None;
        }
        self.refresh_hash(draft);
        self.lint.refresh(&self.check, draft.provider);
        None
    }

    fn refresh_hash(&mut self, draft: &Draft) {
        if self.hashed.as_ref() == Some(draft) {
            return;
        }
        self.spec_hash = match (&self.check.parsed, self.check.problems.is_empty()) {
            (Some(schema), true) => Some(draft.to_spec(schema.clone()).version_hash()),
            _ => None,
        };
        self.hashed = Some(draft.clone());
    }

    /// The selected conversation, when it is loaded.
    pub fn selected<'a>(&'a self, state: &UiState) -> Option<&'a Loaded> {
        let hash = state.selected.as_ref()?;
        self.conversations.iter().find(|c| &c.hash == hash)
    }

    /// The outcome to show for the selected conversation: a pinned stored result, else the
    /// latest for the current spec version.
    pub fn shown_outcome(&self, state: &UiState) -> Option<&Outcome> {
        if let Some(p) = &self.pinned
            && state.selected.as_deref() == Some(p.conversation_hash.as_str())
        {
            return Some(&p.outcome);
        }
        let hash = state.selected.as_ref()?;
        let spec = self.spec_hash.as_ref()?;
        self.outcomes.get(&(spec.clone(), hash.clone()))
    }

    /// Latest status of a conversation for the current spec version.
    pub fn status_of(&self, hash: &str) -> Option<Status> {
        let spec = self.spec_hash.as_ref()?;
        self.outcomes.get(&(spec.clone(), hash.to_string())).map(|o| o.status)
    }

    /// Conversations matching the filter, in list order.
    pub fn visible<'a>(&'a self, filter: &str) -> Vec<&'a Loaded> {
        let f = filter.trim().to_lowercase();
        self.conversations
            .iter()
            .filter(|c| {
                f.is_empty()
                    || c.conversation.id.to_lowercase().contains(&f)
                    || c.conversation.source.to_lowercase().contains(&f)
            })
            .collect()
    }

    /// Recompute the estimate for the selection when anything it depends on changed.
    pub fn refresh_estimate(&mut self, state: &UiState, prices: &PriceTable) {
        // Until the tokenizers are built (in the background, at start) the estimate waits: a
        // frame must never stall ~100 ms on building them. The build repaints when done.
        if !crate::core::cost::tokenizers_ready() {
            return;
        }
        let (Some(schema), Some(hash)) = (self.check.parsed.as_ref(), self.spec_hash.as_ref()) else {
            self.estimate = None;
            return;
        };
        let Some(selected) = self.selected(state) else {
            self.estimate = None;
            return;
        };
        let key: EstimateKey = (hash.clone(), selected.hash.clone());
        if self.estimate.as_ref().is_some_and(|(k, _, _)| *k == key) {
            return;
        }
        let spec = state.draft.to_spec(schema.clone());
        let messages =
            prompt::build(&spec, &selected.conversation, prompt::PromptOptions::for_provider(spec.provider));
        let sent =
            dialect::transform_with(dialect::for_provider(spec.provider), &spec.schema, spec.max_text_length);
        let e = cost::estimate(spec.provider, &spec.model, &messages, Some(&sent.schema), prices);
        let e = cost::with_reasoning(e, spec.provider, &spec.model, spec.reasoning_effort.as_deref(), prices);
        let exact = cost::count_tokens(spec.provider, &spec.model, "x").exact;
        self.estimate = Some((key, e, exact));
    }
}

impl Model {
    /// Refresh the projection when its window is open and its inputs changed.
    pub fn refresh_projection(&mut self, state: &UiState, prices: &crate::core::cost::PriceTable) {
        if !crate::core::cost::tokenizers_ready() {
            return;
        }
        let p = state.projection;
        let (Some(schema), Some(hash), true) = (self.check.parsed.as_ref(), self.spec_hash.as_ref(), p.open)
        else {
            return;
        };
        let key: ProjectionKey = {
            let visible = self.visible(&state.filter);
            (hash.clone(), visible.len(), visible.first().map(|c| c.hash.clone()))
        };
        // Counting tokens over every listed conversation is the expensive part; it is redone only
        // when the spec or the list changes. Per-month volume and sampling only rescale it, so
        // dragging those fields never re-tokenizes anything.
        let rate = p.sample_rate.clamp(0.0, 1.0);
        if let Some((k, _, input, rows)) = &mut self.projection
            && *k == key
        {
            if input.per_month != p.per_month || input.sample_rate != rate {
                input.per_month = p.per_month;
                input.sample_rate = rate;
                *rows = crate::core::cost::projection::project(input, prices);
            }
            return;
        }
        let spec = state.draft.to_spec(schema.clone());
        let visible = self.visible(&state.filter);
        let projection = crate::core::cost::projection::from_conversations(
            &spec,
            visible.iter().map(|c| &c.conversation),
            p.per_month,
            Some(rate),
            prices,
        )
        .map(|(total, input)| {
            let rows = crate::core::cost::projection::project(&input, prices);
            (key, total, input, rows)
        });
        self.projection = projection;
    }

    /// Refresh the request preview when the spec version or the selection changed.
    pub fn refresh_preview(&mut self, state: &UiState) {
        let (Some(schema), Some(hash), Some(selected)) =
            (self.check.parsed.as_ref(), self.spec_hash.as_ref(), self.selected(state))
        else {
            self.preview = None;
            return;
        };
        // Typed in Settings, else the environment as read at start (not every frame).
        let kind = state.draft.provider;
        let base_url = state
            .settings
            .base_urls
            .get(kind.as_str())
            .filter(|u| !u.trim().is_empty())
            .cloned()
            .or_else(|| self.env_base_urls.get(&kind).cloned());
        let key: PreviewKey = (hash.clone(), selected.hash.clone(), base_url.clone());
        if self.preview.as_ref().is_some_and(|(k, _, _)| *k == key) {
            return;
        }
        let spec = state.draft.to_spec(schema.clone());
        let preview = crate::llm::preview(spec.provider, &spec, &selected.conversation, base_url.as_deref());
        let text = serde_json::to_string_pretty(&preview.body).unwrap_or_default();
        self.preview = Some((key, preview, text));
    }
}

/// The linter's findings for the checked schema, cached on (schema text, provider): linting
/// walks the whole schema, so it runs when either changes, never every frame.
#[derive(Debug, Default)]
pub struct LintCache {
    key: Option<(String, crate::core::spec::ProviderKind)>,
    /// Sorted by pointer; empty while the text is not valid JSON.
    pub findings: Vec<crate::core::lint::Finding>,
}

impl LintCache {
    fn refresh(&mut self, check: &SchemaCheck, provider: crate::core::spec::ProviderKind) {
        if self.key.as_ref().is_some_and(|(text, p)| *text == check.text && *p == provider) {
            return;
        }
        self.findings = check
            .parsed
            .as_ref()
            .map(|schema| crate::core::lint::lint(schema, Some(provider)))
            .unwrap_or_default();
        self.key = Some((check.text.clone(), provider));
    }
}

/// Parse and compile schema text into located problems.
pub fn check_schema(text: &str) -> SchemaCheck {
    let mut check = SchemaCheck { text: text.to_string(), parsed: None, problems: Vec::new() };
    match schema::parse(text, "schema") {
        Err(SchemaError::Syntax { line, column, message, .. }) => {
            check.problems.push(Problem { line: Some(line), column: Some(column), pointer: None, message });
        }
        Err(e) => {
            check.problems.push(Problem { line: None, column: None, pointer: None, message: e.to_string() })
        }
        Ok(value) => {
            match schema::compile(&value, "schema") {
                Ok(_) => {}
                Err(SchemaError::Meta { problems, .. }) => {
                    check.problems = problems
                        .into_iter()
                        .map(|p| Problem {
                            line: None,
                            column: None,
                            pointer: Some(p.pointer),
                            message: p.message,
                        })
                        .collect();
                }
                Err(e) => check.problems.push(Problem {
                    line: None,
                    column: None,
                    pointer: None,
                    message: strip_origin(&e.to_string()),
                }),
            }
            check.parsed = Some(value);
        }
    }
    check
}

/// Messages start with the origin ("schema: …"); in the editor that is noise.
fn strip_origin(text: &str) -> String {
    text.strip_prefix("schema: ").unwrap_or(text).to_string()
}
