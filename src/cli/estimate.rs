//! `debrief estimate`: tokens and cost before anything is sent, and which conversations are too
//! long for the model's context window (and what a run will do with them).
//!
//! Counts are local (tiktoken) unless `--exact` is given and the provider has a counting
//! endpoint and a key (Anthropic, Gemini): then each conversation's input is counted by the
//! provider (`llm::count`). The output always says which kind of count it shows.

use super::analyze::load;
use super::prices::PriceArgs;
use super::spec_args::SpecArgs;
use super::{CliError, Exit};
use crate::core::context_window::{self, Fit, thousands};
use crate::core::cost::{self, format_usd};
use crate::core::outcome::Usage;
use crate::core::prompt;
use crate::core::schema::dialect::{self, schema_name};
use crate::core::spec::{AnalysisSpec, OnTooLong, ProviderKind};
use crate::engine::Engine;
use anyhow::anyhow;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub prices: PriceArgs,
    /// Ask the provider for exact input counts (Anthropic count_tokens, Gemini countTokens) when
    /// its key is set; otherwise the local approximation is used, and the output says so.
    #[arg(long)]
    pub exact: bool,
    /// Print JSON lines (one per conversation, then a total) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// One conversation the context-window guard holds back or shortens.
pub(super) struct TooLong {
    pub id: String,
    pub needed: u64,
    pub shortened: bool,
}

/// The lines that tell a user which conversations exceed the window and what will happen.
pub(super) fn too_long_lines(
    spec: &AnalysisSpec,
    window: u64,
    flagged: &[TooLong],
    given: usize,
) -> Vec<String> {
    if flagged.is_empty() {
        return Vec::new();
    }
    let action = match spec.on_too_long.unwrap_or_default() {
        OnTooLong::Skip => {
            "will be skipped, not sent (set \"on_too_long\": \"head_tail\" to shorten them instead)"
        }
        OnTooLong::HeadTail => "will be shortened to their first and last turns (on_too_long: head_tail)",
    };
    let mut lines = vec![format!(
        "{} of {given} conversation(s) exceed {}'s context window of {} tokens (input + output budget) and {action}:",
        flagged.len(),
        spec.model,
        thousands(window)
    )];
    for f in flagged.iter().take(20) {
        let what = if f.shortened { "shortened" } else { "skipped" };
        lines.push(format!("  {} ≈ {} tokens → {what}", f.id, thousands(f.needed)));
    }
    if flagged.len() > 20 {
        lines.push(format!("  … and {} more", flagged.len() - 20));
    }
    lines
}

pub async fn estimate(args: EstimateArgs) -> Result<Exit, CliError> {
    let spec = args.spec.resolve()?;
    let prices = args.prices.table()?;
    let (import, import_failed) = load(&args.paths)?;
    let sent =
        dialect::transform_with(dialect::for_provider(spec.provider), &spec.schema, spec.max_text_length);
    let options = prompt::PromptOptions::for_provider(spec.provider);
    let counter = if args.exact {
        Engine::token_counter(&args.spec.provider_config(&spec)).map_err(CliError::usage)?
    } else {
        None
    };
    let local_exact = cost::count_tokens(spec.provider, &spec.model, "x").exact;
    let window =
        if spec.provider == ProviderKind::Offline { None } else { prices.context_window(&spec.model) };
    let price = prices.price(&spec.model);
    let name = schema_name(&spec.name);
    let (mut tin, mut tout, mut tcost) = (0u64, 0u64, Some(0.0f64));
    let mut flagged = Vec::new();
    let mut all_exact = true;
    let mut stdout = std::io::stdout().lock();
    if !args.json {
        let _ = writeln!(stdout, "{:<40} {:>10} {:>10} {:>12}  note", "conversation", "in", "out", "cost");
    }
    for conv in &import.conversations {
        let messages = prompt::build(&spec, conv, options);
        let e = cost::estimate(spec.provider, &spec.model, &messages, Some(&sent.schema), &prices);
        let mut e =
            cost::with_reasoning(e, spec.provider, &spec.model, spec.reasoning_effort.as_deref(), &prices);
        let mut exact = local_exact;
        if let Some(counter) = &counter {
            let n = counter.count(&spec.model, &messages, &sent.schema, &name).await.map_err(|e| {
                CliError::failed(anyhow!("{}'s token count failed for {}: {e}", spec.provider, conv.id))
            })?;
            e.input_tokens = n;
            exact = true;
        }
        all_exact &= exact;
        // What a run would send: nothing for a skip, the shortened prompt for head_tail.
        let (mut sent_in, mut note) = (e.input_tokens, String::new());
        let fit = context_window::fit(&spec, conv, options, &sent.schema, window);
        let too_long = match &fit {
            Fit::Fits => None,
            Fit::Skip { needed, window, .. } => {
                sent_in = 0;
                note = "too long: skipped".into();
                flagged.push(TooLong { id: conv.id.clone(), needed: *needed, shortened: false });
                Some(serde_json::json!({"needed": needed, "window": window, "action": "skip"}))
            }
            Fit::Shortened { needed, window, input_tokens, .. } => {
                sent_in = *input_tokens;
                note = format!("too long: shortened to ≈ {} in", thousands(*input_tokens));
                flagged.push(TooLong { id: conv.id.clone(), needed: *needed, shortened: true });
                Some(
                    serde_json::json!({"needed": needed, "window": window, "action": "head_tail", "sent_input_tokens": input_tokens}),
                )
            }
        };
        let sent_out = if matches!(fit, Fit::Skip { .. }) { 0 } else { e.output_tokens };
        let sent_cost = if spec.provider == ProviderKind::Offline {
            Some(0.0)
        } else {
            cost::cost_usd(
                &Usage { input_tokens: sent_in, output_tokens: sent_out, ..Usage::default() },
                price,
            )
        };
        tin += sent_in;
        tout += sent_out;
        tcost = tcost.zip(sent_cost).map(|(a, b)| a + b);
        if args.json {
            let line = serde_json::json!({"conversation_id": conv.id, "source": conv.source, "input_tokens": e.input_tokens,
                "output_tokens": e.output_tokens, "cost_usd": sent_cost, "exact": exact, "too_long": too_long});
            let _ = writeln!(stdout, "{line}");
        } else {
            let _ = writeln!(
                stdout,
                "{:<40} {:>10} {:>10} {:>12}  {note}",
                conv.id,
                e.input_tokens,
                e.output_tokens,
                format_usd(sent_cost)
            );
        }
    }
    let n = import.conversations.len();
    let how = match (all_exact, args.exact, &counter) {
        (true, true, Some(_)) => format!("exact input counts from {}'s token-count endpoint", spec.provider),
        (true, _, _) => "exact input counts (the model's own tokenizer)".to_string(),
        (false, true, _) => format!(
            "approximate token counts: --exact needs {} with its key set (Anthropic or Gemini); counted locally",
            spec.provider
        ),
        (false, false, _) => "approximate token counts".to_string(),
    };
    if args.json {
        let line = serde_json::json!({"total": {"conversations": n, "input_tokens": tin, "output_tokens": tout, "cost_usd": tcost,
            "model": spec.model, "provider": spec.provider, "exact": all_exact, "counts": how,
            "context_window": window, "too_long": flagged.len()}});
        let _ = writeln!(stdout, "{line}");
    } else {
        let _ = writeln!(
            stdout,
            "{:<40} {:>10} {:>10} {:>12}",
            format!("total ({n} conversations)"),
            tin,
            tout,
            format_usd(tcost)
        );
        let via = if spec.provider == ProviderKind::Offline {
            crate::llm::offline::LABEL.to_string()
        } else {
            spec.provider.to_string()
        };
        let _ = writeln!(
            stdout,
            "model {} via {via} ({how}); output tokens estimated from the schema",
            spec.model
        );
        if let Some(window) = window {
            for line in too_long_lines(&spec, window, &flagged, n) {
                let _ = writeln!(stdout, "{line}");
            }
            if !flagged.is_empty() {
                let _ = writeln!(stdout, "the total counts what would be sent");
            }
        }
    }
    Ok(if import_failed { Exit::NotAllOk } else { Exit::Ok })
}
