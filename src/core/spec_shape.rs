//! The second stage of reading a spec: a parsed JSON value → `AnalysisSpec`, with errors that
//! name the key.
//!
//! serde's own messages point at a line and column of the *value* it was reading ("invalid type:
//! map, expected a string at line 1 column 1", "expected value at line 1 column 1826") and never
//! at the key, and for the closed sets (`provider`, `on_too_long`) they do not list the allowed
//! values. So the shape is checked here: the root must be an object, the closed sets are checked
//! by hand with their allowed values, and anything else serde refuses is reported at its JSON
//! pointer (tracked by `serde_path_to_error`).

use super::spec::{AnalysisSpec, ProviderKind};
use crate::core::transcript::json_kind;
use serde_json::Value;

/// A shape error: the JSON pointer of the key, and what is wrong there.
pub type ShapeError = (String, String);

/// How a value looks in a message: `5 (a number)`, `"opneai" (a string)`.
fn found(value: &Value) -> String {
    let mut shown = value.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(40).collect::<String>() + "…";
    }
    let kind = json_kind(value);
    let article = if matches!(kind, "array" | "object") { "an" } else { "a" };
    format!("{shown} ({article} {kind})")
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// Check a key whose value is one of a closed set of strings.
fn one_of(value: &Value, key: &str, allowed: &[&str]) -> Result<(), ShapeError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(other) => {
            Err((format!("/{key}"), format!("found {}; use one of {}", found(other), quoted(allowed))))
        }
    }
}

/// Turn a parsed spec document into an `AnalysisSpec`.
pub fn from_value(value: Value) -> Result<AnalysisSpec, ShapeError> {
    if !value.is_object() {
        return Err((
            String::new(),
            format!(
                "the spec is {}, but a spec file is one JSON object with `name`, `schema` and `prompt` (and optionally `provider`, `model`, …); `debrief templates post_analysis` prints an example",
                found(&value)
            ),
        ));
    }
    let providers: Vec<&str> = ProviderKind::ALL.iter().map(|p| p.as_str()).collect();
    one_of(&value, "provider", &providers)?;
    one_of(&value, "on_too_long", &["skip", "head_tail"])?;
    let spec: AnalysisSpec = serde_path_to_error::deserialize(&value).map_err(|e| {
        let pointer = pointer_of(e.path());
        let mut message = crate::core::schema::strip_position(&e.inner().to_string());
        if message.starts_with("missing field") {
            message.push_str("; a spec needs at least `name`, `schema` and `prompt`");
        } else if let Some(v) = value.pointer(&pointer).filter(|_| !pointer.is_empty()) {
            message = format!("found {}: {message}", found(v));
        }
        (pointer, message)
    })?;
    // A pattern that does not compile must stop the spec here, not at the first call.
    crate::core::redact::Redactor::new(&spec.redact).map_err(|e| (e.pointer(), e.to_string()))?;
    Ok(spec)
}

/// `serde_path_to_error`'s path as a JSON pointer (`/policy/sample_rate`, "" for the root).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .map(|s| format!("/{s}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"name": "t", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}, "prompt": "p"})
    }

    fn err(value: Value) -> ShapeError {
        from_value(value).unwrap_err()
    }

    #[test]
    fn a_spec_that_is_not_an_object_says_what_it_is() {
        let (pointer, message) = err(json!([{"name": "t"}]));
        assert_eq!(pointer, "");
        assert!(
            message
                .starts_with("the spec is [{\"name\":\"t\"}] (an array), but a spec file is one JSON object"),
            "{message}"
        );
    }

    #[test]
    fn a_wrong_provider_names_the_key_and_the_allowed_values() {
        let mut spec = base();
        spec["provider"] = json!(5);
        let (pointer, message) = err(spec.clone());
        assert_eq!(pointer, "/provider");
        assert_eq!(
            message,
            "found 5 (a number); use one of \"offline\", \"openai\", \"anthropic\", \"gemini\", \"ollama\", \"openai-compatible\""
        );
        spec["provider"] = json!("opneai");
        assert!(err(spec).1.starts_with("found \"opneai\" (a string); use one of"));
    }

    #[test]
    fn other_shape_errors_carry_the_pointer() {
        let mut spec = base();
        spec["temperature"] = json!("hot");
        let (pointer, message) = err(spec);
        assert_eq!(pointer, "/temperature");
        assert!(
            message.starts_with("found \"hot\" (a string): invalid type: string \"hot\", expected f64"),
            "{message}"
        );
        let mut spec = base();
        spec["policy"] = json!({"sample_rate": "half"});
        assert_eq!(err(spec).0, "/policy/sample_rate");
        let (pointer, message) = err(json!({"name": "t", "schema": {}}));
        assert_eq!(pointer, "");
        assert!(message.contains("missing field `prompt`; a spec needs at least"), "{message}");
        let mut spec = base();
        spec["temprature"] = json!(0.2);
        let (pointer, message) = err(spec);
        assert_eq!(pointer, "/temprature");
        assert!(message.contains("unknown field `temprature`"), "{message}");
    }
}
