//! Rewrites that make a provider's constrained decoding enforce what it otherwise cannot.
//!
//! - **Integer ranges as enums.** A dialect that cannot enforce `minimum`/`maximum` (Anthropic's)
//!   gets a small integer range (at most [`MAX_ENUM_VALUES`] values: 1–5, 0–100) as an `enum` of
//!   the allowed integers, which its decoder does enforce. The user's schema still validates.
//! - **Bounded strings.** A grammar-constrained local server (llama.cpp) lets an unbounded string
//!   run until the output budget is spent when a small model repeats itself; free-text strings
//!   without a `maxLength` get one in the sent copy.

use serde_json::{Map, Value};

/// Widest integer range sent as an enum (0–100 inclusive).
pub const MAX_ENUM_VALUES: i64 = 101;

/// The `maxLength` given to free-text strings on grammar-constrained servers when the spec sets
/// none (`max_text_length`): room for a paragraph, not for a loop.
pub const DEFAULT_MAX_TEXT_LENGTH: u32 = 1000;

/// Bound keywords an integer enum replaces.
pub const RANGE_KEYWORDS: [&str; 5] =
    ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];

fn is_type(obj: &Map<String, Value>, wanted: &str) -> bool {
    match obj.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(ts)) => {
            ts.iter().any(|t| t == wanted) && ts.iter().all(|t| t == wanted || t == "null")
        }
        _ => false,
    }
}

/// The allowed integers of a bounded `integer` schema with at most [`MAX_ENUM_VALUES`] of them,
/// in order (plus `null` when the type allows it), or `None` when it is not such a schema.
pub fn integer_range(obj: &Map<String, Value>) -> Option<Vec<Value>> {
    if !is_type(obj, "integer") || obj.contains_key("enum") || obj.contains_key("const") {
        return None;
    }
    let num = |k: &str| obj.get(k).and_then(Value::as_f64);
    let low = match (num("minimum"), num("exclusiveMinimum")) {
        (Some(a), Some(b)) => a.ceil().max(b.floor() + 1.0),
        (Some(a), None) => a.ceil(),
        (None, Some(b)) => b.floor() + 1.0,
        (None, None) => return None,
    };
    let high = match (num("maximum"), num("exclusiveMaximum")) {
        (Some(a), Some(b)) => a.floor().min(b.ceil() - 1.0),
        (Some(a), None) => a.floor(),
        (None, Some(b)) => b.ceil() - 1.0,
        (None, None) => return None,
    };
    if !(low.is_finite() && high.is_finite()) || high < low || high - low + 1.0 > MAX_ENUM_VALUES as f64 {
        return None;
    }
    let step = match obj.get("multipleOf") {
        None => 1,
        Some(m) => match m.as_i64() {
            Some(m) if m > 0 => m,
            _ => return None,
        },
    };
    let (low, high) = (low as i64, high as i64);
    let mut values: Vec<Value> = (low..=high).filter(|v| v % step == 0).map(Value::from).collect();
    if values.is_empty() {
        return None;
    }
    if matches!(obj.get("type"), Some(Value::Array(ts)) if ts.iter().any(|t| t == "null")) {
        values.push(Value::Null);
    }
    Some(values)
}

/// Whether a string schema is free text that a grammar could let run on: no `maxLength`, and
/// nothing else that bounds it (`enum`, `const`, `format`, `pattern`).
pub fn unbounded_text(obj: &Map<String, Value>) -> bool {
    is_type(obj, "string")
        && !["maxLength", "enum", "const", "format", "pattern"].iter().any(|k| obj.contains_key(*k))
}

/// "1–5" for a note.
pub fn describe(values: &[Value]) -> String {
    let ints: Vec<i64> = values.iter().filter_map(Value::as_i64).collect();
    match (ints.first(), ints.last()) {
        (Some(a), Some(b)) => format!("{a}–{b} ({} values)", ints.len()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn small_integer_ranges_become_their_values() {
        let r = integer_range(&obj(json!({"type": "integer", "minimum": 1, "maximum": 5}))).unwrap();
        assert_eq!(r, vec![json!(1), json!(2), json!(3), json!(4), json!(5)]);
        let r = integer_range(&obj(json!({"type": "integer", "minimum": 0, "maximum": 100}))).unwrap();
        assert_eq!(r.len(), 101);
        let r = integer_range(&obj(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 4})))
            .unwrap();
        assert_eq!(r, vec![json!(1), json!(2), json!(3)]);
        let r = integer_range(&obj(
            json!({"type": ["integer", "null"], "minimum": 0, "maximum": 10, "multipleOf": 5}),
        ))
        .unwrap();
        assert_eq!(r, vec![json!(0), json!(5), json!(10), Value::Null]);
    }

    #[test]
    fn wide_open_or_odd_ranges_stay_as_they_are() {
        for schema in [
            json!({"type": "integer", "minimum": 0, "maximum": 101}),
            json!({"type": "integer", "minimum": 0}),
            json!({"type": "number", "minimum": 1, "maximum": 5}),
            json!({"type": "integer", "minimum": 5, "maximum": 1}),
            json!({"type": "integer", "minimum": 1, "maximum": 5, "enum": [1, 3]}),
            json!({"type": "integer", "minimum": 1, "maximum": 5, "multipleOf": 0.5}),
        ] {
            assert_eq!(integer_range(&obj(schema.clone())), None, "{schema}");
        }
    }

    #[test]
    fn only_free_text_is_bounded() {
        assert!(unbounded_text(&obj(json!({"type": "string"}))));
        assert!(unbounded_text(&obj(json!({"type": ["string", "null"], "description": "notes"}))));
        assert!(!unbounded_text(&obj(json!({"type": "string", "maxLength": 80}))));
        assert!(!unbounded_text(&obj(json!({"type": "string", "enum": ["a"]}))));
        assert!(!unbounded_text(&obj(json!({"type": "string", "format": "date"}))));
        assert!(!unbounded_text(&obj(json!({"type": "integer"}))));
    }
}
