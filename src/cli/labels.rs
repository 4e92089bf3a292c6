//! `debrief labels`: reviewer labels — list them, export them as `expected.jsonl` or CSV, import
//! such a file (a spreadsheet's labels) under a reviewer's name.

use super::{CliError, Exit, GlobalDataDir, engine_err};
use crate::engine::labels::{LabelFormat, default_reviewer};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct LabelsArgs {
    #[command(subcommand)]
    pub command: LabelsCommand,
    #[command(flatten)]
    pub data: GlobalDataDir,
}

#[derive(Debug, clap::Subcommand)]
pub enum LabelsCommand {
    /// Every reviewer's current label (newest per conversation, field and reviewer).
    List {
        /// Only the conversations of this run.
        #[arg(long, value_name = "RUN_ID")]
        run: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Write the current labels as expected.jsonl lines or a CSV (conversation_id + a column per
    /// field); fields reviewers disagree on are left out and listed on stderr.
    Export {
        #[arg(long, value_enum)]
        format: LabelFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only the conversations of this run.
        #[arg(long, value_name = "RUN_ID")]
        run: Option<i64>,
    },
    /// Import labels: expected.jsonl lines, or a .csv with conversation_id and one column per field.
    Import {
        file: PathBuf,
        /// Whose labels these are (default: the OS user).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
    },
}

pub fn labels(args: LabelsArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let run_ids = |run: Option<i64>| -> Result<Option<Vec<String>>, CliError> {
        let Some(run) = run else { return Ok(None) };
        engine.run_summary(run).map_err(engine_err)?;
        let results = engine.run_results(run).map_err(engine_err)?;
        Ok(Some(results.into_iter().map(|r| r.outcome.conversation_id).collect()))
    };
    let mut out = std::io::stdout().lock();
    match args.command {
        LabelsCommand::List { run, json } => {
            let ids = run_ids(run)?;
            let labels = engine.current_labels(ids.as_deref()).map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&labels).unwrap_or_default());
            } else if labels.is_empty() {
                let _ = writeln!(
                    out,
                    "no labels yet; review a run in the workbench or `debrief labels import FILE`"
                );
            } else {
                for l in &labels {
                    let _ = writeln!(
                        out,
                        "{:<32} {:<24} {:<8} {:<12} {}  {}",
                        l.conversation_id,
                        l.pointer,
                        l.verdict.as_str(),
                        l.reviewer,
                        l.created_at,
                        l.value
                    );
                }
            }
        }
        LabelsCommand::Export { format, out: path, run } => {
            let ids = run_ids(run)?;
            let (n, sources) = engine.export_labels(format, &path, ids.as_deref()).map_err(engine_err)?;
            super::eval::report_sources(&sources);
            eprintln!("{n} labelled conversation(s) written to {}", path.display());
        }
        LabelsCommand::Import { file, reviewer } => {
            let reviewer = reviewer.unwrap_or_else(default_reviewer);
            let n = engine.import_labels(&file, &reviewer).map_err(engine_err)?;
            eprintln!("{n} label(s) imported from {} as reviewer {reviewer}", file.display());
        }
    }
    Ok(Exit::Ok)
}
