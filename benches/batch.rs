//! `cargo bench --bench batch`: the batch engine against a loopback OpenAI stand-in (issue 5,
//! "Performance"). The numbers are written down in BENCHMARKS.md; this is a measurement, not a
//! timed test.
//!
//! Part 1, throughput (`engine`): 2,000 synthetic conversations through `engine::run` at
//! concurrency 64, every reply 100 ms late, into a real SQLite history in a temporary folder.
//! Reports wall time against the ideal 2,000 / 64 × 0.1 s, requests per second, peak memory
//! (VmHWM), process CPU time and the results read back from the history; then splits the wall
//! time into start-up (run start → first request at the server), the span the server was busy
//! and the tail (last reply → run committed), with the stand-in's own service time and the
//! client's turnaround per keep-alive connection (reply written → next request read). The first
//! batch of the process pays for building the tokenizer; five more show the warm figure.
//!
//! Part 1b (`wiremock`): one batch against wiremock instead of the raw stand-in, to show what
//! the stand-in itself costs.
//!
//! Part 2, GUI responsiveness (`gui`): the whole workbench in an egui_kittest harness loads the same
//! 2,000 transcripts from disk through its own import, then runs "Run all" through its own
//! bridge (results stream in as the app's normal events) while a second 64-wide engine batch of
//! the same 2,000 runs on the same tokio runtime. Reports the time of each `harness.step()` (and
//! of tessellating its output), frames paced at 60 Hz as eframe would while events keep arriving.
//! kittest has no GPU here: this is the CPU side of a frame only.
//!
//! Parts 3-5 (`process`, `cpu`, `flat`, issue 12, in `batch/scale.rs`): the whole `debrief`
//! process, 2,000 × 64, start-up included; 20,000 × 256 CPU per conversation against a bare
//! client; peak RSS and time as the corpus grows (offline provider).
//!
//! `cargo bench --bench batch` runs each part in a fresh process of its own; `cargo bench --bench
//! batch -- engine` (or `wiremock`, `gui`, `process`, `cpu`, `flat`) runs one part in this process. Under `cargo test
//! --all-targets` this binary is built and started without `--bench`; it then exits at once, so
//! tests never run the benchmark.

use anyhow::{Result, anyhow, ensure};
use debrief::core::cost::PriceTable;
use debrief::core::outcome::Status;
use debrief::core::spec::{AnalysisSpec, ProviderKind};
use debrief::core::transcript::{self, Conversation};
use debrief::engine::{self, CancellationToken, Event, RunRequest, SharedStore};
use debrief::llm::{self, ProviderConfig};
use debrief::store::Store;
use debrief::ui::app::Command;
use debrief::ui::app::state::UiState;
use debrief::ui::{AppContext, DebriefApp};
use egui_kittest::Harness;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "batch/gui.rs"]
mod gui;
#[path = "batch/scale.rs"]
mod scale;
#[path = "batch/standin.rs"]
mod standin;

use gui::*;
use standin::*;

const CONVERSATIONS: usize = 2_000;
const CONCURRENCY: usize = 64;
const DELAY: Duration = Duration::from_millis(100);
const MODEL: &str = "gpt-4o-mini";
/// Batches after the first (cold) one in part 1.
const WARM_RUNS: usize = 5;
/// A 60 Hz display.
const FRAME_BUDGET: Duration = Duration::from_micros(16_667);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("batch benchmark skipped: run it with `cargo bench --bench batch`");
        return Ok(());
    }
    // `cargo bench --bench batch -- engine` (or `wiremock`, `gui`) runs only that part, in this
    // process; with none named, each part runs in a fresh process of its own, so that the first
    // batch really is a process's first (tokenizer not built yet) and VmHWM is per part.
    let parts: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let ideal = CONVERSATIONS as f64 / CONCURRENCY as f64 * DELAY.as_secs_f64();
    let floor = CONVERSATIONS.div_ceil(CONCURRENCY) as f64 * DELAY.as_secs_f64();
    if parts.is_empty() {
        println!("# debrief batch benchmark");
        println!();
        println!("- machine: {} cores (nproc), {}", cores(), cpu_model());
        println!(
            "- {CONVERSATIONS} conversations, concurrency {CONCURRENCY}, stand-in reply delay {} ms",
            DELAY.as_millis()
        );
        println!(
            "- ideal {ideal:.3} s (2000 / 64 × 0.1 s); floor {floor:.3} s (64 slots × 31 calls = 1,984 < 2,000, so some slot makes 32 calls in a row)"
        );
        println!();
        let exe = std::env::current_exe()?;
        for part in ["engine", "wiremock", "gui", "process", "cpu", "flat"] {
            let status = std::process::Command::new(&exe).args(["--bench", part]).status()?;
            ensure!(status.success(), "part {part} failed: {status}");
        }
        return Ok(());
    }
    const PARTS: [&str; 6] = ["engine", "wiremock", "gui", "process", "cpu", "flat"];
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(p)) {
        anyhow::bail!("unknown part {unknown:?}; the parts are {PARTS:?}");
    }
    let part = |name: &str| parts.contains(&name);

    let folder = tempfile::TempDir::new()?;
    write_transcripts(folder.path())?;
    let conversations = load(folder.path())?;
    let server = StandIn::start(DELAY)?;

    // The engine's runtime, built as src/main.rs builds it (one worker per core).
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    if part("engine") {
        engine_part(&runtime, &server, &conversations, ideal)?;
    }
    if part("wiremock") {
        wiremock_part(&runtime, &conversations, ideal)?;
    }
    if part("gui") {
        println!("## Part 2: GUI frames while batches run");
        println!();
        gui::gui(&server, folder.path(), &conversations)?;
        println!();
        println!(
            "peak memory of this process (GUI, its run and the 64-wide batch): VmHWM {:.1} MiB",
            vm_hwm_mib()
        );
        println!();
    }
    if part("process") {
        scale::process_part(&server, folder.path(), ideal)?;
    }
    if part("cpu") {
        scale::cpu_part(&runtime, &server)?;
    }
    if part("flat") {
        scale::flat_part()?;
    }
    Ok(())
}

fn engine_part(
    runtime: &tokio::runtime::Runtime,
    server: &StandIn,
    conversations: &[Conversation],
    ideal: f64,
) -> Result<()> {
    println!("## Part 1: engine::run, raw loopback stand-in");
    println!();
    println!(
        "| run | wall s | over ideal | req/s | start-up ms | server busy s | tail ms | max in flight | stand-in service ms p50 / mean / p95 / max | turnaround ms p50 / mean / p95 / max | CPU s | ok committed | VmHWM MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut warm = Vec::new();
    let mut hwm_first = f64::NAN;
    for run in 1..=WARM_RUNS + 1 {
        let r = run_batch(runtime, &format!("{}/v1", server.url), &server.stats, conversations.to_vec())?;
        ensure!(r.ok_committed == CONVERSATIONS, "only {} ok results committed", r.ok_committed);
        if run == 1 {
            r.row("1 (cold: first in the process)", ideal);
            hwm_first = vm_hwm_mib();
        } else {
            r.row(&format!("{run} (warm)"), ideal);
            warm.push(r);
        }
    }
    warm.sort_by_key(|a| a.wall);
    let median = &warm[warm.len() / 2];
    let floor = CONVERSATIONS.div_ceil(CONCURRENCY) as f64 * median.service.mean();
    println!();
    println!(
        "- warm median: {:.3} s, {:+.1}% over the ideal, {:.0} requests/s; with the stand-in's measured mean service time of {:.2} ms the floor is {} × {:.2} ms = {:.3} s, so the engine's own share is {:.0} ms ({:+.1}%)",
        median.wall.as_secs_f64(),
        over(median.wall, ideal),
        CONVERSATIONS as f64 / median.wall.as_secs_f64(),
        median.service.mean() * 1e3,
        CONVERSATIONS.div_ceil(CONCURRENCY),
        median.service.mean() * 1e3,
        floor,
        (median.wall.as_secs_f64() - floor) * 1e3,
        (median.wall.as_secs_f64() / floor - 1.0) * 100.0
    );
    println!(
        "- peak memory (VmHWM of this process): {hwm_first:.1} MiB after the first batch, {:.1} MiB after all {}",
        vm_hwm_mib(),
        WARM_RUNS + 1
    );
    println!();
    Ok(())
}

fn wiremock_part(
    runtime: &tokio::runtime::Runtime,
    conversations: &[Conversation],
    ideal: f64,
) -> Result<()> {
    println!(
        "## Part 1b: the same batch against wiremock 0.6 (set_delay 100 ms) instead of the raw stand-in"
    );
    println!();
    let mock = runtime.block_on(wiremock_stand_in())?;
    let r = run_batch(runtime, &format!("{}/v1", mock.uri()), &Stats::default(), conversations.to_vec())?;
    println!("| run | wall s | over ideal | req/s | ok committed |");
    println!("|---|---|---|---|---|");
    println!(
        "| wiremock | {:.3} | {:+.1}% | {:.0} | {} |",
        r.wall.as_secs_f64(),
        over(r.wall, ideal),
        CONVERSATIONS as f64 / r.wall.as_secs_f64(),
        r.ok_committed
    );
    drop(mock);
    println!();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Synthetic conversations

/// A short support call, unique per index (names, account number, amounts, issue).
fn transcript_text(i: usize) -> String {
    const AGENTS: [&str; 6] = ["Sam", "Priya", "Jonas", "Mei", "Carlos", "Ada"];
    const CUSTOMERS: [&str; 7] = ["Dana", "Lee", "Omar", "Ines", "Tomasz", "Grace", "Ravi"];
    const PLANS: [&str; 5] = ["Fibre 500", "Mobile Plus", "Home Basic", "Business Pro", "TV Max"];
    const ISSUES: [&str; 5] = [
        "I was charged twice for my plan this month",
        "I cannot log in to the app since the update",
        "I would like to upgrade to a faster plan",
        "my router keeps dropping the connection every evening",
        "I want to cancel because the price went up",
    ];
    let agent = AGENTS[i % AGENTS.len()];
    let customer = CUSTOMERS[(i / 3) % CUSTOMERS.len()];
    let plan = PLANS[(i / 7) % PLANS.len()];
    let issue = ISSUES[(i / 2) % ISSUES.len()];
    let account = 400_000 + i * 7_919 % 100_000;
    let amount = 20 + (i * 37) % 180;
    let mut text = format!(
        "Agent: Thank you for calling Northwind, this is {agent}. How can I help you today?\n\
         Customer: Hi {agent}, this is {customer}, account {account}. On my {plan} plan {issue}.\n\
         Agent: Thanks {customer}, I have account {account} open. I can see the {plan} plan at ${amount}.00 a month.\n\
         Customer: Right, and this is call number {i} about it, so I would like it sorted today.\n"
    );
    for extra in 0..i % 4 {
        text.push_str(&format!(
            "Agent: Step {} of the fix: I have applied change {}-{} on your side.\n\
             Customer: OK, I see it now.\n",
            extra + 1,
            account,
            extra
        ));
    }
    text.push_str(&format!(
        "Agent: Done. Ticket T-{:04} is noted on the account; anything else?\nCustomer: No, thanks {agent}.\n",
        i % 10_000
    ));
    text
}

fn write_transcripts(dir: &Path) -> Result<()> {
    for i in 0..CONVERSATIONS {
        std::fs::write(dir.join(format!("call_{i:05}.txt")), transcript_text(i))?;
    }
    Ok(())
}

/// Import the folder the way the CLI and the GUI do.
fn load(dir: &Path) -> Result<Vec<Conversation>> {
    let import = transcript::load_paths(&[dir.to_path_buf()]);
    ensure!(import.errors.is_empty(), "transcripts failed to import: {:?}", import.errors);
    ensure!(
        import.conversations.len() == CONVERSATIONS,
        "{} conversations loaded",
        import.conversations.len()
    );
    let hashes: std::collections::HashSet<String> =
        import.conversations.iter().map(Conversation::content_hash).collect();
    ensure!(hashes.len() == CONVERSATIONS, "conversations are not unique");
    Ok(import.conversations)
}

// ---------------------------------------------------------------------------------------------
// The loopback stand-in: a minimal HTTP/1.1 keep-alive server on its own thread and runtime,
// answering every POST /v1/chat/completions with a Chat Completions reply after `delay`.

#[derive(Default)]
struct Stats {
    arrivals: Mutex<Vec<Instant>>,
    last_reply: Mutex<Option<Instant>>,
    /// Per keep-alive connection: reply written → next request read, i.e. the client's time to
    /// take a reply in and put the freed slot back to work.
    turnarounds: Mutex<Vec<Duration>>,
    /// Request read → reply written, as the stand-in saw it (the 100 ms plus timer slack).
    service: Mutex<Vec<Duration>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    not_found: AtomicUsize,
}

impl Stats {
    fn reset(&self) {
        if let Ok(mut a) = self.arrivals.lock() {
            a.clear();
        }
        if let Ok(mut l) = self.last_reply.lock() {
            *l = None;
        }
        if let Ok(mut t) = self.turnarounds.lock() {
            t.clear();
        }
        if let Ok(mut t) = self.service.lock() {
            t.clear();
        }
        self.max_in_flight.store(0, Ordering::SeqCst);
        self.not_found.store(0, Ordering::SeqCst);
    }
}

fn spec() -> Result<AnalysisSpec> {
    let mut spec = AnalysisSpec::template("post_analysis")?;
    spec.provider = ProviderKind::Openai;
    spec.model = MODEL.into();
    Ok(spec)
}

fn provider(base_url: &str) -> Result<Arc<dyn llm::Provider>> {
    let config = ProviderConfig {
        kind: ProviderKind::Openai,
        base_url: Some(base_url.to_string()),
        api_key: Some("bench".into()),
        ..ProviderConfig::default()
    };
    Ok(Arc::from(llm::build(&config)?))
}

struct BatchResult {
    wall: Duration,
    statuses: BTreeMap<String, usize>,
    ok_committed: usize,
    committed: usize,
    startup: Option<Duration>,
    busy: Option<Duration>,
    tail: Option<Duration>,
    max_in_flight: usize,
    requests: usize,
    turnarounds: Frames,
    service: Frames,
    cpu_s: f64,
}

impl BatchResult {
    fn row(&self, name: &str, ideal: f64) {
        let ms =
            |d: Option<Duration>| d.map(|d| format!("{:.0}", d.as_secs_f64() * 1e3)).unwrap_or("-".into());
        println!(
            "| {name} | {:.3} | {:+.1}% | {:.0} | {} | {} | {} | {} | {} | {} | {:.2} | {} / {} | {:.1} |",
            self.wall.as_secs_f64(),
            over(self.wall, ideal),
            self.requests as f64 / self.wall.as_secs_f64(),
            ms(self.startup),
            self.busy.map(|d| format!("{:.3}", d.as_secs_f64())).unwrap_or("-".into()),
            ms(self.tail),
            self.max_in_flight,
            self.service.summary(),
            self.turnarounds.summary(),
            self.cpu_s,
            self.ok_committed,
            self.committed,
            vm_hwm_mib()
        );
        if self.statuses.keys().any(|s| s != "ok") {
            println!("|  | statuses: {:?} |", self.statuses);
        }
    }
}

/// One 2,000-conversation batch into a fresh history. `stats` is the stand-in's (empty for a
/// server that keeps none).
fn run_batch(
    runtime: &tokio::runtime::Runtime,
    base_url: &str,
    stats: &Stats,
    conversations: Vec<Conversation>,
) -> Result<BatchResult> {
    let data = tempfile::TempDir::new()?;
    let store: SharedStore = Arc::new(Mutex::new(Store::open_in(data.path())?));
    let provider = provider(base_url)?;
    let prices = Arc::new(PriceTable::bundled());
    let request = RunRequest {
        spec: spec()?,
        conversations: conversations.into(),
        kind: "batch".into(),
        concurrency: CONCURRENCY,
        repeat: 1,
        reuse: false,
        deliver: None,
    };
    stats.reset();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let (run_id, statuses) = runtime.block_on(async {
        let consumer = tokio::spawn(async move {
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            while let Some(event) = rx.recv().await {
                if let Event::Result { outcome, .. } = event {
                    *statuses.entry(outcome.status.as_str().to_string()).or_default() += 1;
                }
            }
            statuses
        });
        let run_id = engine::run(Arc::clone(&store), provider, prices, request, tx, CancellationToken::new())
            .await
            .map_err(|e| anyhow!("the run failed: {e:#}"))?;
        let statuses = consumer.await?;
        Ok::<_, anyhow::Error>((run_id, statuses))
    })?;
    let end = Instant::now();
    let cpu_s = cpu_seconds() - cpu_start;
    let wall = end - start;
    let results = store.lock().map_err(|_| anyhow!("store poisoned"))?.results(run_id)?;
    let ok_committed = results.iter().filter(|r| r.outcome.status == Status::Ok).count();
    let arrivals = stats.arrivals.lock().map_err(|_| anyhow!("stats poisoned"))?.clone();
    let last_reply = *stats.last_reply.lock().map_err(|_| anyhow!("stats poisoned"))?;
    let first = arrivals.iter().min().copied();
    ensure!(stats.not_found.load(Ordering::SeqCst) == 0, "the engine called an unexpected path");
    Ok(BatchResult {
        wall,
        statuses,
        ok_committed,
        committed: results.len(),
        startup: first.map(|f| f - start),
        busy: first.zip(last_reply).map(|(f, l)| l - f),
        tail: last_reply.map(|l| end - l),
        max_in_flight: stats.max_in_flight.load(Ordering::SeqCst),
        requests: if arrivals.is_empty() { CONVERSATIONS } else { arrivals.len() },
        turnarounds: Frames(stats.turnarounds.lock().map_err(|_| anyhow!("stats poisoned"))?.clone()),
        service: Frames(stats.service.lock().map_err(|_| anyhow!("stats poisoned"))?.clone()),
        cpu_s,
    })
}

// ---------------------------------------------------------------------------------------------
// Part 2: the GUI

fn over(wall: Duration, ideal: f64) -> f64 {
    (wall.as_secs_f64() / ideal - 1.0) * 100.0
}

fn vm_hwm_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time of this process (user + system; every thread, the stand-in's included), from
/// /proc/self/stat in clock ticks of 1/100 s.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let utime = fields.get(11)?.parse::<f64>().ok()?;
            let stime = fields.get(12)?.parse::<f64>().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
