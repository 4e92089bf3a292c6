//! A plain-language description of a schema, appended to the prompt for local servers.
//!
//! llama.cpp and several other OpenAI-compatible servers turn the schema into a grammar and never
//! show its descriptions to the model, and some silently ignore schemas they cannot compile. The
//! summary makes sure the model reads what each field means whatever the server does with the
//! schema itself.

use super::resolve_ref;
use serde_json::Value;

/// "Return a JSON object with these fields: …" — one line per field, nested fields indented.
pub fn describe(schema: &Value) -> String {
    let mut out = String::from("Return only a JSON object with these fields:\n");
    describe_object(schema, schema, 0, &mut out);
    out
}

/// Most lines a summary gets; a recursive or huge schema is cut off with a note.
const MAX_LINES: usize = 400;

fn describe_object(root: &Value, schema: &Value, depth: usize, out: &mut String) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, sub) in props {
        if out.lines().count() >= MAX_LINES {
            out.push_str("  … (schema summary shortened)\n");
            return;
        }
        let recursive = sub.get("$ref").is_some();
        let sub = match sub.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve_ref(root, r).unwrap_or(sub),
            None => sub,
        };
        let need = if required.contains(&name.as_str()) { "required" } else { "optional" };
        let indent = "  ".repeat(depth);
        out.push_str(&format!("{indent}- {name} ({}, {need})", kind(sub)));
        if let Some(d) = sub.get("description").and_then(Value::as_str) {
            out.push_str(": ");
            out.push_str(d);
        }
        out.push('\n');
        // A `$ref` is described, not expanded again: recursive schemas would never end.
        if depth < 8 && !recursive {
            describe_object(root, sub, depth + 1, out);
            if let Some(items) = sub.get("items") {
                describe_object(root, items, depth + 1, out);
            }
        }
    }
}

fn kind(schema: &Value) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        return format!("one of {}", list.join(", "));
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" or "),
        _ => "value".to_string(),
    };
    match ty.as_str() {
        "integer" | "number" => {
            let lo = schema.get("minimum").map(|v| v.to_string());
            let hi = schema.get("maximum").map(|v| v.to_string());
            match (lo, hi) {
                (Some(lo), Some(hi)) => format!("{ty} from {lo} to {hi}"),
                (Some(lo), None) => format!("{ty} ≥ {lo}"),
                (None, Some(hi)) => format!("{ty} ≤ {hi}"),
                (None, None) => ty,
            }
        }
        "array" => {
            let item = schema.get("items").map(kind).unwrap_or_else(|| "value".into());
            format!("array of {item}")
        }
        _ => ty,
    }
}
