//! `debrief`: parse the command line and hand off. With no command it opens the workbench. The
//! tokio runtime is built here, once; the GUI loop runs on the main thread beside it, never
//! inside it.

use clap::Parser;
use debrief::cli::{self, Cli, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("DEBRIEF_LOG"))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: logs piped to a file or a CI log stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(command) = args.command else {
        return open_workbench(&runtime, args.data_dir);
    };
    match cli::run(command, &runtime) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            e.exit.into()
        }
    }
}

fn open_workbench(runtime: &tokio::runtime::Runtime, data_dir: Option<std::path::PathBuf>) -> ExitCode {
    let data_dir = match debrief::store::resolve_data_dir(data_dir.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Exit::Usage.into();
        }
    };
    // The bundled samples: beside the binary's crate when run from a checkout, else none.
    let samples = std::env::current_dir().ok().map(|d| d.join("sample_conversations")).filter(|d| d.is_dir());
    let context =
        debrief::ui::AppContext { runtime: runtime.handle().clone(), data_dir, samples_dir: samples };
    match debrief::ui::run(context) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
