//! `debrief webhooks`: endpoints, the delivery log, test sends and replays.
//!
//! `add` and `rotate` print the new secret as their only line on stdout (so a script can
//! capture it) and never again; `list` shows everything but secrets.

use super::{CliError, Exit, GlobalDataDir, engine_err};
use crate::engine::Engine;
use crate::engine::deliver::{DeliveryConfig, Drained};
use crate::engine::events::Replay;
use crate::store::DeliveryQuery;
use serde_json::{Value, json};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct WebhooksArgs {
    #[command(subcommand)]
    pub command: WebhooksCommand,
    #[command(flatten)]
    pub data: GlobalDataDir,
}

#[derive(Debug, clap::Subcommand)]
pub enum WebhooksCommand {
    /// Add an endpoint; prints its new signing secret (whsec_…) once, as the only line on stdout.
    Add {
        /// Where events are POSTed, e.g. http://127.0.0.1:9000/hooks.
        url: String,
        /// Only these events, comma-separated (default: every event).
        #[arg(long, value_delimiter = ',', value_name = "EVENTS")]
        events: Vec<String>,
        /// Only events of this agent.
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
    },
    /// List endpoints (never their secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop sending to an endpoint (its deliveries wait).
    Disable { id: i64 },
    /// Send to an endpoint again (also after a 410 Gone disabled it).
    Enable { id: i64 },
    /// Remove an endpoint and its delivery log.
    Remove { id: i64 },
    /// Give an endpoint a new secret, printed once; the old one also signs for 24 hours.
    Rotate { id: i64 },
    /// Send a sample event to an endpoint now and show what it answered.
    Test {
        id: i64,
        /// Seconds to wait for the reply.
        #[arg(long, default_value_t = 15, value_name = "S")]
        timeout: u64,
    },
    /// Send stored results again: every result of RUN_ID, or one (--result).
    Replay {
        #[arg(value_name = "RUN_ID", required_unless_present = "result", conflicts_with = "result")]
        run_id: Option<i64>,
        #[arg(long, value_name = "ID")]
        result: Option<i64>,
        /// Only to this endpoint.
        #[arg(long, value_name = "ID")]
        endpoint: Option<i64>,
    },
    /// The delivery log, newest first.
    Deliveries {
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_name = "ID")]
        endpoint: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Every attempt of one delivery.
    Attempts {
        delivery_id: i64,
        #[arg(long)]
        json: bool,
    },
}

pub async fn webhooks(args: WebhooksArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let mut out = std::io::stdout().lock();
    match args.command {
        WebhooksCommand::Add { url, events, agent } => {
            let events: Vec<String> =
                events.into_iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
            let (endpoint, secret) =
                engine.add_webhook(&url, &events, agent.as_deref()).map_err(engine_err)?;
            let _ = writeln!(out, "{}", secret.expose());
            eprintln!(
                "endpoint {} added: {} ({}); the secret above is shown only now",
                endpoint.id,
                endpoint.url,
                if endpoint.events.is_empty() {
                    "every event".to_string()
                } else {
                    endpoint.events.join(", ")
                }
            );
        }
        WebhooksCommand::List { json } => {
            let list = engine.webhooks().map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default());
            } else if list.is_empty() {
                let _ = writeln!(out, "no endpoints; add one with `debrief webhooks add URL`");
            } else {
                let _ = writeln!(out, "{:>4}  {:<8}  {:<40}  {:<28}  agent", "id", "state", "url", "events");
                for e in &list {
                    let state = if e.enabled { "enabled" } else { "disabled" };
                    let events = if e.events.is_empty() { "*".to_string() } else { e.events.join(",") };
                    let _ = writeln!(
                        out,
                        "{:>4}  {:<8}  {:<40}  {:<28}  {}{}",
                        e.id,
                        state,
                        e.url,
                        events,
                        e.agent_id.as_deref().unwrap_or("*"),
                        e.disabled_reason.as_deref().map(|r| format!("  ({r})")).unwrap_or_default()
                    );
                }
            }
        }
        WebhooksCommand::Disable { id } => {
            engine.set_webhook_enabled(id, false).map_err(engine_err)?;
            eprintln!("endpoint {id} disabled; its deliveries wait until `debrief webhooks enable {id}`");
        }
        WebhooksCommand::Enable { id } => {
            engine.set_webhook_enabled(id, true).map_err(engine_err)?;
            eprintln!("endpoint {id} enabled");
        }
        WebhooksCommand::Remove { id } => {
            engine.remove_webhook(id).map_err(engine_err)?;
            eprintln!("endpoint {id} removed");
        }
        WebhooksCommand::Rotate { id } => {
            let secret = engine.rotate_webhook(id).map_err(engine_err)?;
            let _ = writeln!(out, "{}", secret.expose());
            eprintln!(
                "endpoint {id}: new secret above (shown only now); the old one also signs for 24 hours"
            );
        }
        WebhooksCommand::Test { id, timeout } => {
            let config = DeliveryConfig {
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                ..Default::default()
            };
            let r = engine.send_test(id, &config).await.map_err(engine_err)?;
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            return Ok(if r.delivered { Exit::Ok } else { Exit::NotAllOk });
        }
        WebhooksCommand::Replay { run_id, result, endpoint } => {
            let what = match (run_id, result) {
                (_, Some(r)) => Replay::Result(r),
                (Some(run), None) => Replay::Run(run),
                (None, None) => return Err(CliError::usage(anyhow::anyhow!("give RUN_ID or --result ID"))),
            };
            let queued = engine.replay(what, endpoint).map_err(engine_err)?;
            let deliveries = deliver_due(&engine).await?;
            let _ = writeln!(out, "{}", json!({"queued": queued, "deliveries": deliveries}));
        }
        WebhooksCommand::Deliveries { state, endpoint, limit, json } => {
            let q = DeliveryQuery { limit, state, webhook_id: endpoint, result_id: None };
            let rows = engine.deliveries(&q).map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                for d in &rows {
                    let _ = writeln!(
                        out,
                        "{:>6}  {:<9}  {:<24}  {:<24}  endpoint {:<3} attempts {:<2} {}",
                        d.id,
                        d.state,
                        d.event,
                        d.conversation_id.as_deref().unwrap_or("-"),
                        d.webhook_id,
                        d.attempts,
                        d.last_error.as_deref().or(d.last_status.map(|_| "").filter(|_| false)).unwrap_or("")
                    );
                }
            }
        }
        WebhooksCommand::Attempts { delivery_id, json } => {
            let rows = engine.delivery_attempts(delivery_id).map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
            } else {
                for a in &rows {
                    let status = a.status_code.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
                    let _ = writeln!(
                        out,
                        "#{}  {}  {}  {} ms  {}",
                        a.number,
                        a.attempted_at,
                        status,
                        a.latency_ms,
                        a.error.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// Send what is due now, or say who will; the JSON summary for the command's output.
pub async fn deliver_due(engine: &Engine) -> Result<Value, CliError> {
    let drained = engine.deliver_due(DeliveryConfig::default()).await.map_err(engine_err)?;
    let counts = engine.delivery_counts().map_err(engine_err)?;
    Ok(match drained {
        Drained::Sent(stats) => {
            if counts.pending > 0 {
                eprintln!(
                    "{} delivery(ies) pending a retry; `debrief serve` on this data folder sends them when due",
                    counts.pending
                );
            }
            json!({"sent": stats, "pending": counts.pending})
        }
        Drained::LeftTo(holder) => {
            eprintln!("deliveries queued; the process running this folder's pipeline sends them ({holder})");
            json!({"left_to": holder, "pending": counts.pending})
        }
        Drained::NoDataDir => json!({"pending": counts.pending}),
    })
}
