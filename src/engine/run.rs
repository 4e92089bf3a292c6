//! Runs: a spec over a list of conversations, with bounded adaptive concurrency.
//!
//! A run compiles the spec's schema once, records the spec version and a run row, then analyses
//! conversations. Each outcome is committed to SQLite the moment it arrives (on a blocking
//! thread, so the async workers never wait on disk) and only then reported as an event, so
//! whatever a front end has seen is already safe. When the request asks for delivery, the
//! result's webhook deliveries are written in the same transaction as the result (the outbox),
//! so a crash can never keep a result and lose its event.

use super::commit::{Committer, Pending};
use super::events::Announcer;
use super::prepared::Prepared;
use super::source::Conversations;
use super::{EngineError, SharedStore, analyze_prepared, plan, with_store};
use crate::core::cost::PriceTable;
use crate::core::outcome::Outcome;
use crate::core::schema;
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use crate::engine::limit::Limiter;
use crate::llm::Provider;
use crate::store::{Claim, ClaimKey, NewRun, RunId, RunState};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What happens during a run, in order.
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        run_id: RunId,
        planned: usize,
    },
    /// One conversation is done and already committed to the history.
    Result {
        run_id: RunId,
        index: usize,
        outcome: Box<Outcome>,
    },
    Finished {
        run_id: RunId,
        state: RunState,
    },
    /// A call failed transiently and will be tried again after `wait_ms`.
    Retrying {
        run_id: RunId,
        index: usize,
        conversation_id: String,
        /// The try that follows (2 for the first retry) and the most tries there will be.
        attempt: u32,
        of: u32,
        wait_ms: u64,
        reason: String,
    },
}

/// One run to perform.
#[derive(Debug)]
pub struct RunRequest {
    pub spec: AnalysisSpec,
    pub conversations: Conversations,
    /// "analyze" or "batch".
    pub kind: String,
    /// Most calls in flight at once (1..=256); halved on rate limits, regrown after successes.
    pub concurrency: usize,
    /// Analyse each conversation this many times (at least 1), for stability.
    pub repeat: u32,
    /// Reuse stored `ok` results of the same spec version on the same content instead of paying
    /// again (resume); `false` is `--fresh`.
    pub reuse: bool,
    /// Send each result's webhook events (`batch --deliver`, the workbench's Deliver) as from
    /// this agent (`None`: no agent): they are queued in the outbox with the result, for
    /// whichever process delivers. The rules with events are read when the run starts.
    pub deliver: Option<Deliver>,
}

impl RunRequest {
    /// A plain run: every conversation once, nothing reused.
    pub fn new(
        spec: AnalysisSpec,
        conversations: impl Into<Conversations>,
        kind: &str,
        concurrency: usize,
    ) -> RunRequest {
        RunRequest {
            spec,
            conversations: conversations.into(),
            kind: kind.to_string(),
            concurrency,
            repeat: 1,
            reuse: false,
            deliver: None,
        }
    }
}

/// Webhook delivery for a run's results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deliver {
    pub agent_id: Option<String>,
}

/// How long a claim lasts before another process may take the call over, for an owner that is
/// alive but stuck (a dead owner's claims are taken over at once).
const CLAIM_LEASE_MS: i64 = 30 * 60 * 1000;
/// How often a call claimed by another process is checked for its result.
const CLAIM_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// Run a spec over conversations. Returns the run id once every result is committed (or the run
/// was cancelled). Events go to `events` as they happen; a closed receiver does not stop the run.
/// `cancel` stops the run at once, dropping calls in flight; see [`run_until`] for a graceful stop.
pub async fn run(
    store: SharedStore,
    provider: Arc<dyn Provider>,
    prices: Arc<PriceTable>,
    request: RunRequest,
    events: mpsc::UnboundedSender<Event>,
    cancel: CancellationToken,
) -> Result<RunId, EngineError> {
    run_until(store, provider, prices, request, events, Stops { stop: cancel.clone(), cancel }).await
}

/// The two ways a run is ended early.
#[derive(Debug, Clone)]
pub struct Stops {
    /// No new calls: the calls in flight finish and are committed (first Ctrl-C, SIGTERM).
    pub stop: CancellationToken,
    /// Drop the calls in flight too (a second signal, or the grace period ran out); the run ends
    /// `interrupted` with their count, because they may have been billed.
    pub cancel: CancellationToken,
}

impl Default for Stops {
    /// A hard cancel also stops new calls (the stop token is its child).
    fn default() -> Stops {
        let cancel = CancellationToken::new();
        Stops { stop: cancel.child_token(), cancel }
    }
}

/// [`run`] with a graceful stop apart from the hard one.
pub async fn run_until(
    store: SharedStore,
    provider: Arc<dyn Provider>,
    prices: Arc<PriceTable>,
    request: RunRequest,
    events: mpsc::UnboundedSender<Event>,
    stops: Stops,
) -> Result<RunId, EngineError> {
    let Stops { stop, cancel } = stops;
    let compiled = Arc::new(schema::compile(&request.spec.schema, &request.spec.name)?);
    let prepared = Arc::new(Prepared::new(provider.as_ref(), &request.spec, &compiled));
    let spec = Arc::new(request.spec);
    // Recorded as shown: credentials written into a URL never reach the history. Reuse and
    // claims match on it too, because another endpoint may be another model.
    let endpoint = provider.base_url().map(|u| crate::core::secrets::scrub_url(&u));
    let run_id =
        start_run(&store, &spec, provider.as_ref(), &endpoint, (&request.kind, request.conversations.len()))
            .await?;
    let repeat = request.repeat.max(1);
    let planned = request.conversations.len() * repeat as usize;
    let _ = events.send(Event::Started { run_id, planned });
    let spec_hash = spec.version_hash();
    let announce = match request.deliver {
        Some(d) => {
            let rules = with_store(&store, |s| s.rules()).await?;
            let announcer = Announcer::from_rules(rules, d.agent_id).with_evidence(spec.webhook_evidence);
            Some(Arc::new((announcer, spec_hash.clone())))
        }
        None => None,
    };

    let (committer, committed) = Committer::start(Arc::clone(&store), run_id);
    let limiter = Arc::new(Limiter::new(request.concurrency));
    let mut tasks = JoinSet::new();
    let mut first_error = None;
    let mut feed = request.conversations.feed();
    'conversations: while let Some((conversation_index, conversation)) = feed.next().await {
        if stop.is_cancelled() {
            break;
        }
        reap(&mut tasks, &mut first_error);
        let conversation = Arc::new(conversation);
        let hash = conversation.content_hash();
        let jobs = plan::plan(
            &store,
            &spec,
            &spec_hash,
            endpoint.as_deref(),
            &conversation,
            &hash,
            repeat,
            request.reuse,
        )
        .await?;
        for (r, job) in jobs.into_iter().enumerate() {
            let index = conversation_index * repeat as usize + r;
            let (store, committer, events, hash, saved, announce) = (
                Arc::clone(&store),
                committer.clone(),
                events.clone(),
                hash.clone(),
                Arc::clone(&conversation),
                announce.clone(),
            );
            let outcome = match job {
                plan::Job::Done(outcome) => *outcome,
                plan::Job::Call => {
                    let permit = tokio::select! {
                        p = limiter.acquire() => p.ok_or_else(|| EngineError::Join("concurrency limiter closed".into()))?,
                        _ = stop.cancelled() => break 'conversations,
                    };
                    let (provider, prices, spec, compiled, prepared, conversation, cancel, limiter) = (
                        Arc::clone(&provider),
                        Arc::clone(&prices),
                        Arc::clone(&spec),
                        Arc::clone(&compiled),
                        Arc::clone(&prepared),
                        Arc::clone(&conversation),
                        cancel.clone(),
                        Arc::clone(&limiter),
                    );
                    let hook: crate::llm::retry::RetryHook = {
                        let (events, id) = (events.clone(), conversation.id.clone());
                        Arc::new(move |r: &crate::llm::retry::Retry, attempt, of| {
                            let _ = events.send(Event::Retrying {
                                run_id,
                                index,
                                conversation_id: id.clone(),
                                attempt,
                                of,
                                wait_ms: r.delay_ms,
                                reason: r.reason.clone(),
                            });
                        })
                    };
                    let key = ClaimKey {
                        spec_hash: spec_hash.clone(),
                        conversation_hash: hash.clone(),
                        endpoint: endpoint.clone().unwrap_or_default(),
                        slot: u32::try_from(r).unwrap_or(u32::MAX),
                    };
                    let reuse = request.reuse;
                    tasks.spawn(async move {
                        let claim = match claim(&store, &key, run_id, reuse, &cancel).await? {
                            Claimed::Call(id) => id,
                            Claimed::Reused(outcome) => {
                                limiter.release(permit, false);
                                return commit(
                                    &committer,
                                    run_id,
                                    (saved, hash),
                                    index,
                                    *outcome,
                                    &events,
                                    announce,
                                    None,
                                )
                                .await;
                            }
                            Claimed::Cancelled => return Ok(()),
                        };
                        let call = crate::llm::retry::RETRY_HOOK.scope(
                            hook,
                            analyze_prepared(
                                provider.as_ref(),
                                &spec,
                                (&compiled, &prepared),
                                &conversation,
                                &prices,
                            ),
                        );
                        let outcome = tokio::select! {
                            o = call => o,
                            // A dropped call has produced nothing to keep; its claim stays, so the
                            // run ends `interrupted` with it counted as in flight.
                            _ = cancel.cancelled() => return Ok(()),
                        };
                        limiter.release(permit, rate_limited(&outcome));
                        commit(
                            &committer,
                            run_id,
                            (saved, hash),
                            index,
                            outcome,
                            &events,
                            announce,
                            Some(claim),
                        )
                        .await
                    });
                    continue;
                }
            };
            tasks.spawn(async move {
                commit(&committer, run_id, (saved, hash), index, outcome, &events, announce, None).await
            });
        }
    }
    let stopped = stop.is_cancelled() || cancel.is_cancelled();
    drop(committer);
    wind_up(&store, run_id, (tasks, first_error), committed, stopped, &events).await
}

/// Record the spec version and the run row.
async fn start_run(
    store: &SharedStore,
    spec: &Arc<AnalysisSpec>,
    provider: &dyn Provider,
    endpoint: &Option<String>,
    (kind, n_planned): (&str, usize),
) -> Result<RunId, EngineError> {
    let new_run = NewRun {
        spec_hash: spec.version_hash(),
        spec_name: spec.name.clone(),
        provider: provider.kind().as_str().to_string(),
        model: spec.model.clone(),
        base_url: endpoint.clone(),
        kind: kind.to_string(),
        n_planned,
    };
    let run_spec = Arc::clone(spec);
    with_store(store, move |s| {
        s.save_spec(&run_spec)?;
        s.create_run(&new_run)
    })
    .await
}

/// Wait for every task (`first_error`: of those reaped already), then end the run: failed, cancelled or finished — or interrupted, when
/// calls were dropped in flight — and report it.
async fn wind_up(
    store: &SharedStore,
    run_id: RunId,
    (mut tasks, mut first_error): (JoinSet<Result<(), EngineError>>, Option<EngineError>),
    committed: tokio::task::JoinHandle<usize>,
    stopped: bool,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<RunId, EngineError> {
    while let Some(joined) = tasks.join_next().await {
        note_error(&mut first_error, joined);
    }
    // Every task has its answer, so the committer's queue is empty; it ends with the last clone.
    if let Err(e) = committed.await {
        first_error.get_or_insert(EngineError::Join(e.to_string()));
    }
    let state = if first_error.is_some() {
        RunState::Failed
    } else if stopped {
        RunState::Cancelled
    } else {
        RunState::Finished
    };
    let state = with_store(store, move |s| s.end_run(run_id, state)).await?;
    let _ = events.send(Event::Finished { run_id, state });
    match first_error {
        Some(e) => Err(e),
        None => Ok(run_id),
    }
}

/// Join the tasks already finished. A finished task keeps its memory (sized for its whole
/// future) until joined: reaping as the run goes makes memory follow the calls in flight, not
/// the conversations done.
fn reap(tasks: &mut JoinSet<Result<(), EngineError>>, first_error: &mut Option<EngineError>) {
    while let Some(joined) = tasks.try_join_next() {
        note_error(first_error, joined);
    }
}

/// Keep the first error of a finished task.
fn note_error(
    first_error: &mut Option<EngineError>,
    joined: Result<Result<(), EngineError>, tokio::task::JoinError>,
) {
    if let Err(e) = joined.map_err(|e| EngineError::Join(e.to_string())).and_then(|r| r) {
        first_error.get_or_insert(e);
    }
}

/// What claiming a call came to.
enum Claimed {
    /// Ours to make (the claim's id).
    Call(i64),
    /// Another process made it meanwhile; its result, reused.
    Reused(Box<Outcome>),
    /// The run was cancelled while waiting.
    Cancelled,
}

/// Claim the call in the history before it is sent. With `reuse`, a call another live process
/// is making is waited for (polling, bounded by the claim's lease) and its result reused; without
/// (`--fresh`, `analyze`) the claim only records the call as in flight.
async fn claim(
    store: &SharedStore,
    key: &ClaimKey,
    run_id: RunId,
    reuse: bool,
    cancel: &CancellationToken,
) -> Result<Claimed, EngineError> {
    loop {
        if cancel.is_cancelled() {
            return Ok(Claimed::Cancelled);
        }
        let k = key.clone();
        let expires = crate::store::now_unix_ms() + CLAIM_LEASE_MS;
        let got = with_store(store, move |s| {
            let claim = s.claim(&k, run_id, expires, reuse)?;
            if let Claim::Mine(id) = claim
                && reuse
                && let Some(earlier) = plan::reusable(s, &k)?
            {
                // The other process finished just before we claimed: use its result.
                s.release_claim(id)?;
                return Ok(Err(earlier));
            }
            Ok(Ok(claim))
        })
        .await?;
        match got {
            Ok(Claim::Mine(id)) => return Ok(Claimed::Call(id)),
            Err(earlier) => return Ok(Claimed::Reused(earlier)),
            Ok(Claim::Busy) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(CLAIM_POLL) => {}
            _ = cancel.cancelled() => return Ok(Claimed::Cancelled),
        }
    }
}

/// Commit one outcome (and drop its claim) through the run's committer, then report it:
/// whatever a front end has seen is already safe.
#[allow(clippy::too_many_arguments)]
async fn commit(
    committer: &Committer,
    run_id: RunId,
    (conversation, hash): (Arc<Conversation>, String),
    index: usize,
    outcome: Outcome,
    events: &mpsc::UnboundedSender<Event>,
    announce: Option<Arc<(Announcer, String)>>,
    claim: Option<i64>,
) -> Result<(), EngineError> {
    let outgoing = announce.map(|a| a.0.events(&outcome, &a.1)).unwrap_or_default();
    // The conversation is stored with its first result (idempotent), not before its call: the
    // loop that hands out slots then never waits on the database.
    let outcome = committer.commit(Pending { conversation, hash, outcome, outgoing, claim }).await?;
    let _ = events.send(Event::Result { run_id, index, outcome: Box::new(outcome) });
    Ok(())
}

/// Did this outcome meet a rate limit (a retried or final HTTP 429)?
fn rate_limited(outcome: &Outcome) -> bool {
    outcome.attempts.iter().any(|a| a.http_status == Some(429))
}

/// A run started in the background.
pub struct RunHandle {
    pub events: mpsc::UnboundedReceiver<Event>,
    /// Stop at once, dropping calls in flight.
    pub cancel: CancellationToken,
    /// Stop starting calls; those in flight finish and are committed.
    pub stop: CancellationToken,
    pub join: tokio::task::JoinHandle<Result<RunId, EngineError>>,
}

/// Start `run` as a task on the current runtime.
pub fn spawn_run(
    store: SharedStore,
    provider: Arc<dyn Provider>,
    prices: Arc<PriceTable>,
    request: RunRequest,
) -> RunHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let stops = Stops::default();
    let (cancel, stop) = (stops.cancel.clone(), stops.stop.clone());
    let join = tokio::spawn(run_until(store, provider, prices, request, tx, stops));
    RunHandle { events, cancel, stop, join }
}

/// Cancel `token` on Ctrl-C (calling `notify` first), for command-line front ends.
pub fn cancel_on_ctrl_c(token: CancellationToken, notify: impl FnOnce() + Send + 'static) {
    tokio::spawn(async move {
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                if r.is_ok() {
                    notify();
                    token.cancel();
                }
            }
            _ = token.cancelled() => {}
        }
    });
}
