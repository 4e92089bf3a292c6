//! `debrief compare RUN_A RUN_B`: what changed between two runs over the same transcripts.
//!
//! Loads both runs' results and spec versions from the history, the labels (an `--expected`
//! file and labels embedded in the transcripts of either run), and prints
//! `core::compare::Comparison` as JSON (`--json`, with the two run ids added) or as its text
//! report. Exit 0 on success; 2 when a run is unknown or has no results, when its spec is missing
//! from the history, or when the runs share no conversation.

use super::eval::labels;
use super::{CliError, DataDirArg, Exit};
use crate::core::compare::{self, ResultRef, RunSide};
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use crate::store::{Store, StoredResult};
use anyhow::anyhow;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// The earlier run, "A" in the report (see `debrief runs`).
    #[arg(value_name = "RUN_A")]
    pub run_a: i64,
    /// The later run, "B" in the report.
    #[arg(value_name = "RUN_B")]
    pub run_b: i64,
    /// Labels as JSON lines, to score both runs: {"conversation_id": "…", "expected": {…}}.
    /// Labels embedded in the runs' JSON transcripts are used too.
    #[arg(long, value_name = "FILE")]
    pub expected: Option<PathBuf>,
    /// Print the comparison as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` output: the comparison with the run ids it is about.
#[derive(Serialize)]
struct Output<'a> {
    run_a: i64,
    run_b: i64,
    #[serde(flatten)]
    comparison: &'a compare::Comparison,
}

pub fn compare(args: CompareArgs) -> Result<Exit, CliError> {
    let store = args.data.open()?;
    let (results_a, spec_a) = load_run(&store, args.run_a)?;
    let (results_b, spec_b) = load_run(&store, args.run_b)?;
    let conversations = conversations(&store, results_a.iter().chain(&results_b))?;
    let labels = labels(args.expected.as_deref(), &conversations)?;
    let (refs_a, refs_b) = (refs(&results_a), refs(&results_b));
    let comparison = compare::compare(
        RunSide { spec: &spec_a, results: &refs_a },
        RunSide { spec: &spec_b, results: &refs_b },
        (!labels.is_empty()).then_some(&labels),
    )
    .map_err(|e| {
        CliError::usage(anyhow!(
            "cannot compare run {} with run {}: {e}; see `debrief runs`",
            args.run_a,
            args.run_b
        ))
    })?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let output = Output { run_a: args.run_a, run_b: args.run_b, comparison: &comparison };
        let _ = writeln!(stdout, "{}", serde_json::to_string(&output).unwrap_or_default());
    } else {
        let _ = writeln!(stdout, "A = run {}, B = run {}", args.run_a, args.run_b);
        let _ = write!(stdout, "{}", compare::render(&comparison));
    }
    Ok(Exit::Ok)
}

/// What `core::compare` needs of each stored result.
fn refs(results: &[StoredResult]) -> Vec<ResultRef<'_>> {
    results
        .iter()
        .map(|r| ResultRef {
            content_hash: &r.conversation_hash,
            conversation_id: &r.outcome.conversation_id,
            outcome: &r.outcome,
        })
        .collect()
}

/// A run's results and the spec version they were made with.
fn load_run(store: &Store, run_id: i64) -> Result<(Vec<StoredResult>, AnalysisSpec), CliError> {
    let results = store.results(run_id).map_err(CliError::usage)?;
    let Some(first) = results.first() else {
        return Err(CliError::usage(anyhow!(
            "run {run_id} has no results (or does not exist); see `debrief runs` for the run ids"
        )));
    };
    let spec = store
        .spec(&first.spec_hash)
        .map_err(CliError::usage)?
        .ok_or_else(|| CliError::usage(anyhow!("the spec of run {run_id} is missing from the history")))?;
    Ok((results, spec))
}

/// The distinct conversations behind `results` (for labels embedded in transcripts). A
/// conversation analysed by both runs is read once; when a transcript was edited between the
/// runs (same id, new content), the first version's labels are used rather than reported as a
/// conflict, since only one of the two can be a shared conversation anyway.
fn conversations<'a>(
    store: &Store,
    results: impl Iterator<Item = &'a StoredResult>,
) -> Result<Vec<Conversation>, CliError> {
    let mut seen = std::collections::HashSet::new();
    let mut conversations: Vec<Conversation> = Vec::new();
    for r in results {
        if seen.insert(r.conversation_hash.as_str())
            && let Some(c) = store.conversation(&r.conversation_hash).map_err(CliError::usage)?
            && !conversations.iter().any(|known| known.id == c.id)
        {
            conversations.push(c);
        }
    }
    Ok(conversations)
}
