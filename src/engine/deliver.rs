//! The webhook delivery worker: at least once, never lost, never unbounded.
//!
//! It reads due rows of the outbox (see `store::deliveries`), signs each with Standard Webhooks
//! headers over the exact stored bytes, and posts it: timeout 15 s, no redirects. A 2xx is
//! `delivered`; a `410 Gone` fails the delivery and disables the endpoint; anything else (another
//! status, a timeout, a refused or dropped connection) is tried again on the retry schedule, or
//! after the receiver's `Retry-After`, with the same `webhook-id`, until the schedule's attempts
//! are used up and the delivery is `failed`. Every attempt is logged with its time, status,
//! latency, error and the first 2 KB of the reply. Finished attempts are written back in batches
//! (one transaction for all that finished together), which is what lets one worker keep up with
//! a thousand deliveries a second.
//!
//! Only the holder of the data folder's pipeline lock runs a worker (`lock`), so nothing is sent
//! twice at once, and whatever was in flight when a process died is simply due again at start.

use super::{Engine, EngineError};
use crate::core::webhook::{self, MAX_RETRY_AFTER, RetrySchedule, WebhookSecret, jittered, signature_header};
use crate::store::{AttemptDone, DueDelivery, NextStep, OutgoingEvent, now_rfc3339, now_unix_ms};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// How much of a reply is kept in the attempt log.
pub const REPLY_KEPT: usize = 2048;

/// How the worker delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Per attempt, connection and reply included. Standard Webhooks suggests 15 s.
    pub timeout: Duration,
    pub schedule: RetrySchedule,
    /// Attempts in flight at once.
    pub concurrency: usize,
    /// After a stop is asked for: how long due deliveries are still sent before the worker ends.
    pub flush: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        DeliveryConfig {
            timeout: Duration::from_secs(15),
            schedule: RetrySchedule::default(),
            concurrency: 64,
            flush: Duration::from_secs(10),
        }
    }
}

/// Why the worker stops on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Until cancelled (the server).
    Serve,
    /// Until nothing is due and nothing is in flight (`webhooks replay`, `batch --deliver`):
    /// later retries stay in the outbox for the next worker.
    Drain,
}

/// A running worker.
pub struct DeliveryWorker {
    /// Wake the worker (new rows were queued).
    pub notify: Arc<Notify>,
    /// Ask it to flush and stop.
    pub stop: CancellationToken,
    pub join: tokio::task::JoinHandle<Result<DeliveryStats, EngineError>>,
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryStats {
    pub attempts: u64,
    pub delivered: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// The HTTP client deliveries use: the timeout, no redirects (a webhook that moved is an error
/// the user should see, not a silent re-post elsewhere), keep-alive connections.
pub fn client(config: &DeliveryConfig) -> Result<reqwest::Client, EngineError> {
    reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("debrief-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| EngineError::Invalid(format!("cannot build the webhook HTTP client: {e}")))
}

/// Start a worker on the current runtime. The caller holds the pipeline lock.
pub fn spawn_worker(
    engine: Engine,
    config: DeliveryConfig,
    mode: Mode,
) -> Result<DeliveryWorker, EngineError> {
    let client = client(&config)?;
    let notify = Arc::new(Notify::new());
    let stop = CancellationToken::new();
    let join = tokio::spawn(worker(engine, config, client, mode, Arc::clone(&notify), stop.clone()));
    Ok(DeliveryWorker { notify, stop, join })
}

async fn worker(
    engine: Engine,
    config: DeliveryConfig,
    client: reqwest::Client,
    mode: Mode,
    notify: Arc<Notify>,
    stop: CancellationToken,
) -> Result<DeliveryStats, EngineError> {
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<AttemptDone>();
    let mut stats = DeliveryStats::default();
    let mut flush_until: Option<Instant> = None;
    loop {
        if stop.is_cancelled() && flush_until.is_none() {
            flush_until = Some(Instant::now() + config.flush);
        }
        let flushing_over = flush_until.is_some_and(|t| Instant::now() >= t);
        let running = in_flight.lock().map(|s| s.len()).unwrap_or(0);
        let mut started = 0;
        if !flushing_over && running < config.concurrency {
            let skip = in_flight.lock().map(|s| s.clone()).unwrap_or_default();
            let free = config.concurrency - running;
            let due =
                engine.blocking(move |e| e.with(|s| s.due_deliveries(now_unix_ms(), free, &skip))).await?;
            started = due.len();
            for d in due {
                if let Ok(mut set) = in_flight.lock() {
                    set.insert(d.id);
                }
                let (engine, client, config, tx) =
                    (engine.clone(), client.clone(), config.clone(), done_tx.clone());
                tokio::spawn(async move {
                    let done = attempt(&engine, &client, &config, &d).await;
                    let _ = tx.send(done);
                });
            }
        }
        let running = in_flight.lock().map(|s| s.len()).unwrap_or(0);
        if running == 0 && started == 0 && (mode == Mode::Drain || flushing_over || flush_until.is_some()) {
            return Ok(stats);
        }
        // Wait for a finished attempt, new rows, the next due time, or a stop.
        let wait = if running >= config.concurrency {
            Duration::from_secs(3600)
        } else {
            next_wait(&engine).await?
        };
        tokio::select! {
            first = done_rx.recv() => {
                let mut batch: Vec<AttemptDone> = first.into_iter().collect();
                while let Ok(more) = done_rx.try_recv() {
                    batch.push(more);
                }
                count(&mut stats, &batch);
                let ids: Vec<i64> = batch.iter().map(|d| d.delivery_id).collect();
                engine.blocking(move |e| e.with(|s| s.finish_attempts(&batch))).await?;
                if let Ok(mut set) = in_flight.lock() {
                    for id in ids {
                        set.remove(&id);
                    }
                }
            }
            _ = notify.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled(), if flush_until.is_none() => {}
        }
    }
}

/// How long until the next pending delivery is due, at most a second (rows queued by other
/// processes, such as a CLI batch, are noticed within that).
async fn next_wait(engine: &Engine) -> Result<Duration, EngineError> {
    let next = engine.blocking(|e| e.with(|s| s.next_due_ms())).await?;
    let cap = Duration::from_secs(1);
    Ok(match next {
        Some(at) => Duration::from_millis(u64::try_from(at - now_unix_ms()).unwrap_or(0)).min(cap),
        None => cap,
    })
}

fn count(stats: &mut DeliveryStats, batch: &[AttemptDone]) {
    for d in batch {
        stats.attempts += 1;
        match d.next {
            NextStep::Delivered => stats.delivered += 1,
            NextStep::RetryAt(_) => stats.retrying += 1,
            NextStep::Failed | NextStep::Gone => stats.failed += 1,
        }
    }
}

/// One attempt of one delivery, never failing: every problem is the attempt's error.
pub async fn attempt(
    engine: &Engine,
    client: &reqwest::Client,
    config: &DeliveryConfig,
    d: &DueDelivery,
) -> AttemptDone {
    let number = d.attempts + 1;
    let attempted_at = now_rfc3339();
    let started = Instant::now();
    let sent = send(engine, client, d).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (status_code, response, error, server_wait) = match sent {
        Ok(reply) => (Some(reply.status), Some(reply.head), reply.error, reply.retry_after),
        Err(e) => (None, None, Some(e), None),
    };
    let next = match status_code {
        Some(200..=299) if error.is_none() => NextStep::Delivered,
        Some(410) => NextStep::Gone,
        _ => match config.schedule.wait_after(number) {
            None => NextStep::Failed,
            Some(wait) => {
                let wait = server_wait.map(|w| w.min(MAX_RETRY_AFTER)).unwrap_or_else(|| jittered(wait));
                NextStep::RetryAt(
                    now_unix_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
                )
            }
        },
    };
    let error = error.or_else(|| match status_code {
        Some(200..=299) | None => None,
        Some(410) => Some("410 Gone: the endpoint is disabled".into()),
        Some(s) => Some(format!("HTTP {s}")),
    });
    AttemptDone {
        delivery_id: d.id,
        webhook_id: d.webhook_id,
        number,
        attempted_at,
        status_code,
        latency_ms,
        error,
        response,
        next,
    }
}

/// What came back from one POST.
struct Reply {
    status: u16,
    /// The first [`REPLY_KEPT`] bytes of the body, as text.
    head: String,
    /// Set when the body could not be read to its end (the connection closed mid-response).
    error: Option<String>,
    retry_after: Option<Duration>,
}

async fn send(engine: &Engine, client: &reqwest::Client, d: &DueDelivery) -> Result<Reply, String> {
    let id = d.webhook_id;
    let secrets = engine
        .blocking(move |e| e.with(|s| s.webhook_secrets(id)))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the endpoint was removed")?;
    let timestamp = jiff::Timestamp::now().as_second();
    let current = WebhookSecret::parse(&secrets.current).map_err(|e| e.to_string())?;
    let previous = secrets
        .previous
        .filter(|(_, until)| *until > timestamp)
        .and_then(|(s, _)| WebhookSecret::parse(&s).ok());
    let keys: Vec<&WebhookSecret> = std::iter::once(&current).chain(previous.as_ref()).collect();
    let signature = signature_header(&keys, &d.msg_id, timestamp, &d.payload);
    let response = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let retry_after = crate::llm::retry::server_delay(response.headers(), SystemTime::now());
    let (head, error) = read_head(response).await;
    Ok(Reply { status, head, error, retry_after })
}

/// Read the reply up to [`REPLY_KEPT`] bytes (the rest is not waited for).
async fn read_head(mut response: reqwest::Response) -> (String, Option<String>) {
    let mut head = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                head.extend_from_slice(&chunk);
                if head.len() >= REPLY_KEPT {
                    head.truncate(REPLY_KEPT);
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => return (String::from_utf8_lossy(&head).into_owned(), Some(describe(e))),
        }
    }
    (String::from_utf8_lossy(&head).into_owned(), None)
}

/// A transport error in words, with its cause chain (reqwest's top message alone is vague).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the connection closed mid-response"
    } else {
        "request failed"
    };
    let mut text = format!("{kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// The result of `debrief webhooks test`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TestResult {
    pub delivery_id: i64,
    pub msg_id: String,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub response: Option<String>,
    pub delivered: bool,
}

impl Engine {
    /// Send a sample event to one endpoint now, once, and log it like any delivery. Needs no
    /// pipeline lock: the row is never due for a worker.
    pub async fn send_test(
        &self,
        endpoint_id: i64,
        config: &DeliveryConfig,
    ) -> Result<TestResult, EngineError> {
        let endpoint = self.webhook(endpoint_id)?;
        let msg_id = super::events::new_msg_id();
        let payload = serde_json::json!({
            "event": webhook::TEST_EVENT,
            "timestamp": super::events::event_timestamp(),
            "message": "A test event from debrief: your endpoint receives and verifies signed webhooks.",
            "conversation_id": "conv_test",
            "agent_id": endpoint.agent_id,
            "analysis": {"summary": "Customer called about a billing discrepancy; resolved.", "topic": "billing", "resolved": true, "sentiment": "positive", "follow_up_needed": false}
        })
        .to_string();
        let event = OutgoingEvent {
            msg_id: msg_id.clone(),
            event: webhook::TEST_EVENT.into(),
            conversation_id: None,
            agent_id: endpoint.agent_id.clone(),
            payload: payload.clone(),
        };
        self.blocking(move |e| e.with(|s| s.enqueue_at(&[event], None, Some(endpoint_id), i64::MAX))).await?;
        let delivery = self
            .with(|s| {
                s.deliveries(&crate::store::DeliveryQuery {
                    limit: 1,
                    webhook_id: Some(endpoint_id),
                    ..Default::default()
                })
            })?
            .into_iter()
            .find(|d| d.msg_id == msg_id)
            .ok_or_else(|| EngineError::Invalid("the test delivery was not recorded".into()))?;
        let due = DueDelivery {
            id: delivery.id,
            msg_id: msg_id.clone(),
            webhook_id: endpoint_id,
            url: endpoint.url,
            event: webhook::TEST_EVENT.into(),
            payload,
            attempts: 0,
        };
        let one_shot =
            DeliveryConfig { schedule: RetrySchedule::parse("0").unwrap_or_default(), ..config.clone() };
        let done = attempt(self, &client(config)?, &one_shot, &due).await;
        let result = TestResult {
            delivery_id: done.delivery_id,
            msg_id,
            status_code: done.status_code,
            latency_ms: done.latency_ms,
            error: done.error.clone(),
            response: done.response.clone(),
            delivered: done.next == NextStep::Delivered,
        };
        self.blocking(move |e| e.with(|s| s.finish_attempts(&[done]))).await?;
        Ok(result)
    }
}

/// What [`Engine::deliver_due`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Drained {
    /// This process took the pipeline lock and sent what was due.
    Sent(DeliveryStats),
    /// Another process holds the pipeline and will send them.
    LeftTo(String),
    /// An in-memory history has no pipeline to hand over to; nothing was sent.
    NoDataDir,
}

impl Engine {
    /// Send every due delivery now if no other process runs this folder's pipeline; retries
    /// scheduled later stay in the outbox for the next worker (`debrief serve`, the GUI's server).
    pub async fn deliver_due(&self, config: DeliveryConfig) -> Result<Drained, EngineError> {
        let Some(dir) = self.data_dir() else { return Ok(Drained::NoDataDir) };
        let lock = match super::lock::PipelineLock::acquire(dir, "delivering due webhooks") {
            Ok(lock) => lock,
            Err(super::lock::LockError::Held { holder, .. }) => return Ok(Drained::LeftTo(holder)),
            Err(e) => return Err(e.into()),
        };
        let worker = spawn_worker(self.clone(), config, Mode::Drain)?;
        let stats = worker.join.await.map_err(|e| EngineError::Join(e.to_string()))??;
        drop(lock);
        Ok(Drained::Sent(stats))
    }
}
