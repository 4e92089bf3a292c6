//! `batch --via batch-api` (the wait before the normal run) and `debrief jobs` (list, cancel).
//!
//! The batch command submits or resumes the provider jobs here, then goes on exactly as a
//! normal batch with a provider that answers from the jobs' results. Ctrl-C while waiting stops
//! waiting only: the jobs keep running remotely, and the message says how to resume or cancel.

use super::{CliError, DataDirArg, Exit};
use crate::core::spec::{AnalysisSpec, ProviderKind};
use crate::core::transcript::Conversation;
use crate::engine::batch_api::{self, Collected, DEFAULT_MAX_WAIT, Waiting};
use crate::engine::{CancellationToken, Engine};
use crate::llm::{Provider, ProviderConfig};
use crate::store::BatchJob;
use anyhow::anyhow;
use std::sync::Arc;
use std::time::Duration;

/// How `debrief batch` makes its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Via {
    /// One HTTP call per conversation, as results arrive.
    #[default]
    Calls,
    /// The provider's batch API: half the price, results within 24 hours.
    BatchApi,
}

/// The batch-API flags of `debrief batch`.
#[derive(Debug, Clone, clap::Args)]
pub struct ViaArgs {
    /// `batch-api`: send the corpus through the provider's batch API (OpenAI, Anthropic, Gemini).
    #[arg(long, value_enum, default_value_t = Via::Calls)]
    pub via: Via,
    /// With --via batch-api: seconds before the first poll; doubled after each, up to 300.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub poll_interval: f64,
    /// With --via batch-api: stop waiting after this many seconds (the jobs keep running; run
    /// the same command again to resume). Default 25 hours: the 24-hour window and some slack.
    #[arg(long, value_name = "SECS")]
    pub max_wait: Option<f64>,
}

/// Submit or resume the jobs and wait for them. `Ok(None)`: stopped waiting (the exit code to
/// end with is returned as `Err`-free `Exit`).
pub async fn collect(
    engine: &mut Engine,
    config: &ProviderConfig,
    provider: Arc<dyn Provider>,
    spec: &AnalysisSpec,
    conversations: &[Conversation],
    fresh: bool,
    via: &ViaArgs,
) -> Result<Result<(Arc<dyn Provider>, Vec<BatchJob>), Exit>, CliError> {
    let secs = |s: f64| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(DEFAULT_MAX_WAIT);
    let waiting = Waiting {
        poll: secs(via.poll_interval),
        max_wait: via.max_wait.map(secs).unwrap_or(DEFAULT_MAX_WAIT),
    };
    let stop = CancellationToken::new();
    let signalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&signalled);
    crate::engine::cancel_on_ctrl_c(stop.clone(), move || {
        flag.store(true, std::sync::atomic::Ordering::SeqCst)
    });
    let progress =
        |job: &BatchJob| eprintln!("batch job {} ({}): {} {}", job.id, job.remote_id, job.state, counts(job));
    let collected = engine
        .collect_batch(config, provider, spec, conversations, fresh, waiting, &stop, &progress)
        .await
        .map_err(CliError::failed)?;
    stop.cancel();
    match collected {
        Collected::Ready { provider, jobs } => {
            let table = batch_api::answers::at_batch_price(engine.prices(), &spec.model);
            engine.set_prices(table);
            Ok(Ok((provider, jobs)))
        }
        Collected::Detached { jobs } => {
            for job in &jobs {
                eprintln!(
                    "batch job {} ({} {}) keeps running at the provider: {} {}",
                    job.id,
                    job.provider,
                    job.remote_id,
                    job.state,
                    counts(job)
                );
            }
            eprintln!(
                "stopped waiting; run the same command again to resume (nothing is submitted twice), or `debrief jobs cancel ID` to cancel"
            );
            let interrupted = signalled.load(std::sync::atomic::Ordering::SeqCst);
            Ok(Err(if interrupted { Exit::Signal(130) } else { Exit::NotAllOk }))
        }
    }
}

/// Note the run each job's results went into.
pub fn link_run(engine: &Engine, jobs: &[BatchJob], run_id: i64) {
    if let Err(e) = engine.link_batch_jobs(jobs, run_id) {
        eprintln!("warning: cannot record run {run_id} on the batch jobs: {e:#}");
    }
}

fn counts(job: &BatchJob) -> String {
    job.counts.iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>().join(" ")
}

#[derive(Debug, clap::Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    #[command(subcommand)]
    pub action: Option<JobsAction>,
}

#[derive(Debug, clap::Subcommand)]
pub enum JobsAction {
    /// Cancel a job at the provider (results it already finished are kept there; run the batch
    /// command again to store them).
    Cancel {
        /// The job id from `debrief jobs`.
        id: i64,
        /// Where the provider is (default: the endpoint the job was submitted to).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
}

/// `debrief jobs [cancel ID]`: the batch-API jobs as JSON lines, newest first.
pub async fn jobs(args: JobsArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    match args.action {
        None => {
            let jobs = engine.batch_jobs(1000).map_err(CliError::failed)?;
            for job in jobs {
                println!("{}", serde_json::to_string(&job).unwrap_or_default());
            }
            Ok(Exit::Ok)
        }
        Some(JobsAction::Cancel { id, base_url }) => {
            let job = engine.batch_job(id).map_err(CliError::failed)?.ok_or_else(|| {
                CliError::usage(anyhow!("batch job {id} not found; `debrief jobs` lists the ids"))
            })?;
            let kind = ProviderKind::parse(&job.provider).ok_or_else(|| {
                CliError::failed(anyhow!("batch job {id} names an unknown provider {:?}", job.provider))
            })?;
            let config = ProviderConfig::from_env(kind, base_url.or(Some(job.endpoint.clone())));
            let job = engine.cancel_batch_job(&config, id).await.map_err(CliError::failed)?;
            println!("{}", serde_json::to_string(&job).unwrap_or_default());
            eprintln!(
                "batch job {id} is {}; run the same `debrief batch --via batch-api` command to store the results it finished",
                job.state
            );
            Ok(Exit::Ok)
        }
    }
}
