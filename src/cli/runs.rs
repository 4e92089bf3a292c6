//! `debrief runs`: browse the history.

use super::{CliError, DataDirArg, Exit, engine_err};
use crate::core::cost::format_usd;
use crate::core::line::result_line;
use crate::store::{RunQuery, RunSummary};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: Option<RunsCommand>,
    /// How many runs to list, newest first.
    #[arg(long, default_value_t = 20, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, clap::Subcommand)]
pub enum RunsCommand {
    /// One run and its results.
    Show {
        run_id: i64,
        /// Print the run and every result line as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
}

/// "offline baseline (no LLM)" for offline runs, provider/model otherwise.
fn provider_model(provider: &str, model: &str) -> String {
    if provider == "offline" { crate::llm::offline::LABEL.to_string() } else { format!("{provider}/{model}") }
}

/// Cost of a run for display: a run with no results cost nothing.
fn run_cost(run: &RunSummary) -> String {
    if run.n_results == 0 { "$0.00".into() } else { format_usd(run.cost_usd) }
}

fn failed_count(run: &RunSummary) -> usize {
    run.counts
        .iter()
        .filter(|(status, _)| status.as_str() != "ok" && status.as_str() != "skipped")
        .map(|(_, n)| n)
        .sum()
}

/// "N calls were in flight …" for an interrupted run, else nothing.
pub fn in_flight_note(run: &RunSummary) -> Option<String> {
    (run.state == crate::store::RunState::Interrupted).then(|| {
        format!(
            "run {} was interrupted: {} call(s) were in flight when the process died and may have been billed; rerun the batch to finish it (results already saved are reused)",
            run.id, run.in_flight
        )
    })
}

/// Say on stderr that a run ended interrupted, with its in-flight count.
pub fn report_interrupted(engine: &crate::engine::Engine, run_id: i64) {
    if let Some(note) = engine.run_summary(run_id).ok().as_ref().and_then(in_flight_note) {
        eprintln!("{note}");
    }
}

pub fn runs(args: RunsArgs) -> Result<Exit, CliError> {
    // Buffered: `runs show` of a large run writes many short lines.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.command {
        Some(RunsCommand::Show { run_id, json, data }) => {
            let data = if data.data_dir.is_some() { data } else { args.data };
            let engine = data.open()?;
            let run = engine.run_summary(run_id).map_err(engine_err)?;
            if json || args.json {
                write_show_json(&mut out, &engine, &run)?;
            } else {
                let _ = writeln!(
                    out,
                    "run {} · {} · spec {} ({}) · {} · {}",
                    run.id,
                    run.started_at,
                    run.spec_name,
                    &run.spec_hash[..run.spec_hash.len().min(12)],
                    provider_model(&run.provider, &run.model),
                    run.state.as_str()
                );
                if let Some(note) = in_flight_note(&run) {
                    let _ = writeln!(out, "{note}");
                }
                let _ = writeln!(
                    out,
                    "{} result(s): {} · {} in / {} out tokens · {}",
                    run.n_results,
                    counts_text(&run),
                    run.usage.input_tokens,
                    run.usage.output_tokens,
                    run_cost(&run)
                );
                let _ = writeln!(out);
                // Streamed: each result is written as it is read and then dropped.
                let shown = engine.each_result(run_id, |r| {
                    let o = &r.outcome;
                    let _ = writeln!(
                        out,
                        "{:<36} {:<9} {:>6} ms  {}",
                        o.conversation_id,
                        o.status.as_str(),
                        o.latency_ms,
                        format_usd(o.cost_usd)
                    );
                    if let Some(a) = &o.analysis {
                        let _ = writeln!(out, "    {a}");
                    }
                    for e in &o.errors {
                        let _ = writeln!(
                            out,
                            "    ! {}: {}",
                            crate::core::schema::display_pointer(&e.pointer),
                            e.message
                        );
                    }
                    Ok(())
                });
                shown.map_err(engine_err)?;
            }
        }
        None => {
            let engine = args.data.open()?;
            let runs = engine
                .runs(&RunQuery { limit: args.limit as usize, ..RunQuery::default() })
                .map_err(engine_err)?;
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&runs).unwrap_or_default());
            } else if runs.is_empty() {
                let _ = writeln!(
                    out,
                    "no runs yet; try `debrief analyze --provider offline sample_conversations/`"
                );
            } else {
                let _ = writeln!(
                    out,
                    "{:>5}  {:<20}  {:<32}  {:<28}  {:>5}  {:>4}  {:>6}  {:>10}  cost",
                    "run", "started", "spec", "provider/model", "convs", "ok", "failed", "tokens"
                );
                for r in &runs {
                    let spec = format!("{} {}", r.spec_name, &r.spec_hash[..r.spec_hash.len().min(8)]);
                    let pm = provider_model(&r.provider, &r.model);
                    let ok = r.counts.get("ok").copied().unwrap_or(0);
                    let tokens = r.usage.input_tokens + r.usage.output_tokens;
                    let _ = writeln!(
                        out,
                        "{:>5}  {:<20}  {:<32}  {:<28}  {:>5}  {:>4}  {:>6}  {:>10}  {}",
                        r.id,
                        r.started_at.get(..19).unwrap_or(&r.started_at),
                        spec,
                        pm,
                        r.n_results,
                        ok,
                        failed_count(r),
                        tokens,
                        run_cost(r)
                    );
                    // A run that is not finished says so: a dead run must not look done.
                    if let Some(note) = in_flight_note(r) {
                        let _ = writeln!(out, "       {note}");
                    } else if r.state != crate::store::RunState::Finished {
                        let _ = writeln!(out, "       run {} is {}", r.id, r.state);
                    }
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// `runs show --json`: the document `{"run": …, "results": [line, …]}` pretty-printed exactly as
/// `serde_json::to_string_pretty` prints it whole, but written one result at a time as the rows
/// are read, so memory does not grow with the run (issue 12).
fn write_show_json(
    out: &mut impl Write,
    engine: &crate::engine::Engine,
    run: &RunSummary,
) -> Result<(), CliError> {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let run_json = serde_json::to_value(run).map_err(|e| CliError::failed(anyhow::anyhow!(e)))?;
    let _ = write!(out, "{{\n  \"run\": {},\n  \"results\": [", indent(&pretty(&run_json), "  "));
    let mut first = true;
    engine
        .each_result(run.id, |r| {
            let line = pretty(&result_line(&r.outcome, Some(run.id)));
            let _ = write!(out, "{}\n    {}", if first { "" } else { "," }, indent(&line, "    "));
            first = false;
            Ok(())
        })
        .map_err(engine_err)?;
    let _ = writeln!(out, "{}]\n}}", if first { "" } else { "\n  " });
    Ok(())
}

/// Indent every line after the first (a pretty-printed value nested one level deeper). JSON
/// strings hold no raw line breaks, so splitting on them is safe.
fn indent(text: &str, by: &str) -> String {
    text.replace('\n', &format!("\n{by}"))
}

fn counts_text(run: &RunSummary) -> String {
    run.counts.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ")
}
