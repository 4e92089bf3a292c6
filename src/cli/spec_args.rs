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
use anyhow::{Context, anyhow};
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
    /// Extra attempts with validation errors fed back, 0-5 (default from the spec, else 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=crate::core::spec::MAX_REPAIRS as i64))]
    pub max_repairs: Option<u32>,
    /// Seconds to wait for one reply, body included (default: the spec's request_timeout_s,
    /// else 120).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
    /// Ask for a verbatim supporting quote per field and check it against the transcript (the
    /// spec's "evidence": true).
    #[arg(long)]
    pub evidence: bool,
    /// Redact before sending: card, phone, email, ssn, iban, ip, dob (comma-separated), all, or
    /// none to turn a spec's redaction off. Replaces the spec's kinds (its names and patterns
    /// stay). Default: the spec's "redact". `debrief redact` shows what would be sent.
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub redact: Vec<String>,
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
            (Some(path), _) => {
                ensure_regular(path)?;
                AnalysisSpec::load(path).map_err(CliError::usage)?
            }
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
        if !self.redact.is_empty() {
            spec.redact.kinds = redact_kinds(&self.redact)?;
            if spec.redact.kinds.is_empty() {
                spec.redact = Default::default();
            }
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

    /// Provider settings from these flags and the environment: `--timeout` beats the spec's
    /// `request_timeout_s`, which beats the default.
    pub fn provider_config(&self, spec: &AnalysisSpec) -> ProviderConfig {
        let mut config = ProviderConfig::from_env(spec.provider, self.base_url.clone());
        config.request_timeout = self.timeout.or(spec.request_timeout_s).map(std::time::Duration::from_secs);
        config
    }
}

/// The kinds `--redact` names (`none` alone: no redaction).
fn redact_kinds(words: &[String]) -> Result<Vec<crate::core::redact::Kind>, CliError> {
    // An empty value (an unset `$KINDS`) must not silently turn a spec's redaction off.
    if words.iter().all(|w| w.trim().is_empty()) {
        return Err(CliError::usage(anyhow!(
            "--redact: no kinds given; name some (card,phone,…), all, or none to turn redaction off"
        )));
    }
    crate::core::redact::Kind::parse_list(words).map_err(|e| CliError::usage(anyhow!("--redact: {e}")))
}

/// Largest spec, schema or prompt file read.
const MAX_SPEC_BYTES: u64 = 16 * 1024 * 1024;

/// Refuse what is not a regular file of sane size: a FIFO or a device would block or never end.
fn ensure_regular(path: &Path) -> Result<(), CliError> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(CliError::usage)?;
    if !meta.is_file() {
        return Err(CliError::usage(anyhow!(
            "{}: not a regular file (a pipe, device or folder); give a file path",
            path.display()
        )));
    }
    if meta.len() > MAX_SPEC_BYTES {
        return Err(CliError::usage(anyhow!(
            "{}: {} MB is larger than the {} MB limit for a spec, schema or prompt file",
            path.display(),
            meta.len() >> 20,
            MAX_SPEC_BYTES >> 20
        )));
    }
    Ok(())
}

/// A schema or prompt file: a regular file (never a pipe), UTF-8 (BOM or not) or UTF-16 with a
/// BOM; otherwise the error names the first bad byte and says to save as UTF-8.
fn read(path: &Path) -> Result<String, CliError> {
    ensure_regular(path)?;
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
