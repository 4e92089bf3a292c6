//! JSON transcripts: chat-API message arrays and voice-platform call exports.
//!
//! There is no standard, so this module looks for the turns rather than matching one schema:
//! a bare array of `{role|speaker, content|text|message}` objects, or an object holding such an
//! array under `turns`, `messages`, `transcript_object`, `transcript`, `conversation`, … —
//! possibly inside the wrappers platforms add (Vapi's `message.artifact`, API `data` envelopes).
//! That covers OpenAI messages, Vapi, Retell, ElevenLabs and our own `real_conversations` shape.
//! A `transcript` that is a plain string (Retell, Vapi) is parsed as text. An array of such
//! objects is several conversations. Per-turn fields live in `json_fields`.

use super::json_fields::{first_number_of_seconds, first_string, turn_from_object};
use super::speaker::assign_speakers;
use super::text::parse_turns;
use super::timecode::{plausible_offset, rfc3339_seconds};
use super::{Conversation, ImportError, Metadata, Turn, format_error, source_of, stem_id};
use serde_json::{Map, Value};
use std::path::Path;

/// What we tell users when a JSON file has no recognisable turns.
pub(crate) const SHAPE_HELP: &str = "expected an array of {role, content} messages or an \
    object with `turns`, `messages`, `transcript` or `transcript_object`";

/// Keys that hold the turns, most specific first: Retell has both `transcript_object` (turns)
/// and `transcript` (a flat string), and the structured one must win.
const TURN_KEYS: &[&str] = &[
    "turns",
    "messages",
    "transcript_object",
    "transcript",
    "conversation",
    "utterances",
    "dialog",
    "dialogue",
];

/// Objects platforms wrap a conversation in (Vapi webhooks: `message.call`, `message.artifact`).
const WRAPPER_KEYS: &[&str] = &["conversation", "message", "call", "artifact", "data", "result"];

/// Keys that make an object a single turn rather than a conversation.
const ROLE_KEYS: &[&str] = &["role", "speaker", "participant", "author", "from", "sender"];

/// How deep to follow wrappers; real exports nest two levels at most.
const MAX_DEPTH: usize = 4;

/// Parse a whole `.json` document.
pub(crate) fn parse_json(path: &Path, text: &str) -> Result<Vec<Conversation>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| format_error(path, syntax_message(&e)))?;
    conversations_from_value(path, &value, &stem_id(path), &source_of(path))
}

/// "invalid JSON at line L, column C: reason" (serde puts the position last; users look first).
pub(crate) fn syntax_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let reason = full.strip_suffix(&suffix).unwrap_or(&full);
    format!("invalid JSON at line {}, column {}: {reason}", err.line(), err.column())
}

/// Turn one parsed JSON value into its conversations. `fallback_id` is used when the value has no
/// id (with `:N` appended for arrays of conversations); `source` is recorded on each.
pub(crate) fn conversations_from_value(
    path: &Path,
    value: &Value,
    fallback_id: &str,
    source: &str,
) -> Result<Vec<Conversation>, ImportError> {
    if let Value::Array(items) = value
        && items.first().is_some_and(is_conversation_object)
    {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                conversation_from_value(item, &format!("{fallback_id}:{}", i + 1), source)
                    .map_err(|m| format_error(path, format!("conversation {}: {m}", i + 1)))
            })
            .collect();
    }
    conversation_from_value(value, fallback_id, source).map(|c| vec![c]).map_err(|m| format_error(path, m))
}

/// An object that holds turns (as opposed to being one turn).
fn is_conversation_object(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        !ROLE_KEYS.iter().any(|k| map.contains_key(*k)) && TURN_KEYS.iter().any(|k| map.contains_key(*k))
    })
}

fn conversation_from_value(value: &Value, fallback_id: &str, source: &str) -> Result<Conversation, String> {
    let (turns, map) = match value {
        Value::Array(items) => (turns_from_array(items)?, None),
        Value::Object(map) => match find_turns(map, 0)? {
            Some(turns) => (turns, Some(map)),
            None => return Err(no_turns_message(map)),
        },
        other => {
            let mut shown = other.to_string();
            if shown.chars().count() > 40 {
                shown = shown.chars().take(40).collect::<String>() + "…";
            }
            return Err(format!(
                "found a single JSON {} ({shown}), not a conversation; {SHAPE_HELP}",
                kind(other)
            ));
        }
    };
    if turns.is_empty() {
        return Err(format!("the conversation has no turns with text; {SHAPE_HELP}"));
    }
    let scopes = map.map(scopes_of).unwrap_or_default();
    let ids: Vec<&Map<String, Value>> =
        scopes.iter().filter(|(is_meta, _)| !is_meta).map(|(_, m)| *m).collect();
    let all: Vec<&Map<String, Value>> = scopes.iter().map(|(_, m)| *m).collect();
    Ok(Conversation {
        id: first_string(&ids, &["id", "call_id", "conversation_id", "callId", "conversationId"])
            .unwrap_or_else(|| fallback_id.to_string()),
        turns,
        metadata: metadata_from(&all),
        expected: map.and_then(|m| m.get("expected")).filter(|v| v.is_object()).cloned(),
        source: source.to_string(),
    })
}

/// Search `map` (and its wrappers) for the turns. `Ok(None)` means no candidate key at all.
fn find_turns(map: &Map<String, Value>, depth: usize) -> Result<Option<Vec<Turn>>, String> {
    for key in TURN_KEYS {
        if let Some(Value::Array(items)) = map.get(*key) {
            let turns = turns_from_array(items).map_err(|m| format!("`{key}`: {m}"))?;
            if !turns.is_empty() {
                return Ok(Some(turns));
            }
        }
    }
    if depth < MAX_DEPTH {
        for key in WRAPPER_KEYS {
            if let Some(Value::Object(inner)) = map.get(*key)
                && let Some(turns) = find_turns(inner, depth + 1)?
            {
                return Ok(Some(turns));
            }
        }
    }
    if let Some(Value::String(text)) = map.get("transcript") {
        let turns = parse_turns(text).turns;
        if !turns.is_empty() {
            return Ok(Some(turns));
        }
    }
    Ok(None)
}

/// Turns of a message array; entries without text (tool calls, empty messages) are dropped.
fn turns_from_array(items: &[Value]) -> Result<Vec<Turn>, String> {
    let mut turns = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(format!(
                "turn {} is a JSON {}; expected an object like {{\"role\": \"user\", \
                 \"content\": \"…\"}}",
                i + 1,
                kind(item)
            ));
        };
        if let Some(turn) = turn_from_object(obj).map_err(|m| format!("turn {}: {m}", i + 1))? {
            turns.push(turn);
        }
    }
    assign_speakers(&mut turns);
    Ok(turns)
}

/// The root, its `metadata`/`meta` objects and its wrappers, breadth first (so top-level facts
/// win over nested ones). The flag marks metadata objects, whose `id`s describe other things.
fn scopes_of(root: &Map<String, Value>) -> Vec<(bool, &Map<String, Value>)> {
    let mut scopes = vec![(false, root)];
    let mut next = 0;
    while next < scopes.len() && scopes.len() < 32 {
        let (is_meta, map) = scopes[next];
        next += 1;
        for key in ["metadata", "meta"] {
            if let Some(Value::Object(inner)) = map.get(key) {
                scopes.push((true, inner));
            }
        }
        if !is_meta {
            for key in WRAPPER_KEYS {
                if let Some(Value::Object(inner)) = map.get(*key) {
                    scopes.push((false, inner));
                }
            }
        }
    }
    scopes
}

fn metadata_from(scopes: &[&Map<String, Value>]) -> Metadata {
    let duration_s = first_number_of_seconds(
        scopes,
        &[
            "duration_s",
            "duration",
            "durationSeconds",
            "duration_seconds",
            "duration_secs",
            "call_length",
            "call_duration_secs",
            "call_duration",
        ],
        &["duration_ms", "durationMs", "call_duration_ms"],
    );
    // Vapi call objects carry only start and end stamps.
    let duration_s = duration_s.or_else(|| {
        let start = rfc3339_seconds(&first_string(scopes, &["startedAt", "started_at"])?)?;
        let end = rfc3339_seconds(&first_string(scopes, &["endedAt", "ended_at"])?)?;
        plausible_offset(end - start)
    });
    // Vapi's call `type` (`webCall`, `inboundPhoneCall`) is the channel; other `type`s are not.
    let vapi_type =
        scopes.iter().find_map(|scope| first_string(&[*scope], &["type"]).filter(|t| t.ends_with("Call")));
    Metadata {
        channel: first_string(scopes, &["channel", "call_type", "medium"]).or(vapi_type),
        duration_s,
        ended_reason: first_string(
            scopes,
            &["ended_reason", "endedReason", "disconnection_reason", "termination_reason", "end_reason"],
        ),
        started_at: first_string(
            scopes,
            &[
                "started_at",
                "startedAt",
                "start_timestamp",
                "start_time_unix_secs",
                "start_time",
                "conversationDateTime",
            ],
        ),
        ended_at: first_string(scopes, &["ended_at", "endedAt", "end_timestamp"]),
    }
}

/// A turn key that is there but holds the wrong thing (`"messages": "hi"`, `"turns": []`), as
/// "`/messages` is a string, not an array of turns", searched through the wrappers like
/// `find_turns`; `None` when no turn key is present at all.
fn misplaced_turns(map: &Map<String, Value>, pointer: &str, depth: usize) -> Option<String> {
    for key in TURN_KEYS {
        let here = format!("{pointer}/{key}");
        match map.get(*key) {
            None => {}
            Some(Value::Array(items)) if items.is_empty() => {
                return Some(format!("`{here}` is an empty array: there are no turns to analyse"));
            }
            Some(Value::Array(_)) => {
                return Some(format!(
                    "`{here}` is an array, but none of its entries has text; each entry needs a speaker (`role`) and text (`content`)"
                ));
            }
            // A flat `transcript` string is fine (parsed as text); it just had no speaker lines.
            Some(Value::String(_)) if *key == "transcript" => {
                return Some(format!(
                    "`{here}` is a string with no `Speaker: text` lines; write one turn per line, e.g. \"Agent: Hello\""
                ));
            }
            Some(other) => {
                let kind = kind(other);
                let article = if kind == "object" { "an" } else { "a" };
                return Some(format!(
                    "`{here}` is {article} {kind}, not an array of turns; make it an array of {{\"role\": …, \"content\": …}} objects"
                ));
            }
        }
    }
    if depth < MAX_DEPTH {
        for key in WRAPPER_KEYS {
            if let Some(Value::Object(inner)) = map.get(*key)
                && let Some(found) = misplaced_turns(inner, &format!("{pointer}/{key}"), depth + 1)
            {
                return Some(found);
            }
        }
    }
    None
}

fn no_turns_message(map: &Map<String, Value>) -> String {
    if let Some(found) = misplaced_turns(map, "", 0) {
        return format!("{found}; {SHAPE_HELP}");
    }
    let keys: Vec<&str> = map.keys().take(12).map(String::as_str).collect();
    let found = if keys.is_empty() {
        "an empty object".to_string()
    } else {
        format!("an object with keys {}", keys.join(", "))
    };
    format!("no conversation turns found in {found}; {SHAPE_HELP}")
}

/// JSON type name for error messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
