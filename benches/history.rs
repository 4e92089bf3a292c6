//! `cargo bench --bench history [-- N …]`: evaluation, comparison and `runs show` at scale, and
//! the size of the history (issue 12). The numbers are written down in BENCHMARKS.md; this is a
//! measurement, not a timed test.
//!
//! For each N (default 100,000) it writes a history straight through the store API: N synthetic
//! support calls, two runs over them (run B changes some answers, as a prompt change would) and a
//! label file for every conversation. About 91% of the results are `ok` at the first attempt,
//! 4% `ok` after one repair, 3% `invalid` after three attempts and 2% `error` (an HTTP 500 body),
//! each attempt holding the request body the OpenAI provider would send. Then it runs the built
//! `debrief` binary as a whole process, under `/usr/bin/time -v` for the peak RSS, for
//! `eval RUN_A --expected FILE`, `compare RUN_A RUN_B --expected FILE` and `runs show RUN_A
//! --json` (output to /dev/null), and reports the history's bytes per result, in all and per
//! column of `results`.
//!
//! `DEBRIEF_BIN=/path/to/debrief` times another build of the binary on the same history (the
//! "before" numbers came from main's build this way).
//!
//! Under `cargo test --all-targets` this binary is built and started without `--bench`; it then
//! exits at once, so tests never run the benchmark.

use anyhow::{Context, Result, anyhow, ensure};
use debrief::core::outcome::{Attempt, Estimate, FieldError, Outcome, Status, Usage};
use debrief::core::spec::{AnalysisSpec, ProviderKind};
use debrief::core::transcript::{self, Conversation};
use debrief::store::{NewRun, Store};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const MODEL: &str = "gpt-4o-mini";
const TOPICS: [&str; 5] = ["billing", "technical", "account", "cancellation", "other"];

/// The history's folder: removed at the end, or kept for profiling.
enum Kept {
    Temp(tempfile::TempDir),
    Path(std::path::PathBuf),
}

impl Kept {
    fn path(&self) -> &Path {
        match self {
            Kept::Temp(t) => t.path(),
            Kept::Path(p) => p,
        }
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("history benchmark skipped: run it with `cargo bench --bench history`");
        return Ok(());
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000] } else { sizes };
    println!("| N results per run | command | wall s | peak RSS MiB | exit |");
    println!("|---:|---|---:|---:|---:|");
    let mut sizes_report = Vec::new();
    for n in sizes {
        // DEBRIEF_BENCH_KEEP=1 keeps the history (its folder is printed) for profiling.
        let dir = tempfile::tempdir()?;
        let dir = if std::env::var_os("DEBRIEF_BENCH_KEEP").is_some() {
            let kept = dir.keep();
            eprintln!("history kept in {}", kept.display());
            Kept::Path(kept)
        } else {
            Kept::Temp(dir)
        };
        let built = Instant::now();
        let (run_a, run_b) = write_history(dir.path(), n)?;
        eprintln!("history of 2 × {n} results written in {:.1} s", built.elapsed().as_secs_f64());
        let data = dir.path().to_string_lossy().to_string();
        let expected = dir.path().join("expected.jsonl").to_string_lossy().to_string();
        let (a, b) = (run_a.to_string(), run_b.to_string());
        let commands: [(&str, Vec<&str>); 3] = [
            ("eval", vec!["eval", &a, "--expected", &expected, "--data-dir", &data]),
            ("compare", vec!["compare", &a, &b, "--expected", &expected, "--data-dir", &data]),
            ("runs show --json", vec!["runs", "show", &a, "--json", "--data-dir", &data]),
        ];
        for (name, args) in commands {
            let (wall, rss, code) = timed(&args)?;
            println!("| {n} | `debrief {name}` | {wall:.2} | {:.1} | {code} |", rss as f64 / 1024.0);
        }
        sizes_report.push((n, history_size(dir.path(), 2 * n)?));
    }
    println!();
    for (n, report) in sizes_report {
        println!("History of 2 × {n} results:\n{report}");
    }
    Ok(())
}

/// Run the built binary under `/usr/bin/time -v`: wall seconds, peak RSS in KiB, exit code.
fn timed(args: &[&str]) -> Result<(f64, u64, i32)> {
    // DEBRIEF_BIN measures another build (e.g. main's) on the same history.
    let exe = std::env::var("DEBRIEF_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_debrief").to_string());
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("run /usr/bin/time -v debrief")?;
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rss = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow!("no peak RSS in /usr/bin/time's output: {stderr}"))?;
    let code = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit status:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1);
    Ok((wall, rss, code))
}

/// File size per result and the bytes each column of `results` holds per result.
fn history_size(dir: &Path, results: usize) -> Result<String> {
    let db = dir.join(debrief::store::DB_FILE_NAME);
    let conn = rusqlite::Connection::open(&db)?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")?;
    let file = std::fs::metadata(&db)?.len();
    let mut out = format!(
        "- file {:.1} MiB after VACUUM, {:.0} bytes per result\n",
        file as f64 / (1 << 20) as f64,
        file as f64 / results as f64
    );
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('results')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let sums: Vec<String> = columns.iter().map(|c| format!("coalesce(sum(length(\"{c}\")), 0)")).collect();
    let sql = format!("SELECT {} FROM results", sums.join(", "));
    let row: Vec<i64> = conn.query_row(&sql, [], |r| (0..columns.len()).map(|i| r.get(i)).collect())?;
    let per: Vec<String> = columns
        .iter()
        .zip(&row)
        .filter(|(_, bytes)| **bytes as f64 / results as f64 >= 1.0)
        .map(|(c, bytes)| format!("{c} {:.0}", *bytes as f64 / results as f64))
        .collect();
    out.push_str(&format!("- bytes per result by column (length()): {}\n", per.join(" · ")));
    Ok(out)
}

/// Write `n` conversations, two runs of `n` results each and `expected.jsonl` into `dir`.
fn write_history(dir: &Path, n: usize) -> Result<(i64, i64)> {
    let store = Store::open_in(dir)?;
    let mut spec = AnalysisSpec::template("post_analysis")?;
    spec.provider = ProviderKind::Openai;
    spec.model = MODEL.into();
    let spec_hash = store.save_spec(&spec)?;
    let run = |kind: &str| NewRun {
        spec_hash: spec_hash.clone(),
        spec_name: spec.name.clone(),
        provider: "openai".into(),
        model: MODEL.into(),
        base_url: None,
        kind: kind.into(),
        n_planned: n,
    };
    let (run_a, run_b) = (store.create_run(&run("batch"))?, store.create_run(&run("batch"))?);
    let mut labels = std::io::BufWriter::new(std::fs::File::create(dir.join("expected.jsonl"))?);
    for i in 0..n {
        let conv = conversation(i)?;
        let hash = conv.content_hash();
        store.save_conversation(&conv, &hash)?;
        store.record_result(run_a, &hash, &outcome(&spec, &conv, i, 0))?;
        store.record_result(run_b, &hash, &outcome(&spec, &conv, i, 1))?;
        writeln!(labels, "{}", json!({"conversation_id": conv.id, "expected": answer(i, 0)}))?;
    }
    labels.flush()?;
    for id in [run_a, run_b] {
        store.finish_run(id, debrief::store::RunState::Finished)?;
    }
    Ok((run_a, run_b))
}

/// A short support call, unique per index.
fn conversation(i: usize) -> Result<Conversation> {
    const AGENTS: [&str; 4] = ["Sam", "Priya", "Jonas", "Mei"];
    let agent = AGENTS[i % AGENTS.len()];
    let account = 400_000 + i * 7_919 % 100_000;
    let text = format!(
        "Agent: Thank you for calling Northwind, this is {agent}. How can I help you today?\n\
         Customer: Hi {agent}, account {account}. I was charged twice for my plan this month.\n\
         Agent: I can see the double charge of ${}.00; I have refunded one of them.\n\
         Customer: Great, thanks. That was call number {i} about it.\n",
        20 + (i * 37) % 180
    );
    let path = format!("call_{i:06}.txt");
    let mut parsed = transcript::parse_bytes(Path::new(&path), text.as_bytes())?;
    ensure!(parsed.len() == 1, "{path}: {} conversations", parsed.len());
    parsed.pop().ok_or_else(|| anyhow!("{path}: no conversation"))
}

/// The labelled answer for call `i`; run 1 (B) changes topic and sentiment of every 10th call.
fn answer(i: usize, run: usize) -> Value {
    let shift = usize::from(run == 1 && i % 10 == 3);
    let sentiment = ["positive", "neutral", "negative"][(i + shift) % 3];
    json!({
        "summary": format!("The customer was charged twice (call {i}) and the agent refunded one charge."),
        "topic": TOPICS[(i + shift) % TOPICS.len()],
        "resolved": !i.is_multiple_of(3),
        "sentiment": sentiment,
        "follow_up_needed": i.is_multiple_of(5),
        "follow_up_notes": null
    })
}

/// One result as the engine records it (statuses mixed as in the module docs).
fn outcome(spec: &AnalysisSpec, conv: &Conversation, i: usize, run: usize) -> Outcome {
    let request = debrief::llm::preview_request(ProviderKind::Openai, spec, conv);
    let usage = Usage { input_tokens: 420, output_tokens: 60, ..Usage::default() };
    let attempt = |number: u32, reason: &str, raw_reply: String, error: Option<String>| Attempt {
        number,
        reason: reason.into(),
        request: request.clone(),
        raw_reply,
        http_status: Some(if error.as_deref() == Some("HTTP 500") { 500 } else { 200 }),
        usage,
        error,
        latency_ms: 100 + (i % 50) as u64,
    };
    let good = answer(i, run);
    let mut bad = good.clone();
    bad["topic"] = json!("refund");
    let invalid = || Some("/topic: \"refund\" is not one of the allowed values".to_string());
    let (status, attempts, analysis, errors) = match (i + run) % 100 {
        0..=90 => (Status::Ok, vec![attempt(1, "initial", good.to_string(), None)], Some(good), vec![]),
        91..=94 => (
            Status::Ok,
            vec![
                attempt(1, "initial", bad.to_string(), invalid()),
                attempt(2, "repair", good.to_string(), None),
            ],
            Some(good),
            vec![],
        ),
        95..=97 => (
            Status::Invalid,
            (1..=3)
                .map(|k| attempt(k, if k == 1 { "initial" } else { "repair" }, bad.to_string(), invalid()))
                .collect(),
            Some(bad),
            vec![FieldError {
                pointer: "/topic".into(),
                message: "\"refund\" is not one of the allowed values".into(),
            }],
        ),
        _ => {
            let body = r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}"#;
            let message = "openai answered HTTP 500: The server had an error while processing your request.";
            (
                Status::Error,
                vec![attempt(1, "initial", body.to_string(), Some("HTTP 500".into()))],
                None,
                vec![FieldError { pointer: String::new(), message: message.into() }],
            )
        }
    };
    let n_attempts = attempts.len() as u64;
    Outcome {
        conversation_id: conv.id.clone(),
        source: conv.source.clone(),
        provider: "openai".into(),
        model: MODEL.into(),
        status,
        analysis,
        errors,
        attempts,
        usage: Usage { input_tokens: 420 * n_attempts, output_tokens: 60 * n_attempts, ..Usage::default() },
        estimate: Estimate { input_tokens: 430, output_tokens: 200, cost_usd: Some(0.000_185) },
        cost_usd: Some(0.000_099 * n_attempts as f64),
        latency_ms: 100 * n_attempts,
        note: None,
        evidence: None,
    }
}
