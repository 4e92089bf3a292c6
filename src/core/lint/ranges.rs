//! Reading a number's intended range from its description or name ("1-5", "0 to 100", "score
//! out of 10", "1=easy … 5=hard", "percentage"), so `unbounded-number` can offer a fix that sets
//! exactly what the text already says. When the text says nothing, no fix is offered: a guessed
//! scale would be worse than none.

use regex::Regex;
use std::sync::LazyLock;

/// A number, an optional space, a dash/en dash/em dash/"to"/"through"/"..", a number.
static SPAN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(-?\d+(?:\.\d+)?)\s*(?:-|–|—|\.\.|\bto\b|\bthrough\b)\s*(-?\d+(?:\.\d+)?)").ok()
});
/// "between 1 and 5".
static BETWEEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\bbetween\s+(-?\d+(?:\.\d+)?)\s+and\s+(-?\d+(?:\.\d+)?)").ok());
/// "from 1 (no effort) to 5 (a lot)".
static FROM_TO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfrom\s+(-?\d+(?:\.\d+)?)\b[^0-9]{0,60}?\bto\s+(-?\d+(?:\.\d+)?)").ok()
});
/// "out of 10", "scale of 10".
static OUT_OF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:out of|scale of)\s+(\d+(?:\.\d+)?)\b").ok());
/// "1=…", "5 = …" anchors of a described scale.
static ANCHOR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?:^|[^\w.])(\d+)\s*=").ok());

/// The range a text states, as (minimum, maximum) with minimum < maximum.
pub(super) fn stated_range(text: &str) -> Option<(f64, f64)> {
    let ordered = |a: f64, b: f64| (a < b).then_some((a, b));
    for re in [&BETWEEN, &SPAN, &FROM_TO] {
        let Some(re) = re.as_ref() else { continue };
        // The first span that reads as a range ("2024-01" is not one).
        let found = re.captures_iter(text).find_map(|c| match (number(c.get(1)), number(c.get(2))) {
            (Some(a), Some(b)) => ordered(a, b),
            _ => None,
        });
        if found.is_some() {
            return found;
        }
    }
    if let Some(re) = ANCHOR.as_ref() {
        let anchors: Vec<f64> = re.captures_iter(text).filter_map(|c| number(c.get(1))).collect();
        if anchors.len() >= 2 {
            let min = anchors.iter().copied().fold(f64::INFINITY, f64::min);
            let max = anchors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if let Some(r) = ordered(min, max) {
                return Some(r);
            }
        }
    }
    if let Some(re) = OUT_OF.as_ref()
        && let Some(c) = re.captures(text)
        && let Some(n) = number(c.get(1))
    {
        // "out of 10" names the top; zero is the safe bottom (a 1-based scale still fits).
        return ordered(0.0, n);
    }
    let lower = text.to_lowercase();
    if ["percent", "percentage", "pct", "%"].iter().any(|w| lower.contains(w)) {
        return Some((0.0, 100.0));
    }
    None
}

fn number(m: Option<regex::Match<'_>>) -> Option<f64> {
    m.and_then(|m| m.as_str().parse::<f64>().ok()).filter(|n| n.is_finite())
}

/// The range stated by a description, else by the name (`score_1_to_5`, `satisfaction_pct`).
pub(super) fn range_for(name: Option<&str>, description: Option<&str>) -> Option<(f64, f64)> {
    // In a name `_` and `-` separate words: `score_1_to_5` reads "score 1 to 5".
    description
        .and_then(stated_range)
        .or_else(|| name.and_then(|n| stated_range(&n.replace(['_', '-'], " "))))
}

/// A bound as JSON: an integer when it is whole (so `"type": "integer"` schemas stay integral).
pub(super) fn bound_value(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
    }
}
