//! The columns of a results export, derived from the schema, and each result's value for them.
//!
//! One column per schema field; nested objects are flattened with dots (`caller.name`), so a
//! spreadsheet or DuckDB sees plain columns. Each column has a kind read from the schema —
//! text (strings and enums), integer, number, boolean, list of text (arrays of strings or
//! enums) — or `Json` for anything else (arrays of objects, unions), which is exported as JSON
//! text. When an export spans several specs, the columns are the union in first-seen order; a
//! field typed differently by two specs becomes `Json`. A schema field named like a fixed
//! column (`status`, `model`, …) is exported as `analysis.<name>` so neither hides the other.

use serde_json::Value;

/// The columns every export starts with, about the result rather than the analysis.
pub const FIXED: [&str; 12] = [
    "conversation_id",
    "run_id",
    "result_id",
    "status",
    "provider",
    "model",
    "spec_version",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "analyzed_at",
];

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    TextList,
    Json,
}

/// One analysis column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header: the dotted path, or `analysis.` + it on a clash with a fixed column.
    pub name: String,
    /// Property names from the analysis root.
    pub path: Vec<String>,
    pub kind: Kind,
}

/// The analysis columns of `schemas`, merged in first-seen order.
pub fn columns<'a>(schemas: impl IntoIterator<Item = &'a Value>) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::new();
    for schema in schemas {
        let mut found = Vec::new();
        walk(schema, &mut Vec::new(), &mut found);
        for c in found {
            match out.iter_mut().find(|o| o.path == c.path) {
                Some(o) if o.kind != c.kind => o.kind = Kind::Json,
                Some(_) => {}
                None => out.push(c),
            }
        }
    }
    out
}

fn walk(schema: &Value, path: &mut Vec<String>, out: &mut Vec<Column>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    for (name, sub) in props {
        path.push(name.clone());
        if sub.get("properties").is_some_and(Value::is_object) {
            walk(sub, path, out);
        } else {
            let dotted = path.join(".");
            let name = if FIXED.contains(&dotted.as_str()) { format!("analysis.{dotted}") } else { dotted };
            out.push(Column { name, path: path.clone(), kind: kind_of(sub) });
        }
        path.pop();
    }
}

/// The kind a property schema asks for (`["string", "null"]` counts as text).
fn kind_of(schema: &Value) -> Kind {
    if schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().all(|v| v.is_string() || v.is_null()))
    {
        return Kind::Text;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["string"] => Kind::Text,
        ["integer"] => Kind::Integer,
        ["number"] => Kind::Number,
        ["boolean"] => Kind::Boolean,
        ["array"] => match schema.get("items").map(kind_of) {
            Some(Kind::Text) => Kind::TextList,
            _ => Kind::Json,
        },
        _ => Kind::Json,
    }
}

/// The value at `column`'s path in `analysis`, if any and not null.
pub fn value<'a>(analysis: Option<&'a Value>, column: &Column) -> Option<&'a Value> {
    let mut v = analysis?;
    for key in &column.path {
        v = v.get(key)?;
    }
    (!v.is_null()).then_some(v)
}

/// A value as CSV text: text as is, booleans and numbers as JSON writes them, lists of text
/// joined with `; `, anything else as compact JSON; missing is empty.
pub fn csv_text(value: Option<&Value>, kind: Kind) -> String {
    match (value, kind) {
        (None, _) => String::new(),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Array(items)), Kind::TextList) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        (Some(other), _) => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_follow_the_schema_flattened_and_typed() {
        let schema = json!({"type": "object", "properties": {
            "summary": {"type": "string"},
            "topic": {"type": "string", "enum": ["billing", "other"]},
            "score": {"type": "integer"},
            "ratio": {"type": ["number", "null"]},
            "resolved": {"type": "boolean"},
            "competitors": {"type": "array", "items": {"type": "string"}},
            "caller": {"type": "object", "properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}}},
            "issues": {"type": "array", "items": {"type": "object"}},
            "status": {"type": "string"}
        }});
        let cols = columns([&schema]);
        let got: Vec<(&str, Kind)> = cols.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        assert_eq!(
            got,
            [
                ("summary", Kind::Text),
                ("topic", Kind::Text),
                ("score", Kind::Integer),
                ("ratio", Kind::Number),
                ("resolved", Kind::Boolean),
                ("competitors", Kind::TextList),
                ("caller.name", Kind::Text),
                ("caller.vip", Kind::Boolean),
                ("issues", Kind::Json),
                ("analysis.status", Kind::Text),
            ]
        );
        let analysis = json!({"competitors": ["Acme", "Globex"], "caller": {"name": "Dana"}, "issues": [{"a": 1}], "score": null});
        let text = |name: &str| {
            let c = cols.iter().find(|c| c.name == name).unwrap();
            csv_text(value(Some(&analysis), c), c.kind)
        };
        assert_eq!(text("competitors"), "Acme; Globex");
        assert_eq!(text("caller.name"), "Dana");
        assert_eq!(text("issues"), r#"[{"a":1}]"#);
        assert_eq!(text("score"), "", "null is empty");
        assert_eq!(text("summary"), "");
    }

    #[test]
    fn specs_disagreeing_on_a_type_export_json() {
        let a = json!({"properties": {"score": {"type": "integer"}, "x": {"type": "string"}}});
        let b = json!({"properties": {"score": {"type": "string"}, "y": {"type": "boolean"}}});
        let cols = columns([&a, &b]);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["score", "x", "y"]);
        assert_eq!(cols[0].kind, Kind::Json);
    }
}
