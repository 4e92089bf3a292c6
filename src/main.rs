//! `debrief`: parse the command line and hand off. The tokio runtime is built here, once, and
//! never wraps a GUI loop.

use clap::Parser;
use debrief::cli::{self, Cli, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("DEBRIEF_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let args = Cli::parse();
    let Some(command) = args.command else {
        eprintln!(
            "debrief: no command given. The desktop workbench is not built yet; try `debrief analyze --provider offline sample_conversations/` or `debrief --help`."
        );
        return Exit::Usage.into();
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli::run(command, &runtime) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            e.exit.into()
        }
    }
}
