//! `debrief lint`: what will go wrong with a schema, before a run is paid for.
//!
//! Reads a schema file, a spec file or a bundled template and prints the linter's findings
//! (`core::lint`), one per line like a compiler (`file:pointer: severity: message`, then the fix
//! when there is one), or one JSON object with `--json`. Provider findings are for `--provider`,
//! else the spec's or template's provider; a bare `--schema` without `--provider` gets the
//! best-practice rules only. Exit 0 when no finding is an error, 1 when one is, 2 when the input
//! cannot be read (missing file, bad JSON with its line and column, unknown template). For a spec
//! or template its settings are checked too (`/temperature`, `/policy/sample_rate`, pointers into
//! the spec), listed before the schema's findings (pointers into `schema`).

use super::{CliError, Exit};
use crate::core::lint::{self, Counts, Finding};
use crate::core::schema;
use crate::core::spec::{AnalysisSpec, ProviderKind};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

/// Flags of `debrief lint`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["schema", "spec", "template"])))]
pub struct LintArgs {
    /// A JSON Schema file.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// A spec file; its schema is linted for its provider.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// A bundled template (see `debrief templates`), linted for its provider.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Check compatibility with this provider (default: the spec's; none for --schema).
    #[arg(long, value_name = "P", value_parser = parse_provider)]
    pub provider: Option<ProviderKind>,
    /// Print one JSON object: {source, provider, findings, counts}.
    #[arg(long)]
    pub json: bool,
}

fn parse_provider(s: &str) -> Result<ProviderKind, String> {
    ProviderKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = ProviderKind::ALL.iter().map(|p| p.as_str()).collect();
        format!("unknown provider {s:?}; use one of: {}", names.join(", "))
    })
}

/// What is linted: where it came from, the schema, and the provider it is meant for.
struct Input {
    source: String,
    schema: Value,
    provider: Option<ProviderKind>,
    /// Findings about the spec's own settings (`/temperature`, `/reasoning_effort`), for a
    /// spec or template; their pointers are into the spec, not the schema.
    settings: Vec<Finding>,
}

impl LintArgs {
    fn input(&self) -> Result<Input, CliError> {
        if let Some(path) = &self.schema {
            let text = crate::core::text_file::read_text(path).map_err(CliError::usage)?;
            let source = path.display().to_string();
            let schema = schema::parse(&text, &source).map_err(CliError::usage)?;
            return Ok(Input { source, schema, provider: self.provider, settings: Vec::new() });
        }
        let (source, spec) = match (&self.spec, &self.template) {
            (Some(path), _) => {
                (path.display().to_string(), AnalysisSpec::load_unchecked(path).map_err(CliError::usage)?)
            }
            (None, Some(name)) => (name.clone(), AnalysisSpec::template(name).map_err(CliError::usage)?),
            // clap's group makes one of the three required; say so anyway rather than panic.
            (None, None) => {
                return Err(CliError::usage(anyhow::anyhow!(
                    "give --schema FILE, --spec FILE or --template NAME"
                )));
            }
        };
        let provider = self.provider.or(Some(spec.provider));
        let mut for_settings = spec.clone();
        if let Some(p) = provider {
            for_settings.provider = p;
        }
        let settings = lint::spec_settings(&for_settings);
        Ok(Input { source, schema: spec.schema, provider, settings })
    }
}

/// Run `debrief lint`.
pub fn lint(args: LintArgs) -> Result<Exit, CliError> {
    let input = args.input()?;
    let mut findings = input.settings.clone();
    findings.extend(lint::lint(&input.schema, input.provider));
    let counts = Counts::of(&findings);
    let mut out = std::io::stdout().lock();
    if args.json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&report(&input, &findings, counts)).unwrap_or_default()
        );
    } else {
        for f in &findings {
            let _ = writeln!(out, "{}", line(&input.source, f));
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "    fix: {}", fix.label);
            }
        }
        let _ = writeln!(out, "{}", counts.summary());
    }
    Ok(if counts.error > 0 { Exit::NotAllOk } else { Exit::Ok })
}

/// `file:pointer: severity: message`, with `(root)` for the empty pointer.
fn line(source: &str, f: &Finding) -> String {
    let pointer = if f.pointer.is_empty() { "(root)" } else { f.pointer.as_str() };
    format!("{source}:{pointer}: {}: {}", f.severity.word(), f.message)
}

/// The `--json` object. Its field names are a contract for scripts.
fn report(input: &Input, findings: &[Finding], counts: Counts) -> Value {
    json!({
        "source": input.source,
        "provider": input.provider.map(ProviderKind::as_str),
        "findings": findings,
        "counts": counts,
    })
}
