//! JSON values as sortable class labels, and the field kinds that decide which metric applies.
//!
//! scikit-learn sorts labels with NumPy; JSON values have no order of their own, so [`Class`]
//! gives them one that agrees with NumPy wherever NumPy has one: `false` before `true`, numbers
//! by value, strings by code point. Across types (which sklearn refuses to mix) the order is
//! null, booleans, numbers, strings, other JSON, and last the "no answer" pseudo-class.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

/// A JSON value used as a class label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Null,
    Bool(bool),
    Number(Number),
    Text(String),
    /// Arrays and objects, by their compact JSON text.
    Other(String),
    /// The analysis has no value for the field (failed, missing or not given).
    Missing,
}

/// A JSON number ordered by value (`f64::total_cmp`), so `1` and `1.0` are one class.
#[derive(Debug, Clone, Copy)]
pub struct Number(pub f64);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Number {}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        // +0.0 and -0.0 are one number in JSON.
        (self.0 + 0.0).total_cmp(&(other.0 + 0.0))
    }
}

/// Text shown for the "no answer" pseudo-class.
pub const MISSING_LABEL: &str = "(no answer)";

impl Class {
    /// The class of a value; `None` is [`Class::Missing`].
    pub fn of(value: Option<&Value>) -> Class {
        match value {
            None => Class::Missing,
            Some(Value::Null) => Class::Null,
            Some(Value::Bool(b)) => Class::Bool(*b),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) => Class::Number(Number(f)),
                None => Class::Other(n.to_string()),
            },
            Some(Value::String(s)) => Class::Text(s.clone()),
            Some(other) => Class::Other(other.to_string()),
        }
    }

    /// Like [`Class::of`], but strings are compared loosely: lower-cased, whitespace collapsed.
    /// Used for array items, where "Competitor X" and "competitor x " name the same thing.
    pub fn loose(value: &Value) -> Class {
        match value {
            Value::String(s) => {
                Class::Text(s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
            }
            other => Class::of(Some(other)),
        }
    }

    /// How the label is shown: strings bare, other values as JSON.
    pub fn display(&self) -> String {
        match self {
            Class::Null => "null".into(),
            Class::Bool(b) => b.to_string(),
            Class::Number(n) => serde_json::Number::from_f64(n.0)
                .map(|n| n.to_string())
                .unwrap_or_else(|| n.0.to_string())
                .trim_end_matches(".0")
                .to_string(),
            Class::Text(s) | Class::Other(s) => s.clone(),
            Class::Missing => MISSING_LABEL.into(),
        }
    }
}

/// Which family of metrics a field gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FieldKind {
    /// `enum`, `const`, `boolean` (and objects, matched whole): accuracy, per-class scores,
    /// confusion matrix.
    Classification,
    /// `integer` / `number`: mean absolute error and share within a tolerance.
    Numeric { integer: bool },
    /// A string without `enum`: mean token F1, a rough lexical measure.
    Text,
    /// `array`: mean set precision and recall. `closed` when the items are not free text
    /// (an `enum`, booleans, numbers), so that an exact set match is meaningful.
    Set { closed: bool },
}

impl FieldKind {
    /// Whether a single answer can be called right or wrong without judgement — the fields that
    /// count towards the overall score. Free text (strings, arrays of free strings) does not.
    pub fn exact_matchable(self) -> bool {
        !matches!(self, FieldKind::Text | FieldKind::Set { closed: false })
    }

    /// A short word for tables: "class", "integer", "number", "text", "set".
    pub fn word(self) -> &'static str {
        match self {
            FieldKind::Classification => "class",
            FieldKind::Numeric { integer: true } => "integer",
            FieldKind::Numeric { integer: false } => "number",
            FieldKind::Text => "text",
            FieldKind::Set { .. } => "set",
        }
    }

    /// The kind a schema gives a property: `$ref` resolved, `null` ignored in type lists and in
    /// `anyOf`/`oneOf` branches. `None` when the schema says nothing usable.
    pub fn from_schema(root: &Value, property: &Value) -> Option<FieldKind> {
        kind_of(root, property, 0)
    }

    /// The kind guessed from the labelled values, for fields the schema does not describe.
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a Value>) -> FieldKind {
        let values: Vec<&Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        if values.iter().all(|v| v.is_boolean()) {
            FieldKind::Classification
        } else if values.iter().all(|v| v.is_i64() || v.is_u64()) {
            FieldKind::Numeric { integer: true }
        } else if values.iter().all(|v| v.is_number()) {
            FieldKind::Numeric { integer: false }
        } else if values.iter().all(|v| v.is_array()) {
            let free = values.iter().filter_map(|v| v.as_array()).flatten().any(Value::is_string);
            FieldKind::Set { closed: !free }
        } else if values.iter().all(|v| v.is_string()) {
            FieldKind::Text
        } else {
            FieldKind::Classification
        }
    }
}

/// The values an `enum` (or `const`) allows, when the property has one.
pub fn allowed_values<'a>(root: &'a Value, property: &'a Value) -> Option<Vec<&'a Value>> {
    let property = resolve(root, property);
    if let Some(values) = property.get("enum").and_then(Value::as_array) {
        return Some(values.iter().collect());
    }
    property.get("const").map(|v| vec![v])
}

fn resolve<'a>(root: &'a Value, property: &'a Value) -> &'a Value {
    match property.get("$ref").and_then(Value::as_str) {
        Some(r) => crate::core::schema::resolve_ref(root, r).unwrap_or(property),
        None => property,
    }
}

fn kind_of(root: &Value, property: &Value, depth: usize) -> Option<FieldKind> {
    if depth > 8 {
        return None;
    }
    let property = resolve(root, property);
    if property.get("enum").is_some() || property.get("const").is_some() {
        return Some(FieldKind::Classification);
    }
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(t) = types.into_iter().find(|t| *t != "null") {
        return Some(match t {
            "integer" => FieldKind::Numeric { integer: true },
            "number" => FieldKind::Numeric { integer: false },
            "string" => FieldKind::Text,
            "array" => FieldKind::Set { closed: !items_are_free_text(root, property) },
            _ => FieldKind::Classification, // boolean, object
        });
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| property.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(|branch| kind_of(root, branch, depth + 1))
}

fn items_are_free_text(root: &Value, array: &Value) -> bool {
    match array.get("items") {
        Some(items) => kind_of(root, items, 1) == Some(FieldKind::Text),
        None => true, // anything goes, strings included
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classes_sort_like_numpy_within_a_type() {
        let mut classes: Vec<Class> =
            [json!("b"), json!(10), json!(true), json!("a"), json!(9.5), json!(false)]
                .iter()
                .map(|v| Class::of(Some(v)))
                .collect();
        classes.push(Class::Missing);
        classes.push(Class::of(Some(&json!(null))));
        classes.sort();
        let shown: Vec<String> = classes.iter().map(Class::display).collect();
        assert_eq!(shown, ["null", "false", "true", "9.5", "10", "a", "b", MISSING_LABEL]);
        assert_eq!(Class::of(Some(&json!(1))), Class::of(Some(&json!(1.0))));
        assert_eq!(Class::loose(&json!("  Competitor   X ")), Class::loose(&json!("competitor x")));
    }

    #[test]
    fn kinds_from_schema_and_from_labels() {
        let root = json!({"$defs": {"level": {"enum": ["low", "high"]}}});
        let kind = |p: Value| FieldKind::from_schema(&root, &p);
        assert_eq!(kind(json!({"$ref": "#/$defs/level"})), Some(FieldKind::Classification));
        assert_eq!(kind(json!({"type": ["null", "number"]})), Some(FieldKind::Numeric { integer: false }));
        assert_eq!(
            kind(json!({"anyOf": [{"type": "null"}, {"type": "integer"}]})),
            Some(FieldKind::Numeric { integer: true })
        );
        assert_eq!(kind(json!({"type": "array"})), Some(FieldKind::Set { closed: false }));
        assert_eq!(
            kind(json!({"type": "array", "items": {"type": "boolean"}})),
            Some(FieldKind::Set { closed: true })
        );
        assert_eq!(kind(json!({"description": "anything"})), None);
        let labels = [json!(3), json!(null), json!(4)];
        assert_eq!(FieldKind::from_values(&labels), FieldKind::Numeric { integer: true });
        assert_eq!(FieldKind::from_values(&[json!(["a"]), json!([])]), FieldKind::Set { closed: false });
        assert_eq!(FieldKind::from_values(&[json!({"a": 1})]), FieldKind::Classification);
    }
}
