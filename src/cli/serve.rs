//! `debrief serve`: run the pipeline (intake, analysis, webhooks, the read API) until SIGINT or
//! SIGTERM, then stop cleanly and exit 0.

use super::{CliError, DataDirArg, Exit, engine_err};
use crate::core::webhook::RetrySchedule;
use crate::engine::deliver::DeliveryConfig;
use crate::engine::intake::IntakeConfig;
use crate::server::{DEFAULT_LISTEN, ServeConfig, Server};
use anyhow::anyhow;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Address to listen on; a non-loopback address needs an API key (`debrief keys create`).
    #[arg(long, default_value = DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// A folder whose new transcript files are ended conversations (needs --agent).
    #[arg(long, value_name = "DIR", requires = "agent")]
    pub watch: Option<PathBuf>,
    /// The agent the watch folder's conversations belong to.
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Analyses in flight at once (1-256; halved on rate limits).
    #[arg(long, default_value_t = 16, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Seconds a webhook receiver has to answer.
    #[arg(long, default_value_t = 15, value_name = "S", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout: u64,
    /// Waits before each webhook attempt (the Standard Webhooks schedule by default).
    #[arg(long, default_value = "0,5s,5m,30m,2h,5h,10h,10h", value_name = "WAITS")]
    pub webhook_schedule: String,
    /// Seconds to finish work in flight and flush deliveries when stopping.
    #[arg(long, default_value_t = 10, value_name = "S")]
    pub grace: u64,
}

pub async fn serve(args: ServeArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let schedule = RetrySchedule::parse(&args.webhook_schedule).map_err(CliError::usage)?;
    let grace = Duration::from_secs(args.grace);
    let config = ServeConfig {
        listen: args.listen,
        delivery: DeliveryConfig {
            timeout: Duration::from_secs(args.webhook_timeout),
            schedule,
            flush: grace,
            ..Default::default()
        },
        intake: IntakeConfig { concurrency: usize::from(args.concurrency), grace },
        watch: args.watch.zip(args.agent),
    };
    let server = Server::start(engine, config).await.map_err(engine_err)?;
    eprintln!(
        "debrief serve: listening on http://{} (data {}); Ctrl-C stops",
        server.addr,
        args.data.dir().map(|d| d.display().to_string()).unwrap_or_default()
    );
    wait_for_stop().await.map_err(|e| CliError::failed(anyhow!("cannot wait for a stop signal: {e}")))?;
    eprintln!("debrief serve: stopping (finishing work in flight, flushing deliveries)");
    server.shutdown().await.map_err(engine_err)?;
    eprintln!("debrief serve: stopped");
    Ok(Exit::Ok)
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_stop() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
