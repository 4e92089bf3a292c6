//! The offline baseline: fills any schema from the transcript itself. No network, no LLM.
//!
//! It exists so Debrief works the moment it is installed, so tests and CI have a deterministic
//! provider, and so an LLM's accuracy can be compared with what plain rules get from the same
//! transcript. It is never presented as a model: everywhere it shows it is labelled
//! "offline baseline (no LLM)", it costs nothing and reports zero tokens.
//!
//! The walker follows the schema (objects, arrays, `$ref`, `anyOf`) and asks, for each leaf,
//! the named heuristics in `fields` first and the generic rules here second, then clamps to the
//! schema's bounds so the result validates wherever the schema allows a rule-made value.

mod enums;
mod evidence;
mod extract;
mod fields;
mod support;

use super::{BoxFuture, Completion, CompletionRequest, Finish, LlmError, Provider};
use crate::core::outcome::Usage;
use crate::core::schema::resolve_ref;
use crate::core::spec::ProviderKind;
use evidence::{Evidence, clip};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// How the baseline names itself wherever results are shown.
pub const LABEL: &str = "offline baseline (no LLM)";

/// The offline baseline provider.
pub struct Offline;

/// Fill `schema` for a conversation; `prompt` supplies enum definitions. When the schema asks
/// for evidence (`core::evidence::EVIDENCE_KEY`), the quotes are the sentences that best support
/// each value (see `support`), never invented text.
pub fn analyze(schema: &Value, prompt: &str, conversation: &crate::core::transcript::Conversation) -> Value {
    let key = crate::core::evidence::EVIDENCE_KEY;
    let wants_evidence = schema.get("properties").and_then(|p| p.get(key)).is_some();
    let stripped;
    let schema = if wants_evidence {
        let mut s = schema.clone();
        if let Some(p) = s.get_mut("properties").and_then(Value::as_object_mut) {
            p.remove(key);
        }
        if let Some(r) = s.get_mut("required").and_then(Value::as_array_mut) {
            r.retain(|v| v.as_str() != Some(key));
        }
        stripped = s;
        &stripped
    } else {
        schema
    };
    let ev = Evidence::new(conversation);
    let mut defs = enums::definitions(prompt);
    collect_description_definitions(schema, &mut defs);
    let filler =
        Filler { root: schema, ev: &ev, defs: &defs, active: std::cell::RefCell::new(vec!["#".into()]) };
    let mut analysis = filler.fill(schema, "analysis", 0).unwrap_or(Value::Null);
    if wants_evidence {
        let quotes = support::quotes(&analysis, conversation, &defs);
        if let Some(o) = analysis.as_object_mut() {
            o.insert(key.to_string(), Value::Object(quotes));
        }
    }
    analysis
}

/// Descriptions like "billing = money matters" count as definitions too.
fn collect_description_definitions(schema: &Value, defs: &mut HashMap<String, Vec<String>>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for sub in props.values() {
            if let Some(d) = sub.get("description").and_then(Value::as_str) {
                for (k, v) in enums::definitions(&d.replace(';', "\n").replace(", ", "\n")) {
                    defs.entry(k).or_default().extend(v);
                }
            }
            collect_description_definitions(sub, defs);
        }
    }
}

struct Filler<'a> {
    root: &'a Value,
    ev: &'a Evidence<'a>,
    defs: &'a HashMap<String, Vec<String>>,
    /// `$ref`s being expanded on the current path: a recursive reference is not followed again
    /// (its value becomes null), so recursive schemas cost linear, not exponential, time.
    active: std::cell::RefCell<Vec<String>>,
}

const MAX_DEPTH: usize = 12;
/// Most items the baseline invents to satisfy `minItems`.
const MAX_ITEMS: u64 = 1_000;
/// Longest padding the baseline adds to satisfy `minLength`.
const MAX_PAD: u64 = 100_000;

/// Clip to `maxLength` and pad to `minLength` (bounded), in one allocation.
fn fit_length(schema: &Value, text: &str) -> String {
    let max = schema.get("maxLength").and_then(Value::as_u64).unwrap_or(2000) as usize;
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0).min(MAX_PAD) as usize;
    let mut text = clip(text, max);
    let have = text.chars().count();
    if have < min {
        text.extend(std::iter::repeat_n('.', min - have));
    }
    text
}

impl Filler<'_> {
    /// A value for `schema`, or `None` when an optional field has nothing to say.
    fn fill(&self, schema: &Value, name: &str, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return Some(Value::Null);
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            if self.active.borrow().iter().any(|a| a == r) {
                return Some(Value::Null);
            }
            let target = resolve_ref(self.root, r).unwrap_or(schema);
            if std::ptr::eq(target, schema) {
                return Some(Value::Null);
            }
            self.active.borrow_mut().push(r.to_string());
            let v = self.fill(target, name, depth + 1);
            self.active.borrow_mut().pop();
            return v;
        }
        if let Some(c) = schema.get("const") {
            return Some(c.clone());
        }
        let description = schema.get("description").and_then(Value::as_str).unwrap_or("");
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Some(enums::choose(name, description, values, self.ev, self.defs));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find(|s| s.get("type") != Some(&json!("null"))))
            {
                return self.fill(first, name, depth + 1);
            }
        }
        match primary_type(schema).as_str() {
            "object" => Some(self.object(schema, depth)),
            "array" => Some(self.array(schema, name, depth)),
            "boolean" => {
                Some(Value::Bool(fields::boolean(name, self.ev).unwrap_or_else(|| self.mentions(name))))
            }
            "integer" | "number" => Some(self.number(schema, name)),
            "null" => Some(Value::Null),
            _ => self.string(schema, name, description),
        }
    }

    fn object(&self, schema: &Value, depth: usize) -> Value {
        let mut out = Map::new();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, sub) in props {
                let is_required = required.contains(&key.as_str());
                match self.fill(sub, key, depth + 1) {
                    Some(v) if is_required || self.worth_including(key, &out) => {
                        out.insert(key.clone(), v);
                    }
                    Some(_) => {}
                    None if is_required => {
                        out.insert(key.clone(), self.generic_string(sub, key));
                    }
                    None => {}
                }
            }
        }
        Value::Object(out)
    }

    /// Optional notes only make sense next to the flag they explain.
    fn worth_including(&self, key: &str, so_far: &Map<String, Value>) -> bool {
        let k = key.to_lowercase();
        if k.contains("follow_up") && k.contains("note") {
            return so_far.get("follow_up_needed") != Some(&Value::Bool(false));
        }
        if k.contains("escalation") {
            return fields::boolean("escalated", self.ev) == Some(true);
        }
        true
    }

    fn array(&self, schema: &Value, name: &str, depth: usize) -> Value {
        let n = name.to_lowercase();
        let item_is_string =
            schema.get("items").is_some_and(|i| primary_type(i) == "string" && i.get("enum").is_none());
        let mut items: Vec<Value> = if item_is_string && n.contains("competitor") {
            extract::competitors(self.ev).into_iter().map(Value::String).collect()
        } else if item_is_string && (n.contains("compliance") || n.contains("violation")) {
            fields::compliance_issues(self.ev).into_iter().map(Value::String).collect()
        } else {
            Vec::new()
        };
        // A rule-made list longer than this would be noise; a schema demanding more gets a result
        // that fails validation, which says so, instead of exhausting memory.
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0).min(MAX_ITEMS) as usize;
        let max = schema.get("maxItems").and_then(Value::as_u64).map(|m| m as usize);
        let item_schema = schema.get("items").cloned().unwrap_or(json!({}));
        while items.len() < min {
            items.push(self.fill(&item_schema, name, depth + 1).unwrap_or(Value::Null));
        }
        if let Some(max) = max {
            items.truncate(max);
        }
        Value::Array(items)
    }

    fn number(&self, schema: &Value, name: &str) -> Value {
        let num = |k: &str| schema.get(k).and_then(Value::as_f64);
        let step: f64 = if primary_type(schema) == "integer" { 1.0 } else { 0.0 };
        let min =
            num("minimum").or_else(|| num("exclusiveMinimum").map(|m| m + step.max(0.01))).unwrap_or(0.0);
        let max = num("maximum")
            .or_else(|| num("exclusiveMaximum").map(|m| m - step.max(0.01)))
            .unwrap_or(min.max(0.0) + 100.0);
        let raw =
            fields::score(name, min, max, self.ev).unwrap_or((min + max) / 2.0).clamp(min, max.max(min));
        if step > 0.0 { json!(raw.round() as i64) } else { json!((raw * 100.0).round() / 100.0) }
    }

    fn string(&self, schema: &Value, name: &str, description: &str) -> Option<Value> {
        let text = fields::text(name, description, self.ev)?;
        Some(Value::String(fit_length(schema, &text)))
    }

    /// A required string no rule knows: the sentence that mentions the field's words, if any.
    fn generic_string(&self, schema: &Value, name: &str) -> Value {
        let cues: Vec<String> = name
            .to_lowercase()
            .split(['_', '-', ' '])
            .filter(|w| w.len() >= 4)
            .map(|w| evidence::stem(w).to_string())
            .collect();
        let cue_refs: Vec<&str> = cues.iter().map(String::as_str).collect();
        let text = if cue_refs.is_empty() { None } else { self.ev.sentence_with(None, &cue_refs) };
        let text = text.unwrap_or_else(|| "not stated in the conversation".to_string());
        Value::String(fit_length(schema, &text))
    }

    /// Generic boolean: do the field name's words occur in the transcript?
    fn mentions(&self, name: &str) -> bool {
        let words: Vec<String> = name
            .to_lowercase()
            .split(['_', '-', ' '])
            .filter(|w| w.len() >= 4 && !["mentioned", "needed", "required", "flag"].contains(w))
            .map(|w| evidence::stem(w).to_string())
            .collect();
        !words.is_empty() && words.iter().all(|w| self.ev.all.contains(w.as_str()))
    }
}

/// The first non-null type a schema names ("string" when it names none).
fn primary_type(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_string()
        }
        _ if schema.get("properties").is_some() => "object".into(),
        _ if schema.get("items").is_some() => "array".into(),
        _ => "string".into(),
    }
}

impl Provider for Offline {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Offline
    }

    fn label(&self) -> String {
        LABEL.to_string()
    }

    fn base_url(&self) -> Option<String> {
        None
    }

    fn deterministic(&self) -> bool {
        true
    }

    fn free(&self) -> bool {
        true
    }

    fn result_note(&self) -> Option<&'static str> {
        Some(LABEL)
    }

    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(async move {
            let analysis = analyze(request.schema, request.prompt, request.conversation);
            let text = serde_json::to_string_pretty(&analysis).unwrap_or_default();
            Ok(Completion {
                text,
                finish: Finish::Stop,
                usage: Usage::default(),
                request_body: json!({"provider": LABEL, "model": request.model, "note": "computed locally from the transcript; nothing was sent anywhere"}),
                http_status: None,
                retries: Vec::new(),
            })
        })
    }
}

#[cfg(test)]
mod tests;
