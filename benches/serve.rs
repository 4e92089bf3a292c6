//! `cargo bench --bench serve`: the pipeline of `debrief serve` (issue 9, "Benchmarks"). The
//! numbers are written down in BENCHMARKS.md; this is a measurement, not a timed test.
//!
//! - `intake`: 10,000 conversations POSTed at concurrency 64 to a server in this process (offline
//!   provider): POSTs per second, p50/p99 latency of the `202`, and the time until every one is
//!   analysed.
//! - `read`: `GET /api/conversations/{id}/analysis` at 1,000 requests per second (open loop, for
//!   10 s) over a history of 100,000 analysed conversations: p50/p99/max.
//! - `webhooks`: 10,000 deliveries to a loopback receiver that answers in 10 ms: deliveries per
//!   second of one delivery worker.
//! - `kill9`: the `debrief serve` binary with 10,000 deliveries due, `kill -9` midway, restarted:
//!   every event received at least once with a valid signature, repeats sharing their
//!   `webhook-id`.
//!
//! `cargo bench --bench serve` runs every part; `cargo bench --bench serve -- read` one. Under
//! `cargo test --all-targets` the binary starts without `--bench` and exits at once.

use anyhow::{Result, ensure};
use base64::Engine as _;
use debrief::core::spec::AnalysisSpec;
use debrief::engine::Engine;
use debrief::engine::deliver::{self, DeliveryConfig, Mode};
use debrief::server::{ServeConfig, Server};
use debrief::store::{OutgoingEvent, Store};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PARTS: [&str; 4] = ["intake", "read", "webhooks", "kill9"];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("serve benchmark skipped: run it with `cargo bench --bench serve`");
        return Ok(());
    }
    let named: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let parts: Vec<&str> = if named.is_empty() { PARTS.to_vec() } else { named };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!(
        "# debrief serve benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!();
    for part in parts {
        match part {
            "intake" => rt.block_on(intake())?,
            "read" => rt.block_on(read())?,
            "webhooks" => rt.block_on(webhooks())?,
            "kill9" => rt.block_on(kill9())?,
            other => anyhow::bail!("unknown part {other:?}; the parts are {PARTS:?}"),
        }
        println!();
    }
    Ok(())
}

fn transcript(i: usize) -> String {
    format!(
        "Agent: Thank you for calling Northwind, this is Sam.\nCustomer: Hi, I am customer {i} and I was charged twice this month.\nAgent: I see the duplicate charge and I have refunded it.\nCustomer: Great, thanks!\nAgent: Anything else?\nCustomer: No, that's all."
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn server(engine: Engine) -> Result<Server> {
    let config = ServeConfig { listen: "127.0.0.1:0".parse()?, ..Default::default() };
    Ok(Server::start(engine, config).await?)
}

fn setup(dir: &std::path::Path) -> Result<(Engine, String)> {
    let engine = Engine::open(dir)?;
    let key = engine.create_key("bench")?;
    engine.add_agent("agt", &AnalysisSpec::template("post_analysis")?, None)?;
    Ok((engine, key))
}

/// POST `n` conversations at `concurrency`; returns the 202 latencies (ms) and the wall time.
async fn post_all(
    base: &str,
    key: &str,
    n: usize,
    concurrency: usize,
    offset: usize,
) -> Result<(Vec<f64>, f64)> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next, base, key) =
            (client.clone(), Arc::clone(&next), base.to_string(), key.to_string());
        tasks.spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(lat);
                }
                let body = json!({"conversation_id": format!("c{}", i + offset), "agent_id": "agt", "transcript": transcript(i + offset)});
                let t = Instant::now();
                let r = client.post(format!("{base}/api/conversations")).bearer_auth(&key).json(&body).send().await?;
                ensure!(r.status().as_u16() == 202, "POST answered {}", r.status());
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    all.sort_by(f64::total_cmp);
    Ok((all, started.elapsed().as_secs_f64()))
}

/// Wait until the queue is empty (every POST was accepted before this is called), then check
/// that `n` results were committed.
async fn wait_analysed(engine: &Engine, n: u64) -> Result<()> {
    loop {
        let (queued, running) = engine.with(|s| s.intake_open())?;
        if queued + running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done: u64 = engine.with(|s| s.runs(&Default::default()))?.iter().map(|r| r.n_results as u64).sum();
    ensure!(done >= n, "{done} results for {n} conversations");
    Ok(())
}

async fn intake() -> Result<()> {
    println!("## intake: 10,000 POSTs at concurrency 64, offline provider");
    let dir = tempfile::TempDir::new()?;
    let (engine, key) = setup(dir.path())?;
    let s = server(engine.clone()).await?;
    let base = format!("http://{}", s.addr);
    let (lat, wall) = post_all(&base, &key, 10_000, 64, 0).await?;
    let posted = Instant::now();
    wait_analysed(&engine, 10_000).await?;
    let tail = posted.elapsed().as_secs_f64();
    println!("- accepted: {:.0} conversations/s ({wall:.2} s for 10,000)", 10_000.0 / wall);
    println!(
        "- 202 latency: p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    println!(
        "- every conversation analysed and committed {tail:.2} s after the last 202 ({:.2} s in all)",
        wall + tail
    );
    s.shutdown().await?;
    Ok(())
}

async fn read() -> Result<()> {
    println!("## read: GET …/analysis at 1,000 requests/s over 100,000 analysed conversations");
    let dir = tempfile::TempDir::new()?;
    let (engine, key) = setup(dir.path())?;
    let s = server(engine.clone()).await?;
    let base = format!("http://{}", s.addr);
    let t = Instant::now();
    let n = 100_000;
    post_all(&base, &key, n, 64, 0).await?;
    wait_analysed(&engine, n as u64).await?;
    println!(
        "- history built in {:.1} s ({} MB)",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(dir.path().join("debrief.sqlite"))?.len() / 1_000_000
    );
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let lat = Arc::new(Mutex::new(Vec::with_capacity(10_000)));
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..10_000usize {
        tick.tick().await;
        let (client, base, key, lat) = (client.clone(), base.clone(), key.clone(), Arc::clone(&lat));
        let id = (i * 7919) % n;
        tasks.spawn(async move {
            let t = Instant::now();
            let r = client
                .get(format!("{base}/api/conversations/c{id}/analysis"))
                .bearer_auth(&key)
                .send()
                .await?;
            ensure!(r.status().as_u16() == 200, "GET answered {}", r.status());
            let _ = r.bytes().await?;
            if let Ok(mut l) = lat.lock() {
                l.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let wall = started.elapsed().as_secs_f64();
    let mut lat = lat.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_by(f64::total_cmp);
    println!("- 10,000 GETs in {wall:.2} s ({:.0}/s offered 1,000/s)", 10_000.0 / wall);
    println!(
        "- latency: p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms (target p99 < 5 ms)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    s.shutdown().await?;
    Ok(())
}

/// A receiver answering after `delay`, checking each signature and recording webhook-ids.
#[derive(Clone, Default)]
struct Sink {
    key: Arc<Mutex<Vec<u8>>>,
    ids: Arc<Mutex<HashMap<String, u32>>>,
    /// conversation id → the webhook-ids it arrived under.
    events: Arc<Mutex<HashMap<String, HashSet<String>>>>,
    bad: Arc<std::sync::atomic::AtomicUsize>,
}

impl Sink {
    fn set_secret(&self, secret: &str) -> Result<()> {
        let key = base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("whsec_"))?;
        *self.key.lock().map_err(|_| anyhow::anyhow!("poisoned"))? = key;
        Ok(())
    }

    fn distinct(&self) -> usize {
        self.ids.lock().map(|i| i.len()).unwrap_or(0)
    }

    fn received(&self) -> u32 {
        self.ids.lock().map(|i| i.values().sum()).unwrap_or(0)
    }
}

async fn sink(delay: Duration) -> Result<(SocketAddr, Sink)> {
    let state = Sink::default();
    let st = state.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let st = st.clone();
            async move {
                tokio::time::sleep(delay).await;
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let (id, ts) = (h("webhook-id"), h("webhook-timestamp"));
                let key = st.key.lock().map(|k| k.clone()).unwrap_or_default();
                let valid = Hmac::<Sha256>::new_from_slice(&key).is_ok_and(|mut mac| {
                    mac.update(format!("{id}.{ts}.{body}").as_bytes());
                    let expected = format!(
                        "v1,{}",
                        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
                    );
                    h("webhook-signature").split(' ').any(|s| s == expected)
                });
                if !valid {
                    st.bad.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let conversation = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["conversation_id"].as_str().map(str::to_string))
                    .unwrap_or_default();
                if let Ok(mut events) = st.events.lock() {
                    events.entry(conversation).or_default().insert(id.clone());
                }
                if let Ok(mut ids) = st.ids.lock() {
                    *ids.entry(id).or_default() += 1;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, state))
}

/// A data folder with one endpoint at a fresh sink and `n` due deliveries.
async fn outbox(dir: &std::path::Path, n: usize, delay: Duration) -> Result<(Engine, Sink)> {
    let engine = Engine::open(dir)?;
    let (addr, sink) = sink(delay).await?;
    let (_, secret) = engine.add_webhook(&format!("http://{addr}/hooks"), &[], None)?;
    sink.set_secret(&secret.expose())?;
    let events: Vec<OutgoingEvent> = (0..n)
        .map(|i| OutgoingEvent {
            msg_id: debrief::engine::events::new_msg_id(),
            event: "conversation.analyzed".into(),
            conversation_id: Some(format!("c{i}")),
            agent_id: None,
            payload: json!({"event": "conversation.analyzed", "conversation_id": format!("c{i}"), "agent_id": null,
                "timestamp": "2026-12-02T12:00:00Z", "analysis": {"summary": "Refund issued.", "topic": "billing"},
                "status": "ok", "spec_version": "0".repeat(64), "model": "baseline", "cost_usd": 0.0})
            .to_string(),
        })
        .collect();
    engine.with(|s| s.enqueue(&events, None, None))?;
    Ok((engine, sink))
}

async fn webhooks() -> Result<()> {
    println!("## webhooks: 10,000 deliveries, receiver answering in 10 ms");
    let dir = tempfile::TempDir::new()?;
    let (engine, sink) = outbox(dir.path(), 10_000, Duration::from_millis(10)).await?;
    let started = Instant::now();
    let worker = deliver::spawn_worker(engine.clone(), DeliveryConfig::default(), Mode::Drain)?;
    let stats = worker.join.await??;
    let wall = started.elapsed().as_secs_f64();
    let counts = engine.with(|s| s.delivery_counts())?;
    ensure!(counts.delivered == 10_000, "not all delivered: {counts:?}");
    println!(
        "- {} delivered in {wall:.2} s: {:.0} deliveries/s (concurrency {}, target ≥ 1,000/s); {} bad signatures",
        stats.delivered,
        10_000.0 / wall,
        DeliveryConfig::default().concurrency,
        sink.bad.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

async fn kill9() -> Result<()> {
    println!("## kill9: the debrief serve binary with 10,000 deliveries due, kill -9 midway, restart");
    let dir = tempfile::TempDir::new()?;
    let (engine, sink) = outbox(dir.path(), 10_000, Duration::from_millis(10)).await?;
    drop(engine);
    let exe = env!("CARGO_BIN_EXE_debrief");
    let start = |port: u16| {
        std::process::Command::new(exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .spawn()
    };
    let port = || -> Result<u16> { Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port()) };
    let mut first = start(port()?)?;
    while sink.distinct() < 5_000 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill()?;
    first.wait()?;
    let at_kill = sink.distinct();
    let t = Instant::now();
    let mut second = start(port()?)?;
    while sink.distinct() < 10_000 {
        ensure!(
            t.elapsed() < Duration::from_secs(120),
            "only {} of 10,000 after the restart",
            sink.distinct()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = t.elapsed().as_secs_f64();
    std::process::Command::new("kill").args(["-TERM", &second.id().to_string()]).status()?;
    let exit = second.wait()?;
    let repeats: usize = sink.ids.lock().map(|i| i.values().filter(|n| **n > 1).count()).unwrap_or(0);
    let store = Store::open_in(dir.path())?;
    let counts = store.delivery_counts()?;
    let distinct: HashSet<String> = sink.ids.lock().map(|i| i.keys().cloned().collect()).unwrap_or_default();
    let (events, ids_per_event) = sink
        .events
        .lock()
        .map(|e| (e.len(), e.values().map(HashSet::len).max().unwrap_or(0)))
        .unwrap_or_default();
    ensure!(events == 10_000 && ids_per_event == 1, "{events} events, up to {ids_per_event} ids per event");
    println!("- killed with {at_kill} of 10,000 received; the restart delivered the rest in {after:.2} s");
    println!(
        "- received {} requests for {} distinct webhook-ids and {events} distinct events: every event at least once, each under one webhook-id; {repeats} event(s) arrived more than once (in flight at the kill)",
        sink.received(),
        distinct.len()
    );
    println!(
        "- bad signatures: {}; outbox after SIGTERM: {counts:?}; exit {:?}",
        sink.bad.load(std::sync::atomic::Ordering::Relaxed),
        exit.code()
    );
    Ok(())
}
