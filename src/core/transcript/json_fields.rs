//! Field extraction for JSON transcripts: who spoke, what was said and when, plus typed lookups
//! of conversation-level facts.
//!
//! Platforms name the same thing differently (`content` vs `text` vs `message`, `secondsFromStart`
//! vs `time_in_call_secs` vs Retell's per-word `start`). Each lookup lists its aliases in
//! preference order in one place, so supporting a new export is a one-line change.

use super::timecode::{parse_timecode, plausible_offset};
use super::{Speaker, Turn};
use serde_json::{Map, Value};

/// Who spoke, in preference order. `role` comes first: OpenAI messages also carry `name`, which
/// is a person, not a role.
const LABEL_KEYS: &[&str] = &["role", "speaker", "participant", "author", "from", "sender", "speaker_label"];

/// What was said. Vapi and ElevenLabs use `message`; OpenAI and Retell `content`.
const TEXT_KEYS: &[&str] = &["content", "text", "message", "utterance", "transcript", "body"];

/// Seconds from the start of the call. Vapi's `time` is epoch milliseconds, so it comes last and
/// is rejected by `plausible_offset` unless it really is an offset.
const START_KEYS: &[&str] = &[
    "start_s",
    "secondsFromStart",
    "seconds_from_start",
    "time_in_call_secs",
    "start",
    "start_time",
    "startTime",
    "offset",
    "timestamp",
    "time",
];

/// Milliseconds from the start of the call.
const START_MS_KEYS: &[&str] = &["start_ms", "startMs", "offset_ms"];

/// One turn from a message object; `Ok(None)` when it carries no text (tool calls, ElevenLabs
/// turns whose `message` is null), because there is nothing to analyse in it.
pub(crate) fn turn_from_object(obj: &Map<String, Value>) -> Result<Option<Turn>, String> {
    let Some(text) = text_of(obj) else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let label = label_of(obj).ok_or_else(|| {
        format!(
            "has text but no speaker; expected one of {}",
            LABEL_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        )
    })?;
    Ok(Some(Turn {
        // Assigned for the whole conversation later, because names need the order heuristic.
        speaker: Speaker::Other,
        label,
        text: text.to_string(),
        start_s: start_of(obj),
    }))
}

fn label_of(obj: &Map<String, Value>) -> Option<String> {
    LABEL_KEYS.iter().find_map(|key| match obj.get(*key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        // Diarisation ids (`"speaker": 0`) are names too.
        Value::Number(n) => Some(n.to_string()),
        // ChatGPT exports: `"author": {"role": "user"}`.
        Value::Object(inner) => {
            ["role", "name"].iter().find_map(|k| inner.get(*k)?.as_str().map(str::to_string))
        }
        _ => None,
    })
}

fn text_of(obj: &Map<String, Value>) -> Option<String> {
    TEXT_KEYS.iter().find_map(|key| match obj.get(*key)? {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(text_of_parts(parts)),
        // ChatGPT exports: `"content": {"content_type": "text", "parts": ["…"]}`.
        Value::Object(inner) => match inner.get("parts").or_else(|| inner.get("text"))? {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => Some(text_of_parts(parts)),
            _ => None,
        },
        _ => None,
    })
}

/// OpenAI/Anthropic content parts: keep the text parts (`text`, `input_text`, `output_text`),
/// skip images and audio, which we cannot analyse as text.
fn text_of_parts(parts: &[Value]) -> String {
    parts
        .iter()
        .filter_map(|part| match part {
            Value::String(s) => Some(s.as_str()),
            Value::Object(p) => {
                let textual = p
                    .get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| matches!(t, "text" | "input_text" | "output_text"));
                if textual { p.get("text").and_then(Value::as_str) } else { None }
            }
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn start_of(obj: &Map<String, Value>) -> Option<f64> {
    let scopes = [obj];
    first_number_of_seconds(&scopes, START_KEYS, START_MS_KEYS).or_else(|| {
        // Retell: the turn's time is its first word's `start`.
        let first_word = obj.get("words")?.as_array()?.first()?.as_object()?;
        seconds_value(first_word.get("start")?)
    })
}

/// Seconds from a number or a clock string (`"09:58:50.0"`, `"12.5"`).
fn seconds_value(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => plausible_offset(n.as_f64()?),
        Value::String(s) => parse_timecode(s),
        _ => None,
    }
}

/// First value among `keys` (in seconds) or `ms_keys` (in milliseconds) found in the scopes, in
/// scope order. Values that are not plausible durations are skipped, not returned as garbage.
pub(crate) fn first_number_of_seconds(
    scopes: &[&Map<String, Value>],
    keys: &[&str],
    ms_keys: &[&str],
) -> Option<f64> {
    scopes.iter().find_map(|scope| {
        keys.iter().find_map(|k| seconds_value(scope.get(*k)?)).or_else(|| {
            ms_keys.iter().find_map(|k| {
                let ms = scope.get(*k)?.as_f64()?;
                plausible_offset(ms / 1000.0)
            })
        })
    })
}

/// First non-empty string (numbers are written as-is) among `keys`, in scope order.
pub(crate) fn first_string(scopes: &[&Map<String, Value>], keys: &[&str]) -> Option<String> {
    scopes.iter().find_map(|scope| {
        keys.iter().find_map(|k| match scope.get(*k)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn turn(value: Value) -> Result<Option<Turn>, String> {
        match value {
            Value::Object(map) => turn_from_object(&map),
            _ => Err("not an object".to_string()),
        }
    }

    #[test]
    fn text_from_strings_parts_and_chatgpt_content() {
        let t = turn(json!({"role": "user", "content": [
            {"type": "text", "text": "Hello"},
            {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "input_text", "text": "again"}
        ]}))
        .unwrap()
        .unwrap();
        assert_eq!(t.text, "Hello\nagain");
        let t = turn(json!({"author": {"role": "assistant"},
                            "content": {"content_type": "text", "parts": ["Hi &amp; bye"]}}))
        .unwrap()
        .unwrap();
        assert_eq!((t.label.as_str(), t.text.as_str()), ("assistant", "Hi &amp; bye"));
    }

    #[test]
    fn empty_or_null_text_is_dropped_but_missing_speaker_is_an_error() {
        assert_eq!(turn(json!({"role": "agent", "message": null})), Ok(None));
        assert_eq!(turn(json!({"role": "assistant", "content": "   "})), Ok(None));
        assert_eq!(turn(json!({"role": "tool_calls", "toolCalls": []})), Ok(None));
        let err = turn(json!({"content": "hi"})).unwrap_err();
        assert!(err.contains("`role`") && err.contains("`speaker`"), "{err}");
    }

    #[test]
    fn start_times_from_every_alias() {
        let start = |v: Value| turn(v).unwrap().unwrap().start_s;
        assert_eq!(
            start(json!({"role": "bot", "message": "a", "time": 1717000000123u64,
                                "secondsFromStart": 2.5})),
            Some(2.5)
        );
        assert_eq!(start(json!({"role": "agent", "message": "a", "time_in_call_secs": 7})), Some(7.0));
        assert_eq!(
            start(json!({"role": "agent", "content": "a",
                                "words": [{"word": "a", "start": 1.25, "end": 1.5}]})),
            Some(1.25)
        );
        assert_eq!(start(json!({"speaker": 0, "text": "a", "start_ms": 1500})), Some(1.5));
        assert_eq!(start(json!({"speaker": "A", "text": "a", "timestamp": "00:01:05"})), Some(65.0));
        assert_eq!(start(json!({"speaker": "A", "text": "a", "time": 1717000000123u64})), None);
    }

    #[test]
    fn scoped_lookups() {
        let outer = json!({"duration": "09:58:50.0", "id": 42});
        let inner = json!({"duration_ms": 61000, "id": "x"});
        let (Some(outer), Some(inner)) = (outer.as_object(), inner.as_object()) else {
            panic!("objects");
        };
        assert_eq!(first_number_of_seconds(&[outer, inner], &["duration"], &["duration_ms"]), Some(35930.0));
        assert_eq!(first_number_of_seconds(&[inner], &["duration"], &["duration_ms"]), Some(61.0));
        assert_eq!(first_string(&[outer, inner], &["id"]).as_deref(), Some("42"));
    }
}
