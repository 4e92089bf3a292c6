//! The one walk that applies a [`Dialect`] to a schema, recording a [`DialectNote`] per change.
//!
//! Kept apart from the tables so each dialect stays a few lines of data; every rule here is a
//! flag on `Dialect`, never a provider name, so a new provider is a new table, not new code.

use super::{ANNOTATIONS, Dialect, DialectNote, NoteAction};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// State of one transform: the dialect, the recursive definitions to cut, the notes so far.
pub(super) struct Walker<'d> {
    d: &'d Dialect,
    depth: usize,
    recursive: BTreeSet<String>,
    pub(super) notes: Vec<DialectNote>,
    /// The `maxLength` free text gets where the dialect bounds strings.
    pub(super) max_text_length: u32,
}

impl<'d> Walker<'d> {
    pub(super) fn new(d: &'d Dialect, schema: &Value) -> Walker<'d> {
        let recursive = if d.no_recursion { recursive_defs(schema) } else { BTreeSet::new() };
        Walker {
            d,
            depth: 0,
            recursive,
            notes: Vec::new(),
            max_text_length: super::narrow::DEFAULT_MAX_TEXT_LENGTH,
        }
    }

    fn note(&mut self, pointer: &str, keyword: &str, action: NoteAction, detail: &str) {
        self.notes.push(DialectNote {
            pointer: pointer.to_string(),
            keyword: keyword.to_string(),
            action,
            detail: detail.to_string(),
        });
    }

    pub(super) fn walk(&mut self, node: &Value, ptr: &str) -> Value {
        if self.depth >= MAX_DEPTH {
            // A schema nested this deep is surely a mistake; stop before the stack does.
            self.note(
                ptr,
                "",
                NoteAction::Dropped,
                "nested too deep to rewrite; this part is sent as written",
            );
            return node.clone();
        }
        self.depth += 1;
        let walked = self.walk_node(node, ptr);
        self.depth -= 1;
        walked
    }

    fn walk_node(&mut self, node: &Value, ptr: &str) -> Value {
        let Some(obj) = node.as_object() else {
            return node.clone();
        };
        if let Some(cut) = self.cut_recursion(obj, ptr) {
            return cut;
        }
        let d = self.d;
        let mut out = Map::new();
        let mut moved: Vec<String> = Vec::new();
        let range = self.narrow(obj, ptr, &mut out);
        for (key, value) in obj {
            let here = format!("{ptr}/{}", escape(key));
            match key.as_str() {
                k if range.is_some() && super::narrow::RANGE_KEYWORDS.contains(&k) => {
                    // Replaced by the enum above.
                }
                "$ref" if d.defs_only && value.as_str().is_some_and(|r| r.starts_with("#/definitions/")) => {
                    let target = value.as_str().unwrap_or_default().replacen("#/definitions/", "#/$defs/", 1);
                    self.note(
                        &here,
                        key,
                        NoteAction::Rewritten,
                        &format!("sent as {target} (definitions are sent as $defs)"),
                    );
                    out.insert(key.clone(), Value::String(target));
                }
                "type" | "enum" | "description" | "$ref" => {
                    out.insert(key.clone(), value.clone());
                }
                "definitions" if d.defs_only => {
                    self.note(
                        &here,
                        key,
                        NoteAction::Rewritten,
                        "sent as $defs (the provider resolves only $defs)",
                    );
                    let walked = self.walk_map(value, &here);
                    match out.get_mut("$defs") {
                        Some(Value::Object(existing)) => {
                            if let Value::Object(more) = walked {
                                existing.extend(more);
                            }
                        }
                        _ => {
                            out.insert("$defs".into(), walked);
                        }
                    }
                }
                "format" if d.formats.is_some_and(|ok| !value.as_str().is_some_and(|f| ok.contains(&f))) => {
                    moved.push(format!("{key}: {value}"));
                    self.note(&here, key, NoteAction::MovedToDescription, "this format is not one the provider accepts; written into the description and checked locally");
                }
                "properties" | "$defs" | "definitions" => {
                    let walked = self.walk_map(value, &here);
                    out.insert(key.clone(), walked);
                }
                "items" => {
                    out.insert(key.clone(), self.walk(value, &here));
                }
                "prefixItems" if !(d.keep_unknown || d.supported.contains(&"prefixItems")) => {
                    moved.push(format!("{key}: {value}"));
                    self.note(
                        &here,
                        key,
                        NoteAction::MovedToDescription,
                        "not accepted by this provider; written into the description and checked locally",
                    );
                }
                "anyOf" | "oneOf" | "prefixItems" => {
                    let subs: Vec<Value> = value
                        .as_array()
                        .map(|a| {
                            a.iter().enumerate().map(|(i, s)| self.walk(s, &format!("{here}/{i}"))).collect()
                        })
                        .unwrap_or_default();
                    let target = if key == "oneOf" && d.one_of_as_any_of {
                        self.note(
                            &here,
                            key,
                            NoteAction::Rewritten,
                            "sent as anyOf; exactly-one is checked locally",
                        );
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
                    out.insert(key.clone(), self.walk(value, &here));
                }
                "const" if d.const_as_enum => {
                    self.note(
                        &here,
                        key,
                        NoteAction::Rewritten,
                        "sent as a one-value enum (same constraint)",
                    );
                    out.insert("enum".into(), json!([value]));
                }
                "pattern" if d.anchor_patterns => {
                    let pattern = value.as_str().map(anchor);
                    match pattern {
                        Some(anchored) if Some(anchored.as_str()) != value.as_str() => {
                            self.note(&here, key, NoteAction::Rewritten, &format!("sent anchored as {anchored:?}: llama.cpp ignores unanchored patterns, and the text around the match is held to {PATTERN_CONTEXT} characters without quotes or line breaks so the JSON stays valid; the user's pattern still validates the reply"));
                            out.insert(key.clone(), Value::String(anchored));
                        }
                        _ => {
                            out.insert(key.clone(), value.clone());
                        }
                    }
                }
                "minItems" if d.max_min_items.is_some_and(|max| value.as_u64().is_some_and(|v| v > max)) => {
                    moved.push(format!("{key}: {value}"));
                    let max = d.max_min_items.unwrap_or(0);
                    self.note(&here, key, NoteAction::MovedToDescription, &format!("this provider accepts minItems up to {max}; written into the description and checked locally"));
                }
                k if d.supported.contains(&k) => {
                    out.insert(key.clone(), value.clone());
                }
                _ if d.keep_unknown => {
                    out.insert(key.clone(), value.clone());
                }
                k if ANNOTATIONS.contains(&k) => {
                    self.note(&here, key, NoteAction::Dropped, "annotation, not sent");
                }
                _ => {
                    moved.push(format!("{key}: {value}"));
                    self.note(
                        &here,
                        key,
                        NoteAction::MovedToDescription,
                        "not accepted by this provider; written into the description and checked locally",
                    );
                }
            }
        }
        append_constraints(&mut out, &moved);
        let is_object =
            obj.get("type").and_then(Value::as_str) == Some("object") || obj.contains_key("properties");
        if d.closed_objects && is_object {
            self.close_object(obj, ptr, &mut out);
        }
        Value::Object(out)
    }

    /// The rewrites of `narrow`: a small integer range as its enum (returned, so the walk skips
    /// the bounds it replaces) and a bound on free text, each with its note.
    fn narrow(
        &mut self,
        obj: &Map<String, Value>,
        ptr: &str,
        out: &mut Map<String, Value>,
    ) -> Option<Vec<Value>> {
        let range = if self.d.integer_enums { super::narrow::integer_range(obj) } else { None };
        if let Some(values) = &range {
            let detail = format!(
                "integer range {} sent as an enum of its values, so decoding enforces it; the bounds are checked locally too",
                super::narrow::describe(values)
            );
            self.note(&format!("{ptr}/enum"), "enum", NoteAction::Rewritten, &detail);
            out.insert("enum".into(), Value::Array(values.clone()));
        }
        if self.d.bound_strings && super::narrow::unbounded_text(obj) {
            let max = self.max_text_length;
            self.note(&format!("{ptr}/maxLength"), "maxLength", NoteAction::Added, &format!("set to {max} in the sent copy so a repeating model cannot run on until the output limit (max_text_length in the spec changes it)"));
            out.insert("maxLength".into(), Value::from(max));
        }
        range
    }

    /// Walk every subschema of a name → schema map (`properties`, `$defs`).
    fn walk_map(&mut self, value: &Value, here: &str) -> Value {
        let mut map = Map::new();
        if let Some(props) = value.as_object() {
            for (name, sub) in props {
                let sub_ptr = format!("{here}/{}", escape(name));
                map.insert(name.clone(), self.walk(sub, &sub_ptr));
            }
        }
        Value::Object(map)
    }

    /// A `$ref` inside a definition that leads back into a cycle is replaced by an unconstrained
    /// schema: the provider gets one level of the shape, local validation checks all of it.
    fn cut_recursion(&mut self, obj: &Map<String, Value>, ptr: &str) -> Option<Value> {
        let target = obj.get("$ref").and_then(Value::as_str)?;
        let inside_defs = ptr.starts_with("/$defs/") || ptr.starts_with("/definitions/");
        let cyclic = target == "#" || ref_name(target).is_some_and(|n| self.recursive.contains(n));
        if !(cyclic && (inside_defs || target == "#")) {
            return None;
        }
        let name = ref_name(target).unwrap_or("the root schema");
        let here = format!("{ptr}/$ref");
        self.note(&here, "$ref", NoteAction::MovedToDescription, &format!("recursive reference to {name} is not accepted by this provider; sent unconstrained and checked locally"));
        let base = obj.get("description").and_then(Value::as_str).unwrap_or("");
        let sep = if base.is_empty() { "" } else { " " };
        Some(json!({"description": format!("{base}{sep}(Recursive: same shape as {name}.)")}))
    }

    /// Closed objects: no extra properties; with `all_required`, every property required and
    /// optional ones nullable.
    fn close_object(&mut self, original: &Map<String, Value>, ptr: &str, out: &mut Map<String, Value>) {
        if original.get("additionalProperties") != Some(&Value::Bool(false)) {
            self.note(
                &format!("{ptr}/additionalProperties"),
                "additionalProperties",
                NoteAction::Added,
                "set to false (required by this provider)",
            );
        }
        out.insert("additionalProperties".into(), Value::Bool(false));
        if !self.d.all_required {
            if let Some(required) = original.get("required") {
                out.insert("required".into(), required.clone());
            }
            return;
        }
        let required: Vec<&str> = original
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut all = Vec::new();
        let mut made_nullable = Vec::new();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            for (name, sub) in props.iter_mut() {
                all.push(Value::String(name.clone()));
                if !required.contains(&name.as_str()) {
                    *sub = make_nullable(sub);
                    made_nullable.push(format!("{ptr}/properties/{}", escape(name)));
                }
            }
        }
        for p in made_nullable {
            self.note(
                &p,
                "required",
                NoteAction::Rewritten,
                "optional field sent as required and nullable; a returned null is removed before validation",
            );
        }
        out.insert("required".into(), Value::Array(all));
    }
}

/// Write the constraints that moved out of a schema into its description, after any it has.
fn append_constraints(out: &mut Map<String, Value>, moved: &[String]) {
    if moved.is_empty() {
        return;
    }
    let base = out.get("description").and_then(Value::as_str).unwrap_or("").to_string();
    let sep = if base.is_empty() { "" } else { " " };
    let text = format!("{base}{sep}(Constraints: {}.)", moved.join("; "));
    out.insert("description".into(), Value::String(text));
}

/// Deepest subschema the walk rewrites (providers allow 5 to 10 levels; 64 leaves room).
const MAX_DEPTH: usize = 64;

/// JSON pointer escaping of one key.
pub(super) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `#/$defs/node` → `node`.
fn ref_name(target: &str) -> Option<&str> {
    target.strip_prefix("#/$defs/").or_else(|| target.strip_prefix("#/definitions/"))
}

/// Definitions that can reach themselves through `$ref`s (including through other definitions).
fn recursive_defs(schema: &Value) -> BTreeSet<String> {
    let mut defs: Vec<(String, BTreeSet<String>)> = Vec::new();
    for key in ["$defs", "definitions"] {
        if let Some(map) = schema.get(key).and_then(Value::as_object) {
            for (name, def) in map {
                let mut refs = BTreeSet::new();
                collect_refs(def, &mut refs);
                defs.push((name.clone(), refs));
            }
        }
    }
    let reaches_itself = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = defs
            .iter()
            .find(|(n, _)| n == start)
            .map(|(_, r)| r.iter().map(String::as_str).collect())
            .unwrap_or_default();
        while let Some(next) = stack.pop() {
            if next == start {
                return true;
            }
            if seen.insert(next.to_string())
                && let Some((_, refs)) = defs.iter().find(|(n, _)| n == next)
            {
                stack.extend(refs.iter().map(String::as_str));
            }
        }
        false
    };
    defs.iter().filter(|(name, _)| reaches_itself(name)).map(|(name, _)| name.clone()).collect()
}

fn collect_refs(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value.as_str().and_then(ref_name)) {
                    ("$ref", Some(name)) => {
                        out.insert(name.to_string());
                    }
                    _ => collect_refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Characters a local server may write on each side of an unanchored pattern's match.
pub(super) const PATTERN_CONTEXT: u32 = 200;

/// What may surround the match in an anchored pattern: no quote, backslash or line break, and
/// at most [`PATTERN_CONTEXT`] characters. llama.cpp compiles the pattern into the grammar of the
/// raw JSON text, so a `.*` there lets the model write an unescaped `"` and break the JSON
/// (llama-server then answers HTTP 500), and an unbounded run lets a small model ramble to the
/// output limit.
const AROUND: &str = r#"[^"\\\n\r]"#;

/// `abc` → `^[^"\\\n\r]{0,200}(abc)[^"\\\n\r]{0,200}$`, `^abc` → `^(abc)[^…]{0,200}$`; already
/// anchored patterns are unchanged. The group keeps alternations inside the anchors. Every
/// string the sent pattern accepts, the user's pattern accepts too; it is narrower only in
/// what surrounds the match.
pub(super) fn anchor(pattern: &str) -> String {
    let starts = pattern.starts_with('^');
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let ends = body.ends_with('$') && !body.ends_with("\\$");
    if starts && ends {
        return pattern.to_string();
    }
    let body = if ends { &body[..body.len() - 1] } else { body };
    let around = format!("{AROUND}{{0,{PATTERN_CONTEXT}}}");
    let head = if starts { "" } else { around.as_str() };
    let tail = if ends { "" } else { around.as_str() };
    format!("^{head}({body}){tail}$")
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
