//! `debrief export (RUN_ID | --all) --format jsonl|csv|parquet --out FILE`.

use super::{CliError, DataDirArg, Exit, engine_err};
use crate::engine::export::{Format, Scope};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// The run to export (see `debrief runs`).
    #[arg(value_name = "RUN_ID", required_unless_present = "all", conflicts_with = "all")]
    pub run_id: Option<i64>,
    /// Every run in the history.
    #[arg(long)]
    pub all: bool,
    /// jsonl (the analyze line format), csv (one column per schema field) or parquet (typed).
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Put back the values a redacting spec replaced ([CARD_1] → the card number), from the
    /// transcripts in the history. Off by default: the file then holds what the model saw.
    #[arg(long)]
    pub originals: bool,
}

pub fn export(args: ExportArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let scope = match args.run_id {
        Some(id) if !args.all => Scope::Run(id),
        _ => Scope::All,
    };
    let done = engine.export_with(scope, args.format, &args.out, args.originals).map_err(engine_err)?;
    eprintln!("{} row(s) written to {}", done.rows, done.path.display());
    Ok(Exit::Ok)
}
