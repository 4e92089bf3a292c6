//! Intake: "a conversation ended" → queued → analysed → stored and announced.
//!
//! [`Engine::submit`] stores the conversation and its queue row before it answers, so a `202`
//! is a promise that survives `kill -9`. The worker ([`spawn_worker`]) claims queued rows and
//! analyses each with its agent's spec under the adaptive concurrency limit: the spec's policy
//! may skip it (short, not sampled, a channel or end reason to skip), a stored `ok` result of
//! the same spec version on the same content is reused (paid once), anything else is a call.
//! The result, the row's move to `done` and the result's webhook deliveries commit together.
//! Results of one agent and spec version go into one run of kind `intake` per worker session.
//!
//! Reading (`analysis`, `conversations`) answers the seed's `GET
//! /api/conversations/{id}/analysis` from the queue row and its result; a conversation analysed
//! outside intake (a CLI batch, the workbench) is found by its id too.

use super::events::Announcer;
use super::limit::Limiter;
use super::{Engine, EngineError, analyze_one, plan};
use crate::core::intake::Intake;
use crate::core::outcome::{FieldError, Outcome, Status, Usage};
use crate::core::schema::CompiledSchema;
use crate::core::spec::AnalysisSpec;
use crate::llm::{Provider, ProviderConfig};
use crate::store::{IntakeQuery, IntakeRow, IntakeState, NewIntake, NewRun, RunId, RunState, StoredResult};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What a submission did.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// New (or re-queued for reanalysis): it will be analysed.
    Queued,
    /// Already known with exactly this content: nothing new to pay for.
    Existing(Box<AnalysisDoc>),
    /// Known with other content; pass `reanalyze` to replace it.
    Conflict,
}

/// The seed's analysis document, as `GET /api/conversations/{id}/analysis` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisDoc {
    pub conversation_id: String,
    pub agent_id: Option<String>,
    /// `queued`, `running`, or the result's status.
    pub status: String,
    pub analysis: Option<serde_json::Value>,
    pub errors: Vec<FieldError>,
    pub spec: Option<SpecRef>,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub cost_usd: Option<f64>,
    pub analyzed_at: Option<String>,
    /// Why the result is what it is (skipped by policy, reused, offline baseline), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub received_at: Option<String>,
    /// Per field, the supporting quote and where it is (specs with `"evidence": true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::core::evidence::Evidence>,
}

/// Which spec made (or will make) an analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpecRef {
    pub name: String,
    pub version: String,
}

/// A page of conversations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub data: Vec<AnalysisDoc>,
    /// Pass as `cursor` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

impl Engine {
    /// Queue an ended conversation. The agent must exist.
    pub fn submit(&self, intake: &Intake, reanalyze: bool) -> Result<Submitted, EngineError> {
        self.agent(&intake.agent_id)?;
        let hash = intake.conversation.content_hash();
        if let Some(row) = self.with(|s| s.intake(&intake.conversation_id))? {
            if row.content_hash == hash && row.agent_id == intake.agent_id && !reanalyze {
                return Ok(match self.analysis(&intake.conversation_id)? {
                    Some(doc) => Submitted::Existing(Box::new(doc)),
                    None => Submitted::Queued,
                });
            }
            if !reanalyze {
                return Ok(Submitted::Conflict);
            }
            if row.state != IntakeState::Done {
                return Err(EngineError::Invalid(format!(
                    "conversation {} is {} now; reanalyse it once its analysis is done",
                    intake.conversation_id,
                    row.state.as_str()
                )));
            }
        }
        let new = NewIntake {
            conversation_id: &intake.conversation_id,
            agent_id: &intake.agent_id,
            content_hash: &hash,
            channel: intake.channel.as_deref(),
            ended_at: intake.ended_at.as_deref(),
            end_reason: intake.end_reason.as_deref(),
        };
        self.with(|s| s.intake_enqueue(&intake.conversation, &new, reanalyze))?;
        Ok(Submitted::Queued)
    }

    /// The analysis document of a conversation id: its intake row and result, or the newest
    /// result recorded under that id elsewhere. `None` for an unknown id.
    pub fn analysis(&self, conversation_id: &str) -> Result<Option<AnalysisDoc>, EngineError> {
        if let Some(row) = self.with(|s| s.intake(conversation_id))? {
            return self.doc_for(&row).map(Some);
        }
        let Some(id) = self.with(|s| s.latest_by_conversation_id(conversation_id))? else { return Ok(None) };
        let Some((result, spec_name)) = self.with(|s| s.result(id))? else { return Ok(None) };
        Ok(Some(doc_from_result(&result, spec_name, None, None)))
    }

    /// A page of intake conversations in arrival order.
    pub fn conversations(&self, query: &IntakeQuery) -> Result<Page, EngineError> {
        let mut q = query.clone();
        q.limit = q.limit.clamp(1, 500);
        let rows = self.with(|s| s.intake_list(&q))?;
        let next_cursor =
            (rows.len() == q.limit).then(|| rows.last().map(|(r, _)| r.seq.to_string())).flatten();
        let data = rows.iter().map(|(row, _)| self.doc_for(row)).collect::<Result<_, _>>()?;
        Ok(Page { data, next_cursor })
    }

    fn doc_for(&self, row: &IntakeRow) -> Result<AnalysisDoc, EngineError> {
        let received = Some(row.received_at.clone());
        if row.state == IntakeState::Done
            && let Some(id) = row.result_id
            && let Some((result, spec_name)) = self.with(|s| s.result(id))?
        {
            return Ok(doc_from_result(&result, spec_name, Some(row.agent_id.clone()), received));
        }
        let agent = self.with(|s| s.agent(&row.agent_id))?;
        let (status, errors) = match (row.state, &row.error) {
            (IntakeState::Done, Some(e)) => {
                ("error".to_string(), vec![FieldError { pointer: String::new(), message: e.clone() }])
            }
            (IntakeState::Done, None) => ("error".to_string(), Vec::new()),
            (state, _) => (state.as_str().to_string(), Vec::new()),
        };
        Ok(AnalysisDoc {
            conversation_id: row.conversation_id.clone(),
            agent_id: Some(row.agent_id.clone()),
            status,
            analysis: None,
            errors,
            spec: agent.as_ref().map(|a| SpecRef { name: a.spec.name.clone(), version: a.spec_hash.clone() }),
            model: agent.map(|a| a.spec.model),
            usage: None,
            cost_usd: None,
            analyzed_at: None,
            note: None,
            received_at: received,
            evidence: None,
        })
    }
}

fn doc_from_result(
    r: &StoredResult,
    spec_name: String,
    agent_id: Option<String>,
    received_at: Option<String>,
) -> AnalysisDoc {
    let o = &r.outcome;
    AnalysisDoc {
        conversation_id: o.conversation_id.clone(),
        agent_id,
        status: o.status.as_str().to_string(),
        analysis: if o.status == Status::Ok { o.analysis.clone() } else { None },
        errors: o.errors.clone(),
        spec: Some(SpecRef { name: spec_name, version: r.spec_hash.clone() }),
        model: Some(o.model.clone()),
        usage: Some(o.usage),
        cost_usd: o.cost_usd,
        analyzed_at: Some(r.created_at.clone()),
        note: o.note.clone(),
        received_at,
        evidence: o.evidence.clone(),
    }
}

/// How the intake worker runs.
#[derive(Debug, Clone)]
pub struct IntakeConfig {
    /// Most analyses in flight (halved on rate limits, regrown after successes).
    pub concurrency: usize,
    /// After a stop is asked for: how long work in flight may finish before it is re-queued.
    pub grace: Duration,
}

impl Default for IntakeConfig {
    fn default() -> IntakeConfig {
        IntakeConfig { concurrency: 16, grace: Duration::from_secs(10) }
    }
}

/// A running intake worker.
pub struct IntakeWorker {
    /// Wake it (a conversation was queued).
    pub notify: Arc<Notify>,
    pub stop: CancellationToken,
    pub join: tokio::task::JoinHandle<Result<(), EngineError>>,
}

/// Start the worker. The caller holds the pipeline lock, so rows left `running` are orphans and
/// are queued again first. `delivered` is woken after each result (its deliveries are queued).
pub fn spawn_worker(
    engine: Engine,
    config: IntakeConfig,
    delivered: Arc<Notify>,
) -> Result<IntakeWorker, EngineError> {
    let requeued = engine.with(|s| s.intake_requeue_running())?;
    if requeued > 0 {
        tracing::info!(requeued, "intake: conversations interrupted by a stop or crash are queued again");
    }
    let notify = Arc::new(Notify::new());
    let stop = CancellationToken::new();
    let join = tokio::spawn(worker(engine, config, Arc::clone(&notify), stop.clone(), delivered));
    Ok(IntakeWorker { notify, stop, join })
}

/// An agent ready to analyse: its spec compiled, its provider built, its run.
struct AgentCtx {
    updated_at: String,
    spec: Arc<AnalysisSpec>,
    spec_hash: String,
    compiled: Result<Arc<CompiledSchema>, String>,
    provider: Result<Arc<dyn Provider>, String>,
    run_id: RunId,
}

async fn worker(
    engine: Engine,
    config: IntakeConfig,
    notify: Arc<Notify>,
    stop: CancellationToken,
    delivered: Arc<Notify>,
) -> Result<(), EngineError> {
    let limiter = Arc::new(Limiter::new(config.concurrency));
    let agents: Arc<tokio::sync::Mutex<HashMap<String, Arc<AgentCtx>>>> = Arc::default();
    let mut tasks: JoinSet<(i64, Result<(), EngineError>)> = JoinSet::new();
    let cancel_calls = CancellationToken::new();
    'claiming: while !stop.is_cancelled() {
        while let Some(done) = tasks.try_join_next() {
            report(done);
        }
        let rows = engine.blocking(|e| e.with(|s| s.intake_claim(32))).await?;
        if rows.is_empty() {
            tokio::select! {
                _ = notify.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.cancelled() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => report(done),
            }
            continue;
        }
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            let permit = tokio::select! {
                p = limiter.acquire() => p,
                _ = stop.cancelled() => None,
            };
            let Some(permit) = permit else {
                // Claimed but not started: back in the queue.
                let seqs: Vec<i64> = std::iter::once(row.seq).chain(rows.map(|r| r.seq)).collect();
                engine
                    .blocking(move |e| e.with(|s| seqs.iter().try_for_each(|q| s.intake_requeue(*q))))
                    .await?;
                break 'claiming;
            };
            let (engine, agents, limiter, cancel, delivered) = (
                engine.clone(),
                Arc::clone(&agents),
                Arc::clone(&limiter),
                cancel_calls.clone(),
                Arc::clone(&delivered),
            );
            tasks.spawn(async move {
                let seq = row.seq;
                let result = process(&engine, &agents, row, &limiter, permit, &cancel).await;
                delivered.notify_one();
                (seq, result)
            });
        }
    }
    // Stopping: let work in flight finish for a while, then cancel it and queue it again.
    let deadline = tokio::time::sleep(config.grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(done) => report(done),
                None => break,
            },
            _ = &mut deadline => {
                cancel_calls.cancel();
                while let Some(done) = tasks.join_next().await {
                    report(done);
                }
                break;
            }
        }
    }
    // Rows whose call was cancelled are still `running`: nobody else can own them.
    let requeued = engine.blocking(|e| e.with(|s| s.intake_requeue_running())).await?;
    if requeued > 0 {
        tracing::info!(requeued, "intake: unfinished conversations queued again for the next start");
    }
    let runs: Vec<RunId> = agents.lock().await.values().map(|c| c.run_id).collect();
    engine
        .blocking(move |e| e.with(|s| runs.iter().try_for_each(|r| s.finish_run(*r, RunState::Finished))))
        .await?;
    Ok(())
}

fn report(done: Result<(i64, Result<(), EngineError>), tokio::task::JoinError>) {
    match done {
        Ok((_, Ok(()))) => {}
        Ok((seq, Err(e))) => {
            tracing::error!(seq, error = %format!("{e:#}"), "intake: a conversation could not be analysed")
        }
        Err(e) => tracing::error!(error = %e, "intake: a task failed"),
    }
}

/// Analyse one claimed row and commit its result (or its failure).
async fn process(
    engine: &Engine,
    agents: &tokio::sync::Mutex<HashMap<String, Arc<AgentCtx>>>,
    row: IntakeRow,
    limiter: &Limiter,
    permit: tokio::sync::OwnedSemaphorePermit,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let seq = row.seq;
    let ctx = match agent_ctx(engine, agents, &row.agent_id).await? {
        Some(ctx) => ctx,
        None => {
            let message = format!(
                "agent {} no longer exists; add it again and post with ?reanalyze=true",
                row.agent_id
            );
            return engine.blocking(move |e| e.with(|s| s.intake_fail(seq, &message))).await;
        }
    };
    let hash = row.content_hash.clone();
    let Some(mut conversation) = engine.blocking(move |e| e.conversation(&hash)).await? else {
        let message = "the conversation is missing from the history".to_string();
        return engine.blocking(move |e| e.with(|s| s.intake_fail(seq, &message))).await;
    };
    // Conversations are stored by content: the same words posted under two ids share one row,
    // so the id and the facts of this ending come from the queue row, not the stored copy.
    conversation.id = row.conversation_id.clone();
    conversation.source = format!("api:{}", row.conversation_id);
    conversation.metadata.channel = row.channel.clone();
    conversation.metadata.ended_reason = row.end_reason.clone();
    conversation.metadata.ended_at = row.ended_at.clone();
    let failed = |message: String| {
        let mut o = Outcome::skeleton(
            &conversation.id,
            &conversation.source,
            ctx.spec.provider.as_str(),
            &ctx.spec.model,
        );
        o.errors = vec![FieldError { pointer: String::new(), message }];
        o
    };
    let outcome = match (&ctx.compiled, &ctx.provider) {
        (Err(e), _) | (_, Err(e)) => failed(e.clone()),
        (Ok(compiled), Ok(provider)) => {
            let endpoint = provider.base_url().map(|u| crate::core::secrets::scrub_url(&u));
            let jobs = plan::plan(
                engine.store(),
                &ctx.spec,
                &ctx.spec_hash,
                endpoint.as_deref(),
                &conversation,
                &row.content_hash,
                1,
                true,
            )
            .await?;
            match jobs.into_iter().next() {
                Some(plan::Job::Done(outcome)) => *outcome,
                _ => {
                    let prices = Arc::clone(engine.prices());
                    let outcome = tokio::select! {
                        o = analyze_one(provider.as_ref(), &ctx.spec, compiled, &conversation, &prices) => o,
                        // Cancelled at shutdown: nothing to keep; the row is queued again.
                        _ = cancel.cancelled() => return Ok(()),
                    };
                    limiter.release(permit, outcome.attempts.iter().any(|a| a.http_status == Some(429)));
                    outcome
                }
            }
        }
    };
    // Rules are read per result (one small query), so a rule added while the server runs fires
    // from the next result on.
    let (run_id, content_hash, spec_hash, agent, with_evidence) = (
        ctx.run_id,
        row.content_hash.clone(),
        ctx.spec_hash.clone(),
        row.agent_id.clone(),
        ctx.spec.webhook_evidence,
    );
    engine
        .blocking(move |e| {
            let events =
                Announcer::load(e, Some(agent))?.with_evidence(with_evidence).events(&outcome, &spec_hash);
            e.with(|s| s.record_result_with(run_id, &content_hash, &outcome, &events, Some(seq)))
        })
        .await?;
    Ok(())
}

/// The agent's context, built once per agent version (rebuilt when the agent was edited).
async fn agent_ctx(
    engine: &Engine,
    agents: &tokio::sync::Mutex<HashMap<String, Arc<AgentCtx>>>,
    agent_id: &str,
) -> Result<Option<Arc<AgentCtx>>, EngineError> {
    let id = agent_id.to_string();
    let Some(agent) = engine.blocking(move |e| e.with(|s| s.agent(&id))).await? else { return Ok(None) };
    // Held while a context is built, so conversations of a new agent arriving together share
    // one context and one run.
    let mut known = agents.lock().await;
    if let Some(ctx) = known.get(agent_id)
        && ctx.updated_at == agent.updated_at
    {
        return Ok(Some(Arc::clone(ctx)));
    }
    let spec = Arc::new(agent.spec);
    let mut config = ProviderConfig::from_env(spec.provider, agent.base_url.clone());
    config.retry = crate::llm::retry::RetryPolicy::default();
    config.request_timeout = spec.request_timeout_s.map(std::time::Duration::from_secs);
    let provider = Engine::provider(&config).map_err(|e| format!("{e:#}"));
    let compiled = super::compile_spec(&spec).map(Arc::new).map_err(|e| format!("{e:#}"));
    let new_run = NewRun {
        spec_hash: agent.spec_hash.clone(),
        spec_name: spec.name.clone(),
        provider: spec.provider.as_str().to_string(),
        model: spec.model.clone(),
        base_url: provider
            .as_ref()
            .ok()
            .and_then(|p| p.base_url())
            .map(|u| crate::core::secrets::scrub_url(&u)),
        kind: "intake".into(),
        n_planned: 0,
    };
    let run_id = engine.blocking(move |e| e.with(|s| s.create_run(&new_run))).await?;
    let ctx = Arc::new(AgentCtx {
        updated_at: agent.updated_at,
        spec_hash: agent.spec_hash,
        spec,
        compiled,
        provider,
        run_id,
    });
    if let Some(old) = known.insert(agent_id.to_string(), Arc::clone(&ctx)) {
        // The agent was edited: its old run is complete.
        let old_run = old.run_id;
        engine.blocking(move |e| e.with(|s| s.finish_run(old_run, RunState::Finished))).await?;
    }
    Ok(Some(ctx))
}
