//! `debrief analyze` (and the transcript loading `estimate`, `project` and `batch` share).

use super::spec_args::{SpecArgs, check_paths};
use super::{CliError, DataDirArg, Exit};
use crate::core::cost::format_usd;
use crate::core::line::result_line;
use crate::core::outcome::Status;
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
    #[command(flatten)]
    pub prices: super::prices::PriceArgs,
    /// Conversations analysed at once.
    #[arg(long, default_value_t = 4, value_name = "N", allow_negative_numbers = true, value_parser = super::positive_usize)]
    pub concurrency: usize,
    /// Follow links to folders outside the folders given (off: they are skipped with a note).
    #[arg(long)]
    pub follow_links: bool,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Load transcripts, reporting each bad file on stderr. Returns the import and whether any failed.
pub(super) fn load(paths: &[PathBuf]) -> Result<(Import, bool), CliError> {
    load_with(paths, false)
}

/// [`load`], following links to folders outside the given folders when `follow_links`. What
/// the walk left out (links, duplicates, loops) is said on stderr.
pub(super) fn load_with(paths: &[PathBuf], follow_links: bool) -> Result<(Import, bool), CliError> {
    check_paths(paths)?;
    let import = transcript::load_paths_with(paths, transcript::LoadOptions { follow_links });
    for e in &import.errors {
        eprintln!("error: {e}");
    }
    for w in &import.warnings {
        eprintln!("warning: {w}");
    }
    for note in &import.notes {
        eprintln!("note: {note}");
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
    let mut engine = args.data.open()?;
    engine.set_prices(args.prices.table()?);
    let (import, import_failed) = load_with(&args.paths, args.follow_links)?;
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
    let RunHandle { events: mut rx, cancel, stop, join } = engine.spawn(provider, request);
    let signalled = crate::engine::signals::stop_on_signals(crate::engine::Stops { stop, cancel }, |name| {
        eprintln!(
            "{name}: no new calls; waiting up to {} s for the calls in flight (results received are saved; signal again to stop now)",
            crate::engine::signals::GRACE.as_secs()
        )
    });

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
    super::runs::report_interrupted(&engine, run_id);
    if let Some(code) = signalled.exit_code() {
        return Ok(Exit::Signal(code));
    }
    Ok(if all_ok && !import_failed && done == total { Exit::Ok } else { Exit::NotAllOk })
}
