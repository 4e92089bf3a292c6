//! A run's dashboard, built from its schema: one chart per top-level field, chosen by type, and
//! the seed's own metrics when their fields exist.
//!
//! enum → counts per value (in the schema's order, then any value the schema does not list);
//! boolean → a rate with its Wilson interval; integer/number → a histogram and the mean; array
//! of strings → the most frequent values. The seed's metrics: resolution rate (`resolved`),
//! sentiment distribution, top topics, and the follow-up queue (`follow_up_needed` with its
//! notes). Only `ok` analyses count; every chart says how many it is based on. No egui here:
//! the panel draws what this computes, and tests check the numbers.

mod run;

pub use run::{RunRow, for_run};

use crate::core::eval::Rate;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How many values an array chart lists.
const TOP_VALUES: usize = 10;
/// Integer ranges up to this wide get one bar per value; wider ones get equal bins.
const MAX_UNIT_BINS: i64 = 20;
const BINS: usize = 10;

/// One field's chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "chart", rename_all = "snake_case")]
pub enum Chart {
    Counts { field: String, counts: Vec<(String, usize)>, n: usize },
    Rate { field: String, rate: Rate },
    Histogram { field: String, bins: Vec<Bin>, mean: Option<f64>, n: usize },
    TopValues { field: String, values: Vec<(String, usize)>, n: usize },
}

impl Chart {
    pub fn field(&self) -> &str {
        match self {
            Chart::Counts { field, .. }
            | Chart::Rate { field, .. }
            | Chart::Histogram { field, .. }
            | Chart::TopValues { field, .. } => field,
        }
    }
}

/// `[low, high)` (the last bin includes `high`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub count: usize,
}

/// A conversation waiting for follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub conversation_id: String,
    pub notes: Option<String>,
}

/// How one field's values spread over time: counts per value per day, oldest day first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub field: String,
    /// The values in the schema's order (then any others).
    pub values: Vec<String>,
    /// (day `YYYY-MM-DD`, count per value in `values` order).
    pub days: Vec<(String, Vec<usize>)>,
    /// Analyses that had both a start time and the field.
    pub n: usize,
}

/// The day a conversation started, from its `started_at` as sources write it: RFC 3339
/// (`2024-05-01T10:00:00Z`) or Unix time in seconds or milliseconds.
pub fn day_of(started_at: &str) -> Option<String> {
    let t = started_at.trim();
    if let Some(date) = t.get(..10) {
        let b = date.as_bytes();
        if b[4] == b'-' && b[7] == b'-' && date.chars().filter(char::is_ascii_digit).count() == 8 {
            return Some(date.to_string());
        }
    }
    let n: i64 = t.parse().ok()?;
    let secs = if n > 100_000_000_000 { n.div_euclid(1000) } else { n };
    let date = jiff::Timestamp::from_second(secs).ok()?.to_zoned(jiff::tz::TimeZone::UTC).date();
    Some(date.to_string())
}

/// The trend of `field` over the days the conversations started on; `None` when fewer than two
/// distinct days are known (a single day is no trend).
pub fn trend(schema: &Value, field: &str, items: &[(Option<&str>, &Value)]) -> Option<Trend> {
    let mut values: Vec<String> = schema
        .pointer(&format!("/properties/{field}/enum"))
        .and_then(Value::as_array)
        .map(|e| e.iter().filter(|v| !v.is_null()).map(label).collect())
        .unwrap_or_default();
    let mut by_day: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut n = 0;
    for (started, analysis) in items {
        let (Some(day), Some(v)) = (started.and_then(day_of), analysis.get(field).filter(|v| !v.is_null()))
        else {
            continue;
        };
        let l = label(v);
        if !values.contains(&l) {
            values.push(l.clone());
        }
        *by_day.entry(day).or_default().entry(l).or_default() += 1;
        n += 1;
    }
    if by_day.len() < 2 {
        return None;
    }
    let days = by_day
        .into_iter()
        .map(|(day, counts)| (day, values.iter().map(|v| counts.get(v).copied().unwrap_or(0)).collect()))
        .collect();
    Some(Trend { field: field.to_string(), values, days, n })
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// Analyses counted (ok results).
    pub n: usize,
    pub charts: Vec<Chart>,
    pub resolution_rate: Option<Rate>,
    pub follow_up_queue: Vec<FollowUp>,
    /// Sentiment over time, when the schema has `sentiment` and conversations carry start times.
    pub sentiment_trend: Option<Trend>,
    /// Per-field agreement over repeats, when the run analysed conversations more than once.
    pub stability: Option<Vec<crate::core::stability::FieldStability>>,
}

impl Dashboard {
    pub fn chart(&self, field: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.field() == field)
    }
}

/// Build the dashboard from `(conversation_id, analysis)` pairs of ok results.
pub fn build(schema: &Value, items: &[(&str, &Value)]) -> Dashboard {
    let empty = serde_json::Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let charts = properties.iter().filter_map(|(field, sub)| chart(schema, field, sub, items)).collect();
    let resolution_rate = properties.get("resolved").map(|_| {
        let answered: Vec<bool> = items.iter().filter_map(|(_, a)| a.get("resolved")?.as_bool()).collect();
        Rate::new(answered.iter().filter(|r| **r).count(), answered.len())
    });
    let follow_up_queue = if properties.contains_key("follow_up_needed") {
        items
            .iter()
            .filter(|(_, a)| a.get("follow_up_needed") == Some(&Value::Bool(true)))
            .map(|(id, a)| FollowUp {
                conversation_id: id.to_string(),
                notes: a.get("follow_up_notes").and_then(Value::as_str).map(str::to_string),
            })
            .collect()
    } else {
        Vec::new()
    };
    Dashboard {
        n: items.len(),
        charts,
        resolution_rate,
        follow_up_queue,
        sentiment_trend: None,
        stability: None,
    }
}

/// A `$ref` to `#/$defs/x` (or `definitions`) resolved one level, so referenced enums chart too.
fn resolve<'a>(root: &'a Value, sub: &'a Value) -> &'a Value {
    match sub.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix("#/").and_then(|path| root.pointer(&format!("/{path}"))).unwrap_or(sub),
        None => sub,
    }
}

fn types(sub: &Value) -> Vec<&str> {
    match sub.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    }
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn chart(root: &Value, field: &str, sub: &Value, items: &[(&str, &Value)]) -> Option<Chart> {
    let sub = resolve(root, sub);
    let values: Vec<&Value> =
        items.iter().filter_map(|(_, a)| a.get(field)).filter(|v| !v.is_null()).collect();
    let field = field.to_string();
    if let Some(allowed) = sub.get("enum").and_then(Value::as_array) {
        let mut counts: Vec<(String, usize)> =
            allowed.iter().filter(|v| !v.is_null()).map(|v| (label(v), 0)).collect();
        for v in &values {
            let l = label(v);
            match counts.iter_mut().find(|(k, _)| *k == l) {
                Some((_, n)) => *n += 1,
                None => counts.push((l, 1)),
            }
        }
        return Some(Chart::Counts { field, counts, n: values.len() });
    }
    let t = types(sub);
    if t.contains(&"boolean") {
        let bools: Vec<bool> = values.iter().filter_map(|v| v.as_bool()).collect();
        return Some(Chart::Rate {
            field,
            rate: Rate::new(bools.iter().filter(|b| **b).count(), bools.len()),
        });
    }
    if t.contains(&"integer") || t.contains(&"number") {
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        let mean = (!numbers.is_empty()).then(|| numbers.iter().sum::<f64>() / numbers.len() as f64);
        return Some(Chart::Histogram {
            bins: histogram(&numbers, t.contains(&"integer")),
            mean,
            n: numbers.len(),
            field,
        });
    }
    if t.contains(&"array") {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for v in values.iter().filter_map(|v| v.as_array()) {
            for item in v.iter().filter(|i| i.is_string()) {
                *counts.entry(label(item)).or_default() += 1;
            }
        }
        let mut top: Vec<(String, usize)> = counts.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(TOP_VALUES);
        return Some(Chart::TopValues { field, values: top, n: values.len() });
    }
    None
}

/// One bar per value for narrow integer ranges (a 1–5 score), else ten equal bins.
fn histogram(numbers: &[f64], integer: bool) -> Vec<Bin> {
    let (Some(lo), Some(hi)) =
        (numbers.iter().copied().reduce(f64::min), numbers.iter().copied().reduce(f64::max))
    else {
        return Vec::new();
    };
    if integer && (hi - lo) as i64 <= MAX_UNIT_BINS {
        return (lo as i64..=hi as i64)
            .map(|v| Bin {
                low: v as f64,
                high: v as f64 + 1.0,
                count: numbers.iter().filter(|n| (**n - v as f64).abs() < 0.5).count(),
            })
            .collect();
    }
    let width = ((hi - lo) / BINS as f64).max(f64::EPSILON);
    let mut bins: Vec<Bin> = (0..BINS)
        .map(|i| Bin { low: lo + i as f64 * width, high: lo + (i + 1) as f64 * width, count: 0 })
        .collect();
    for n in numbers {
        let i = (((n - lo) / width) as usize).min(BINS - 1);
        bins[i].count += 1;
    }
    bins
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "topic": {"enum": ["billing", "sales", "other"]},
            "resolved": {"type": "boolean"},
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "tags": {"type": "array", "items": {"type": "string"}},
            "follow_up_needed": {"type": "boolean"},
            "follow_up_notes": {"type": ["string", "null"]},
            "summary": {"type": "string"}
        }})
    }

    #[test]
    fn charts_follow_the_schema_types() {
        let a = json!({"topic": "billing", "resolved": true, "score": 5, "tags": ["refund", "vip"], "follow_up_needed": true, "follow_up_notes": "call back"});
        let b = json!({"topic": "billing", "resolved": false, "score": 3, "tags": ["refund"], "follow_up_needed": false});
        let c =
            json!({"topic": "weather", "resolved": true, "score": 5, "tags": [], "follow_up_needed": false});
        let d = build(&schema(), &[("a", &a), ("b", &b), ("c", &c)]);
        assert_eq!(d.n, 3);
        // Schema order first, zero counts kept, unlisted values after.
        assert_eq!(
            d.chart("topic"),
            Some(&Chart::Counts {
                field: "topic".into(),
                counts: vec![
                    ("billing".into(), 2),
                    ("sales".into(), 0),
                    ("other".into(), 0),
                    ("weather".into(), 1)
                ],
                n: 3
            })
        );
        let Some(Chart::Rate { rate, .. }) = d.chart("resolved") else { panic!() };
        assert_eq!((rate.hits, rate.n), (2, 3));
        assert_eq!(d.resolution_rate.unwrap().hits, 2);
        let Some(Chart::Histogram { bins, mean, n, .. }) = d.chart("score") else { panic!() };
        // 3..=5 → three unit bins: 3 → 1, 4 → 0, 5 → 2; mean 13/3.
        assert_eq!(bins.iter().map(|b| b.count).collect::<Vec<_>>(), vec![1, 0, 2]);
        assert!((mean.unwrap() - 13.0 / 3.0).abs() < 1e-12);
        assert_eq!(*n, 3);
        let Some(Chart::TopValues { values, .. }) = d.chart("tags") else { panic!() };
        assert_eq!(values, &vec![("refund".to_string(), 2), ("vip".to_string(), 1)]);
        assert!(d.chart("summary").is_none(), "free text gets no chart");
        assert_eq!(
            d.follow_up_queue,
            vec![FollowUp { conversation_id: "a".into(), notes: Some("call back".into()) }]
        );
    }

    #[test]
    fn sentiment_trend_counts_values_per_day_from_any_start_time_format() {
        let s = json!({"properties": {"sentiment": {"enum": ["positive", "neutral", "negative"]}}});
        let (p, n, g) = (
            json!({"sentiment": "positive"}),
            json!({"sentiment": "negative"}),
            json!({"sentiment": "neutral"}),
        );
        let items = [
            (Some("2024-05-01T10:00:00Z"), &p),
            (Some("2024-05-01T17:30:00+02:00"), &n),
            // 1714645800000 ms = 2024-05-02T10:30:00Z.
            (Some("1714645800000"), &p),
            (Some("1714645800"), &g),
            (None, &n),
            (Some("yesterday"), &n),
        ];
        let t = trend(&s, "sentiment", &items).unwrap();
        assert_eq!(t.values, vec!["positive", "neutral", "negative"]);
        assert_eq!(
            t.days,
            vec![("2024-05-01".to_string(), vec![1, 0, 1]), ("2024-05-02".to_string(), vec![1, 1, 0])]
        );
        assert_eq!(t.n, 4);
        assert!(trend(&s, "sentiment", &items[..2]).is_none(), "one day is no trend");
        assert_eq!(day_of("0"), Some("1970-01-01".into()));
        assert_eq!(day_of("1714521600000"), Some("2024-05-01".into()), "milliseconds");
        assert_eq!(day_of("951782400"), Some("2000-02-29".into()));
    }

    #[test]
    fn wide_ranges_get_ten_bins_and_empty_runs_have_no_numbers() {
        let values: Vec<Value> = (0..=100).map(|i| json!({"x": i})).collect();
        let items: Vec<(&str, &Value)> = values.iter().map(|v| ("c", v)).collect();
        let s = json!({"properties": {"x": {"type": "integer"}}});
        let Some(Chart::Histogram { bins, .. }) = build(&s, &items).chart("x").cloned() else { panic!() };
        assert_eq!(bins.len(), 10);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 101);
        let empty = build(&s, &[]);
        let Some(Chart::Histogram { bins, mean, .. }) = empty.chart("x") else { panic!() };
        assert!(bins.is_empty() && mean.is_none());
    }
}
