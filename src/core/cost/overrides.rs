//! Price overrides: the user's own rates on top of the bundled table.
//!
//! A negotiated discount, a new model the table does not list yet, or a self-hosted model with a
//! cost per token: the GUI's Settings and the CLI's `--price MODEL=INPUT,CACHED,OUTPUT` and
//! `--prices FILE` all end here, so both front ends override the same way. An override replaces
//! the three per-token rates and keeps what the user did not say (the provider, the context
//! window) from the bundled entry; the cache-write and batch prices keep their ratio to the
//! input price, since those are set by the provider as multiples of it.

use super::{CostError, Price, PriceTable};

/// Why a `--price` argument was not understood.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceArgError {
    #[error(
        "expected MODEL=INPUT,CACHED,OUTPUT (USD per 1M tokens), e.g. gpt-4o-mini=0.15,0.075,0.6; got {0:?}"
    )]
    Shape(String),
    #[error("{field} price {value:?} is not a number of dollars ≥ 0 (per 1M tokens)")]
    Number { field: &'static str, value: String },
}

/// Parse `MODEL=INPUT,CACHED,OUTPUT` (USD per 1M tokens).
pub fn parse_price_arg(arg: &str) -> Result<(String, [f64; 3]), PriceArgError> {
    let shape = || PriceArgError::Shape(arg.to_string());
    let (model, rates) = arg.split_once('=').ok_or_else(shape)?;
    let model = model.trim();
    let parts: Vec<&str> = rates.split(',').map(str::trim).collect();
    if model.is_empty() || parts.len() != 3 {
        return Err(shape());
    }
    let mut out = [0.0; 3];
    for ((slot, text), field) in out.iter_mut().zip(&parts).zip(["input", "cached", "output"]) {
        *slot = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| PriceArgError::Number { field, value: text.to_string() })?;
    }
    Ok((model.to_string(), out))
}

impl PriceTable {
    /// Set `model`'s input, cached-input and output rates (USD per 1M tokens), adding the model
    /// when the table does not know it (provider `custom`, no context window).
    pub fn override_rates(&mut self, model: &str, [input, cached, output]: [f64; 3]) {
        let known = self.price(model).cloned();
        let scale = |v: Option<f64>, old_input: f64| {
            v.map(|v| if old_input > 0.0 { v / old_input * input } else { v })
        };
        let mut price = Price::new(model, "custom", input, cached, output);
        if let Some(known) = known {
            price.provider = known.provider;
            price.cache_write = scale(known.cache_write, known.input);
            price.batch_input = scale(known.batch_input, known.input);
            price.batch_output =
                known.batch_output.map(|b| if known.output > 0.0 { b / known.output * output } else { b });
            price.context_window = known.context_window;
        }
        price.origin = Some("override".into());
        price.note = Some("override".into());
        self.set(price);
    }

    /// Put every entry of `other` (a `--prices` file) over this table, by model name.
    pub fn merge(&mut self, other: PriceTable) {
        for mut price in other.models {
            price.origin.get_or_insert_with(|| "prices file".into());
            self.set(price);
        }
    }

    /// The bundled table with a prices file (`assets/prices.json` shape) and single overrides
    /// applied, in that order: a `--price` beats the file, which beats the bundled table.
    pub fn with_overrides(file: Option<&str>, rates: &[(String, [f64; 3])]) -> Result<PriceTable, CostError> {
        let mut table = PriceTable::bundled();
        if let Some(text) = file {
            table.merge(PriceTable::from_json(text)?);
        }
        for (model, r) in rates {
            table.override_rates(model, *r);
        }
        Ok(table)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn price_args_parse_or_say_what_is_wrong() {
        assert_eq!(
            parse_price_arg("gpt-4o-mini=0.1, 0.05,0.4"),
            Ok(("gpt-4o-mini".into(), [0.1, 0.05, 0.4]))
        );
        assert!(matches!(parse_price_arg("gpt-4o-mini"), Err(PriceArgError::Shape(_))));
        assert!(matches!(parse_price_arg("m=1,2"), Err(PriceArgError::Shape(_))));
        assert!(matches!(parse_price_arg("=1,2,3"), Err(PriceArgError::Shape(_))));
        assert_eq!(
            parse_price_arg("m=1,-2,3"),
            Err(PriceArgError::Number { field: "cached", value: "-2".into() })
        );
        assert!(matches!(parse_price_arg("m=1,2,NaN"), Err(PriceArgError::Number { field: "output", .. })));
    }

    #[test]
    fn an_override_keeps_what_it_does_not_say() {
        let mut table = PriceTable::bundled();
        table.override_rates("claude-sonnet-4-5-20250929", [1.5, 0.15, 7.5]);
        let p = table.price("claude-sonnet-4-5-20250929").unwrap();
        assert_eq!((p.input, p.cached_input, p.output), (1.5, 0.15, 7.5));
        assert_eq!(p.provider, "anthropic");
        assert_eq!(p.context_window, Some(200_000));
        // 3.75 / 3 × 1.5 = 1.875; batch 1.5 / 3 × 1.5 = 0.75 and 7.5 / 15 × 7.5 = 3.75.
        assert_eq!((p.cache_write, p.batch_input, p.batch_output), (Some(1.875), Some(0.75), Some(3.75)));
        table.override_rates("llama3.1", [0.0, 0.0, 0.0]);
        let local = table.price("llama3.1").unwrap();
        assert_eq!((local.provider.as_str(), local.context_window), ("custom", None));
    }

    #[test]
    fn file_then_single_overrides() {
        let file = r#"{"currency":"USD","unit":"per 1M tokens","as_of":"2026-12-01","source":"contract",
            "models":[{"model":"gpt-4o-mini","provider":"openai","input":0.1,"cached_input":0.01,"output":0.5,"context_window":128000},
                      {"model":"my-model","provider":"custom","input":1,"cached_input":1,"output":1}]}"#;
        let table = PriceTable::with_overrides(Some(file), &[("my-model".into(), [2.0, 2.0, 2.0])]).unwrap();
        assert_eq!(table.price("gpt-4o-mini").unwrap().input, 0.1);
        assert_eq!(table.price("gpt-4o-mini").unwrap().origin.as_deref(), Some("prices file"));
        assert_eq!(table.price("my-model").unwrap().input, 2.0);
        assert_eq!(table.price("gpt-4o").unwrap().input, 2.5, "untouched entries stay");
        assert!(matches!(PriceTable::with_overrides(Some("[]"), &[]), Err(CostError::Json(_))));
    }
}
