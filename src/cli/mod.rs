//! The `debrief` command line: a thin edge over the engine and the history.
//!
//! Argument parsing (clap) and printing live here; the work is done by `engine`, `store` and
//! `core`. The contract other tools rely on: results as one JSON object per line on stdout,
//! progress and errors on stderr, exit 0 when every result is `ok`, 1 when any is not, 2 on bad
//! arguments or an unreadable spec or schema.

mod admin;
mod analyze;
mod batch;
mod batch_api;
mod compare;
mod corpus;
mod estimate;
mod eval;
mod export;
mod labels;
mod lint;
mod prices;
mod project;
mod redact;
mod runs;
mod serve;
mod spec_args;
mod templates;
mod webhooks;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use spec_args::SpecArgs;

/// Design, test and review post-conversation analyses. With no command, opens the workbench.
#[derive(Debug, Parser)]
#[command(name = "debrief", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no command: where the workbench keeps its history (default: $DEBRIEF_DATA_DIR, else
    /// the XDG data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse transcripts and print one JSON result per conversation.
    Analyze(analyze::AnalyzeArgs),
    /// Run a spec over a corpus with resume, repeats and a JSON summary (for CI).
    Batch(batch::BatchArgs),
    /// Provider batch-API jobs (`batch --via batch-api`): list them, or cancel one.
    Jobs(batch_api::JobsArgs),
    /// Score a run against expected labels (per-field accuracy, F1, confusion matrices).
    Eval(eval::EvalArgs),
    /// Compare two runs on their shared conversations: agreement, changed values, costs, spec diffs.
    Compare(compare::CompareArgs),
    /// Estimate tokens and cost without calling any model; flag conversations too long for it.
    Estimate(estimate::EstimateArgs),
    /// List the price table: prices, batch prices and context windows per model.
    Prices(prices::PricesListArgs),
    /// Project the monthly cost of running a spec in production, for every priced model.
    Project(project::ProjectArgs),
    /// Print transcripts as a redacting spec sends them: card numbers, phones, emails… replaced.
    Redact(redact::RedactArgs),
    /// Write stored results to a file: JSON lines, CSV or Parquet.
    Export(export::ExportArgs),
    /// List runs in the history, or show one.
    Runs(runs::RunsArgs),
    /// List the bundled spec templates, or print one.
    Templates(templates::TemplatesArgs),
    /// Check a schema against best practices and a provider's rules; exit 1 on any error.
    Lint(lint::LintArgs),
    /// Run the pipeline: intake, analysis, signed webhooks and the read API over HTTP.
    Serve(serve::ServeArgs),
    /// Agents for `debrief serve`: an agent id mapped to a spec and provider settings.
    Agents(admin::AgentsArgs),
    /// API keys for `debrief serve` (shown once, stored as hashes).
    Keys(admin::KeysArgs),
    /// Webhook endpoints, the delivery log, test sends and replays.
    Webhooks(webhooks::WebhooksArgs),
    /// Reviewer labels: list, export (expected.jsonl or CSV), import.
    Labels(labels::LabelsArgs),
    /// Rules over analysis fields; a rule with an event sends it when an analysis matches.
    Rules(admin::RulesArgs),
}

/// How a command ended, mapped to the documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything ok.
    Ok,
    /// Ran, but some result is not `ok` (or some input could not be read).
    NotAllOk,
    /// Bad arguments, or an unreadable spec or schema.
    Usage,
    /// Stopped by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM).
    Signal(u8),
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::NotAllOk => 1,
            Exit::Usage => 2,
            Exit::Signal(code) => code,
        })
    }
}

/// A user-facing error with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl CliError {
    pub fn usage(error: impl Into<anyhow::Error>) -> CliError {
        CliError { exit: Exit::Usage, error: error.into() }
    }
    pub fn failed(error: impl Into<anyhow::Error>) -> CliError {
        CliError { exit: Exit::NotAllOk, error: error.into() }
    }
}

/// Run a parsed command line. `None` (no subcommand) is handled by `main`.
pub fn run(command: Command, runtime: &tokio::runtime::Runtime) -> Result<Exit, CliError> {
    match command {
        Command::Analyze(args) => runtime.block_on(analyze::analyze(args)),
        Command::Batch(args) => runtime.block_on(batch::batch(args)),
        Command::Jobs(args) => runtime.block_on(batch_api::jobs(args)),
        Command::Eval(args) => eval::eval(args),
        Command::Compare(args) => compare::compare(args),
        Command::Estimate(args) => runtime.block_on(estimate::estimate(args)),
        Command::Prices(args) => prices::prices(args),
        Command::Project(args) => project::project(args),
        Command::Runs(args) => runs::runs(args),
        Command::Redact(args) => redact::redact(args),
        Command::Export(args) => export::export(args),
        Command::Templates(args) => templates::templates(args),
        Command::Lint(args) => lint::lint(args),
        Command::Serve(args) => runtime.block_on(serve::serve(args)),
        Command::Agents(args) => admin::agents(args),
        Command::Keys(args) => admin::keys(args),
        Command::Webhooks(args) => runtime.block_on(webhooks::webhooks(args)),
        Command::Rules(args) => admin::rules(args),
        Command::Labels(args) => labels::labels(args),
    }
}

/// A count that must be at least 1 (`--per-month`). Its argument allows negative numbers, so
/// `-5` arrives here and gets "must be positive" instead of clap's "unexpected argument".
pub(crate) fn positive_count(s: &str) -> Result<u64, String> {
    match s.trim().parse::<i128>() {
        Ok(n) if n > 0 => u64::try_from(n).map_err(|_| format!("{s} is too large")),
        Ok(_) => Err(format!("{s} must be positive (at least 1), e.g. 10000")),
        Err(_) => Err(format!("{s:?} is not a whole number; give a positive count, e.g. 10000")),
    }
}

/// [`positive_count`] for `usize` arguments (`--concurrency`).
pub(crate) fn positive_usize(s: &str) -> Result<usize, String> {
    positive_count(s).and_then(|n| usize::try_from(n).map_err(|_| format!("{s} is too large")))
}

/// `--data-dir`, shared by the commands that read or write the history.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDirArg {
    /// Where the history lives (default: $DEBRIEF_DATA_DIR, else the XDG data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataDirArg {
    /// The data folder these flags (or the environment) name.
    pub fn dir(&self) -> Result<PathBuf, CliError> {
        crate::store::resolve_data_dir(self.data_dir.as_deref()).map_err(CliError::usage)
    }

    /// Open the engine over the history in that folder.
    pub fn open(&self) -> Result<crate::engine::Engine, CliError> {
        crate::engine::Engine::open(&self.dir()?).map_err(CliError::usage)
    }
}

/// `--data-dir` for commands with subcommands: accepted before or after the subcommand
/// (`debrief webhooks --data-dir D list` and `debrief webhooks list --data-dir D`).
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalDataDir {
    /// Where the history lives (default: $DEBRIEF_DATA_DIR, else the XDG data dir).
    #[arg(long = "data-dir", value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

impl GlobalDataDir {
    /// Open the engine over the history in that folder.
    pub fn open(&self) -> Result<crate::engine::Engine, CliError> {
        DataDirArg { data_dir: self.data_dir.clone() }.open()
    }
}

/// Turn an engine error into the CLI's: what the user named wrongly is a usage error (exit 2),
/// anything else a failure (exit 1).
pub fn engine_err(e: crate::engine::EngineError) -> CliError {
    use crate::engine::EngineError as E;
    match e {
        E::NotFound { .. }
        | E::EmptyRun(_)
        | E::Invalid(_)
        | E::Compare { .. }
        | E::Labels(_)
        | E::Schema(_) => CliError::usage(e),
        other => CliError::failed(other),
    }
}
