//! Schema checks the metaschema cannot make, reported like metaschema problems (with pointers):
//! `$ref` chains that loop without ever reaching a schema, and where a bad regular expression
//! sits (the validator's compile error names the pattern but not its place).

use crate::core::outcome::FieldError;
use serde_json::Value;

/// Deeper than this nothing is searched (serde_json refuses more than 128 levels anyway).
const MAX_DEPTH: usize = 256;

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Every object in `node` with its pointer, parents first.
fn objects<'a>(
    node: &'a Value,
    ptr: String,
    depth: usize,
    out: &mut Vec<(String, &'a serde_json::Map<String, Value>)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match node {
        Value::Object(map) => {
            out.push((ptr.clone(), map));
            for (k, v) in map {
                objects(v, format!("{ptr}/{}", escape(k)), depth + 1, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                objects(v, format!("{ptr}/{i}"), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// A local `$ref` as the pointer it names (`#/$defs/a` → `/$defs/a`, `#` → "").
fn local_target(schema: &serde_json::Map<String, Value>) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix('#')
}

/// `$ref` chains that come back to where they started (`a → b → a`, or `{"$ref": "#"}` at the
/// root): a validator following them never reaches a keyword that checks anything, so every
/// result would loop or fail. Each cycle is reported once, at its first member in pointer order.
pub(super) fn ref_cycles(root: &Value, out: &mut Vec<FieldError>) {
    let mut all = Vec::new();
    objects(root, String::new(), 0, &mut all);
    for (start, map) in &all {
        let Some(mut target) = local_target(map) else { continue };
        let mut chain = vec![start.clone()];
        loop {
            if target == start.as_str() {
                if chain.iter().all(|member| member >= start) {
                    let names: Vec<String> = chain.iter().chain([start]).map(|p| format!("#{p}")).collect();
                    out.push(FieldError {
                        pointer: format!("{start}/$ref"),
                        message: format!(
                            "`$ref` cycle {}: it never reaches a schema, so nothing can be validated; point one of these `$ref`s at a schema with a `type`",
                            names.join(" → ")
                        ),
                    });
                }
                break;
            }
            if chain.iter().any(|member| member == target) || chain.len() > all.len() {
                // A loop that does not include `start`; it is reported from its own members.
                break;
            }
            let Some(next) = root.pointer(target).and_then(Value::as_object).and_then(local_target) else {
                break;
            };
            chain.push(target.to_string());
            target = next;
        }
    }
}

/// Where the regular expression `pattern` is written: a `pattern` keyword with that value or a
/// `patternProperties` key. The first in document order.
pub(super) fn pattern_pointer(root: &Value, pattern: &str) -> Option<String> {
    let mut all = Vec::new();
    objects(root, String::new(), 0, &mut all);
    all.into_iter().find_map(|(ptr, map)| {
        if map.get("pattern").and_then(Value::as_str) == Some(pattern) {
            return Some(format!("{ptr}/pattern"));
        }
        let props = map.get("patternProperties")?.as_object()?;
        props.contains_key(pattern).then(|| format!("{ptr}/patternProperties/{}", escape(pattern)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cycles(schema: Value) -> Vec<FieldError> {
        let mut out = Vec::new();
        ref_cycles(&schema, &mut out);
        out
    }

    #[test]
    fn pure_ref_cycles_are_found_once_and_recursion_through_properties_is_fine() {
        let found = cycles(json!({
            "type": "object",
            "properties": {"x": {"$ref": "#/$defs/a"}},
            "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}
        }));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/$defs/a/$ref");
        assert!(found[0].message.contains("cycle #/$defs/a → #/$defs/b → #/$defs/a"), "{}", found[0].message);
        assert_eq!(cycles(json!({"$ref": "#"}))[0].pointer, "/$ref");
        let tree =
            json!({"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}});
        assert!(cycles(tree).is_empty());
    }

    #[test]
    fn patterns_are_located() {
        let schema = json!({"properties": {"phone": {"type": "string", "pattern": "(["}},
                            "patternProperties": {"^x-(": {}}});
        assert_eq!(pattern_pointer(&schema, "(["), Some("/properties/phone/pattern".into()));
        assert_eq!(pattern_pointer(&schema, "^x-("), Some("/patternProperties/^x-(".into()));
        assert_eq!(pattern_pointer(&schema, "nope"), None);
    }
}
