//! Tokens and cost: what a run will cost before it is sent, and what it did cost afterwards.
//!
//! Users iterate on a spec and then run it over hundreds of conversations, so the price has to be
//! visible before the batch starts, not on next month's invoice. The estimate counts input with
//! the model's own tokenizer and output from the schema's shape; the actual cost applies the same
//! price table to the usage the provider reported. Both say plainly when they do not know (an
//! unpriced model is `None`, an approximate count is `exact: false`) rather than show a guess.
//!
//! - `pricing`: the price table (`assets/prices.json`); `names`: snapshot names → base model;
//!   `overrides`: the user's own rates over it (Settings, `--price`, `--prices`);
//! - `tokens`: tiktoken counts of text and chat requests;
//! - `output`: the output-token estimate from a JSON Schema, with `hints` read from descriptions.

mod hints;
mod names;
mod output;
mod overrides;
mod pricing;
pub mod projection;
mod tokens;

pub use output::{estimate_output_tokens, output_tokens_upper_bound};
pub use overrides::{PriceArgError, parse_price_arg};
pub use pricing::{Price, PriceTable};
pub use tokens::{
    Encoding, TokenCount, count_messages, count_schema, count_tokens, encoding_for, tokenizers_ready, warm_up,
};

use crate::core::outcome::{Estimate, Usage};
use crate::core::prompt::ChatMessage;
use crate::core::spec::ProviderKind;

/// Prices are quoted per this many tokens.
const TOKENS_PER_PRICE_UNIT: f64 = 1_000_000.0;

/// Why a price table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    /// The text is not a price table in the expected JSON shape.
    #[error("price table is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Only USD prices are supported.
    #[error("price table currency must be USD, found {0:?}")]
    Currency(String),
    /// Only prices per 1M tokens are supported.
    #[error("price table unit must be \"per 1M tokens\", found {0:?}")]
    Unit(String),
    /// A price is negative, infinite or NaN.
    #[error("price table has an invalid {field} price for model {model:?}")]
    InvalidPrice { model: String, field: &'static str },
    /// The same model is listed twice, so lookup would be ambiguous.
    #[error("price table lists model {0:?} more than once")]
    DuplicateModel(String),
}

/// Cost of actual usage, in the one convention [`Usage`] holds for every provider:
/// `input_tokens` INCLUDES cache reads (`cached_input_tokens`) and cache writes
/// (`cache_write_tokens`). Cache reads are billed at `cached_input`, cache writes at
/// `cache_write` (or `input` when the provider does not bill writes apart), the remaining input
/// at `input`, and `output_tokens` (which include reasoning/thinking tokens) at `output`.
/// `None` when `price` is `None`.
///
/// Cached counts larger than the input count (a provider bug) are capped at the input count,
/// so the cost is never negative.
pub fn cost_usd(usage: &Usage, price: Option<&Price>) -> Option<f64> {
    let price = price?;
    let cached = usage.cached_input_tokens.min(usage.input_tokens);
    let written = usage.cache_write_tokens.min(usage.input_tokens - cached);
    let uncached = usage.input_tokens - cached - written;
    let per_unit = uncached as f64 * price.input
        + cached as f64 * price.cached_input
        + written as f64 * price.cache_write.unwrap_or(price.input)
        + usage.output_tokens as f64 * price.output;
    Some(per_unit / TOKENS_PER_PRICE_UNIT)
}

/// Anthropic's `usage` in the common convention: its `input_tokens` EXCLUDE cache reads and
/// writes, so the three are added up.
pub fn usage_from_anthropic(input: u64, cache_creation: u64, cache_read: u64, output: u64) -> Usage {
    Usage {
        input_tokens: input + cache_creation + cache_read,
        cached_input_tokens: cache_read,
        cache_write_tokens: cache_creation,
        output_tokens: output,
        reasoning_tokens: 0,
    }
}

/// Gemini's `usageMetadata` in the common convention: `promptTokenCount` already includes
/// `cachedContentTokenCount`; `thoughtsTokenCount` is NOT in `candidatesTokenCount` but is billed
/// as output, so it is added to the output.
pub fn usage_from_gemini(prompt: u64, cached: u64, candidates: u64, thoughts: u64) -> Usage {
    Usage {
        input_tokens: prompt,
        cached_input_tokens: cached,
        cache_write_tokens: 0,
        output_tokens: candidates + thoughts,
        reasoning_tokens: thoughts,
    }
}

/// A pre-run estimate for one request: input tokens from [`count_messages`], output tokens from
/// [`estimate_output_tokens`] on `schema` (0 when no schema is attached, as nothing structured is
/// expected), and the cost of that usage with nothing cached — `None` if the model has no price, zero for
/// the offline baseline.
pub fn estimate(
    provider: ProviderKind,
    model: &str,
    messages: &[ChatMessage],
    schema: Option<&serde_json::Value>,
    prices: &PriceTable,
) -> Estimate {
    estimate_with(provider, model, messages, schema.map(|s| SchemaTokens::of(model, s)), prices)
}

/// The schema's share of an [`estimate`]: the same for every conversation of a run, so a run
/// counts it once instead of tokenizing the schema per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaTokens {
    /// Tokens of the serialised schema sent with the request.
    pub input: u64,
    /// [`estimate_output_tokens`] of the schema.
    pub output: u64,
}

impl SchemaTokens {
    /// Count both for `schema` as `model` would.
    pub fn of(model: &str, schema: &serde_json::Value) -> SchemaTokens {
        SchemaTokens { input: count_schema(model, schema), output: estimate_output_tokens(schema) }
    }
}

/// [`estimate`] with the schema's share counted beforehand (`None`: no schema attached).
pub fn estimate_with(
    provider: ProviderKind,
    model: &str,
    messages: &[ChatMessage],
    schema: Option<SchemaTokens>,
    prices: &PriceTable,
) -> Estimate {
    let mut input_tokens = count_messages(provider, model, messages, None).tokens;
    if let Some(s) = schema {
        input_tokens += s.input;
        if provider == ProviderKind::Anthropic {
            input_tokens += tokens::ANTHROPIC_FORCED_TOOL_TOKENS;
        }
    }
    let output_tokens = schema.map(|s| s.output).unwrap_or(0);
    let usage = Usage { input_tokens, output_tokens, ..Usage::default() };
    // The offline baseline runs locally: it costs nothing whatever its model name.
    let cost =
        if provider == ProviderKind::Offline { Some(0.0) } else { cost_usd(&usage, prices.price(model)) };
    Estimate { input_tokens, output_tokens, cost_usd: cost }
}

/// `estimate` plus the thinking a reasoning model is expected to do at the spec's effort
/// (billed as output; see `core::models::reasoning_allowance`).
pub fn with_reasoning(
    mut e: Estimate,
    provider: ProviderKind,
    model: &str,
    effort: Option<&str>,
    prices: &PriceTable,
) -> Estimate {
    let extra = crate::core::models::reasoning_allowance(provider, model, effort);
    if extra > 0 {
        e.output_tokens += extra;
        let usage =
            Usage { input_tokens: e.input_tokens, output_tokens: e.output_tokens, ..Usage::default() };
        e.cost_usd = cost_usd(&usage, prices.price(model));
    }
    e
}

/// A dollar amount for people: `$1,234.56` and `$1.23` from a dollar up; four decimals below
/// (`$0.4350` is shown as `$0.435`, `$0.0004`), trailing zeros trimmed to at least two
/// decimals; amounts too small for four decimals get two significant digits (`$0.000012`).
/// `None` reads "n/a (no price for this model)".
pub fn format_usd(v: Option<f64>) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return "n/a (no price for this model)".to_string();
    };
    let sign = if v < 0.0 { "-" } else { "" };
    let v = v.abs();
    if v >= 0.995 {
        let fixed = format!("{v:.2}");
        let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
        return format!("{sign}${}.{cents}", group_thousands(whole));
    }
    let mut decimals = 4;
    if v > 0.0 && v < 0.000_05 {
        // Two significant digits: 1.2e-5 needs 6 decimals.
        decimals = (1 - v.log10().floor() as i32).clamp(4, 12) as usize;
    }
    let fixed = format!("{v:.decimals$}");
    let trimmed = fixed.trim_end_matches('0');
    let trimmed = match trimmed.split_once('.') {
        Some((_, frac)) if frac.len() < 2 => format!("{trimmed}{}", "0".repeat(2 - frac.len())),
        _ => trimmed.to_string(),
    };
    format!("{sign}${trimmed}")
}

/// `1234567` → `1,234,567`.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::prompt::Role;

    fn usage(input: u64, cached: u64, output: u64, reasoning: u64) -> Usage {
        Usage {
            input_tokens: input,
            cached_input_tokens: cached,
            output_tokens: output,
            reasoning_tokens: reasoning,
            cache_write_tokens: 0,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn gpt_4o_mini_with_cached_input() {
        let table = PriceTable::bundled();
        // 0.8M × 0.15 + 0.2M × 0.075 + 0.5M × 0.60 = 0.12 + 0.015 + 0.30 = 0.435
        let u = usage(1_000_000, 200_000, 500_000, 0);
        assert!(close(cost_usd(&u, table.price("gpt-4o-mini")), 0.435));
        // The dated snapshot is billed the same.
        assert!(close(cost_usd(&u, table.price("gpt-4o-mini-2024-07-18")), 0.435));
    }

    #[test]
    fn gpt_5_reasoning_is_billed_once_as_output() {
        let table = PriceTable::bundled();
        // 10,000 input (none cached) × $1.25/M = 0.0125; 3,000 output, of which 2,000 reasoning,
        // × $10/M = 0.03 — reasoning is inside output_tokens, not added again. Total 0.0425.
        let u = usage(10_000, 0, 3_000, 2_000);
        assert!(close(cost_usd(&u, table.price("gpt-5")), 0.0425));
    }

    #[test]
    fn claude_sonnet_with_cache_reads_and_writes() {
        let table = PriceTable::bundled();
        // Anthropic reports input 2,000 (uncached), cache_creation 10,000, cache_read 50,000,
        // output 1,000. At $3 / $3.75 write / $0.30 read / $15 per M:
        // 2,000×3 + 10,000×3.75 + 50,000×0.30 + 1,000×15 = 6,000 + 37,500 + 15,000 + 15,000
        // = 73,500 per M = $0.0735.
        let u = usage_from_anthropic(2_000, 10_000, 50_000, 1_000);
        assert_eq!(u.input_tokens, 62_000);
        assert!(close(cost_usd(&u, table.price("claude-sonnet-4-5")), 0.0735));
        assert!(close(cost_usd(&u, table.price("claude-sonnet-4-5-20250929")), 0.0735));
    }

    #[test]
    fn gemini_flash_with_cached_prompt_and_thinking() {
        let table = PriceTable::bundled();
        // promptTokenCount 10,000 of which 4,000 cached; 500 candidates + 1,500 thoughts.
        // 6,000×0.30 + 4,000×0.03 + 2,000×2.50 = 1,800 + 120 + 5,000 = 6,920 per M = $0.00692.
        let u = usage_from_gemini(10_000, 4_000, 500, 1_500);
        assert_eq!((u.output_tokens, u.reasoning_tokens), (2_000, 1_500));
        assert!(close(cost_usd(&u, table.price("gemini-2.5-flash")), 0.006_92));
        assert!(close(cost_usd(&u, table.price("models/gemini-2.5-flash")), 0.006_92));
    }

    #[test]
    fn cache_writes_without_a_write_price_cost_the_input_price() {
        let table = PriceTable::bundled();
        let u = Usage { input_tokens: 1_000, cache_write_tokens: 1_000, ..Usage::default() };
        // gpt-4o-mini has no cache_write price: 1,000 × $0.15/M.
        assert!(close(cost_usd(&u, table.price("gpt-4o-mini")), 0.000_15));
    }

    #[test]
    fn unknown_model_has_no_cost() {
        let table = PriceTable::bundled();
        assert_eq!(cost_usd(&usage(1, 0, 1, 0), table.price("baseline")), None);
        assert_eq!(cost_usd(&usage(1, 0, 1, 0), None), None);
    }

    #[test]
    fn cached_above_input_is_capped() {
        let table = PriceTable::bundled();
        // 100 cached of 100 input at $1.25/M (gpt-4o cached) = 0.000125; never negative.
        let u = usage(100, 500, 0, 0);
        assert!(close(cost_usd(&u, table.price("gpt-4o")), 0.000_125));
    }

    #[test]
    fn estimate_combines_counts_and_price() {
        let table = PriceTable::bundled();
        let messages = [
            ChatMessage { role: Role::System, content: "Summarise the call.".into() },
            ChatMessage { role: Role::User, content: "hello world".into() },
        ];
        let schema = serde_json::json!({"type": "object", "properties": {"ok": {"type": "boolean"}},
                                         "required": ["ok"]});
        let e = estimate(ProviderKind::Openai, "gpt-4o-mini", &messages, Some(&schema), &table);
        assert_eq!(
            e.input_tokens,
            count_messages(ProviderKind::Openai, "gpt-4o-mini", &messages, Some(&schema)).tokens
        );
        // 5 braces + "ok" (1) + 3 + boolean (1) = 10.
        assert_eq!(e.output_tokens, 10);
        let expected = (e.input_tokens as f64 * 0.15 + 10.0 * 0.60) / 1e6;
        assert!(close(e.cost_usd, expected));
        let offline = estimate(ProviderKind::Offline, "baseline", &messages, None, &table);
        // The offline baseline never costs anything, whatever its model is called.
        assert_eq!((offline.output_tokens, offline.cost_usd), (0, Some(0.0)));
        assert!(offline.input_tokens > 0);
    }

    #[test]
    fn formats_dollars() {
        assert_eq!(format_usd(None), "n/a (no price for this model)");
        assert_eq!(format_usd(Some(f64::NAN)), "n/a (no price for this model)");
        assert_eq!(format_usd(Some(0.0)), "$0.00");
        assert_eq!(format_usd(Some(0.000_4)), "$0.0004");
        assert_eq!(format_usd(Some(0.000_435)), "$0.0004");
        assert_eq!(format_usd(Some(0.435)), "$0.435");
        assert_eq!(format_usd(Some(0.1)), "$0.10");
        assert_eq!(format_usd(Some(0.0425)), "$0.0425");
        assert_eq!(format_usd(Some(0.000_012_34)), "$0.000012");
        assert_eq!(format_usd(Some(0.999_9)), "$1.00");
        assert_eq!(format_usd(Some(1.234)), "$1.23");
        assert_eq!(format_usd(Some(1_234.56)), "$1,234.56");
        assert_eq!(format_usd(Some(1_234_567.0)), "$1,234,567.00");
        assert_eq!(format_usd(Some(-2.5)), "-$2.50");
    }
}
