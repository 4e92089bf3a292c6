//! Tokens, cost and latency of the compared results, and the differences.
//!
//! Sums cover the one result per shared conversation that the comparison uses, so the two
//! sides are over the same conversations. A cost is only as good as its least known part: one
//! result with an unknown price makes the side's cost `None` rather than a sum that looks
//! complete and is too low. Results reused from an earlier run carry zero tokens and cost
//! (they were not paid again), which is what the run really cost.

use super::select::Pair;
use crate::core::outcome::{Outcome, Usage};
use serde::Serialize;

/// One run's sums over the compared results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunTotals {
    pub usage: Usage,
    /// Input plus output tokens.
    pub total_tokens: u64,
    /// `None` when any result's cost is unknown.
    pub cost_usd: Option<f64>,
    /// Sum of the results' latencies (the time a sequential run would take).
    pub latency_ms: u64,
    /// Mean latency per result; `None` with no results.
    pub mean_latency_ms: Option<f64>,
}

/// `b − a` for each total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TotalsDelta {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    /// `None` when either side's cost is unknown.
    pub cost_usd: Option<f64>,
    pub latency_ms: i64,
    pub mean_latency_ms: Option<f64>,
}

/// Both runs' sums and their differences.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    pub a: RunTotals,
    pub b: RunTotals,
    pub delta: TotalsDelta,
}

/// Sum each side of `pairs`.
pub(super) fn totals(pairs: &[Pair]) -> Totals {
    let a = sum(pairs.iter().map(|p| p.a));
    let b = sum(pairs.iter().map(|p| p.b));
    let diff = |x: u64, y: u64| i64::try_from(y).unwrap_or(i64::MAX) - i64::try_from(x).unwrap_or(i64::MAX);
    Totals {
        a,
        b,
        delta: TotalsDelta {
            input_tokens: diff(a.usage.input_tokens, b.usage.input_tokens),
            output_tokens: diff(a.usage.output_tokens, b.usage.output_tokens),
            total_tokens: diff(a.total_tokens, b.total_tokens),
            cost_usd: a.cost_usd.zip(b.cost_usd).map(|(a, b)| b - a),
            latency_ms: diff(a.latency_ms, b.latency_ms),
            mean_latency_ms: a.mean_latency_ms.zip(b.mean_latency_ms).map(|(a, b)| b - a),
        },
    }
}

fn sum<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> RunTotals {
    let mut usage = Usage::default();
    let mut cost = Some(0.0);
    let mut latency_ms = 0u64;
    let mut n = 0usize;
    for o in outcomes {
        usage.add(&o.usage);
        cost = cost.zip(o.cost_usd).map(|(sum, c)| sum + c);
        latency_ms = latency_ms.saturating_add(o.latency_ms);
        n += 1;
    }
    RunTotals {
        usage,
        total_tokens: usage.input_tokens.saturating_add(usage.output_tokens),
        cost_usd: cost,
        latency_ms,
        mean_latency_ms: (n > 0).then(|| latency_ms as f64 / n as f64),
    }
}
