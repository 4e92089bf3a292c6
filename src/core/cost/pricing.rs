//! The price table: list prices and context windows per model, bundled from `assets/prices.json`.
//!
//! Prices live in a data file rather than in code so a price change is a one-line diff with a
//! visible source and date, and so the settings UI (or `--price`/`--prices` on the command line)
//! can override or add a model without a rebuild. The file is generated from pydantic's
//! genai-prices data by `scripts/refresh-prices.py`, because a hand-kept table goes stale.
//! Lookup is deliberately conservative: an unknown model has no price (the UI shows "n/a") rather
//! than a guessed one, because a wrong cost is worse than a missing one.

use serde::{Deserialize, Serialize};

use super::CostError;
use super::names::base_model_name;

/// The price table shipped with the application.
const BUNDLED_JSON: &str = include_str!("../../../assets/prices.json");

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
    /// Batch-API input price, where the source lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_input: Option<f64>,
    /// Batch-API output price, where the source lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_output: Option<f64>,
    /// Input plus output tokens the model accepts in one request; `None` when unknown (a
    /// conversation is then never held back for length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Other exact names of the same model (`claude-opus-4` for `claude-opus-4-0`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A caveat shown next to the price, e.g. a prompt-length tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the entry comes from: `genai-prices`, `earlier table`, `override`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Price {
    /// A price with only the three per-token rates known (overrides, tests).
    pub fn new(model: &str, provider: &str, input: f64, cached_input: f64, output: f64) -> Price {
        Price {
            model: model.to_string(),
            provider: provider.to_string(),
            input,
            cached_input,
            output,
            cache_write: None,
            batch_input: None,
            batch_output: None,
            context_window: None,
            aliases: Vec::new(),
            note: None,
            origin: None,
        }
    }

    /// Whether `name` is this model's name or one of its aliases.
    fn is_named(&self, name: &str) -> bool {
        self.model == name || self.aliases.iter().any(|a| a == name)
    }
}

/// All known prices, with where and when they were taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// The date the prices were checked, `YYYY-MM-DD`.
    pub as_of: String,
    /// Where the prices come from.
    pub source: String,
    /// The genai-prices version the table was generated from, when it was.
    pub source_version: Option<String>,
    /// One entry per base model name.
    pub models: Vec<Price>,
}

/// The file shape of `assets/prices.json`.
#[derive(Deserialize)]
struct PriceFile {
    currency: String,
    unit: String,
    as_of: String,
    source: String,
    #[serde(default)]
    source_version: Option<String>,
    models: Vec<Price>,
}

impl PriceTable {
    /// The table bundled with the application (`assets/prices.json`).
    ///
    /// The unit test `bundled_table_parses` proves the embedded file loads; should it ever fail
    /// anyway, the result is an empty table, so costs show as "n/a" instead of the app panicking.
    pub fn bundled() -> PriceTable {
        PriceTable::from_json(BUNDLED_JSON).unwrap_or_else(|_| PriceTable {
            as_of: String::new(),
            source: String::new(),
            source_version: None,
            models: Vec::new(),
        })
    }

    /// Parse a table in the `assets/prices.json` format and check it: USD per 1M tokens, every
    /// price finite and non-negative, no name (model or alias) listed twice.
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
            let names = std::iter::once(&price.model).chain(&price.aliases);
            for name in names {
                if file.models[..i].iter().any(|p| p.is_named(name)) {
                    return Err(CostError::DuplicateModel(name.clone()));
                }
            }
        }
        Ok(PriceTable {
            as_of: file.as_of,
            source: file.source,
            source_version: file.source_version,
            models: file.models,
        })
    }

    /// Exact model name first, then an alias; then dated snapshots map to their base (e.g.
    /// `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` →
    /// `claude-sonnet-4-5`): a trailing `-YYYY-MM-DD` or `-YYYYMMDD` is stripped, and so is a
    /// `models/` prefix (Gemini's resource names). Never guesses across families: `gpt-4o-mini`
    /// does not match `gpt-4o`, and `gpt-4o-audio` has no price. Unknown → `None`.
    pub fn price(&self, model: &str) -> Option<&Price> {
        // A model's own name wins over another entry's alias (an override added under an alias).
        let find = |name: &str| {
            self.models
                .iter()
                .find(|p| p.model == name)
                .or_else(|| self.models.iter().find(|p| p.is_named(name)))
        };
        find(model).or_else(|| find(base_model_name(model)))
    }

    /// The model's context window in tokens, `None` when the table does not know it.
    pub fn context_window(&self, model: &str) -> Option<u64> {
        self.price(model).and_then(|p| p.context_window)
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
        ("batch_input", price.batch_input),
        ("batch_output", price.batch_output),
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
    fn bundled_table_parses_and_names_its_source() {
        let table = PriceTable::from_json(BUNDLED_JSON).unwrap();
        assert!(table.source.contains("genai-prices 0.2.3"), "{}", table.source);
        assert_eq!(table.source_version.as_deref(), Some("0.2.3"));
        assert_eq!(table.as_of.len(), 10, "YYYY-MM-DD: {}", table.as_of);
        assert_eq!(table, PriceTable::bundled());
        // Only the providers Debrief speaks.
        for p in &table.models {
            assert!(["openai", "anthropic", "google"].contains(&p.provider.as_str()), "{}", p.model);
        }
    }

    #[test]
    fn bundled_table_has_the_models_people_run_today() {
        let table = PriceTable::bundled();
        // (name as users write it, input, cached_input, output, context window) — genai-prices 0.2.3.
        let expected = [
            ("gpt-4o", 2.50, 1.25, 10.0, 128_000),
            ("gpt-4o-mini", 0.15, 0.075, 0.60, 128_000),
            ("gpt-4.1", 2.0, 0.50, 8.0, 1_000_000),
            ("gpt-4.1-mini", 0.40, 0.10, 1.60, 1_000_000),
            ("gpt-5", 1.25, 0.125, 10.0, 400_000),
            ("gpt-5-mini", 0.25, 0.025, 2.0, 400_000),
            ("gpt-5-nano", 0.05, 0.005, 0.40, 400_000),
            ("gpt-5.1", 1.25, 0.125, 10.0, 400_000),
            ("gpt-5.2", 1.75, 0.175, 14.0, 400_000),
            ("gpt-5.4", 2.5, 0.25, 15.0, 1_050_000),
            ("gpt-5.4-mini", 0.75, 0.075, 4.5, 400_000),
            ("gpt-5.5", 5.0, 0.5, 30.0, 1_000_000),
            ("o3", 2.0, 0.50, 8.0, 200_000),
            ("o4-mini", 1.10, 0.275, 4.40, 200_000),
            ("claude-haiku-4-5", 1.0, 0.10, 5.0, 200_000),
            ("claude-sonnet-4-5", 3.0, 0.30, 15.0, 200_000),
            ("claude-sonnet-4-6", 3.0, 0.30, 15.0, 1_000_000),
            ("claude-opus-4-5", 5.0, 0.50, 25.0, 200_000),
            ("claude-opus-4-6", 5.0, 0.50, 25.0, 1_000_000),
            ("claude-opus-4-7", 5.0, 0.50, 25.0, 1_000_000),
            ("claude-opus-4-1", 15.0, 1.50, 75.0, 200_000),
            ("claude-opus-4", 15.0, 1.50, 75.0, 200_000),
            ("claude-sonnet-4", 3.0, 0.30, 15.0, 200_000),
            ("claude-3-7-sonnet", 3.0, 0.30, 15.0, 200_000),
            ("claude-3-5-haiku", 0.80, 0.08, 4.0, 200_000),
            ("gemini-2.5-flash", 0.30, 0.03, 2.50, 1_048_576),
            ("gemini-2.5-flash-lite", 0.10, 0.01, 0.40, 1_000_000),
            ("gemini-2.5-pro", 1.25, 0.125, 10.0, 1_048_576),
            ("gemini-3-flash-preview", 0.50, 0.05, 3.0, 1_000_000),
            ("gemini-3.1-flash-lite-preview", 0.25, 0.025, 1.50, 1_000_000),
            ("gemini-3.1-pro-preview", 2.0, 0.20, 12.0, 1_048_576),
        ];
        for (model, input, cached, output, window) in expected {
            let p = table.price(model).unwrap_or_else(|| panic!("{model} has no price"));
            assert_eq!((p.input, p.cached_input, p.output), (input, cached, output), "{model}");
            assert_eq!(p.context_window, Some(window), "{model}");
        }
        assert!(table.models.len() >= 60, "{}", table.models.len());
        let sonnet = table.price("claude-sonnet-4-5").unwrap();
        assert_eq!(
            (sonnet.cache_write, sonnet.batch_input, sonnet.batch_output),
            (Some(3.75), Some(1.5), Some(7.5))
        );
        assert!(sonnet.note.as_deref().unwrap().contains("200,000"));
        let mini = table.price("gpt-4o-mini").unwrap();
        assert_eq!((mini.batch_input, mini.batch_output), (Some(0.075), Some(0.3)));
        assert_eq!(table.context_window("gpt-4o-mini-2024-07-18"), Some(128_000));
        assert_eq!(table.context_window("llama3.1"), None);
    }

    #[test]
    fn snapshots_and_aliases_map_to_their_model() {
        let table = PriceTable::bundled();
        let base = |m: &str| table.price(m).map(|p| p.model.as_str());
        assert_eq!(base("gpt-4o-mini-2024-07-18"), Some("gpt-4o-mini"));
        assert_eq!(base("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(base("gpt-5-2025-08-07"), Some("gpt-5"));
        assert_eq!(base("gpt-5-nano-2025-08-07"), Some("gpt-5-nano"));
        assert_eq!(base("claude-sonnet-4-5-20250929"), Some("claude-sonnet-4-5"));
        assert_eq!(base("claude-haiku-4-5-20251001"), Some("claude-haiku-4-5"));
        assert_eq!(base("models/gemini-2.5-flash"), Some("gemini-2.5-flash"));
        // Aliases from the source's match rules.
        assert_eq!(base("claude-opus-4"), Some("claude-opus-4-0"));
        assert_eq!(base("claude-opus-4-20250514"), Some("claude-opus-4-0"));
        assert_eq!(base("claude-3-7-sonnet-20250219"), Some("claude-3-7-sonnet-latest"));
        assert_eq!(base("gemini-3.1-flash-lite-preview"), Some("gemini-3.1-flash-lite"));
        assert_eq!(base("gpt-5.1-codex"), Some("gpt-5.1"));
    }

    #[test]
    fn never_guesses_across_families() {
        let table = PriceTable::bundled();
        assert_eq!(table.price("gpt-4o-mini").unwrap().model, "gpt-4o-mini");
        assert_eq!(table.price("gpt-4o").unwrap().model, "gpt-4o");
        for unknown in [
            "gpt-4o-audio-preview",
            "gpt-4o-mini-tts",
            "text-embedding-3-small",
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
        table.set(Price::new("llama3.1", "local", 0.0, 0.0, 0.0));
        assert_eq!(table.models.len(), n + 1);
        assert_eq!(table.price("llama3.1").unwrap().provider, "local");
        // An entry added under another model's alias wins for that name.
        table.set(Price::new("claude-opus-4", "anthropic", 1.0, 0.1, 2.0));
        assert_eq!(table.price("claude-opus-4").unwrap().input, 1.0);
        assert_eq!(table.price("claude-opus-4-0").unwrap().input, 15.0);
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
        let aliased =
            r#"{"model":"n","provider":"p","input":1,"cached_input":0.5,"output":2,"aliases":["m"]}"#;
        assert!(matches!(
            PriceTable::from_json(&table("USD", UNIT, &format!("{m},{aliased}"))),
            Err(CostError::DuplicateModel(name)) if name == "m"
        ));
        let negative = r#"{"model":"m","provider":"p","input":-1,"cached_input":0,"output":2}"#;
        assert!(matches!(
            PriceTable::from_json(&table("USD", UNIT, negative)),
            Err(CostError::InvalidPrice { field: "input", .. })
        ));
        let batch = r#"{"model":"m","provider":"p","input":1,"cached_input":0,"output":2,"batch_output":-1}"#;
        assert!(matches!(
            PriceTable::from_json(&table("USD", UNIT, batch)),
            Err(CostError::InvalidPrice { field: "batch_output", .. })
        ));
        assert!(matches!(PriceTable::from_json("{"), Err(CostError::Json(_))));
    }
}
