//! `debrief compare RUN_A RUN_B`: what changed between two runs over the same transcripts.
//!
//! The engine loads both runs' results and spec versions, the labels (an `--expected` file and
//! labels embedded in the transcripts of either run) and compares them; this prints
//! `core::compare::Comparison` as JSON (`--json`, with the two run ids added) or as its text
//! report. Exit 0 on success; 2 when a run is unknown or has no results, when its spec is missing
//! from the history, or when the runs share no conversation.

use super::{CliError, DataDirArg, Exit, engine_err};
use crate::core::compare;
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
    let engine = args.data.open()?;
    let comparison =
        engine.compare_runs(args.run_a, args.run_b, args.expected.as_deref()).map_err(engine_err)?;
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
