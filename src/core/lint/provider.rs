//! Provider compatibility: what the chosen provider's dialect changes in the sent copy, and
//! OpenAI strict mode's documented size limits.
//!
//! The dialect findings are the `DialectNote`s of `dialect::transform` — the very rewrite the
//! request builder sends and the GUI previews — so the linter cannot promise something the
//! request does not do. This file only words them and picks a severity: dropped annotations and
//! added keywords are notes (nothing to do), constraints moved into the description or rewritten
//! are warnings (the model is no longer held to them; local validation still is).
//!
//! OpenAI's limits (Structured Outputs guide, "Supported schemas"): at most 5,000 object
//! properties, 10 levels of nesting, 1,000 enum values, 120,000 characters across property
//! names, definition names, enum values and const values; an enum with more than 250 values may
//! total at most 15,000 characters; the root must be an object, not `anyOf`. Totals are counted
//! on the sent copy (it is what OpenAI sees; nullable enums gain a `null` value there). Nesting
//! follows the schema as written and does not follow `$ref`s.

use super::walk;
use super::{Finding, Fix, FixOp, Severity};
use crate::core::schema::dialect::{self, DialectNote, NoteAction};
use crate::core::spec::ProviderKind;
use serde_json::Value;

const MAX_PROPERTIES: usize = 5_000;
const MAX_DEPTH: usize = 10;
const MAX_ENUM_VALUES: usize = 1_000;
const MAX_CHARACTERS: usize = 120_000;
const LARGE_ENUM: usize = 250;
const LARGE_ENUM_CHARACTERS: usize = 15_000;

/// Add the findings for sending `schema` to `kind`.
pub(super) fn check(schema: &Value, kind: ProviderKind, out: &mut Vec<Finding>) {
    if kind == ProviderKind::Offline {
        return;
    }
    let sent = dialect::transform(dialect::for_provider(kind), schema);
    for note in &sent.notes {
        out.push(from_note(kind, note));
    }
    if kind == ProviderKind::Openai {
        let root_reported = out.iter().any(|f| f.code == "root-not-object");
        openai_limits(schema, &sent.schema, root_reported, out);
    }
}

fn from_note(kind: ProviderKind, note: &DialectNote) -> Finding {
    let action = note.action;
    // `matches!` rather than an exhaustive `match`, so a new action cannot break the linter.
    let (code, severity, advice) = if matches!(action, NoteAction::Dropped) {
        ("provider-dropped", Severity::Info, "nothing to do")
    } else if matches!(action, NoteAction::Added) {
        (
            "provider-added",
            Severity::Info,
            "nothing to do (add it yourself to make the schema say what is sent)",
        )
    } else if matches!(action, NoteAction::MovedToDescription) {
        (
            "provider-moved-to-description",
            Severity::Warning,
            "the model is only told, not held to it (results are still checked locally); make sure the description states the limit in plain words",
        )
    } else if matches!(action, NoteAction::Rewritten) && note.keyword == "required" {
        (
            "provider-rewritten",
            Severity::Warning,
            "list it in `required` if every conversation has a value for it",
        )
    } else if matches!(action, NoteAction::Rewritten) && note.keyword == "enum" {
        ("provider-range-as-enum", Severity::Info, "nothing to do: the provider now enforces the range")
    } else if matches!(action, NoteAction::Rewritten) {
        ("provider-rewritten", Severity::Warning, "check the request preview for the copy that is sent")
    } else {
        ("provider-changed", Severity::Warning, "check the request preview for the copy that is sent")
    };
    let message = format!("{kind}: `{}`: {} — {advice}", note.keyword, note.detail);
    let fix = (matches!(action, NoteAction::Added) && note.keyword == "additionalProperties").then(|| Fix {
        label: "Add `additionalProperties: false`".to_string(),
        ops: vec![FixOp::Set { pointer: note.pointer.clone(), value: Value::Bool(false) }],
    });
    Finding::new(code, severity, note.pointer.clone(), message).with_fix(fix)
}

fn openai_limits(schema: &Value, sent: &Value, root_reported: bool, out: &mut Vec<Finding>) {
    let root_type_ok = schema.get("type").and_then(Value::as_str) == Some("object");
    let root_union = ["anyOf", "oneOf"].iter().find(|k| schema.get(**k).is_some());
    if !root_reported && (!root_type_ok || root_union.is_some()) {
        let why = match root_union {
            Some(k) => format!("the root uses `{k}`"),
            None => "the root has no `\"type\": \"object\"`".to_string(),
        };
        out.push(err(
            "openai-root-not-object",
            "",
            format!("openai: {why}, but strict mode needs the root to be a plain object schema; put `\"type\": \"object\"` at the root and move alternatives into a property"),
        ));
    }
    let (mut props, mut enum_values, mut chars) = (0usize, 0usize, 0usize);
    walk::visit(sent, &mut |node| {
        if let Some(p) = node.schema.get("properties").and_then(Value::as_object) {
            props += p.len();
            chars += p.keys().map(|k| k.chars().count()).sum::<usize>();
        }
        for key in ["$defs", "definitions"] {
            if let Some(d) = node.schema.get(key).and_then(Value::as_object) {
                chars += d.keys().map(|k| k.chars().count()).sum::<usize>();
            }
        }
        if let Some(e) = node.schema.get("enum").and_then(Value::as_array) {
            enum_values += e.len();
            chars += e.iter().filter_map(Value::as_str).map(|s| s.chars().count()).sum::<usize>();
        }
        if let Some(c) = node.schema.get("const").and_then(Value::as_str) {
            chars += c.chars().count();
        }
    });
    if props > MAX_PROPERTIES {
        out.push(err("openai-too-many-properties", "", format!("openai: the schema has {props} object properties; strict mode allows at most {MAX_PROPERTIES} — split the analysis into several specs")));
    }
    if enum_values > MAX_ENUM_VALUES {
        out.push(err("openai-too-many-enum-values", "", format!("openai: the schema has {enum_values} enum values in all; strict mode allows at most {MAX_ENUM_VALUES} — shorten the lists or use free text checked by a pattern")));
    }
    if chars > MAX_CHARACTERS {
        out.push(err("openai-too-many-characters", "", format!("openai: property names, definition names, enum and const values total {chars} characters; strict mode allows at most {MAX_CHARACTERS} — shorten names and enum values")));
    }
    walk::visit(schema, &mut |node| {
        if node.depth == MAX_DEPTH + 1 {
            out.push(err("openai-too-deep", &node.pointer, format!("openai: this schema is nested {} levels deep; strict mode allows at most {MAX_DEPTH} — flatten the structure", node.depth)));
        }
        if let Some(e) = node.schema.get("enum").and_then(Value::as_array) {
            let total: usize = e.iter().filter_map(Value::as_str).map(|s| s.chars().count()).sum();
            if e.len() > LARGE_ENUM && total > LARGE_ENUM_CHARACTERS {
                out.push(err("openai-enum-too-long", &format!("{}/enum", node.pointer), format!("openai: this enum has {} values totalling {total} characters; strict mode allows at most {LARGE_ENUM_CHARACTERS} characters in an enum of more than {LARGE_ENUM} values — shorten the values or split the list", e.len())));
            }
        }
    });
}

fn err(code: &'static str, pointer: &str, message: String) -> Finding {
    Finding::new(code, Severity::Error, pointer, message)
}
