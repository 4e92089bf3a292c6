//! Undo the strict-mode "optional → nullable" rewrite on a reply.
//!
//! OpenAI strict mode makes every property required, so optional fields are sent as nullable and
//! the model answers `null` where it has nothing. The user's schema did not allow `null` there,
//! it allowed the field to be absent — so such nulls are removed before validating against the
//! original schema. A null the user's schema itself permits is kept.

use super::resolve_ref;
use serde_json::Value;

/// Remove `null` values of optional properties whose schema does not accept `null`.
pub fn strip_added_nulls(root: &Value, value: &mut Value) {
    strip(root, root, value, 0);
}

/// Recursion bound for self-referencing schemas.
const MAX_DEPTH: usize = 64;

fn strip(root: &Value, schema: &Value, value: &mut Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve_ref(root, r).unwrap_or(schema),
        None => schema,
    };
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            map.retain(|key, v| {
                !(v.is_null()
                    && !required.contains(&key.as_str())
                    && props.get(key).is_some_and(|s| !accepts_null(root, s)))
            });
            for (key, v) in map.iter_mut() {
                if let Some(sub) = props.get(key) {
                    strip(root, sub, v, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    strip(root, item_schema, item, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn accepts_null(root: &Value, schema: &Value) -> bool {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve_ref(root, r).unwrap_or(schema),
        None => schema,
    };
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => {
            let in_any = |k: &str| {
                schema
                    .get(k)
                    .and_then(Value::as_array)
                    .is_some_and(|subs| subs.iter().any(|s| accepts_null(root, s)))
            };
            schema.get("enum").and_then(Value::as_array).is_some_and(|e| e.contains(&Value::Null))
                || in_any("anyOf")
                || in_any("oneOf")
                || schema.as_object().is_some_and(|o| {
                    !o.contains_key("enum")
                        && !o.contains_key("const")
                        && !o.contains_key("anyOf")
                        && !o.contains_key("oneOf")
                        && !o.contains_key("type")
                        && !o.contains_key("$ref")
                })
        }
    }
}
