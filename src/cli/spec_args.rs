//! The spec-selecting flags shared by `analyze` and `estimate`, and how they combine.
//!
//! Precedence: a spec file or template gives the base; `--schema` and `--prompt` replace its
//! schema and prompt; `--provider`, `--model` and `--max-repairs` override its settings. When
//! only the provider changes, the model becomes that provider's default, because a spec's model
//! name rarely exists at another provider.

use super::CliError;
use crate::core::schema;
use crate::core::spec::{AnalysisSpec, ProviderKind};
use crate::llm::ProviderConfig;
use anyhow::anyhow;
use std::path::{Path, PathBuf};

/// Flags that choose and adjust the analysis spec.
#[derive(Debug, Clone, clap::Args)]
pub struct SpecArgs {
    /// A spec file (JSON: name, schema, prompt, provider, model, …).
    #[arg(long, value_name = "FILE", conflicts_with = "template")]
    pub spec: Option<PathBuf>,
    /// A bundled template (see `debrief templates`); default post_analysis.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Replace the spec's schema with this JSON Schema file.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Replace the spec's analysis prompt with this text file.
    #[arg(long, value_name = "FILE")]
    pub prompt: Option<PathBuf>,
    /// offline, openai, anthropic, gemini or openai-compatible.
    #[arg(long, value_name = "P", value_parser = parse_provider)]
    pub provider: Option<ProviderKind>,
    /// Model name, e.g. gpt-4o-mini or llama3.1.
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// Provider base URL (default: $OPENAI_BASE_URL, $ANTHROPIC_BASE_URL, $GEMINI_BASE_URL or
    /// $OPENAI_COMPATIBLE_BASE_URL, else the provider's public endpoint; http://127.0.0.1:11434/v1
    /// for openai-compatible).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Extra attempts with validation errors fed back (default from the spec, else 1).
    #[arg(long, value_name = "N")]
    pub max_repairs: Option<u32>,
    /// Ask for a verbatim supporting quote per field and check it against the transcript (the
    /// spec's "evidence": true).
    #[arg(long)]
    pub evidence: bool,
}

fn parse_provider(s: &str) -> Result<ProviderKind, String> {
    ProviderKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = ProviderKind::ALL.iter().map(|p| p.as_str()).collect();
        format!("unknown provider {s:?}; use one of: {}", names.join(", "))
    })
}

impl SpecArgs {
    /// The spec to run, with every override applied and its schema checked.
    pub fn resolve(&self) -> Result<AnalysisSpec, CliError> {
        let mut spec = match (&self.spec, &self.template) {
            (Some(path), _) => AnalysisSpec::load(path).map_err(CliError::usage)?,
            (None, Some(name)) => AnalysisSpec::template(name).map_err(CliError::usage)?,
            (None, None) => AnalysisSpec::template("post_analysis").map_err(CliError::usage)?,
        };
        if let Some(path) = &self.schema {
            let text = read(path)?;
            spec.schema = schema::parse(&text, &path.display().to_string()).map_err(CliError::usage)?;
        }
        if let Some(path) = &self.prompt {
            spec.prompt = read(path)?;
        }
        if let Some(provider) = self.provider
            && provider != spec.provider
        {
            spec.provider = provider;
            spec.model = provider.default_model().to_string();
        }
        if let Some(model) = &self.model {
            if spec.provider == ProviderKind::Offline && model != ProviderKind::Offline.default_model() {
                return Err(CliError::usage(anyhow!(
                    "--model {model} has no effect with the offline baseline (no LLM); add --provider openai or --provider openai-compatible"
                )));
            }
            spec.model = model.clone();
        }
        if let Some(n) = self.max_repairs {
            spec.max_repairs = n;
        }
        if self.evidence {
            spec.evidence = true;
        }
        let origin = self.schema_origin();
        schema::compile(&spec.schema, &origin).map_err(CliError::usage)?;
        Ok(spec)
    }

    fn schema_origin(&self) -> String {
        match (&self.schema, &self.spec, &self.template) {
            (Some(p), _, _) => p.display().to_string(),
            (None, Some(p), _) => format!("{} (schema)", p.display()),
            (None, None, t) => format!("template {}", t.as_deref().unwrap_or("post_analysis")),
        }
    }

    /// Provider settings from these flags and the environment.
    pub fn provider_config(&self, spec: &AnalysisSpec) -> ProviderConfig {
        ProviderConfig::from_env(spec.provider, self.base_url.clone())
    }
}

/// A schema or prompt file: UTF-8 (BOM or not) or UTF-16 with a BOM; otherwise the error names
/// the first bad byte and says to save as UTF-8.
fn read(path: &Path) -> Result<String, CliError> {
    crate::core::text_file::read_text(path).map_err(CliError::usage)
}

/// Check that every PATH exists before any work starts (a typo is a usage error).
pub fn check_paths(paths: &[PathBuf]) -> Result<(), CliError> {
    for p in paths {
        if !p.exists() {
            return Err(CliError::usage(anyhow!("{}: no such file or folder", p.display())));
        }
    }
    Ok(())
}
