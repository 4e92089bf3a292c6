//! What each conversation of a run needs: a call, or an outcome already known without one.
//!
//! Two things avoid paying: the spec's policy (too short, not sampled → `skipped`), and resume
//! (a stored `ok` result of the same spec version on the same content is reused). Both are
//! decided here, before any slot is taken, so skipped and reused work never waits behind calls.

use super::{EngineError, SharedStore, with_store};
use crate::core::outcome::{Estimate, Outcome, Status, Usage};
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use crate::store::{ClaimKey, REUSED_PREFIX, Store, StoreError, StoredResult};

/// One unit of work.
pub(super) enum Job {
    /// Call the provider.
    Call,
    /// Already decided: record this outcome.
    Done(Box<Outcome>),
}

/// The `repeat` jobs for one conversation. Only results from the same endpoint (`None` for the
/// offline baseline) are reused: another server may be another model.
#[allow(clippy::too_many_arguments)]
pub(super) async fn plan(
    store: &SharedStore,
    spec: &AnalysisSpec,
    spec_hash: &str,
    endpoint: Option<&str>,
    conversation: &Conversation,
    content_hash: &str,
    repeat: u32,
    reuse: bool,
) -> Result<Vec<Job>, EngineError> {
    if let Some(reason) = spec.policy.skip_reason(conversation, content_hash) {
        return Ok((0..repeat).map(|_| Job::Done(Box::new(skipped(spec, conversation, &reason)))).collect());
    }
    let mut jobs = Vec::with_capacity(repeat as usize);
    if reuse {
        let (spec_hash, hash, endpoint) =
            (spec_hash.to_string(), content_hash.to_string(), endpoint.map(str::to_string));
        let stored =
            with_store(store, move |s| s.ok_results(&spec_hash, &hash, endpoint.as_deref(), repeat as usize))
                .await?;
        for earlier in stored {
            jobs.push(Job::Done(reused(earlier)));
        }
    }
    while jobs.len() < repeat as usize {
        jobs.push(Job::Call);
    }
    Ok(jobs)
}

/// A stored result as reused: no usage, no cost, and a note naming where it came from.
fn reused(earlier: StoredResult) -> Box<Outcome> {
    let mut outcome = earlier.outcome;
    outcome.note = Some(format!(
        "{REUSED_PREFIX}result {} of run {} (same spec version, content and endpoint; not paid again)",
        earlier.id, earlier.run_id
    ));
    outcome.usage = Usage::default();
    outcome.cost_usd = Some(0.0);
    outcome.latency_ms = 0;
    Box::new(outcome)
}

/// The stored result for a claimed call's repeat slot, if one landed since the run was planned
/// (another process made the call): slot `n` is reused when there are more than `n` results.
pub(super) fn reusable(store: &Store, key: &ClaimKey) -> Result<Option<Box<Outcome>>, StoreError> {
    let endpoint = Some(key.endpoint.as_str()).filter(|e| !e.is_empty());
    let slot = key.slot as usize;
    let mut found = store.ok_results(&key.spec_hash, &key.conversation_hash, endpoint, slot + 1)?;
    Ok(if found.len() > slot { Some(reused(found.swap_remove(slot))) } else { None })
}

/// The outcome of a conversation the policy leaves out: no call, no cost.
pub(super) fn skipped(spec: &AnalysisSpec, conversation: &Conversation, reason: &str) -> Outcome {
    let mut outcome =
        Outcome::skeleton(&conversation.id, &conversation.source, spec.provider.as_str(), &spec.model);
    outcome.status = Status::Skipped;
    outcome.estimate = Estimate { cost_usd: Some(0.0), ..Estimate::default() };
    outcome.cost_usd = Some(0.0);
    outcome.note = Some(reason.to_string());
    outcome
}
