//! How many output tokens a result of a given JSON Schema will take, before anything is sent.
//!
//! Output tokens cost four to eight times as much as input tokens, so a pre-run estimate that
//! ignored them would be badly low. The reply's size is not knowable in advance, but a structured
//! reply's shape is: the schema fixes the keys, the enum values and the number types, and the
//! descriptions usually say how long the free text should be. The heuristic below reads exactly
//! that and nothing else, so the same schema always gives the same number.

use serde_json::{Map, Value};

use super::hints::sentence_upper_bound;
use super::tokens::o200k_count;

/// Punctuation around one property: quotes of the key, colon, comma (and value quotes).
const PER_PROPERTY: u64 = 3;
/// Opening and closing braces of an object, with the whitespace models put around them.
const PER_OBJECT: u64 = 5;
/// Tokens per sentence when a description asks for a number of sentences.
const PER_SENTENCE: u64 = 25;
/// A free-text string that is (or is described as) a summary.
const SUMMARY: u64 = 60;
/// Any other free-text string.
const FREE_STRING: u64 = 20;
/// A free-text string inside an array (tags, action items): short by nature.
const ARRAY_STRING: u64 = 8;
/// Items assumed in an array, unless `minItems`/`maxItems` rule that out.
const ARRAY_ITEMS: u64 = 3;
/// Deeper nesting (or a `$ref` cycle) stops counting.
const MAX_DEPTH: usize = 32;

/// Output tokens expected for a result of this JSON Schema.
///
/// Method: walk the schema. Every object costs 5 tokens for its braces, plus per property the
/// tokens of the key + 3 for punctuation + the value's estimate. Optional properties (not in
/// `required`) count at half, rounded up. Values:
///
/// - string with `enum` (or `const`): the tokens of the longest value;
/// - boolean or null: 1; integer or number: 2;
/// - free string: from its description. If it asks for a number of sentences ("2-3 sentence
///   summary", "one to three sentences", "at most 2 sentences", "a single sentence"), 25 tokens per
///   sentence at the upper bound; else if the property is named or described as a summary, 60;
///   otherwise 20;
/// - array: 3 items (clamped to `minItems`/`maxItems`) × the item's estimate, where free strings
///   in arrays count 8 each;
/// - nested object: recurse; `$ref` to `#/...` is followed; `anyOf`/`oneOf`/`allOf`: the largest
///   alternative; a type list such as `["string", "null"]` uses its first non-null type.
///
/// Tokens are counted with o200k_base (GPT-4o and later). The result is deterministic: the same
/// schema always gives the same number.
pub fn estimate_output_tokens(schema: &Value) -> u64 {
    estimate_with(schema, o200k_count)
}

/// [`estimate_output_tokens`] counting one token per byte: never below it (a BPE token is at
/// least one byte, and the estimate only adds, multiplies and takes maxima), and it needs no
/// tokenizer, so the context-window guard can use it before the tokenizer is built.
pub fn output_tokens_upper_bound(schema: &Value) -> u64 {
    estimate_with(schema, |s| s.len() as u64)
}

fn estimate_with(schema: &Value, count: fn(&str) -> u64) -> u64 {
    let walker = Walker { root: schema, active: std::cell::RefCell::new(vec!["#".to_string()]), count };
    walker.value(schema, "", false, 0)
}

struct Walker<'a> {
    root: &'a Value,
    /// `$ref`s being expanded on the current path. A recursive schema is estimated one level
    /// deep; expanding it again would grow exponentially (four `$ref: "#"` fields, 4^depth).
    active: std::cell::RefCell<Vec<String>>,
    /// Tokens of a text: the tokenizer, or a byte count for the upper bound.
    count: fn(&str) -> u64,
}

impl<'a> Walker<'a> {
    /// Estimate one value. `key` is the property that holds it (for the "summary" hint);
    /// `in_array` is true for array items.
    fn value(&self, schema: &'a Value, key: &str, in_array: bool, depth: usize) -> u64 {
        let Some(obj) = schema.as_object() else {
            // `true` or a non-schema: anything may come back; count it as free text.
            return if in_array { ARRAY_STRING } else { FREE_STRING };
        };
        if depth > MAX_DEPTH {
            return 0;
        }
        if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
            if self.active.borrow().iter().any(|t| t == target) {
                return 1;
            }
            return match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(resolved) => {
                    self.active.borrow_mut().push(target.to_string());
                    let n = self.value(resolved, key, in_array, depth + 1);
                    self.active.borrow_mut().pop();
                    n
                }
                None => FREE_STRING,
            };
        }
        if let Some(value) = obj.get("const") {
            return literal_tokens(value, self.count);
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            return values.iter().map(|v| literal_tokens(v, self.count)).max().unwrap_or(1);
        }
        for combinator in ["anyOf", "oneOf", "allOf"] {
            if let Some(alternatives) = obj.get(combinator).and_then(Value::as_array) {
                return alternatives
                    .iter()
                    .map(|alt| self.value(alt, key, in_array, depth + 1))
                    .max()
                    .unwrap_or(FREE_STRING);
            }
        }
        match schema_type(obj) {
            "object" => self.object(obj, depth),
            "array" => self.array(obj, key, depth),
            "boolean" | "null" => 1,
            "integer" | "number" => 2,
            _ if in_array => ARRAY_STRING,
            _ => free_string(obj, key),
        }
    }

    fn object(&self, obj: &'a Map<String, Value>, depth: usize) -> u64 {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = obj.get("properties").and_then(Value::as_object);
        let fields: u64 = properties
            .into_iter()
            .flatten()
            .map(|(key, sub)| {
                let full = (self.count)(key).saturating_add(PER_PROPERTY).saturating_add(self.value(
                    sub,
                    key,
                    false,
                    depth + 1,
                ));
                if required.contains(&key.as_str()) { full } else { full.div_ceil(2) }
            })
            // Saturating: a schema may ask for absurd sizes (`minItems: 2^64-1`); never overflow.
            .fold(0u64, u64::saturating_add);
        PER_OBJECT.saturating_add(fields)
    }

    fn array(&self, obj: &'a Map<String, Value>, key: &str, depth: usize) -> u64 {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = obj.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
        let items = ARRAY_ITEMS.max(min).min(max);
        let item = match obj.get("items") {
            Some(item_schema) => self.value(item_schema, key, true, depth + 1),
            None => ARRAY_STRING,
        };
        items.saturating_mul(item)
    }
}

/// The schema's type: the first non-null entry of a type list, or inferred from its keywords.
fn schema_type(obj: &Map<String, Value>) -> &str {
    match obj.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(types)) => {
            types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null")
        }
        _ if obj.contains_key("properties") => "object",
        _ if obj.contains_key("items") => "array",
        _ => "string",
    }
}

/// Tokens of an enum or const value as it appears in the output (without quotes).
fn literal_tokens(value: &Value, count: fn(&str) -> u64) -> u64 {
    match value {
        Value::String(s) => count(s),
        other => count(&other.to_string()),
    }
}

/// A free-text string, from the hints in its description and name.
fn free_string(obj: &Map<String, Value>, key: &str) -> u64 {
    let description = obj.get("description").and_then(Value::as_str).unwrap_or("").to_lowercase();
    if let Some(sentences) = sentence_upper_bound(&description) {
        return PER_SENTENCE.saturating_mul(sentences);
    }
    if key.to_lowercase().contains("summary") || description.contains("summar") {
        return SUMMARY;
    }
    FREE_STRING
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn post_analysis_template() {
        let template: Value =
            serde_json::from_str(include_str!("../../../assets/templates/post_analysis.json")).unwrap();
        // o200k: summary 1+3+75 (2-3 sentences × 25) = 79; topic 1+3+2 (longest enum value
        // "technical_support" = "technical"+"_support") = 6; resolved 1+3+1 = 5;
        // sentiment 2+3+1 = 6; follow_up_needed (optional, key 3 tokens) ⌈(3+3+1)/2⌉ = 4;
        // follow_up_notes (optional, free string) ⌈(3+3+20)/2⌉ = 13; braces 5. Total 118.
        assert_eq!(estimate_output_tokens(&template["schema"]), 118);
    }

    #[test]
    fn every_template_in_a_sane_range() {
        for text in [
            include_str!("../../../assets/templates/post_analysis.json"),
            include_str!("../../../assets/templates/customer_support.json"),
            include_str!("../../../assets/templates/quality_assurance.json"),
            include_str!("../../../assets/templates/sales_qualification.json"),
        ] {
            let template: Value = serde_json::from_str(text).unwrap();
            let n = estimate_output_tokens(&template["schema"]);
            assert!((50..=800).contains(&n), "{}: {n}", template["name"]);
        }
    }

    #[test]
    fn scalar_rules() {
        let one = |prop: Value, required: bool| {
            let req = if required { json!(["k"]) } else { json!([]) };
            estimate_output_tokens(&json!({"type": "object", "properties": {"k": prop}, "required": req}))
        };
        // Key "k" is 1 token, +3 punctuation, +5 braces: 9 around every value below.
        assert_eq!(one(json!({"type": "boolean"}), true), 9 + 1);
        assert_eq!(one(json!({"type": "integer"}), true), 9 + 2);
        assert_eq!(one(json!({"type": ["number", "null"]}), true), 9 + 2);
        assert_eq!(one(json!({"type": "string"}), true), 9 + 20);
        assert_eq!(one(json!({"type": "string", "description": "A summary"}), true), 9 + 60);
        let sentences = json!({"type": "string", "description": "One to three sentences."});
        assert_eq!(one(sentences, true), 9 + 75);
        // Optional: ⌈(1+3+20)/2⌉ = 12, plus the braces.
        assert_eq!(one(json!({"type": "string"}), false), 5 + 12);
        // Array of free strings: 3 × 8; of integers with maxItems 2: 2 × 2.
        assert_eq!(one(json!({"type": "array", "items": {"type": "string"}}), true), 9 + 24);
        let short = json!({"type": "array", "items": {"type": "integer"}, "maxItems": 2});
        assert_eq!(one(short, true), 9 + 4);
        assert_eq!(estimate_output_tokens(&json!({"type": "object"})), 5);
    }

    #[test]
    fn nested_refs_and_unions() {
        let schema = json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                "choice": {"anyOf": [{"type": "boolean"}, {"type": "string"}]}
            },
            "required": ["items", "choice"],
            "$defs": {"item": {"type": "object", "properties": {"ok": {"type": "boolean"}},
                               "required": ["ok"]}}
        });
        // item: 5 + (1 + 3 + 1) = 10; items: key 1 + 3 + 3 × 10 = 34; choice: 1 + 3 + 20 = 24.
        assert_eq!(estimate_output_tokens(&schema), 5 + 34 + 24);
        // A self-referencing schema terminates.
        let cyclic = json!({"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]});
        assert!(estimate_output_tokens(&cyclic) > 0);
    }
}
