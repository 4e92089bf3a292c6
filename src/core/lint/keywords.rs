//! Rules that catch a schema meaning something other than what was written, both errors:
//!
//! - `misspelt-keyword`: JSON Schema ignores keywords it does not know, so `"enumm": [...]`
//!   silently allows any value. An unknown key one or two edits away from a real keyword (by
//!   `strsim`'s Damerau–Levenshtein distance) is almost certainly a typo. Farther names are left
//!   alone: custom annotations (`x-ui`, `examples_note`) are legitimate.
//! - `contradictory-bounds`: `minimum` above `maximum` (or the length and item counts) leaves no
//!   value that validates, so every result would come back invalid.

use super::walk::{self, Node};
use super::{Finding, Severity};
use serde_json::Value;

/// Every keyword of drafts 4 to 2020-12, the standard annotations, and the provider extensions
/// Debrief's dialects understand (`propertyOrdering`, `nullable`).
const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$ref",
    "$defs",
    "definitions",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "$comment",
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "minProperties",
    "maxProperties",
    "items",
    "prefixItems",
    "additionalItems",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "propertyOrdering",
    "nullable",
];

/// The known keyword `key` is most likely a typo of, if any.
fn misspelling_of(key: &str) -> Option<&'static str> {
    if KNOWN.contains(&key) || key.starts_with("x-") {
        return None;
    }
    // Short names are too close to everything ("id" is one edit from "if"): one edit at most
    // below five characters, none below three.
    let max = match key.chars().count() {
        0..=2 => return None,
        3..=4 => 1,
        _ => 2,
    };
    KNOWN
        .iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&key.to_lowercase(), &k.to_lowercase())
                    .max(usize::from(key != *k && key.eq_ignore_ascii_case(k))),
                *k,
            )
        })
        .filter(|(d, _)| (1..=max).contains(d))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Run both rules over every subschema.
pub(super) fn check(root: &Value, out: &mut Vec<Finding>) {
    walk::visit(root, &mut |node| {
        misspelt(node, out);
        contradictory(node, out);
    });
}

fn misspelt(node: &Node<'_>, out: &mut Vec<Finding>) {
    for key in node.schema.keys() {
        if let Some(known) = misspelling_of(key) {
            out.push(Finding::new(
                "misspelt-keyword",
                Severity::Error,
                format!("{}/{}", node.pointer, walk::escape(key)),
                format!(
                    "`{key}` is not a JSON Schema keyword, so it is ignored and checks nothing; did you mean `{known}`?"
                ),
            ));
        }
    }
}

fn contradictory(node: &Node<'_>, out: &mut Vec<Finding>) {
    let number = |k: &str| node.schema.get(k).and_then(Value::as_f64);
    for (low, high) in [
        ("minimum", "maximum"),
        ("exclusiveMinimum", "exclusiveMaximum"),
        ("minimum", "exclusiveMaximum"),
        ("exclusiveMinimum", "maximum"),
        ("minLength", "maxLength"),
        ("minItems", "maxItems"),
        ("minProperties", "maxProperties"),
    ] {
        let (Some(lo), Some(hi)) = (number(low), number(high)) else { continue };
        let exclusive = low.starts_with("exclusive") || high.starts_with("exclusive");
        if lo > hi || (exclusive && lo >= hi) {
            out.push(Finding::new(
                "contradictory-bounds",
                Severity::Error,
                format!("{}/{low}", node.pointer),
                format!(
                    "`{low}` {lo} is above `{high}` {hi}, so no value can be valid; swap or correct them"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_caught_and_custom_names_left_alone() {
        assert_eq!(misspelling_of("enumm"), Some("enum"));
        assert_eq!(misspelling_of("descripton"), Some("description"));
        assert_eq!(misspelling_of("maxlength"), Some("maxLength"));
        assert_eq!(misspelling_of("requried"), Some("required"));
        assert_eq!(misspelling_of("tpye"), Some("type"));
        for fine in ["enum", "x-ui", "id", "ui", "examples_note", "widget", "propertyOrdering"] {
            assert_eq!(misspelling_of(fine), None, "{fine}");
        }
    }
}
