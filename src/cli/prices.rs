//! `debrief prices`, and the `--price`/`--prices` flags that override the table.
//!
//! The overrides go through `PriceTable::with_overrides`, the code path the GUI's Settings use,
//! so a price means the same in both front ends.

use super::{CliError, Exit};
use crate::core::context_window::thousands;
use crate::core::cost::{PriceTable, parse_price_arg};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// Flags that override the bundled price table (`estimate`, `project`, `batch`, `analyze`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PriceArgs {
    /// Override one model's prices, USD per 1M tokens: MODEL=INPUT,CACHED,OUTPUT (repeatable),
    /// e.g. --price gpt-4o-mini=0.15,0.075,0.6.
    #[arg(long = "price", value_name = "MODEL=IN,CACHED,OUT", value_parser = parse_price)]
    pub price: Vec<(String, [f64; 3])>,
    /// A prices file in the shape of assets/prices.json whose entries replace the bundled ones.
    #[arg(long = "prices", value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

fn parse_price(s: &str) -> Result<(String, [f64; 3]), String> {
    parse_price_arg(s).map_err(|e| e.to_string())
}

impl PriceArgs {
    /// The bundled table with the file and the single prices applied (a `--price` wins).
    pub fn table(&self) -> Result<PriceTable, CliError> {
        let file = match &self.prices {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the prices file {}", path.display()))
                    .map_err(CliError::usage)?,
            ),
            None => None,
        };
        PriceTable::with_overrides(file.as_deref(), &self.price)
            .with_context(|| {
                let path = self.prices.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                format!("the prices file {path} is not usable; it takes the shape of assets/prices.json")
            })
            .map_err(CliError::usage)
    }
}

#[derive(Debug, clap::Args)]
pub struct PricesListArgs {
    #[command(flatten)]
    pub overrides: PriceArgs,
    /// Only models whose name contains this text.
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
    /// Print the table as JSON (the assets/prices.json shape).
    #[arg(long)]
    pub json: bool,
}

/// List the price table: model, provider, prices, batch prices and context window.
pub fn prices(args: PricesListArgs) -> Result<Exit, CliError> {
    let table = args.overrides.table()?;
    let wanted = |m: &str| args.filter.as_deref().is_none_or(|f| m.contains(f));
    let models: Vec<_> = table.models.iter().filter(|p| wanted(&p.model)).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "currency": "USD", "unit": "per 1M tokens", "as_of": table.as_of, "source": table.source,
            "source_version": table.source_version, "models": models,
        });
        let _ = writeln!(out, "{doc:#}");
        return Ok(Exit::Ok);
    }
    let _ = writeln!(
        out,
        "{:<30} {:<10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10}",
        "model", "provider", "input", "cached", "output", "batch in", "batch out", "context"
    );
    let money = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_else(|| "—".into());
    for p in &models {
        let _ = writeln!(
            out,
            "{:<30} {:<10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10}",
            p.model,
            p.provider,
            p.input,
            p.cached_input,
            p.output,
            money(p.batch_input),
            money(p.batch_output),
            p.context_window.map(thousands).unwrap_or_else(|| "unknown".into()),
        );
    }
    let _ = writeln!(
        out,
        "\n{} model(s); USD per 1M tokens; as of {}; {}",
        models.len(),
        table.as_of,
        table.source
    );
    let _ = writeln!(
        out,
        "a model with an unknown context is never held back for length; override with --price or --prices"
    );
    Ok(Exit::Ok)
}
