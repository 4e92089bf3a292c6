//! JSON Schemas: parse with positions, check against the metaschema, compile once, validate.
//!
//! Two typed stages (DESIGN.md §4.6): text → `serde_json::Value` (syntax errors carry line and
//! column), then `Value` → `CompiledSchema` (metaschema problems carry the JSON pointer of each
//! offending keyword). The compiled validator is built once per spec and reused for every result.
//! Provider dialects (`dialect`) and the plain-language summary (`summary`) read the same `Value`.

pub mod dialect;
pub mod nulls;
mod refs;
pub mod summary;

use crate::core::outcome::FieldError;
use serde_json::Value;

/// Why a schema cannot be used. Every variant names where it came from.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("{origin}:{line}:{column}: JSON syntax error: {message}")]
    Syntax { origin: String, line: usize, column: usize, message: String },
    #[error("{origin}: not a valid JSON Schema:\n{}", format_problems(.problems))]
    Meta { origin: String, problems: Vec<FieldError> },
    #[error(
        "{origin}: the schema's root must be an object schema (`\"type\": \"object\"` with `properties`), because an analysis is a set of named fields"
    )]
    RootNotObject { origin: String },
    #[error("{origin}: cannot compile the schema: {message}")]
    Compile { origin: String, message: String },
}

fn format_problems(problems: &[FieldError]) -> String {
    problems
        .iter()
        .map(|p| format!("  {}: {}", display_pointer(&p.pointer), p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The root pointer is the empty string; show it as `/` so messages never start with ": ".
pub fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// Parse schema text, reporting syntax errors with line and column.
pub fn parse(text: &str, origin: &str) -> Result<Value, SchemaError> {
    serde_json::from_str(text).map_err(|e| SchemaError::Syntax {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// serde_json appends " at line L column C"; Debrief prints the position up front instead.
pub fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A schema that passed the metaschema check, with its validator built.
pub struct CompiledSchema {
    schema: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSchema").field("schema", &self.schema).finish_non_exhaustive()
    }
}

/// Check `schema` against its metaschema (draft 2020-12 unless `$schema` says otherwise) and
/// build its validator. All metaschema problems are reported, each with its JSON pointer.
pub fn compile(schema: &Value, origin: &str) -> Result<CompiledSchema, SchemaError> {
    let meta = jsonschema::meta::validator_for(schema).map_err(|e| SchemaError::Compile {
        origin: origin.to_string(),
        message: format!("{e} (check the `$schema` URI; Debrief knows drafts 4, 6, 7, 2019-09 and 2020-12)"),
    })?;
    let mut problems: Vec<FieldError> = meta
        .iter_errors(schema)
        .map(|e| FieldError { pointer: e.instance_path().as_str().to_string(), message: meta_message(&e) })
        .collect();
    problems.dedup();
    if !problems.is_empty() {
        return Err(SchemaError::Meta { origin: origin.to_string(), problems });
    }
    let mut undefined = Vec::new();
    required_without_property(schema, "", &mut undefined);
    refs::ref_cycles(schema, &mut undefined);
    if !undefined.is_empty() {
        return Err(SchemaError::Meta { origin: origin.to_string(), problems: undefined });
    }
    // As the message says: an object schema *with* named fields (`{"type": "object"}` alone
    // would let any model reply pass and give nothing to show, compare or evaluate).
    let type_ok = match schema.get("type") {
        None => true,
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
        Some(_) => false,
    };
    let has_fields = schema.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty());
    if !(type_ok && has_fields) {
        return Err(SchemaError::RootNotObject { origin: origin.to_string() });
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| compile_error(schema, origin, &e))?;
    Ok(CompiledSchema { schema: schema.clone(), validator })
}

/// The validator's compile error in the user's terms: a bad regular expression gets the JSON
/// pointer of its `pattern` (the library names only the pattern), an outside `$ref` says what to
/// do instead of mentioning registries and cargo features.
fn compile_error(schema: &Value, origin: &str, e: &jsonschema::ValidationError<'_>) -> SchemaError {
    let text = e.to_string();
    if text.contains("not present in a registry") || text.contains("resolve-http") {
        let message = "a `$ref` points outside this schema, which Debrief does not fetch; move the definition under `$defs` and refer to it as `#/$defs/NAME`".to_string();
        return SchemaError::Compile { origin: origin.to_string(), message };
    }
    if let Some(pointer) = e.instance().as_str().and_then(|p| refs::pattern_pointer(schema, p)) {
        let message = format!(
            "{text}; fix the regular expression (ECMA 262 syntax; in JSON a backslash is written twice, `\\\\d`)"
        );
        return SchemaError::Meta {
            origin: origin.to_string(),
            problems: vec![FieldError { pointer, message }],
        };
    }
    SchemaError::Compile { origin: origin.to_string(), message: text }
}

/// A name in `required` that `properties` does not define is legal JSON Schema, but in an
/// analysis it can only mean a typo: strict providers never produce it and every result would
/// fail. Reported like a metaschema problem, with its pointer.
fn required_without_property(node: &Value, ptr: &str, out: &mut Vec<FieldError>) {
    let Some(obj) = node.as_object() else { return };
    if let (Some(req), Some(props)) =
        (obj.get("required").and_then(Value::as_array), obj.get("properties").and_then(Value::as_object))
    {
        for (i, name) in req.iter().enumerate() {
            if let Some(n) = name.as_str()
                && !props.contains_key(n)
            {
                out.push(FieldError {
                    pointer: format!("{ptr}/required/{i}"),
                    message: format!("\"{n}\" is required but not defined in `properties`; add it there or remove it from `required`"),
                });
            }
        }
    }
    for key in ["properties", "$defs", "definitions"] {
        if let Some(map) = obj.get(key).and_then(Value::as_object) {
            for (k, sub) in map {
                required_without_property(
                    sub,
                    &format!("{ptr}/{key}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
    }
    if let Some(items) = obj.get("items") {
        required_without_property(items, &format!("{ptr}/items"), out);
    }
}

/// The metaschema's own wording for a bad `type` is "is not valid under any of the schemas listed
/// in the 'anyOf' keyword", which tells a schema designer nothing; say what is allowed instead.
fn meta_message(e: &jsonschema::ValidationError<'_>) -> String {
    let pointer = e.instance_path().as_str();
    let instance = e.instance();
    // `/properties/type` is a property named "type", not the `type` keyword.
    let keyword_type =
        pointer == "/type" || (pointer.ends_with("/type") && !pointer.ends_with("/properties/type"));
    if keyword_type {
        return format!(
            "{instance} is not valid; use one of \"string\", \"number\", \"integer\", \"boolean\", \"object\", \"array\", \"null\" (or an array of them)"
        );
    }
    let text = e.to_string();
    if text.contains("anyOf") || text.contains("oneOf") {
        return format!("{instance} is not valid here");
    }
    text
}

impl CompiledSchema {
    /// The schema as written by the user.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Validate an analysis; an empty list means it conforms.
    pub fn validate(&self, instance: &Value) -> Vec<FieldError> {
        self.validator
            .iter_errors(instance)
            .map(|e| FieldError { pointer: e.instance_path().as_str().to_string(), message: e.to_string() })
            .collect()
    }

    /// Top-level property names in schema order.
    pub fn field_names(&self) -> Vec<String> {
        top_level_fields(&self.schema)
    }
}

/// A schema's top-level property names, in schema order (the one place they are read from).
pub fn top_level_fields(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Resolve a local `$ref` (`#/$defs/x`, `#/definitions/x`, `#`) against the root schema.
pub fn resolve_ref<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

#[cfg(test)]
mod tests;
