//! `batch --via batch-api`: submit a corpus to the provider's batch API, wait for it, and hand
//! its answers to the normal run.
//!
//! The order is what makes it safe to kill at any point: the request bodies are built by the
//! normal providers' builders; each job is recorded in `batch_jobs` the moment the provider
//! returns its id (before any waiting); a later run on the same spec version, corpus and
//! endpoint finds those rows and polls them instead of submitting again (only parts that never
//! got an id are submitted). Polling backs off from `poll` to at most [`MAX_POLL`] and gives up
//! after `max_wait` (the jobs keep running; run again to resume). Once every job has ended, the
//! results are read and served through [`answers::Answered`] to the normal run, which
//! validates, repairs, costs and commits each like a normal call.

pub mod answers;

use super::{EngineError, SharedStore, with_store};
use crate::core::prompt;
use crate::core::schema::dialect::schema_name;
use crate::core::spec::{AnalysisSpec, Tuning};
use crate::core::transcript::Conversation;
use crate::llm::batch::{BatchClient, BatchRequest, ItemResult, JobStatus};
use crate::llm::{CompletionRequest, Provider, ProviderConfig};
use crate::store::{BatchItem, BatchJob, NewBatchJob};
use answers::{Answer, Answered};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Longest wait between two polls of a job.
pub const MAX_POLL: Duration = Duration::from_secs(300);
/// Part numbers per submission: part `g * this + n` is the `n`th job of submission `g`.
const PARTS_PER_GENERATION: u32 = 100_000;
/// How long a run waits by default: the providers' 24-hour window and an hour's slack.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(25 * 3600);

/// How a batch-API run waits.
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    /// The first wait between polls; doubled after each poll up to [`MAX_POLL`].
    pub poll: Duration,
    /// Give up waiting after this long (the jobs keep running remotely).
    pub max_wait: Duration,
}

/// What waiting for the jobs came to.
pub enum Collected {
    /// Every job ended: run the normal run with this provider (it answers from the batch).
    Ready { provider: Arc<dyn Provider>, jobs: Vec<BatchJob> },
    /// Stopped waiting (Ctrl-C, or `max_wait`): the jobs run on; the same command resumes.
    Detached { jobs: Vec<BatchJob> },
}

/// Submit (or find) the jobs for `conversations`, wait for them, and read their answers.
/// `fresh` submits new jobs even where jobs for this corpus exist. `progress` hears each poll.
#[allow(clippy::too_many_arguments)]
pub async fn collect(
    store: &SharedStore,
    config: &ProviderConfig,
    real: Arc<dyn Provider>,
    spec: &AnalysisSpec,
    conversations: &[Conversation],
    fresh: bool,
    waiting: Waiting,
    stop: &CancellationToken,
    progress: &(dyn Fn(&BatchJob) + Send + Sync),
) -> Result<Collected, EngineError> {
    let client = BatchClient::new(config)?;
    let (requests, items) = build_requests(&client, real.as_ref(), spec, conversations)?;
    let spec_hash = spec.version_hash();
    let corpus_hash = corpus_hash(&items);
    let endpoint = client.endpoint();
    let (s, c, e) = (spec_hash.clone(), corpus_hash.clone(), endpoint.clone());
    let earlier = with_store(store, move |st| st.batch_jobs_for(&s, &c, &e)).await?;
    // Parts of one submission share a generation; a rerun resumes the latest, --fresh starts one.
    let latest = earlier.iter().map(|j| j.part / PARTS_PER_GENERATION).max();
    let generation = match (latest, fresh) {
        (Some(g), true) => g + 1,
        (Some(g), false) => g,
        (None, _) => 0,
    };
    let mut jobs: Vec<BatchJob> =
        earlier.into_iter().filter(|j| !fresh && j.part / PARTS_PER_GENERATION == generation).collect();
    let first_part = generation * PARTS_PER_GENERATION;
    let by_id: HashMap<&str, &BatchItem> = items.iter().map(|i| (i.custom_id.as_str(), i)).collect();
    for (n, part) in client.split(requests).into_iter().enumerate() {
        let part_no = first_part + n as u32;
        if jobs.iter().any(|j| j.part == part_no) {
            continue;
        }
        let submitted = client.submit(&spec.model, &part).await?;
        let new = NewBatchJob {
            provider: client.kind.as_str().to_string(),
            model: spec.model.clone(),
            endpoint: endpoint.clone(),
            spec_hash: spec_hash.clone(),
            corpus_hash: corpus_hash.clone(),
            part: part_no,
            remote_id: submitted.remote_id,
            input_file_id: submitted.input_file_id,
            state: submitted.state,
            items: part
                .iter()
                .filter_map(|r| by_id.get(r.custom_id.as_str()).map(|i| (*i).clone()))
                .collect(),
        };
        let id = with_store(store, move |st| st.insert_batch_job(&new)).await?;
        let job = with_store(store, move |st| st.batch_job(id)).await?;
        jobs.extend(job);
    }
    let Some(ended) = wait(store, &client, jobs, waiting, stop, progress).await? else {
        let (s, c, e) = (spec_hash, corpus_hash, endpoint);
        let jobs = with_store(store, move |st| st.batch_jobs_for(&s, &c, &e)).await?;
        return Ok(Collected::Detached { jobs });
    };
    let mut answers = HashMap::new();
    for (job, status) in &ended {
        let results = client.results(&job.remote_id, status).await?;
        let hashes: HashMap<&str, &str> =
            job.items.iter().map(|i| (i.custom_id.as_str(), i.conversation_hash.as_str())).collect();
        for (custom_id, result) in results {
            let Some(hash) = hashes.get(custom_id.as_str()) else { continue };
            if let Some(answer) = answer(result, job) {
                answers.insert(hash.to_string(), answer);
            }
        }
        if cancelled(&status.state) {
            // Requests a cancelled job never ran: reported, not paid for at the full price.
            for item in &job.items {
                answers
                    .entry(item.conversation_hash.clone())
                    .or_insert_with(|| Answer::Report(cancel_text(job)));
            }
        }
    }
    let jobs = ended.into_iter().map(|(j, _)| j).collect();
    Ok(Collected::Ready { provider: Arc::new(Answered::new(real, answers)), jobs })
}

/// One request per distinct conversation, with its body built as the normal call builds it.
fn build_requests(
    client: &BatchClient,
    real: &dyn Provider,
    spec: &AnalysisSpec,
    conversations: &[Conversation],
) -> Result<(Vec<BatchRequest>, Vec<BatchItem>), EngineError> {
    let compiled = crate::core::schema::compile(&spec.schema, &spec.name)?;
    let asked = if spec.evidence {
        crate::core::evidence::augment(compiled.schema())
    } else {
        compiled.schema().clone()
    };
    let (name, tuning) = (schema_name(&spec.name), Tuning::of(spec));
    let mut seen = std::collections::HashSet::new();
    let (mut requests, mut items) = (Vec::new(), Vec::new());
    for original in conversations {
        // Keyed by the text as sent: the replay in `answers` looks the answer up by the
        // conversation the engine sends, which is the redacted one when the spec redacts.
        let sent = crate::core::redact::apply(spec, original);
        let conversation: &Conversation = &sent;
        let hash = conversation.content_hash();
        if !seen.insert(hash.clone()) {
            continue;
        }
        let messages = prompt::messages(spec, conversation, real.prompt_options());
        let request = CompletionRequest {
            model: &spec.model,
            messages: &messages,
            schema: &asked,
            schema_name: &name,
            temperature: spec.temperature,
            max_output_tokens: spec.max_output_tokens,
            conversation,
            prompt: &spec.prompt,
            tuning: &tuning,
        };
        let custom_id = format!("c{}", items.len());
        requests.push(BatchRequest { custom_id: custom_id.clone(), body: client.request_body(&request) });
        items.push(BatchItem {
            custom_id,
            conversation_hash: hash,
            conversation_id: conversation.id.clone(),
        });
    }
    Ok((requests, items))
}

/// The corpus's identity: its conversations' hashes in order.
fn corpus_hash(items: &[BatchItem]) -> String {
    let mut hasher = sha2::Sha256::new();
    for i in items {
        hasher.update(i.conversation_hash.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// Poll every job until all have ended (`Some`, with their last status) or waiting stops.
async fn wait(
    store: &SharedStore,
    client: &BatchClient,
    jobs: Vec<BatchJob>,
    waiting: Waiting,
    stop: &CancellationToken,
    progress: &(dyn Fn(&BatchJob) + Send + Sync),
) -> Result<Option<Vec<(BatchJob, JobStatus)>>, EngineError> {
    let started = Instant::now();
    let mut delay = waiting.poll;
    let mut pending: Vec<BatchJob> = jobs;
    let mut ended = Vec::new();
    loop {
        let mut still = Vec::new();
        for job in pending {
            let status = client.status(&job.remote_id).await?;
            let job = record(store, job.id, &status).await?;
            progress(&job);
            if status.terminal { ended.push((job, status)) } else { still.push(job) }
        }
        pending = still;
        if pending.is_empty() {
            return Ok(Some(ended));
        }
        if started.elapsed() + delay > waiting.max_wait {
            return Ok(None);
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.cancelled() => return Ok(None),
        }
        delay = (delay * 2).min(MAX_POLL.max(waiting.poll));
    }
}

/// Store a job's latest status and read the row back.
async fn record(store: &SharedStore, id: i64, status: &JobStatus) -> Result<BatchJob, EngineError> {
    let status = status.clone();
    let job = with_store(store, move |s| {
        s.update_batch_job(
            id,
            &status.state,
            &status.counts,
            status.output_ref.as_deref(),
            status.error_ref.as_deref(),
        )?;
        s.batch_job(id)
    })
    .await?;
    job.ok_or_else(|| EngineError::not_found(format!("batch job {id}"), "see `debrief jobs`"))
}

/// What one result means for its conversation: `None` sends it as a normal call.
fn answer(result: ItemResult, job: &BatchJob) -> Option<Answer> {
    match result {
        ItemResult::Succeeded(completion) => Some(Answer::Reply(completion)),
        ItemResult::Failed(why) if why.contains("canceled") || why.contains("cancelled") => {
            Some(Answer::Report(format!("{why}; {}", cancel_text(job))))
        }
        // Errored or expired: repaired by a normal call.
        ItemResult::Failed(_) => None,
    }
}

fn cancelled(state: &str) -> bool {
    let s = state.to_ascii_lowercase();
    s.contains("cancel")
}

fn cancel_text(job: &BatchJob) -> String {
    format!(
        "batch job {} ({} {}) was cancelled before this request ran; run `debrief batch` without --via batch-api (or with --fresh) to analyse it",
        job.id, job.provider, job.remote_id
    )
}

/// Cancel a stored job at the provider and record its state; returns the job as it is now.
pub async fn cancel(store: &SharedStore, config: &ProviderConfig, id: i64) -> Result<BatchJob, EngineError> {
    let job = with_store(store, move |s| s.batch_job(id))
        .await?
        .ok_or_else(|| EngineError::not_found(format!("batch job {id}"), "see `debrief jobs` for the ids"))?;
    let client = BatchClient::new(config)?;
    let status = client.cancel(&job.remote_id).await?;
    record(store, id, &status).await
}

impl super::Engine {
    /// The newest provider batch-API jobs (at most `limit`), for `debrief jobs` and the GUI.
    pub fn batch_jobs(&self, limit: usize) -> Result<Vec<BatchJob>, EngineError> {
        self.with(|s| s.batch_jobs(limit))
    }

    /// One batch-API job by its id.
    pub fn batch_job(&self, id: i64) -> Result<Option<BatchJob>, EngineError> {
        self.with(|s| s.batch_job(id))
    }

    /// Note the run the jobs' results were stored under.
    pub fn link_batch_jobs(&self, jobs: &[BatchJob], run_id: i64) -> Result<(), EngineError> {
        self.with(|s| jobs.iter().try_for_each(|j| s.set_batch_job_run(j.id, run_id)))
    }

    /// Cancel a job at the provider (see [`cancel`]).
    pub async fn cancel_batch_job(&self, config: &ProviderConfig, id: i64) -> Result<BatchJob, EngineError> {
        cancel(self.store(), config, id).await
    }

    /// Submit or resume the jobs for a corpus and wait for them (see [`collect`]).
    #[allow(clippy::too_many_arguments)]
    pub async fn collect_batch(
        &self,
        config: &ProviderConfig,
        real: Arc<dyn Provider>,
        spec: &AnalysisSpec,
        conversations: &[Conversation],
        fresh: bool,
        waiting: Waiting,
        stop: &CancellationToken,
        progress: &(dyn Fn(&BatchJob) + Send + Sync),
    ) -> Result<Collected, EngineError> {
        collect(self.store(), config, real, spec, conversations, fresh, waiting, stop, progress).await
    }
}
