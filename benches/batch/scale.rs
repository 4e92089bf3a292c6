//! Issue 12's scale parts of the batch benchmark: the whole `debrief` process against the
//! stand-in (start-up included), CPU per conversation at concurrency 256 against a bare client
//! on the same stand-in, and peak memory and time as the corpus grows (offline provider).
//!
//! The `debrief` binary is the one cargo builds for this benchmark (release under `cargo
//! bench`); `/usr/bin/time` reports its wall time, CPU and peak RSS, so the figures are the
//! child's own, without the stand-in (which runs in this process).

use super::*;

/// `debrief batch` as a whole process: (wall s, user + system CPU s, peak RSS MiB).
pub(crate) fn debrief_batch(folder: &Path, extra: &[&str], concurrency: usize) -> Result<(f64, f64, f64)> {
    let data = tempfile::TempDir::new()?;
    let report = data.path().join("time.txt");
    let concurrency = concurrency.to_string();
    let status = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M", "-o"])
        .arg(&report)
        .arg(debrief_bin())
        .args(["batch", "--template", "post_analysis", "--fresh", "--concurrency", &concurrency])
        // The offline baseline refuses a model name (it has none).
        .args(if extra.contains(&"offline") { &[][..] } else { &["--model", MODEL][..] })
        .args(extra)
        .arg("--data-dir")
        .arg(data.path())
        .arg(folder)
        .env("OPENAI_API_KEY", "bench")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    ensure!(status.success(), "debrief batch failed: {status}");
    let text = std::fs::read_to_string(&report)?;
    let n: Vec<f64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    ensure!(n.len() == 4, "unexpected /usr/bin/time output {text:?}");
    Ok((n[0], n[1] + n[2], n[3] / 1024.0))
}

/// The binary measured: cargo's build of this tree, or `DEBRIEF_BENCH_BIN` (to measure another
/// build, such as main's, with the same harness).
fn debrief_bin() -> std::ffi::OsString {
    std::env::var_os("DEBRIEF_BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_debrief").into())
}

/// `n` transcripts in `dir` (the same synthetic calls as part 1, cycling).
pub(crate) fn write_n(dir: &Path, n: usize) -> Result<()> {
    for i in 0..n {
        std::fs::write(dir.join(format!("call_{i:07}.txt")), transcript_text(i))?;
    }
    Ok(())
}

/// Part 3 (`process`): 2,000 × 64 × 100 ms as a whole process, start-up included.
pub(crate) fn process_part(server: &StandIn, folder: &Path, ideal: f64) -> Result<()> {
    println!("## Part 3: `debrief batch` as a whole process, 2,000 × 64 × 100 ms");
    println!();
    println!("| run | wall s | over ideal | CPU s | peak RSS MiB |");
    println!("|---|---|---|---|---|");
    let url = format!("{}/v1", server.url);
    for run in 1..=3 {
        let (wall, cpu, rss) =
            debrief_batch(folder, &["--provider", "openai", "--base-url", &url], CONCURRENCY)?;
        println!("| {run} | {wall:.3} | {:.3}× | {cpu:.2} | {rss:.1} |", wall / ideal);
    }
    println!();
    Ok(())
}

/// Part 4 (`cpu`): 20,000 × 256 × 100 ms; CPU per conversation of `debrief batch` (whole
/// process), of `engine::run` in this process, and of a bare client in this process.
pub(crate) fn cpu_part(runtime: &tokio::runtime::Runtime, server: &StandIn) -> Result<()> {
    const N: usize = 20_000;
    const C: usize = 256;
    let ideal = N as f64 / C as f64 * DELAY.as_secs_f64();
    println!("## Part 4: {N} conversations at concurrency {C}, 100 ms replies (ideal {ideal:.2} s)");
    println!();
    let folder = tempfile::TempDir::new()?;
    write_n(folder.path(), N)?;
    let url = format!("{}/v1", server.url);
    println!("| client | wall s | over ideal | CPU s | CPU ms / conversation | peak RSS MiB |");
    println!("|---|---|---|---|---|---|");
    let (wall, cpu, rss) = debrief_batch(folder.path(), &["--provider", "openai", "--base-url", &url], C)?;
    println!(
        "| `debrief batch` (whole process; CPU is the child's only) | {wall:.3} | {:.3}× | {cpu:.2} | {:.3} | {rss:.1} |",
        wall / ideal,
        cpu / N as f64 * 1e3
    );
    // In this process the stand-in's CPU is counted too, for both clients alike.
    let (bare_wall, bare_cpu) = bare_client(runtime, &url, N, C)?;
    let conversations = load_n(folder.path(), N)?;
    let store_dir = tempfile::TempDir::new()?;
    let store: SharedStore = Arc::new(Mutex::new(Store::open_in(store_dir.path())?));
    let mut request = RunRequest::new(spec()?, conversations, "batch", C);
    request.reuse = false;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let provider = provider(&url)?;
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    runtime.block_on(async {
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let prices = Arc::new(PriceTable::bundled());
        engine::run(store, provider, prices, request, tx, CancellationToken::new())
            .await
            .map_err(|e| anyhow!("the run failed: {e:#}"))?;
        drain.await?;
        Ok::<_, anyhow::Error>(())
    })?;
    let (engine_wall, engine_cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
    for (name, wall, cpu) in [
        ("`engine::run` in-process (+ stand-in)", engine_wall, engine_cpu),
        ("bare reqwest client (+ stand-in)", bare_wall, bare_cpu),
    ] {
        println!("| {name} | {wall:.3} | {:.3}× | {cpu:.2} | {:.3} | |", wall / ideal, cpu / N as f64 * 1e3);
    }
    println!();
    println!(
        "- in-process ratios, engine / bare: wall {:.2}×, CPU {:.2}× ({:.3} ms more per conversation)",
        engine_wall / bare_wall,
        engine_cpu / bare_cpu,
        (engine_cpu - bare_cpu) / N as f64 * 1e3
    );
    println!();
    Ok(())
}

/// `n` requests at `concurrency` with reqwest: POST the chat body, read the reply, nothing else.
fn bare_client(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    n: usize,
    concurrency: usize,
) -> Result<(f64, f64)> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let body =
        serde_json::json!({"model": MODEL, "messages": [{"role": "user", "content": transcript_text(0)}]});
    let endpoint = format!("{url}/chat/completions");
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (client, body, endpoint, next) =
                (client.clone(), body.clone(), endpoint.clone(), Arc::clone(&next));
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::SeqCst) < n {
                    let reply = client.post(&endpoint).bearer_auth("bench").json(&body).send().await?;
                    let _ = reply.bytes().await?;
                }
                Ok::<_, reqwest::Error>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok((start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start))
}

fn load_n(dir: &Path, n: usize) -> Result<Vec<Conversation>> {
    let import = transcript::load_paths(&[dir.to_path_buf()]);
    ensure!(import.conversations.len() == n, "{} of {n} conversations loaded", import.conversations.len());
    Ok(import.conversations)
}

/// `n` transcripts as one JSON Lines export (`calls.jsonl`), the shape a large corpus comes in.
fn write_jsonl(dir: &Path, n: usize) -> Result<std::path::PathBuf> {
    use std::io::Write;
    let path = dir.join("calls.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for i in 0..n {
        let line = serde_json::json!({"id": format!("call_{i:07}"), "transcript": transcript_text(i)});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(path)
}

/// Part 5 (`flat`): the offline provider over growing corpora, whole process: peak RSS and
/// time per N, for one JSON Lines export (streamed line by line past 8 MB) and, up to 20,000,
/// for a folder of one file per call. `DEBRIEF_BENCH_MILLION=1` adds the 1,000,000 point.
pub(crate) fn flat_part() -> Result<()> {
    println!("## Part 5: peak memory and time as N grows (offline provider, concurrency 64)");
    println!();
    println!("| corpus | N | wall s | µs / conversation | CPU s | peak RSS MiB |");
    println!("|---|---|---|---|---|---|");
    let mut sizes = vec![2_000, 20_000, 200_000];
    if std::env::var_os("DEBRIEF_BENCH_MILLION").is_some() {
        sizes.push(1_000_000);
    }
    for n in sizes {
        let folder = tempfile::TempDir::new()?;
        let corpus = write_jsonl(folder.path(), n)?;
        let (wall, cpu, rss) = debrief_batch(&corpus, &["--provider", "offline"], CONCURRENCY)?;
        println!("| one .jsonl | {n} | {wall:.2} | {:.1} | {cpu:.2} | {rss:.1} |", wall / n as f64 * 1e6);
        if n <= 20_000 {
            let folder = tempfile::TempDir::new()?;
            write_n(folder.path(), n)?;
            let (wall, cpu, rss) = debrief_batch(folder.path(), &["--provider", "offline"], CONCURRENCY)?;
            println!("| files | {n} | {wall:.2} | {:.1} | {cpu:.2} | {rss:.1} |", wall / n as f64 * 1e6);
        }
    }
    println!();
    Ok(())
}
