//! The best-practice rules (the seed's "Best Practices"): keep schemas focused, one field per
//! fact, describe every field, use enums for categories with a way out, bound every number, and
//! say which fields are required. All are warnings: the schema works, but gives worse or less
//! consistent results than it could.

use super::walk::{self, Node, escape};
use super::{Finding, Fix, FixOp, Severity, ranges, words};
use crate::core::schema::resolve_ref;
use serde_json::{Map, Value, json};

/// More top-level fields than this is a schema trying to extract everything.
pub(super) const MAX_TOP_LEVEL_FIELDS: usize = 12;

/// Run every best-practice rule over every subschema of `root`.
pub(super) fn check(root: &Value, out: &mut Vec<Finding>) {
    walk::visit(root, &mut |node| {
        if node.pointer.is_empty() {
            too_many_fields(node, out);
        }
        near_duplicates(node, out);
        missing_description(root, node, out);
        free_text_category(node, out);
        enum_without_catch_all(node, out);
        unbounded_number(node, out);
        missing_required(node, out);
    });
}

fn too_many_fields(node: &Node<'_>, out: &mut Vec<Finding>) {
    let Some(props) = walk::properties(node.schema) else { return };
    if props.len() > MAX_TOP_LEVEL_FIELDS {
        out.push(Finding::new(
            "too-many-fields",
            Severity::Warning,
            "/properties",
            format!(
                "the schema has {} top-level fields; keep schemas focused on data you will actually use (about {MAX_TOP_LEVEL_FIELDS} at most) — every field costs tokens and attention, and fields nobody reads drift",
                props.len()
            ),
        ));
    }
}

fn near_duplicates(node: &Node<'_>, out: &mut Vec<Finding>) {
    let Some(props) = walk::properties(node.schema) else { return };
    let mut seen: Vec<(String, &str)> = Vec::new();
    for name in props.keys() {
        let key = words::normalise(name);
        if key.is_empty() {
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            out.push(Finding::new(
                "near-duplicate-field",
                Severity::Warning,
                format!("{}/properties/{}", node.pointer, escape(name)),
                format!(
                    "`{name}` asks for the same thing as `{first}`; keep one field (merge what you need into its description) — near-duplicates cost tokens and come back inconsistent"
                ),
            ));
        } else {
            seen.push((key, name));
        }
    }
}

fn missing_description(root: &Value, node: &Node<'_>, out: &mut Vec<Finding>) {
    if !node.is_property || has_description(root, node.schema) {
        return;
    }
    let name = node.name.unwrap_or("this field");
    out.push(Finding::new(
        "missing-description",
        Severity::Warning,
        node.pointer.clone(),
        format!(
            "`{name}` has no description; add one that says what the field holds and how to decide its value — the description is what guides the model"
        ),
    ));
}

/// Own description, or that of the definition a `$ref` points to.
fn has_description(root: &Value, schema: &Map<String, Value>) -> bool {
    let described = |s: &Map<String, Value>| {
        s.get("description").and_then(Value::as_str).is_some_and(|d| !d.trim().is_empty())
    };
    described(schema)
        || schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(root, r))
            .and_then(Value::as_object)
            .is_some_and(described)
}

fn free_text_category(node: &Node<'_>, out: &mut Vec<Finding>) {
    let s = node.schema;
    let free_text = walk::single_type(s) == Some("string")
        && !["enum", "const", "format", "pattern", "$ref"].iter().any(|k| s.contains_key(*k));
    if !free_text {
        return;
    }
    let Some(category) = words::category_hint(node.name, node.description) else { return };
    let name = node.name.unwrap_or("this string");
    let values = words::default_values(&category);
    let message = match values {
        Some(v) => format!(
            "`{name}` is free text but reads like a category ({category}); make it an enum so every result uses the same words (e.g. {}) — free text comes back as \"happy\", \"satisfied\", \"good\"",
            v.join(", ")
        ),
        None => format!(
            "`{name}` is free text but reads like a category ({category}); list the values you report on as an `enum` (with \"other\" as a way out) so every result uses the same words"
        ),
    };
    let fix = values.map(|v| Fix {
        label: format!("Make `{name}` an enum: {}", v.join(", ")),
        ops: vec![FixOp::Set { pointer: format!("{}/enum", node.pointer), value: json!(v) }],
    });
    out.push(
        Finding::new("free-text-category", Severity::Warning, node.pointer.clone(), message).with_fix(fix),
    );
}

fn enum_without_catch_all(node: &Node<'_>, out: &mut Vec<Finding>) {
    let Some(values) = node.schema.get("enum").and_then(Value::as_array) else { return };
    // An explicit null is the way out of a nullable enum.
    if values.iter().any(Value::is_null) {
        return;
    }
    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    if strings.len() < 2 || strings.len() != values.len() || strings.iter().any(|v| words::is_catch_all(v)) {
        return;
    }
    let name = node.name.map(|n| format!("`{n}`")).unwrap_or_else(|| "this enum".to_string());
    // Yes/no questions and scales have no "other" answer, but they do have "cannot tell".
    let catch_all = if words::is_scale(&strings) { "unknown" } else { "other" };
    let message = if words::is_yes_no(&strings) {
        format!(
            "{name} is a yes/no enum with no answer for \"cannot tell from the conversation\"; add \"unknown\" (or use `\"type\": \"boolean\"` if the answer is always known) — otherwise the model has to guess"
        )
    } else {
        format!(
            "{name} has no catch-all value; add \"{catch_all}\" so a conversation that fits none of the values is not forced into the nearest one"
        )
    };
    let fix = Fix {
        label: format!("Add \"{catch_all}\" to the enum"),
        ops: vec![FixOp::Append { pointer: format!("{}/enum", node.pointer), value: json!(catch_all) }],
    };
    out.push(
        Finding::new("enum-without-catch-all", Severity::Warning, node.pointer.clone(), message)
            .with_fix(Some(fix)),
    );
}

fn unbounded_number(node: &Node<'_>, out: &mut Vec<Finding>) {
    let s = node.schema;
    let Some(kind) = walk::single_type(s).filter(|t| *t == "integer" || *t == "number") else { return };
    if s.contains_key("enum") || s.contains_key("const") {
        return;
    }
    let bound = |keys: [&str; 2]| keys.iter().find_map(|k| s.get(*k).and_then(Value::as_f64));
    let (lower, upper) = (bound(["minimum", "exclusiveMinimum"]), bound(["maximum", "exclusiveMaximum"]));
    if lower.is_some() && upper.is_some() {
        return;
    }
    let missing = match (lower, upper) {
        (None, None) => "`minimum` and `maximum`",
        (None, Some(_)) => "`minimum`",
        _ => "`maximum`",
    };
    let name = node.name.map(|n| format!("`{n}`")).unwrap_or_else(|| format!("this {kind}"));
    let stated = ranges::range_for(node.name, node.description)
        .filter(|(min, max)| kind == "number" || (min.fract() == 0.0 && max.fract() == 0.0))
        .filter(|(min, max)| lower.is_none_or(|l| l < *max) && upper.is_none_or(|u| u > *min));
    let message = match stated {
        Some((min, max)) => format!(
            "{name} has no {missing}; the description says {min}–{max}, so set the bounds to match and results outside the scale fail validation instead of slipping through"
        ),
        None => format!(
            "{name} has no {missing}; give the scale its ends (e.g. `\"minimum\": 1, \"maximum\": 5`) and say in the description what they mean — an unbounded number lets every result pick its own scale"
        ),
    };
    let fix = stated.map(|(min, max)| {
        let mut ops = Vec::new();
        if lower.is_none() {
            ops.push(FixOp::Set {
                pointer: format!("{}/minimum", node.pointer),
                value: ranges::bound_value(min),
            });
        }
        if upper.is_none() {
            ops.push(FixOp::Set {
                pointer: format!("{}/maximum", node.pointer),
                value: ranges::bound_value(max),
            });
        }
        Fix { label: format!("Set the range to {min}–{max}"), ops }
    });
    out.push(
        Finding::new("unbounded-number", Severity::Warning, node.pointer.clone(), message).with_fix(fix),
    );
}

fn missing_required(node: &Node<'_>, out: &mut Vec<Finding>) {
    let Some(props) = walk::properties(node.schema) else { return };
    if node.schema.contains_key("required") {
        return;
    }
    let what = node.name.map(|n| format!("`{n}`")).unwrap_or_else(|| {
        if node.pointer.is_empty() { "the schema".to_string() } else { "this object".to_string() }
    });
    let names: Vec<&String> = props.keys().collect();
    out.push(
        Finding::new(
            "missing-required",
            Severity::Warning,
            node.pointer.clone(),
            format!(
                "{what} has no `required` list, so every field is optional and a model may leave any of them out; list the fields that must always be present in `required`"
            ),
        )
        .with_fix(Some(Fix {
            label: match names.as_slice() {
                [one] => format!("Require `{one}`"),
                _ => format!("Require all {} fields", names.len()),
            },
            ops: vec![FixOp::Set { pointer: format!("{}/required", node.pointer), value: json!(names) }],
        })),
    );
}
