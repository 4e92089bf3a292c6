//! `debrief templates`: the bundled specs.

use super::{CliError, Exit};
use crate::core::spec::{AnalysisSpec, TEMPLATES};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub command: Option<TemplatesCommand>,
}

#[derive(Debug, clap::Subcommand)]
pub enum TemplatesCommand {
    /// Print a template as a spec file (redirect to a file to start your own).
    Show { name: String },
}

pub fn templates(args: TemplatesArgs) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    match args.command {
        Some(TemplatesCommand::Show { name }) => {
            let spec = AnalysisSpec::template(&name).map_err(CliError::usage)?;
            let _ = writeln!(out, "{}", spec.to_json_pretty());
        }
        None => {
            for (name, _) in TEMPLATES {
                let spec = AnalysisSpec::template(name).map_err(CliError::usage)?;
                let fields: Vec<String> = crate::core::schema::top_level_fields(&spec.schema);
                let _ = writeln!(out, "{name:<22} {}", spec.description.as_deref().unwrap_or(&spec.name));
                let _ = writeln!(out, "{:<22} fields: {}", "", fields.join(", "));
            }
        }
    }
    Ok(Exit::Ok)
}
