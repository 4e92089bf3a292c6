//! The price table: list prices per model, bundled from `assets/pricing.json`.
//!
//! Prices live in a data file rather than in code so a price change is a one-line diff with a
//! visible source and date, and so the settings UI can override or add a model without a rebuild.
//! Lookup is deliberately conservative: an unknown model has no price (the UI shows "n/a") rather
//! than a guessed one, because a wrong cost is worse than a missing one.

use serde::{Deserialize, Serialize};

use super::CostError;
use super::names::base_model_name;

/// The price table shipped with the application.
const BUNDLED_JSON: &str = include_str!("../../../assets/pricing.json");

/// The only currency and unit the table is written in; anything else is rejected on load.
const CURRENCY: &str = "USD";
const UNIT: &str = "per 1M tokens";

/// List prices of one model, in USD per 1M tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// The base model name, without a date suffix (e.g. `gpt-4o-mini`).
    pub model: String,
    /// Who sells it: `openai`, `anthropic`, `google`, …
    pub provider: String,
    /// Uncached input tokens.
    pub input: f64,
    /// Input tokens served from the prompt cache (Anthropic: cache read).
    pub cached_input: f64,
    /// Output tokens, including hidden reasoning tokens.
    pub output: f64,
    /// Writing to the prompt cache, where the provider bills it separately (Anthropic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// A caveat shown next to the price, e.g. a prompt-length tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// All known prices, with where and when they were taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// The date the prices were checked, `YYYY-MM-DD`.
    pub as_of: String,
    /// Where the prices come from.
    pub source: String,
    /// One entry per base model name.
    pub models: Vec<Price>,
}

/// The file shape of `assets/pricing.json`.
#[derive(Deserialize)]
struct PriceFile {
    currency: String,
    unit: String,
    as_of: String,
    source: String,
    models: Vec<Price>,
}

impl PriceTable {
    /// The table bundled with the application (`assets/pricing.json`).
    ///
    /// The unit test `bundled_table_parses` proves the embedded file loads; should it ever fail
    /// anyway, the result is an empty table, so costs show as "n/a" instead of the app panicking.
    pub fn bundled() -> PriceTable {
        PriceTable::from_json(BUNDLED_JSON).unwrap_or_else(|_| PriceTable {
            as_of: String::new(),
            source: String::new(),
            models: Vec::new(),
        })
    }

    /// Parse a table in the `assets/pricing.json` format and check it: USD per 1M tokens, every
    /// price finite and non-negative, no model listed twice.
    pub fn from_json(text: &str) -> Result<PriceTable, CostError> {
        let file: PriceFile = serde_json::from_str(text)?;
        if file.currency != CURRENCY {
            return Err(CostError::Currency(file.currency));
        }
        if file.unit != UNIT {
            return Err(CostError::Unit(file.unit));
        }
        for (i, price) in file.models.iter().enumerate() {
            check_price(price)?;
            if file.models[..i].iter().any(|p| p.model == price.model) {
                return Err(CostError::DuplicateModel(price.model.clone()));
            }
        }
        Ok(PriceTable { as_of: file.as_of, source: file.source, models: file.models })
    }

    /// Exact model name first; then dated snapshots map to their base (e.g.
    /// `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` →
    /// `claude-sonnet-4-5`): a trailing `-YYYY-MM-DD` or `-YYYYMMDD` is stripped, and so is a
    /// `models/` prefix (Gemini's resource names). Never guesses across families: `gpt-4o-mini`
    /// does not match `gpt-4o`, and `gpt-4o-audio` has no price. Unknown → `None`.
    pub fn price(&self, model: &str) -> Option<&Price> {
        let find = |name: &str| self.models.iter().find(|p| p.model == name);
        if let Some(price) = find(model) {
            return Some(price);
        }
        find(base_model_name(model))
    }

    /// Override or add one price (settings UI): replaces the entry with the same model name, or
    /// appends a new one.
    pub fn set(&mut self, price: Price) {
        match self.models.iter_mut().find(|p| p.model == price.model) {
            Some(existing) => *existing = price,
            None => self.models.push(price),
        }
    }
}

/// Reject prices a cost calculation cannot use.
fn check_price(price: &Price) -> Result<(), CostError> {
    let fields = [
        ("input", Some(price.input)),
        ("cached_input", Some(price.cached_input)),
        ("output", Some(price.output)),
        ("cache_write", price.cache_write),
    ];
    for (field, value) in fields {
        if let Some(v) = value
            && (!v.is_finite() || v < 0.0)
        {
            return Err(CostError::InvalidPrice { model: price.model.clone(), field });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses() {
        let table = PriceTable::from_json(BUNDLED_JSON).unwrap();
        assert_eq!(table.as_of, "2026-11-24");
        assert!(table.source.contains("OpenAI"));
        assert_eq!(table, PriceTable::bundled());
    }

    #[test]
    fn bundled_table_has_every_required_model() {
        let table = PriceTable::bundled();
        // (model, input, cached_input, output) — the November 2026 list prices.
        let expected = [
            ("gpt-4o", 2.50, 1.25, 10.0),
            ("gpt-4o-mini", 0.15, 0.075, 0.60),
            ("gpt-4.1", 2.0, 0.50, 8.0),
            ("gpt-4.1-mini", 0.40, 0.10, 1.60),
            ("gpt-4.1-nano", 0.10, 0.025, 0.40),
            ("gpt-5", 1.25, 0.125, 10.0),
            ("gpt-5-mini", 0.25, 0.025, 2.0),
            ("gpt-5-nano", 0.05, 0.005, 0.40),
            ("claude-sonnet-4-5", 3.0, 0.30, 15.0),
            ("claude-haiku-4-5", 1.0, 0.10, 5.0),
            ("gemini-2.5-flash", 0.30, 0.03, 2.50),
            ("gemini-2.5-pro", 1.25, 0.125, 10.0),
            ("gpt-5.1", 1.25, 0.125, 10.0),
            ("o3", 2.0, 0.50, 8.0),
            ("o4-mini", 1.10, 0.275, 4.40),
            ("claude-opus-4-6", 5.0, 0.50, 25.0),
            ("claude-sonnet-4-6", 3.0, 0.30, 15.0),
            ("claude-opus-4-5", 5.0, 0.50, 25.0),
            ("claude-opus-4-1", 15.0, 1.50, 75.0),
            ("claude-opus-4", 15.0, 1.50, 75.0),
            ("claude-sonnet-4", 3.0, 0.30, 15.0),
            ("claude-3-7-sonnet", 3.0, 0.30, 15.0),
            ("claude-3-5-haiku", 0.80, 0.08, 4.0),
            ("claude-3-haiku", 0.25, 0.03, 1.25),
            ("gemini-2.5-flash-lite", 0.10, 0.01, 0.40),
            ("gemini-3-flash-preview", 0.50, 0.05, 3.0),
            ("gemini-3.1-flash-lite-preview", 0.25, 0.025, 1.50),
            ("gemini-3.1-pro-preview", 2.0, 0.20, 12.0),
        ];
        for (model, input, cached, output) in expected {
            let p = table.price(model).unwrap();
            assert_eq!((p.input, p.cached_input, p.output), (input, cached, output), "{model}");
        }
        assert_eq!(table.models.len(), expected.len());
        assert_eq!(table.price("claude-sonnet-4-5").unwrap().cache_write, Some(3.75));
        assert_eq!(table.price("claude-haiku-4-5").unwrap().cache_write, Some(1.25));
        assert!(table.price("gemini-2.5-pro").unwrap().note.as_deref().unwrap().contains("200k"));
        // Every Anthropic model bills cache writes apart; no other provider does.
        for p in &table.models {
            assert_eq!(p.cache_write.is_some(), p.provider == "anthropic", "{}", p.model);
        }
    }

    #[test]
    fn snapshots_map_to_their_base_model() {
        let table = PriceTable::bundled();
        let base = |m: &str| table.price(m).map(|p| p.model.as_str());
        assert_eq!(base("gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
        assert_eq!(base("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(base("gpt-5-2025-08-07"), Some("gpt-5"));
        assert_eq!(base("claude-sonnet-4-5-20250929"), Some("claude-sonnet-4-5"));
        assert_eq!(base("claude-haiku-4-5-20251001"), Some("claude-haiku-4-5"));
        assert_eq!(base("models/gemini-2.5-flash"), Some("gemini-2.5-flash"));
    }

    #[test]
    fn never_guesses_across_families() {
        let table = PriceTable::bundled();
        assert_eq!(table.price("gpt-4o-mini").unwrap().model, "gpt-4o-mini");
        assert_eq!(table.price("gpt-4o").unwrap().model, "gpt-4o");
        for unknown in [
            "gpt-4o-audio-preview",
            "gpt-4o-mini-tts",
            "gpt-4",
            "gpt-5-pro",
            "claude-sonnet",
            "claude-sonnet-4-7",
            "gemini-2.5",
            "llama3.1",
            "baseline",
            "",
            "-2024-07-18",
            "2024-07-18",
        ] {
            assert!(table.price(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn set_overrides_or_adds() {
        let mut table = PriceTable::bundled();
        let n = table.models.len();
        let mut p = table.price("gpt-4o").unwrap().clone();
        p.input = 9.0;
        table.set(p);
        assert_eq!(table.models.len(), n);
        assert_eq!(table.price("gpt-4o-2024-08-06").unwrap().input, 9.0);
        table.set(Price {
            model: "llama3.1".into(),
            provider: "local".into(),
            input: 0.0,
            cached_input: 0.0,
            output: 0.0,
            cache_write: None,
            note: Some("self-hosted".into()),
        });
        assert_eq!(table.models.len(), n + 1);
        assert_eq!(table.price("llama3.1").unwrap().provider, "local");
    }

    #[test]
    fn from_json_rejects_bad_tables() {
        let table = |currency: &str, unit: &str, models: &str| {
            format!(
                r#"{{"currency":"{currency}","unit":"{unit}","as_of":"x","source":"y","models":[{models}]}}"#
            )
        };
        let m = r#"{"model":"m","provider":"p","input":1,"cached_input":0.5,"output":2}"#;
        assert!(PriceTable::from_json(&table("USD", UNIT, m)).is_ok());
        assert!(matches!(
            PriceTable::from_json(&table("EUR", UNIT, m)),
            Err(CostError::Currency(c)) if c == "EUR"
        ));
        assert!(matches!(PriceTable::from_json(&table("USD", "per 1K tokens", m)), Err(CostError::Unit(_))));
        assert!(matches!(
            PriceTable::from_json(&table("USD", UNIT, &format!("{m},{m}"))),
            Err(CostError::DuplicateModel(name)) if name == "m"
        ));
        let negative = r#"{"model":"m","provider":"p","input":-1,"cached_input":0,"output":2}"#;
        assert!(matches!(
            PriceTable::from_json(&table("USD", UNIT, negative)),
            Err(CostError::InvalidPrice { field: "input", .. })
        ));
        assert!(matches!(PriceTable::from_json("{"), Err(CostError::Json(_))));
    }
}
