//! Provider dialects: what each provider's structured-output mode accepts, and the rewrite that
//! turns a user's schema into the copy that is sent.
//!
//! Providers accept different subsets of JSON Schema (OpenAI strict mode rejects optional
//! properties, open objects and `allOf`; local servers take anything but may ignore it). Each
//! dialect is a table here, and one function applies it, so the request builder, the linter and
//! the GUI's "what is sent" preview agree by construction. The rewrite never weakens checking:
//! the user's original schema always validates the result, and every change is reported as a
//! `DialectNote` (pointer, keyword, what happened) so users can see what the model was told.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// What happened to one keyword in the sent copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteAction {
    /// Removed; the constraint is written into the `description` instead and checked locally.
    MovedToDescription,
    /// Removed without trace because it is a pure annotation (`$schema`, `$comment`, …).
    Dropped,
    /// Rewritten into an equivalent or weaker form the provider accepts.
    Rewritten,
    /// Added because the provider requires it (`additionalProperties: false`, `required`).
    Added,
}

/// One change made to the sent schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialectNote {
    /// JSON pointer into the user's schema.
    pub pointer: String,
    pub keyword: String,
    pub action: NoteAction,
    pub detail: String,
}

/// A provider's structured-output rules.
#[derive(Debug)]
pub struct Dialect {
    pub name: &'static str,
    /// Send the schema untouched (servers that accept any schema).
    pub passthrough: bool,
    /// Keywords kept as they are (besides the structural ones every dialect walks).
    pub supported: &'static [&'static str],
    /// Every object gets `additionalProperties: false`.
    pub closed_objects: bool,
    /// Every property must be in `required`; optional ones become nullable.
    pub all_required: bool,
    /// `oneOf` is sent as `anyOf` (a weaker constraint; the original is checked locally).
    pub one_of_as_any_of: bool,
}

/// Annotations that carry no constraint and are removed silently.
const ANNOTATIONS: &[&str] =
    &["$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

/// OpenAI structured outputs, `strict: true` (Chat Completions `response_format: json_schema`).
pub const OPENAI_STRICT: Dialect = Dialect {
    name: "openai-strict",
    passthrough: false,
    supported: &[
        "title",
        "pattern",
        "format",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "minItems",
        "maxItems",
        "const",
    ],
    closed_objects: true,
    all_required: true,
    one_of_as_any_of: true,
};

/// OpenAI-compatible local servers (Ollama, llama.cpp, vLLM, LM Studio): sent as written.
pub const PASSTHROUGH: Dialect = Dialect {
    name: "passthrough",
    passthrough: true,
    supported: &[],
    closed_objects: false,
    all_required: false,
    one_of_as_any_of: false,
};

/// The dialect a provider's requests use. The request builder, the linter and the GUI preview
/// all ask here, so they cannot disagree.
pub fn for_provider(kind: crate::core::spec::ProviderKind) -> &'static Dialect {
    use crate::core::spec::ProviderKind;
    match kind {
        ProviderKind::Openai => &OPENAI_STRICT,
        ProviderKind::OpenaiCompatible | ProviderKind::Offline => &PASSTHROUGH,
    }
}

/// The sent copy and what was changed to make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed {
    pub schema: Value,
    pub notes: Vec<DialectNote>,
}

/// Apply a dialect to a user's schema.
pub fn transform(dialect: &Dialect, schema: &Value) -> Transformed {
    if dialect.passthrough {
        return Transformed { schema: schema.clone(), notes: Vec::new() };
    }
    let mut notes = Vec::new();
    let schema = walk(dialect, schema, "", &mut notes);
    Transformed { schema, notes }
}

/// A name OpenAI accepts for `json_schema.name`: `^[a-zA-Z0-9_-]{1,64}$`.
pub fn schema_name(spec_name: &str) -> String {
    let mut name: String = spec_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if name.trim_matches('_').is_empty() {
        name = "analysis".to_string();
    }
    name
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(d: &Dialect, node: &Value, ptr: &str, notes: &mut Vec<DialectNote>) -> Value {
    let Some(obj) = node.as_object() else {
        return node.clone();
    };
    let mut out = Map::new();
    let mut moved: Vec<String> = Vec::new();
    for (key, value) in obj {
        let here = format!("{ptr}/{}", escape(key));
        match key.as_str() {
            "type" | "enum" | "description" | "$ref" => {
                out.insert(key.clone(), value.clone());
            }
            "properties" | "$defs" | "definitions" => {
                let mut map = Map::new();
                if let Some(props) = value.as_object() {
                    for (name, sub) in props {
                        let sub_ptr = format!("{here}/{}", escape(name));
                        map.insert(name.clone(), walk(d, sub, &sub_ptr, notes));
                    }
                }
                out.insert(key.clone(), Value::Object(map));
            }
            "items" => {
                out.insert(key.clone(), walk(d, value, &here, notes));
            }
            "anyOf" | "oneOf" => {
                let subs: Vec<Value> = value
                    .as_array()
                    .map(|a| {
                        a.iter().enumerate().map(|(i, s)| walk(d, s, &format!("{here}/{i}"), notes)).collect()
                    })
                    .unwrap_or_default();
                let target = if key == "oneOf" && d.one_of_as_any_of {
                    notes.push(note(
                        &here,
                        key,
                        NoteAction::Rewritten,
                        "sent as anyOf; exactly-one is checked locally",
                    ));
                    "anyOf"
                } else {
                    key.as_str()
                };
                out.insert(target.to_string(), Value::Array(subs));
            }
            "required" | "additionalProperties" if d.closed_objects => {
                // Rebuilt below from `properties`.
            }
            "required" => {
                out.insert(key.clone(), value.clone());
            }
            "additionalProperties" => {
                out.insert(key.clone(), walk(d, value, &here, notes));
            }
            k if d.supported.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            k if ANNOTATIONS.contains(&k) => {
                notes.push(note(&here, key, NoteAction::Dropped, "annotation, not sent"));
            }
            _ => {
                moved.push(format!("{key}: {value}"));
                notes.push(note(
                    &here,
                    key,
                    NoteAction::MovedToDescription,
                    "not accepted by this provider; written into the description and checked locally",
                ));
            }
        }
    }
    if !moved.is_empty() {
        let base = out.get("description").and_then(Value::as_str).unwrap_or("").to_string();
        let sep = if base.is_empty() { "" } else { " " };
        let text = format!("{base}{sep}(Constraints: {}.)", moved.join("; "));
        out.insert("description".into(), Value::String(text));
    }
    let is_object =
        obj.get("type").and_then(Value::as_str) == Some("object") || obj.contains_key("properties");
    if d.closed_objects && is_object {
        close_object(d, obj, ptr, &mut out, notes);
    }
    Value::Object(out)
}

/// Strict mode: no extra properties, every property required, optional ones nullable.
fn close_object(
    d: &Dialect,
    original: &Map<String, Value>,
    ptr: &str,
    out: &mut Map<String, Value>,
    notes: &mut Vec<DialectNote>,
) {
    if original.get("additionalProperties") != Some(&Value::Bool(false)) {
        notes.push(note(
            &format!("{ptr}/additionalProperties"),
            "additionalProperties",
            NoteAction::Added,
            "set to false (required by this provider)",
        ));
    }
    out.insert("additionalProperties".into(), Value::Bool(false));
    let required: Vec<&str> = original
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut all = Vec::new();
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        for (name, sub) in props.iter_mut() {
            all.push(Value::String(name.clone()));
            if d.all_required && !required.contains(&name.as_str()) {
                *sub = make_nullable(sub);
                notes.push(note(&format!("{ptr}/properties/{}", escape(name)), "required", NoteAction::Rewritten, "optional field sent as required and nullable; a returned null is removed before validation"));
            }
        }
    }
    if d.all_required {
        out.insert("required".into(), Value::Array(all));
    }
}

fn make_nullable(schema: &Value) -> Value {
    let mut s = schema.clone();
    let Some(obj) = s.as_object_mut() else {
        return json!({"anyOf": [schema, {"type": "null"}]});
    };
    let new_type = match obj.get("type") {
        Some(Value::String(t)) if t != "null" => Some(json!([t, "null"])),
        Some(Value::Array(ts)) if !ts.contains(&json!("null")) => {
            let mut ts = ts.clone();
            ts.push(json!("null"));
            Some(Value::Array(ts))
        }
        Some(_) => None,
        None => return json!({"anyOf": [schema, {"type": "null"}]}),
    };
    if let Some(t) = new_type {
        obj.insert("type".into(), t);
    }
    if let Some(Value::Array(values)) = obj.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    s
}

fn note(pointer: &str, keyword: &str, action: NoteAction, detail: &str) -> DialectNote {
    DialectNote {
        pointer: pointer.to_string(),
        keyword: keyword.to_string(),
        action,
        detail: detail.to_string(),
    }
}
