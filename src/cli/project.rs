//! `debrief project`: what running a spec in production would cost per month.
//!
//! The means come from representative transcripts (default: the bundled samples folder when
//! run from the repository); the spec's policy decides the share skipped and its
//! `sample_rate` (or `--sample-rate`) the share sampled. Every priced model is listed, cheapest
//! first, with the chosen one marked and the batch-API price beside it.

use super::analyze::load;
use super::estimate::TooLong;
use super::spec_args::SpecArgs;
use super::{CliError, Exit};
use crate::core::context_window::{self, Fit};
use crate::core::cost::format_usd;
use crate::core::cost::projection;
use crate::core::prompt::PromptOptions;
use crate::core::schema::dialect;
use anyhow::anyhow;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub prices: super::prices::PriceArgs,
    /// Conversations per month in production.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::positive_count)]
    pub per_month: u64,
    /// Fraction analysed (default: the spec's policy sample_rate, else 1).
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub sample_rate: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Representative transcripts the means are taken from.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn project(args: ProjectArgs) -> Result<Exit, CliError> {
    let spec = args.spec.resolve()?;
    let sample_rate = args.sample_rate.or(spec.policy.sample_rate).unwrap_or(1.0);
    if !(sample_rate > 0.0 && sample_rate <= 1.0) {
        return Err(CliError::usage(anyhow!("--sample-rate must be above 0 and at most 1, e.g. 0.2")));
    }
    let (import, _) = load(&args.paths)?;
    let prices = args.prices.table()?;
    let n = import.conversations.len();
    let too_long = too_long_lines(&spec, &import.conversations, &prices);
    let Some((_, input)) = projection::from_conversations(
        &spec,
        &import.conversations,
        args.per_month,
        Some(sample_rate),
        &prices,
    ) else {
        for line in &too_long {
            eprintln!("{line}");
        }
        return Err(CliError::usage(anyhow!(
            "every given conversation is skipped (by the spec's policy or for its length); nothing to project"
        )));
    };
    let rows = projection::project(&input, &prices);
    let analysed = projection::analysed_per_month(&input);
    // A closed pipe (`| head`) ends the output quietly instead of panicking.
    let mut out = std::io::stdout().lock();
    if args.json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"input": input, "analysed_per_month": analysed, "chosen_model": spec.model,
                               "batch_discount": projection::BATCH_DISCOUNT, "prices_as_of": prices.as_of,
                               "context_window": prices.context_window(&spec.model), "too_long": too_long, "models": rows})
        );
        return Ok(Exit::Ok);
    }
    let _ = writeln!(
        out,
        "{} conversations/month × sample {:.0}% × not skipped {:.0}% = {:.0} analysed/month",
        args.per_month,
        sample_rate * 100.0,
        input.share_not_skipped * 100.0,
        analysed
    );
    let _ = writeln!(
        out,
        "per analysis: {:.0} input + {:.0} output tokens (means over {n} given conversation(s); output estimated from the schema)\n",
        input.mean_input_tokens, input.mean_output_tokens
    );
    let _ =
        writeln!(out, "{:<2}{:<32} {:>10} {:>14} {:>16}", "", "model", "provider", "per month", "batch API");
    for r in &rows {
        let mark = if r.model == spec.model { "> " } else { "" };
        let _ = writeln!(
            out,
            "{mark:<2}{:<32} {:>10} {:>14} {:>16}",
            r.model,
            r.provider,
            format_usd(Some(r.monthly_cost_usd)),
            format_usd(Some(r.monthly_batch_cost_usd))
        );
    }
    if !too_long.is_empty() {
        let _ = writeln!(out);
    }
    for line in &too_long {
        let _ = writeln!(out, "{line}");
    }
    if !rows.iter().any(|r| r.model == spec.model) {
        let _ = writeln!(
            out,
            "\n{} has no price in the table (prices as of {}); set one with --price or in Settings",
            spec.model, prices.as_of
        );
    }
    let _ = writeln!(
        out,
        "\nprices as of {}; token counts for other models use the chosen model's tokenizer",
        prices.as_of
    );
    Ok(Exit::Ok)
}

/// Which given conversations exceed the chosen model's context window, as `estimate` says it.
fn too_long_lines(
    spec: &crate::core::spec::AnalysisSpec,
    conversations: &[crate::core::transcript::Conversation],
    prices: &crate::core::cost::PriceTable,
) -> Vec<String> {
    let Some(window) = prices.context_window(&spec.model) else { return Vec::new() };
    if spec.provider == crate::core::spec::ProviderKind::Offline {
        return Vec::new();
    }
    let sent =
        dialect::transform_with(dialect::for_provider(spec.provider), &spec.schema, spec.max_text_length);
    let options = PromptOptions::for_provider(spec.provider);
    let flagged: Vec<TooLong> = conversations
        .iter()
        .filter_map(|c| match context_window::fit(spec, c, options, &sent.schema, Some(window)) {
            Fit::Fits => None,
            Fit::Skip { needed, .. } => Some(TooLong { id: c.id.clone(), needed, shortened: false }),
            Fit::Shortened { needed, .. } => Some(TooLong { id: c.id.clone(), needed, shortened: true }),
        })
        .collect();
    super::estimate::too_long_lines(spec, window, &flagged, conversations.len())
}
