//! One walk over every subschema, shared by the rules so they all see the same places.
//!
//! Each visited schema comes with what the rules need to judge it out of context: its JSON
//! pointer, the property or definition name it describes (inherited by `items` and `anyOf`
//! members, so `"topics": {"items": {"type": "string"}}` is still about topics), the nearest
//! description, and its nesting level counted the way OpenAI counts it. The walk is bounded so a
//! pathologically deep value cannot overflow the stack.

use serde_json::{Map, Value};

/// Deeper than this the walk stops (serde_json's parser already refuses more than 128 levels).
const MAX_RECURSION: usize = 256;

/// One subschema, with its context.
pub(super) struct Node<'a> {
    /// JSON pointer of this subschema.
    pub pointer: String,
    pub schema: &'a Map<String, Value>,
    /// The property or definition this schema describes, if any.
    pub name: Option<&'a str>,
    /// Own `description`, else the one of the property it belongs to.
    pub description: Option<&'a str>,
    /// A direct entry of some `properties` map.
    pub is_property: bool,
    /// Nesting level: the root is 1; `properties`, `items`, `prefixItems` and
    /// `additionalProperties` add one; `anyOf`/`oneOf`/`allOf` and `$defs` do not.
    pub depth: usize,
}

/// Escape one pointer segment (`~` → `~0`, `/` → `~1`).
pub(super) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Call `f` on every object subschema of `root`, parents before children, in document order.
pub(super) fn visit<'a>(root: &'a Value, f: &mut dyn FnMut(&Node<'a>)) {
    if let Some(schema) = root.as_object() {
        let node = Node {
            pointer: String::new(),
            schema,
            name: None,
            description: schema.get("description").and_then(Value::as_str),
            is_property: false,
            depth: 1,
        };
        visit_node(&node, f, 0);
    }
}

fn visit_node<'a>(node: &Node<'a>, f: &mut dyn FnMut(&Node<'a>), recursion: usize) {
    if recursion > MAX_RECURSION {
        return;
    }
    f(node);
    for (key, value) in node.schema {
        let here = format!("{}/{}", node.pointer, escape(key));
        match key.as_str() {
            "properties" | "$defs" | "definitions" => {
                let Some(map) = value.as_object() else { continue };
                let is_property = key == "properties";
                for (name, sub) in map {
                    let depth = if is_property { node.depth + 1 } else { node.depth };
                    let child = format!("{here}/{}", escape(name));
                    visit_child(sub, child, Some(name.as_str()), None, is_property, depth, f, recursion);
                }
            }
            "items" | "additionalProperties" => match value {
                Value::Array(subs) => {
                    // Draft 4 tuple form of `items`.
                    for (i, sub) in subs.iter().enumerate() {
                        let child = format!("{here}/{i}");
                        visit_child(
                            sub,
                            child,
                            node.name,
                            node.description,
                            false,
                            node.depth + 1,
                            f,
                            recursion,
                        );
                    }
                }
                _ => {
                    let inherit = if key == "items" { node.name } else { None };
                    let desc = if key == "items" { node.description } else { None };
                    visit_child(value, here, inherit, desc, false, node.depth + 1, f, recursion);
                }
            },
            "prefixItems" | "anyOf" | "oneOf" | "allOf" => {
                let Some(subs) = value.as_array() else { continue };
                let depth = if key == "prefixItems" { node.depth + 1 } else { node.depth };
                for (i, sub) in subs.iter().enumerate() {
                    let child = format!("{here}/{i}");
                    visit_child(sub, child, node.name, node.description, false, depth, f, recursion);
                }
            }
            _ => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn visit_child<'a>(
    value: &'a Value,
    pointer: String,
    name: Option<&'a str>,
    inherited_description: Option<&'a str>,
    is_property: bool,
    depth: usize,
    f: &mut dyn FnMut(&Node<'a>),
    recursion: usize,
) {
    let Some(schema) = value.as_object() else { return };
    let description = schema.get("description").and_then(Value::as_str).or(inherited_description);
    let node = Node { pointer, schema, name, description, is_property, depth };
    visit_node(&node, f, recursion + 1);
}

/// The `type` keyword as a list ("string" → ["string"]); empty when absent or malformed.
pub(super) fn types(schema: &Map<String, Value>) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The one non-null type of a schema (`"string"`, `["string", "null"]` → "string").
pub(super) fn single_type(schema: &Map<String, Value>) -> Option<&str> {
    let ts: Vec<&str> = types(schema).into_iter().filter(|t| *t != "null").collect();
    match ts.as_slice() {
        [t] => Some(t),
        _ => None,
    }
}

/// An object schema with at least one property: its properties.
pub(super) fn properties(schema: &Map<String, Value>) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty())
}
