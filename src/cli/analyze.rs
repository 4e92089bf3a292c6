//! `debrief analyze` and `debrief estimate`.

use super::spec_args::{SpecArgs, check_paths};
use super::{CliError, DataDirArg, Exit};
use crate::core::cost::{self, PriceTable, format_usd};
use crate::core::line::result_line;
use crate::core::outcome::Status;
use crate::core::prompt;
use crate::core::schema::dialect;
use crate::core::transcript::{self, Import};
use crate::engine::{Engine, Event, RunHandle, RunRequest};
use anyhow::anyhow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub data: DataDirArg,
    /// Conversations analysed at once.
    #[arg(long, default_value_t = 4, value_name = "N", allow_negative_numbers = true, value_parser = super::positive_usize)]
    pub concurrency: usize,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Print JSON lines (one per conversation, then a total) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Load transcripts, reporting each bad file on stderr. Returns the import and whether any failed.
pub(super) fn load(paths: &[PathBuf]) -> Result<(Import, bool), CliError> {
    check_paths(paths)?;
    let import = transcript::load_paths(paths);
    for e in &import.errors {
        eprintln!("error: {e}");
    }
    for w in &import.warnings {
        eprintln!("warning: {w}");
    }
    // A file named explicitly but not a transcript type is an error; inside folders such files
    // (READMEs, label files) are skipped quietly.
    let named_skips: Vec<&PathBuf> = import.skipped.iter().filter(|s| paths.contains(s)).collect();
    for s in &named_skips {
        eprintln!(
            "error: {}: not a transcript (expected .txt, .json, .jsonl, .vtt, .srt or .csv content)",
            s.display()
        );
    }
    let failed = !import.errors.is_empty() || !named_skips.is_empty();
    if import.conversations.is_empty() && !failed {
        return Err(CliError::usage(anyhow!("no transcripts found in the given paths")));
    }
    Ok((import, failed))
}

pub async fn analyze(args: AnalyzeArgs) -> Result<Exit, CliError> {
    let spec = args.spec.resolve()?;
    let config = args.spec.provider_config(&spec);
    let provider = Engine::provider(&config).map_err(CliError::usage)?;
    let engine = args.data.open()?;
    let (import, import_failed) = load(&args.paths)?;
    let total = import.conversations.len();
    if total == 0 {
        eprintln!("nothing to analyse: no input file could be read");
        return Ok(Exit::NotAllOk);
    }
    eprintln!(
        "analysing {total} conversation(s) with {} ({}) · spec {} {}",
        provider.label(),
        spec.model,
        spec.name,
        spec.short_version()
    );
    let request = RunRequest::new(spec, import.conversations, "analyze", args.concurrency);
    let RunHandle { events: mut rx, cancel, join } = engine.spawn(provider, request);
    crate::engine::cancel_on_ctrl_c(cancel, || eprintln!("cancelling: results already received are saved"));

    // Print in input order even though results arrive out of order.
    let mut pending = BTreeMap::new();
    let (mut next, mut done, mut all_ok) = (0usize, 0usize, true);
    let mut stdout = std::io::stdout().lock();
    while let Some(event) = rx.recv().await {
        let Event::Result { run_id, index, outcome } = event else { continue };
        done += 1;
        all_ok &= outcome.status == Status::Ok;
        eprintln!(
            "[{done}/{total}] {} {} · {} in / {} out tokens · {}",
            outcome.conversation_id,
            outcome.status,
            outcome.usage.input_tokens,
            outcome.usage.output_tokens,
            format_usd(outcome.cost_usd)
        );
        for e in outcome.errors.iter().filter(|_| outcome.status != Status::Ok) {
            eprintln!("    {}: {}", crate::core::schema::display_pointer(&e.pointer), e.message);
        }
        pending.insert(index, result_line(&outcome, Some(run_id)));
        while let Some(line) = pending.remove(&next) {
            let _ = writeln!(stdout, "{line}");
            next += 1;
        }
    }
    for line in pending.into_values() {
        let _ = writeln!(stdout, "{line}");
    }
    let run_id = join
        .await
        .map_err(|e| CliError::failed(anyhow!("run task failed: {e}")))?
        .map_err(CliError::failed)?;
    eprintln!("run {run_id} saved ({done} result(s)); see `debrief runs show {run_id}`");
    Ok(if all_ok && !import_failed && done == total { Exit::Ok } else { Exit::NotAllOk })
}

pub fn estimate(args: EstimateArgs) -> Result<Exit, CliError> {
    let spec = args.spec.resolve()?;
    let (import, import_failed) = load(&args.paths)?;
    let prices = PriceTable::bundled();
    let sent = dialect::transform(dialect::for_provider(spec.provider), &spec.schema);
    let options = prompt::PromptOptions::for_provider(spec.provider);
    let exact = cost::count_tokens(spec.provider, &spec.model, "x").exact;
    let (mut tin, mut tout, mut tcost) = (0u64, 0u64, Some(0.0f64));
    let mut stdout = std::io::stdout().lock();
    if !args.json {
        let _ = writeln!(stdout, "{:<40} {:>10} {:>10} {:>12}", "conversation", "in", "out", "cost");
    }
    for conv in &import.conversations {
        let messages = prompt::build(&spec, conv, options);
        let e = cost::estimate(spec.provider, &spec.model, &messages, Some(&sent.schema), &prices);
        tin += e.input_tokens;
        tout += e.output_tokens;
        tcost = tcost.zip(e.cost_usd).map(|(a, b)| a + b);
        if args.json {
            let line = serde_json::json!({"conversation_id": conv.id, "source": conv.source, "input_tokens": e.input_tokens, "output_tokens": e.output_tokens, "cost_usd": e.cost_usd, "exact": exact});
            let _ = writeln!(stdout, "{line}");
        } else {
            let _ = writeln!(
                stdout,
                "{:<40} {:>10} {:>10} {:>12}",
                conv.id,
                e.input_tokens,
                e.output_tokens,
                format_usd(e.cost_usd)
            );
        }
    }
    let n = import.conversations.len();
    if args.json {
        let line = serde_json::json!({"total": {"conversations": n, "input_tokens": tin, "output_tokens": tout, "cost_usd": tcost, "model": spec.model, "provider": spec.provider, "exact": exact}});
        let _ = writeln!(stdout, "{line}");
    } else {
        let approx = if exact { "" } else { " (approximate token counts)" };
        let _ = writeln!(
            stdout,
            "{:<40} {:>10} {:>10} {:>12}",
            format!("total ({n} conversations)"),
            tin,
            tout,
            format_usd(tcost)
        );
        let via = if spec.provider == crate::core::spec::ProviderKind::Offline {
            crate::llm::offline::LABEL.to_string()
        } else {
            spec.provider.to_string()
        };
        let _ = writeln!(
            stdout,
            "model {} via {via}{approx}; output tokens estimated from the schema",
            spec.model
        );
    }
    Ok(if import_failed { Exit::NotAllOk } else { Exit::Ok })
}
