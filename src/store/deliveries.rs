//! The webhook outbox: one row per (event, endpoint), every attempt logged.
//!
//! Why an outbox in the same database as the results: a delivery must never be lost, so its row
//! is written in the same transaction as the result it announces ([`Store::record_result_with`]);
//! a crash either keeps both or neither. The delivery worker reads due rows, sends them, and
//! writes each attempt and the row's next state back in one transaction per batch of finished
//! attempts. A row is `pending` until it is `delivered` (a 2xx) or `failed` (attempts used up,
//! or the endpoint answered `410 Gone`, which also disables the endpoint). Rows of a disabled
//! endpoint wait, and go out again when it is enabled.

use super::paths::now_rfc3339;
use super::{Store, StoreError, from_sql_int, to_sql_int};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;
use std::collections::HashSet;

/// One event to send, before it is matched to endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    /// The `webhook-id` header, the same on every attempt and every endpoint.
    pub msg_id: String,
    pub event: String,
    pub conversation_id: Option<String>,
    pub agent_id: Option<String>,
    /// The exact body sent and signed.
    pub payload: String,
}

/// A delivery that is due, with what the worker needs to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    pub id: i64,
    pub msg_id: String,
    pub webhook_id: i64,
    pub url: String,
    pub event: String,
    pub payload: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    /// Try again at this time (Unix ms).
    RetryAt(i64),
    /// No attempts left.
    Failed,
    /// The endpoint answered `410 Gone`: fail this delivery and disable the endpoint.
    Gone,
}

/// One finished attempt, as the worker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptDone {
    pub delivery_id: i64,
    pub webhook_id: i64,
    /// 1-based.
    pub number: u32,
    pub attempted_at: String,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    /// The first 2 KB of the reply body.
    pub response: Option<String>,
    pub next: NextStep,
}

/// A delivery as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub msg_id: String,
    pub webhook_id: i64,
    pub url: String,
    pub event: String,
    pub conversation_id: Option<String>,
    pub result_id: Option<i64>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: u32,
    /// When the next attempt is due (Unix ms), for pending rows.
    pub next_at: Option<i64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRow {
    pub number: u32,
    pub attempted_at: String,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    pub response: Option<String>,
}

/// Filters for [`Store::deliveries`]; `Default` is the newest 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuery {
    pub limit: usize,
    pub state: Option<String>,
    pub webhook_id: Option<i64>,
    pub result_id: Option<i64>,
}

impl Default for DeliveryQuery {
    fn default() -> DeliveryQuery {
        DeliveryQuery { limit: 100, state: None, webhook_id: None, result_id: None }
    }
}

/// Counts per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
}

/// Insert one delivery per matching enabled endpoint (or only `only`), due now. Runs on the
/// caller's connection or transaction, so a result and its deliveries commit together.
pub(super) fn enqueue_on(
    conn: &Connection,
    events: &[OutgoingEvent],
    result_id: Option<i64>,
    only: Option<i64>,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let mut stmt = conn.prepare_cached("SELECT id, events, agent_id, enabled FROM webhooks")?;
    let endpoints: Vec<(i64, Vec<String>, Option<String>, bool)> = stmt
        .query_map([], |r| {
            let events: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&events).unwrap_or_default(), r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let now = now_rfc3339();
    let mut insert = conn.prepare_cached(
        "INSERT INTO deliveries (msg_id, webhook_id, event, conversation_id, result_id, state, attempts,
             next_at, created_at, updated_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?7, ?8)",
    )?;
    let mut n = 0;
    for e in events {
        for (id, wanted, agent, enabled) in &endpoints {
            let chosen = match only {
                Some(o) => o == *id,
                None => {
                    *enabled
                        && (wanted.is_empty() || wanted.iter().any(|w| w == &e.event || w == "*"))
                        && agent.as_deref().is_none_or(|a| Some(a) == e.agent_id.as_deref())
                }
            };
            if chosen {
                insert.execute(params![
                    e.msg_id,
                    id,
                    e.event,
                    e.conversation_id,
                    result_id,
                    now_ms,
                    now,
                    e.payload
                ])?;
                n += 1;
            }
        }
    }
    Ok(n)
}

impl Store {
    /// Queue `events` for every endpoint that wants them (or only endpoint `only`); returns how
    /// many deliveries were queued.
    pub fn enqueue(
        &self,
        events: &[OutgoingEvent],
        result_id: Option<i64>,
        only: Option<i64>,
    ) -> Result<usize, StoreError> {
        self.enqueue_at(events, result_id, only, super::paths::now_unix_ms())
    }

    /// [`Store::enqueue`] with the first attempt due at `due_ms` (`i64::MAX`: never picked up by a
    /// worker; the caller attempts it itself, as `webhooks test` does).
    pub fn enqueue_at(
        &self,
        events: &[OutgoingEvent],
        result_id: Option<i64>,
        only: Option<i64>,
        due_ms: i64,
    ) -> Result<usize, StoreError> {
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let n = enqueue_on(&tx, events, result_id, only, due_ms).map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        Ok(n)
    }

    /// Up to `limit` pending deliveries due by `now_ms` to enabled endpoints, leaving out `skip`
    /// (those in flight), oldest due first.
    pub fn due_deliveries(
        &self,
        now_ms: i64,
        limit: usize,
        skip: &HashSet<i64>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.id, d.msg_id, d.webhook_id, w.url, d.event, d.payload, d.attempts
                 FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.state = 'pending' AND d.next_at <= ?1 AND w.enabled = 1
                 ORDER BY d.next_at, d.id LIMIT ?2",
            )
            .map_err(|e| self.sql_err(e))?;
        let want = i64::try_from(limit.saturating_add(skip.len())).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![now_ms, want], |r| {
                Ok(DueDelivery {
                    id: r.get(0)?,
                    msg_id: r.get(1)?,
                    webhook_id: r.get(2)?,
                    url: r.get(3)?,
                    event: r.get(4)?,
                    payload: r.get(5)?,
                    attempts: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                })
            })
            .map_err(|e| self.sql_err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))?;
        Ok(rows.into_iter().filter(|d| !skip.contains(&d.id)).take(limit).collect())
    }

    /// When the earliest pending delivery to an enabled endpoint is due (Unix ms).
    pub fn next_due_ms(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT MIN(d.next_at) FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.state = 'pending' AND w.enabled = 1",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_err(e))
    }

    /// Log finished attempts and move their deliveries on, in one transaction.
    pub fn finish_attempts(&self, done: &[AttemptDone]) -> Result<(), StoreError> {
        if done.is_empty() {
            return Ok(());
        }
        let sql_err = |e| self.sql_err(e);
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        {
            let mut log = tx
                .prepare_cached(
                    "INSERT INTO delivery_attempts (delivery_id, number, attempted_at, status_code, latency_ms,
                         error, response) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql_err)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE deliveries SET state = ?2, attempts = ?3, next_at = ?4, last_status = ?5,
                         last_error = ?6, updated_at = ?7 WHERE id = ?1",
                )
                .map_err(sql_err)?;
            let now = now_rfc3339();
            for a in done {
                log.execute(params![
                    a.delivery_id,
                    a.number,
                    a.attempted_at,
                    a.status_code,
                    to_sql_int(a.latency_ms),
                    a.error,
                    a.response
                ])
                .map_err(sql_err)?;
                let (state, next_at) = match a.next {
                    NextStep::Delivered => ("delivered", 0),
                    NextStep::RetryAt(t) => ("pending", t),
                    NextStep::Failed | NextStep::Gone => ("failed", 0),
                };
                update
                    .execute(params![a.delivery_id, state, a.number, next_at, a.status_code, a.error, now])
                    .map_err(sql_err)?;
                if a.next == NextStep::Gone {
                    tx.execute(
                        "UPDATE webhooks SET enabled = 0, disabled_reason = ?2 WHERE id = ?1",
                        params![a.webhook_id, "the endpoint answered 410 Gone"],
                    )
                    .map_err(sql_err)?;
                }
            }
        }
        tx.commit().map_err(sql_err)
    }

    /// Deliveries, newest first.
    pub fn deliveries(&self, q: &DeliveryQuery) -> Result<Vec<DeliveryRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.id, d.msg_id, d.webhook_id, w.url, d.event, d.conversation_id, d.result_id, d.state,
                        d.attempts, d.next_at, d.last_status, d.last_error, d.created_at, d.updated_at
                 FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE (?1 IS NULL OR d.state = ?1) AND (?2 IS NULL OR d.webhook_id = ?2)
                   AND (?3 IS NULL OR d.result_id = ?3)
                 ORDER BY d.id DESC LIMIT ?4",
            )
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map(
            params![q.state, q.webhook_id, q.result_id, i64::try_from(q.limit).unwrap_or(i64::MAX)],
            delivery_row,
        )
        .map_err(|e| self.sql_err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_err(e))
    }

    /// One delivery.
    pub fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT d.id, d.msg_id, d.webhook_id, w.url, d.event, d.conversation_id, d.result_id, d.state,
                        d.attempts, d.next_at, d.last_status, d.last_error, d.created_at, d.updated_at
                 FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?1",
                params![id],
                delivery_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// The exact body of a delivery (what was signed).
    pub fn delivery_payload(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT payload FROM deliveries WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Every attempt of one delivery, in order.
    pub fn delivery_attempts(&self, delivery_id: i64) -> Result<Vec<AttemptRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT number, attempted_at, status_code, latency_ms, error, response
                 FROM delivery_attempts WHERE delivery_id = ?1 ORDER BY number, id",
            )
            .map_err(|e| self.sql_err(e))?;
        stmt.query_map(params![delivery_id], |r| {
            Ok(AttemptRow {
                number: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                attempted_at: r.get(1)?,
                status_code: r.get(2)?,
                latency_ms: from_sql_int(r.get(3)?),
                error: r.get(4)?,
                response: r.get(5)?,
            })
        })
        .map_err(|e| self.sql_err(e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| self.sql_err(e))
    }

    /// Deliveries per state.
    pub fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'delivered'), 0),
                        COALESCE(SUM(state = 'failed'), 0) FROM deliveries",
                [],
                |r| {
                    Ok(DeliveryCounts {
                        pending: from_sql_int(r.get(0)?),
                        delivered: from_sql_int(r.get(1)?),
                        failed: from_sql_int(r.get(2)?),
                    })
                },
            )
            .map_err(|e| self.sql_err(e))
    }
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    let state: String = r.get(7)?;
    let next_at: i64 = r.get(9)?;
    Ok(DeliveryRow {
        id: r.get(0)?,
        msg_id: r.get(1)?,
        webhook_id: r.get(2)?,
        url: r.get(3)?,
        event: r.get(4)?,
        conversation_id: r.get(5)?,
        result_id: r.get(6)?,
        next_at: (state == "pending").then_some(next_at),
        state,
        attempts: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
        last_status: r.get(10)?,
        last_error: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn event(name: &str, agent: Option<&str>) -> OutgoingEvent {
        OutgoingEvent {
            msg_id: format!("msg_{name}"),
            event: name.into(),
            conversation_id: Some("c1".into()),
            agent_id: agent.map(str::to_string),
            payload: "{}".into(),
        }
    }

    #[test]
    fn events_fan_out_to_matching_endpoints_and_move_through_their_states() {
        let store = Store::open_memory().unwrap();
        let all = store.insert_webhook("http://127.0.0.1:9/a", &[], None, "s").unwrap();
        let hot =
            store.insert_webhook("http://127.0.0.1:9/b", &["lead.hot".into()], Some("agt"), "s").unwrap();
        let n = store
            .enqueue(
                &[event("conversation.analyzed", Some("agt")), event("lead.hot", Some("x"))],
                Some(7),
                None,
            )
            .unwrap();
        assert_eq!(n, 2, "the second endpoint wants lead.hot of agent agt only");
        let n = store.enqueue(&[event("lead.hot", Some("agt"))], None, None).unwrap();
        assert_eq!(n, 2);
        let due = store.due_deliveries(i64::MAX, 10, &HashSet::new()).unwrap();
        assert_eq!(due.len(), 4);
        assert_eq!(store.due_deliveries(i64::MAX, 10, &[due[0].id].into()).unwrap().len(), 3);

        let done = |d: &DueDelivery, next| AttemptDone {
            delivery_id: d.id,
            webhook_id: d.webhook_id,
            number: d.attempts + 1,
            attempted_at: now_rfc3339(),
            status_code: Some(500),
            latency_ms: 3,
            error: None,
            response: Some("oops".into()),
            next,
        };
        store
            .finish_attempts(&[done(&due[0], NextStep::RetryAt(5)), done(&due[1], NextStep::Delivered)])
            .unwrap();
        assert_eq!(store.next_due_ms().unwrap(), Some(5), "the retry is due before those queued now");
        let counts = store.delivery_counts().unwrap();
        assert_eq!((counts.pending, counts.delivered, counts.failed), (3, 1, 0));
        let attempts = store.delivery_attempts(due[0].id).unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].status_code, Some(500));

        let gone = due.iter().find(|d| d.webhook_id == hot).unwrap();
        store.finish_attempts(&[done(gone, NextStep::Gone)]).unwrap();
        let e = store.webhook(hot).unwrap().unwrap();
        assert!(!e.enabled, "410 disables the endpoint");
        assert!(
            store.due_deliveries(i64::MAX, 10, &HashSet::new()).unwrap().iter().all(|d| d.webhook_id == all)
        );
        assert_eq!(
            store.deliveries(&DeliveryQuery { result_id: Some(7), ..Default::default() }).unwrap().len(),
            2
        );
    }
}
