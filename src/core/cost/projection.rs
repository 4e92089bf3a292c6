//! Cost projection for production: what analysing every month's conversations would cost.
//!
//! conversations per month × sampling rate × share not skipped × (mean tokens × price), for the
//! chosen model and, side by side, every other priced model, with the providers' batch APIs
//! (half price at OpenAI, Anthropic and Google) next to it. Means come from a representative
//! sample the user points at, so the projection is only as good as that sample — the output
//! says how many conversations it is based on.

use super::{PriceTable, cost_usd, estimate};
use crate::core::context_window::{self, Fit};
use crate::core::outcome::{Estimate, Usage};
use crate::core::prompt::{self, PromptOptions};
use crate::core::schema::dialect;
use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use serde::Serialize;

/// Batch APIs bill half the list price where the table lists no batch price.
pub const BATCH_DISCOUNT: f64 = 0.5;

/// What the projection starts from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProjectionInput {
    pub per_month: u64,
    /// Fraction analysed (the spec's `sample_rate`, or 1).
    pub sample_rate: f64,
    /// Fraction of the sample the policy does not skip (too short).
    pub share_not_skipped: f64,
    /// Mean input tokens per analysed conversation (prompt + transcript + schema).
    pub mean_input_tokens: f64,
    /// Mean output tokens per analysis (estimated from the schema).
    pub mean_output_tokens: f64,
    /// Conversations the means come from.
    pub sample_size: usize,
    /// Of those, how many exceed the chosen model's context window (skipped, or shortened when
    /// the spec says `head_tail`; a skip lowers `share_not_skipped`).
    pub too_long: usize,
}

/// One model's monthly cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectionRow {
    pub model: String,
    pub provider: String,
    pub monthly_cost_usd: f64,
    pub monthly_batch_cost_usd: f64,
    pub per_conversation_usd: f64,
}

/// The estimate for `conversations` as they are (the pre-batch number), and the projection
/// input their means give. The spec's length policy decides the share skipped; sampling is a
/// rate (`sample_rate`, else the policy's, else 1). `None` when every conversation is skipped.
pub fn from_conversations<'a>(
    spec: &AnalysisSpec,
    conversations: impl IntoIterator<Item = &'a Conversation>,
    per_month: u64,
    sample_rate: Option<f64>,
    prices: &PriceTable,
) -> Option<(Estimate, ProjectionInput)> {
    let sent =
        dialect::transform_with(dialect::for_provider(spec.provider), &spec.schema, spec.max_text_length);
    let options = PromptOptions::for_provider(spec.provider);
    let window = if spec.provider == crate::core::spec::ProviderKind::Offline {
        None
    } else {
        prices.context_window(&spec.model)
    };
    let mut too_long = 0usize;
    let mut length_policy = spec.policy.clone();
    length_policy.sample_rate = None;
    let mut total = Estimate { cost_usd: Some(0.0), ..Estimate::default() };
    let (mut kept, mut given) = (0usize, 0usize);
    for conv in conversations {
        given += 1;
        if length_policy.skip_reason(conv, &conv.content_hash()).is_some() {
            continue;
        }
        // Too long for the model: a run skips it, or sends the shortened copy.
        let shortened = match context_window::fit(spec, conv, options, &sent.schema, window) {
            Fit::Fits => None,
            Fit::Skip { .. } => {
                too_long += 1;
                continue;
            }
            Fit::Shortened { conversation, .. } => {
                too_long += 1;
                Some(conversation)
            }
        };
        kept += 1;
        let conv = shortened.as_deref().unwrap_or(conv);
        let e = estimate(
            spec.provider,
            &spec.model,
            &prompt::build(spec, conv, options),
            Some(&sent.schema),
            prices,
        );
        let e =
            super::with_reasoning(e, spec.provider, &spec.model, spec.reasoning_effort.as_deref(), prices);
        total.input_tokens += e.input_tokens;
        total.output_tokens += e.output_tokens;
        total.cost_usd = total.cost_usd.zip(e.cost_usd).map(|(a, b)| a + b);
    }
    if kept == 0 {
        return None;
    }
    let input = ProjectionInput {
        per_month,
        sample_rate: sample_rate.or(spec.policy.sample_rate).unwrap_or(1.0),
        share_not_skipped: kept as f64 / given as f64,
        mean_input_tokens: total.input_tokens as f64 / kept as f64,
        mean_output_tokens: total.output_tokens as f64 / kept as f64,
        sample_size: given,
        too_long,
    };
    Some((total, input))
}

/// Conversations analysed per month.
pub fn analysed_per_month(input: &ProjectionInput) -> f64 {
    input.per_month as f64 * input.sample_rate.clamp(0.0, 1.0) * input.share_not_skipped.clamp(0.0, 1.0)
}

/// One row per priced model, cheapest first.
pub fn project(input: &ProjectionInput, prices: &PriceTable) -> Vec<ProjectionRow> {
    let n = analysed_per_month(input);
    let usage = Usage {
        input_tokens: input.mean_input_tokens.round() as u64,
        output_tokens: input.mean_output_tokens.round() as u64,
        ..Usage::default()
    };
    let mut rows: Vec<ProjectionRow> = prices
        .models
        .iter()
        .filter_map(|p| {
            let one = cost_usd(&usage, Some(p))?;
            let batch = match (p.batch_input, p.batch_output) {
                (Some(input), Some(output)) => {
                    let mut listed = p.clone();
                    (listed.input, listed.cached_input, listed.output) = (input, input, output);
                    cost_usd(&usage, Some(&listed)).unwrap_or(one * BATCH_DISCOUNT)
                }
                _ => one * BATCH_DISCOUNT,
            };
            Some(ProjectionRow {
                model: p.model.clone(),
                provider: p.provider.clone(),
                monthly_cost_usd: one * n,
                monthly_batch_cost_usd: batch * n,
                per_conversation_usd: one,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.monthly_cost_usd.total_cmp(&b.monthly_cost_usd));
    rows
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hand_worked_gpt_4o_mini_month() {
        let input = ProjectionInput {
            per_month: 100_000,
            sample_rate: 0.2,
            share_not_skipped: 0.9,
            mean_input_tokens: 1_000.0,
            mean_output_tokens: 120.0,
            sample_size: 29,
            too_long: 0,
        };
        // 100,000 × 0.2 × 0.9 = 18,000 analysed.
        assert!((analysed_per_month(&input) - 18_000.0).abs() < 1e-9);
        let rows = project(&input, &PriceTable::bundled());
        let mini = rows.iter().find(|r| r.model == "gpt-4o-mini").unwrap();
        // One: 1,000 × 0.15 + 120 × 0.60 = 222 per M = $0.000222; × 18,000 = $3.996.
        assert!((mini.per_conversation_usd - 0.000_222).abs() < 1e-12);
        assert!((mini.monthly_cost_usd - 3.996).abs() < 1e-9);
        assert!((mini.monthly_batch_cost_usd - 1.998).abs() < 1e-9);
        assert!(rows.windows(2).all(|w| w[0].monthly_cost_usd <= w[1].monthly_cost_usd), "cheapest first");
        assert_eq!(rows.len(), PriceTable::bundled().models.len());
        // A model without a listed batch price gets half the list price.
        let mut table = PriceTable::bundled();
        table.override_rates("custom-model", [1.0, 1.0, 1.0]);
        let rows = project(&input, &table);
        let custom = rows.iter().find(|r| r.model == "custom-model").unwrap();
        assert!((custom.monthly_batch_cost_usd - custom.monthly_cost_usd / 2.0).abs() < 1e-9);
    }

    #[test]
    fn too_long_conversations_are_skipped_or_shortened_in_the_projection() {
        use crate::core::spec::{OnTooLong, ProviderKind};
        let mut spec = AnalysisSpec::template("post_analysis").unwrap();
        spec.provider = ProviderKind::Openai;
        spec.model = "gpt-4o-mini".into();
        let long = crate::core::context_window::tests::long_conversation(2_500);
        let mut short = long.clone();
        short.turns.truncate(10);
        let table = PriceTable::bundled();
        let (_, input) = from_conversations(&spec, [&long, &short], 1_000, None, &table).unwrap();
        assert_eq!((input.too_long, input.share_not_skipped), (1, 0.5));
        spec.on_too_long = Some(OnTooLong::HeadTail);
        let (_, input) = from_conversations(&spec, [&long, &short], 1_000, None, &table).unwrap();
        assert_eq!((input.too_long, input.share_not_skipped), (1, 1.0));
        // The shortened one fits the window: the mean is below half of 128k plus the short one.
        assert!(input.mean_input_tokens < 128_000.0 / 2.0 + 2_000.0, "{}", input.mean_input_tokens);
    }
}
