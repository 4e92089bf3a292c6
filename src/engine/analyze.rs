//! Analyse one conversation: build the prompt, call the provider, parse, validate, repair.
//!
//! The loop makes at most `1 + max_repairs` calls. A reply that is not JSON or fails the user's
//! schema is sent back with the problems listed; truncation, refusal and transport errors end
//! the loop at once, because asking again would pay for the same failure. Every attempt's
//! request and raw reply is kept in the outcome, each reply cut at [`MAX_STORED_REPLY`].
//!
//! A repair sends the original messages, the last reply and its problems — not every earlier
//! reply — so a repair request is as large as the first one plus one reply, however many
//! repairs came before it.
//!
//! Before the first call, the context-window guard (`core::context_window`) decides whether the
//! conversation fits the model: one that does not is never sent (it ends `skipped` with the
//! numbers) or is sent shortened, as the spec's `on_too_long` says.

use super::prepared::Prepared;
use crate::core::context_window::{self, Fit};
use crate::core::cost::{self, PriceTable};
use crate::core::evidence;
use crate::core::outcome::{Attempt, FieldError, Outcome, Status, Usage};
use crate::core::prompt::{self, RepairReason};
use crate::core::schema::dialect::{self, schema_name};
use crate::core::schema::{CompiledSchema, nulls};
use crate::core::spec::{AnalysisSpec, ProviderKind};
use crate::core::transcript::Conversation;
use crate::llm::{CompletionRequest, Finish, Provider};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// Most bytes of one attempt's raw reply kept in the history; the rest is dropped with a
/// marker. Enough to read any real structured reply, bounded for a server that rambles.
pub const MAX_STORED_REPLY: usize = 64 * 1024;

/// `text` as stored with an attempt: cut at [`MAX_STORED_REPLY`] (on a character boundary),
/// with a marker saying how much was left out.
pub fn stored_reply(text: &str) -> String {
    if text.len() <= MAX_STORED_REPLY {
        return text.to_string();
    }
    let mut end = MAX_STORED_REPLY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[truncated: {} of {} bytes not stored]", &text[..end], text.len() - end, text.len())
}

/// Run one analysis to its end. Never fails: every failure is an `Outcome` with a status.
/// A run of many conversations prepares once and calls [`analyze_prepared`] instead.
pub async fn analyze_one(
    provider: &dyn Provider,
    spec: &AnalysisSpec,
    compiled: &CompiledSchema,
    conversation: &Conversation,
    prices: &PriceTable,
) -> Outcome {
    let prepared = Arc::new(Prepared::new(provider, spec, compiled));
    analyze_prepared(provider, spec, (compiled, &prepared), conversation, &Arc::new(prices.clone())).await
}

/// [`analyze_one`] with the run's shared part worked out beforehand ([`Prepared::new`] of the
/// same provider, spec and compiled schema).
pub async fn analyze_prepared(
    provider: &dyn Provider,
    spec: &AnalysisSpec,
    (compiled, prepared): (&CompiledSchema, &Arc<Prepared>),
    conversation: &Conversation,
    prices: &Arc<PriceTable>,
) -> Outcome {
    let kind = provider.kind();
    let (asked, nullable_rewrite) = (&prepared.asked, prepared.nullable_rewrite);
    // Redacted once, here: the prompt, the offline baseline and the evidence check all read
    // the text the model is sent.
    let sent = crate::core::redact::apply(spec, conversation);
    let conversation: &Conversation = &sent;
    let mut shortened: Option<Conversation> = None;
    let (conversation, fit_note, original) =
        match fitted(spec, conversation, provider, prepared, prices, &mut shortened).await {
            Ok(fitted) => fitted,
            Err(skipped) => return skipped,
        };
    let mut messages = original.clone();
    let price = prices.price(&spec.model);
    // The estimate only annotates the outcome, so it is counted on a blocking thread while the
    // call is in flight: the first count in a process also builds the tokenizer (~100 ms), which
    // would otherwise hold back the whole first wave of a batch.
    let estimate = spawn_estimate(kind, spec, &messages, prepared, prices);
    let name = schema_name(&spec.name);
    let tuning = crate::core::spec::Tuning::of(spec);
    let started = Instant::now();
    let mut outcome = Outcome {
        conversation_id: conversation.id.clone(),
        source: conversation.source.clone(),
        provider: kind.as_str().to_string(),
        model: spec.model.clone(),
        status: Status::Error,
        analysis: None,
        errors: Vec::new(),
        attempts: Vec::new(),
        usage: Usage::default(),
        estimate: Default::default(),
        cost_usd: None,
        latency_ms: 0,
        note: provider.result_note().map(str::to_string),
        evidence: None,
    };
    // A deterministic provider gives the same answer when asked again: no repairs.
    // Capped here too, for specs that reach the engine without being loaded from a file.
    let max_attempts =
        if provider.deterministic() { 1 } else { 1 + spec.max_repairs.min(crate::core::spec::MAX_REPAIRS) };
    let mut reason = "initial".to_string();
    let mut non_conforming = 0;
    for _ in 0..max_attempts {
        let request = CompletionRequest {
            model: &spec.model,
            messages: &messages,
            schema: asked,
            schema_name: &name,
            temperature: spec.temperature,
            max_output_tokens: spec.max_output_tokens,
            conversation,
            prompt: &spec.prompt,
            tuning: &tuning,
        };
        log_request(kind, spec, conversation, outcome.attempts.len() + 1, &reason);
        let t0 = Instant::now();
        let result = provider.complete(request).await;
        let latency_ms = t0.elapsed().as_millis() as u64;
        // Each retried failure is an attempt of its own, with its reason and the wait after it.
        let (retries, sent_body) = match &result {
            Ok(c) => (c.retries.clone(), c.request_body.clone()),
            Err(e) => (e.retries().to_vec(), e.request_body()),
        };
        let retry_reason = push_retries(&mut outcome, &retries, &sent_body, &reason);
        let number = outcome.attempts.len() as u32 + 1;
        let mut attempt = Attempt { number, reason: retry_reason, latency_ms, ..Attempt::default() };
        let completion = match result {
            Ok(c) => c,
            Err(e) => {
                attempt.request = e.request_body();
                attempt.raw_reply = stored_reply(&e.raw_body());
                attempt.http_status = e.http_status();
                attempt.error = Some(e.to_string());
                outcome.attempts.push(attempt);
                outcome.status = Status::Error;
                outcome.errors = vec![FieldError { pointer: String::new(), message: e.to_string() }];
                break;
            }
        };
        attempt.request = completion.request_body.clone();
        attempt.raw_reply = stored_reply(&completion.text);
        attempt.http_status = completion.http_status;
        attempt.usage = completion.usage;
        outcome.usage.add(&completion.usage);
        match &completion.finish {
            Finish::Length => {
                attempt.error = Some("the reply hit the output-token limit".into());
                outcome.attempts.push(attempt);
                outcome.status = Status::Truncated;
                let message = truncation_message(&completion.text);
                outcome.errors = vec![FieldError { pointer: String::new(), message }];
                outcome.analysis = serde_json::from_str(&completion.text).ok();
                break;
            }
            Finish::Refusal(why) => {
                attempt.error = Some(format!("refused: {why}"));
                outcome.attempts.push(attempt);
                outcome.status = Status::Refused;
                outcome.errors =
                    vec![FieldError { pointer: String::new(), message: format!("the model refused: {why}") }];
                break;
            }
            Finish::Stop | Finish::Other(_) => {}
        }
        let repair = match extract_json(&completion.text) {
            Err(e) => {
                attempt.error = Some(format!("not JSON: {e}"));
                outcome.errors = vec![FieldError {
                    pointer: String::new(),
                    message: format!("the reply is not JSON: {e}"),
                }];
                outcome.analysis = None;
                RepairReason::NotJson(e)
            }
            Ok(mut value) => {
                if spec.evidence {
                    let quotes = evidence::take(&mut value);
                    outcome.evidence = Some(evidence::verify(conversation, &quotes));
                }
                if nullable_rewrite {
                    nulls::strip_added_nulls(compiled.schema(), &mut value);
                }
                let errors = compiled.validate(&value);
                outcome.analysis = Some(value);
                if errors.is_empty() {
                    outcome.attempts.push(attempt);
                    outcome.status = Status::Ok;
                    outcome.errors.clear();
                    break;
                }
                attempt.error = Some(format!("{} schema error(s)", errors.len()));
                outcome.errors = errors.clone();
                RepairReason::Invalid(errors)
            }
        };
        outcome.attempts.push(attempt);
        outcome.status = Status::Invalid;
        non_conforming += 1;
        messages = prompt::repair(&original, &completion.text, &repair);
        reason = "repair".into();
    }
    if provider.may_ignore_schema() && non_conforming > 0 {
        // llama.cpp runs unconstrained on schemas its grammar compiler cannot handle, without
        // saying so; the user should know the server did not enforce the schema.
        let fixed = if outcome.status == Status::Ok { "; fixed by repair" } else { "" };
        outcome.note = Some(format!(
            "the local server returned JSON that does not conform to the schema {non_conforming} time(s) \
             (it may have run unconstrained){fixed}"
        ));
    }
    outcome.note = join_notes(fit_note, outcome.note.take());
    outcome.latency_ms = started.elapsed().as_millis() as u64;
    // Done long before the reply in practice; a failed count only loses the annotation.
    outcome.estimate = estimate.await.unwrap_or_default();
    outcome.cost_usd = if provider.free() { Some(0.0) } else { cost::cost_usd(&outcome.usage, price) };
    outcome
}

/// The guard's note (what was left out) first, then any other.
fn join_notes(first: Option<String>, other: Option<String>) -> Option<String> {
    match (first, other) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}

/// The conversation as it will be sent (shortened into `shortened` when the guard says so), the
/// guard's note and the prompt's messages; or the `skipped` outcome of one that does not fit.
async fn fitted<'c>(
    spec: &AnalysisSpec,
    conversation: &'c Conversation,
    provider: &dyn Provider,
    prepared: &Prepared,
    prices: &PriceTable,
    shortened: &'c mut Option<Conversation>,
) -> Result<(&'c Conversation, Option<String>, Vec<crate::core::prompt::ChatMessage>), Outcome> {
    let options = provider.prompt_options();
    let built = prompt::messages(spec, conversation, options);
    Ok(match guard(spec, conversation, provider, prepared, &built, prices).await {
        Fit::Fits => (conversation, None, built),
        Fit::Skip { reason, .. } => return Err(super::plan::skipped(spec, conversation, &reason)),
        Fit::Shortened { conversation: c, note, .. } => {
            let c = &*shortened.insert(*c);
            (c, Some(note), prompt::messages(spec, c, options))
        }
    })
}

/// The context-window decision. Most conversations are far below any window, which a byte
/// count shows at once; only the others are counted with the tokenizer, on a blocking thread.
/// The offline baseline reads the transcript locally: it has no window to respect.
async fn guard(
    spec: &AnalysisSpec,
    conversation: &Conversation,
    provider: &dyn Provider,
    prepared: &Prepared,
    messages: &[crate::core::prompt::ChatMessage],
    prices: &PriceTable,
) -> Fit {
    let window =
        if provider.kind() == ProviderKind::Offline { None } else { prices.context_window(&spec.model) };
    let Some(limit) = window else { return Fit::Fits };
    let options = provider.prompt_options();
    if context_window::surely_fits_bytes(messages, prepared.schema_bytes, prepared.output_bound, limit) {
        return Fit::Fits;
    }
    let (spec, conversation, schema) = (spec.clone(), conversation.clone(), prepared.sent.schema.clone());
    let counted = tokio::task::spawn_blocking(move || {
        context_window::fit(&spec, &conversation, options, &schema, window)
    })
    .await;
    // A panicked count cannot say the prompt is too long; sending it lets the provider decide.
    counted.unwrap_or(Fit::Fits)
}

/// Record each retried try as an attempt of its own, with its reason and the wait after it;
/// returns the reason the next attempt is made for.
fn push_retries(
    outcome: &mut Outcome,
    retries: &[crate::llm::retry::Retry],
    sent: &Value,
    reason: &str,
) -> String {
    let mut retry_reason = reason.to_string();
    for (i, r) in retries.iter().enumerate() {
        outcome.attempts.push(Attempt {
            number: outcome.attempts.len() as u32 + 1,
            reason: retry_reason.clone(),
            request: sent.clone(),
            raw_reply: stored_reply(&r.body),
            http_status: r.http_status,
            usage: Default::default(),
            error: Some(format!("{}; retried after {} ms", r.reason, r.delay_ms)),
            latency_ms: 0,
        });
        retry_reason = format!("retry {} of {} ({})", i + 1, retries.len(), reason);
    }
    retry_reason
}

/// Parse the model's text as JSON, tolerating code fences and prose around one object, which
/// local models often add even when asked not to.
pub fn extract_json(text: &str) -> Result<Value, String> {
    let trimmed = text.trim();
    let first = match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => return Ok(v),
        Err(e) => e.to_string(),
    };
    let (Some(start), Some(end)) = (trimmed.find('{'), trimmed.rfind('}')) else {
        return Err(first);
    };
    if end > start
        && let Ok(v) = serde_json::from_str::<Value>(&trimmed[start..=end])
    {
        return Ok(v);
    }
    Err(first)
}

/// Count the estimate on a blocking thread while the call is in flight.
fn spawn_estimate(
    kind: ProviderKind,
    spec: &AnalysisSpec,
    messages: &[crate::core::prompt::ChatMessage],
    prepared: &Arc<Prepared>,
    prices: &Arc<PriceTable>,
) -> tokio::task::JoinHandle<crate::core::outcome::Estimate> {
    let (model, messages, prepared, prices, effort) = (
        spec.model.clone(),
        messages.to_vec(),
        Arc::clone(prepared),
        Arc::clone(prices),
        spec.reasoning_effort.clone(),
    );
    tokio::spawn(async move {
        // As many counts at once as there are cores: each thread that runs the tokenizer keeps
        // its own regex caches, so an unbounded pool cost memory for nothing.
        let _turn = ESTIMATE_GATE.acquire().await.ok();
        tokio::task::spawn_blocking(move || {
            let schema = prepared.schema_tokens(&model);
            let e = cost::estimate_with(kind, &model, &messages, Some(schema), &prices);
            cost::with_reasoning(e, kind, &model, effort.as_deref(), &prices)
        })
        .await
        .unwrap_or_default()
    })
}

/// Estimates counted at once (see [`spawn_estimate`]).
static ESTIMATE_GATE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One debug line per call: who, which model, which try — never the transcript, the prompt or
/// a key.
fn log_request(
    kind: ProviderKind,
    spec: &AnalysisSpec,
    conversation: &Conversation,
    attempt: usize,
    reason: &str,
) {
    tracing::debug!(
        provider = kind.as_str(),
        model = %spec.model,
        conversation = %conversation.id,
        attempt,
        reason,
        "request"
    );
}

/// Why a reply was cut off, naming a repeating field when that is the reason.
fn truncation_message(reply: &str) -> String {
    match crate::core::repetition::find(reply) {
        Some(repeat) => format!(
            "the reply was cut off at the output-token limit: {repeat}; bound the field (maxLength, or max_text_length in the spec) or set repeat_penalty"
        ),
        None => {
            "the reply was cut off at the output-token limit; raise max_output_tokens or simplify the schema"
                .to_string()
        }
    }
}

/// The schema exactly as this provider would send it (for previews and the Raw tab).
pub fn preview_schema(kind: ProviderKind, schema: &Value) -> dialect::Transformed {
    dialect::transform(dialect::for_provider(kind), schema)
}
