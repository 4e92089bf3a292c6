//! An intake request — "this conversation ended" — parsed and validated before anything is
//! stored.
//!
//! The body is `{"conversation_id", "agent_id", "channel"?, "ended_at"?, "end_reason"?,
//! "transcript"}`. The transcript is anything the importer reads: a JSON document (the turns
//! shape, OpenAI messages, a Vapi, Retell or ElevenLabs export) or a string of plain text, WebVTT
//! or SRT; the format is detected from the content, as for files. Every problem names the JSON
//! pointer of the field at fault, so the HTTP answer can say exactly what to fix.

use crate::core::transcript::{self, Conversation};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// The longest conversation or agent id accepted (ids travel in URLs and logs).
pub const MAX_ID_LEN: usize = 200;

/// A validated intake request.
#[derive(Debug, Clone, PartialEq)]
pub struct Intake {
    pub conversation_id: String,
    pub agent_id: String,
    pub channel: Option<String>,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
    /// The transcript, with the request's id, channel, end reason and end time in its metadata.
    pub conversation: Conversation,
}

/// Why a request body is not an intake request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    #[error("the body is not JSON (line {line}, column {column}): {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("{pointer}: {message}")]
    Field { pointer: String, message: String },
}

impl IntakeError {
    fn field(pointer: &str, message: impl Into<String>) -> IntakeError {
        IntakeError::Field { pointer: pointer.to_string(), message: message.into() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    conversation_id: Value,
    agent_id: Value,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    ended_at: Option<String>,
    #[serde(default)]
    end_reason: Option<String>,
    transcript: Value,
}

/// Parse and validate an intake body.
pub fn parse(body: &[u8]) -> Result<Intake, IntakeError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| IntakeError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if !value.is_object() {
        return Err(IntakeError::field(
            "",
            "the body must be a JSON object with conversation_id, agent_id and transcript",
        ));
    }
    let raw: Raw = serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        let pointer = text.split('`').nth(1).map(|field| format!("/{field}")).unwrap_or_default();
        IntakeError::Field { pointer, message: text }
    })?;
    let conversation_id = id(&raw.conversation_id, "/conversation_id")?;
    let agent_id = id(&raw.agent_id, "/agent_id")?;
    if let Some(t) = &raw.ended_at
        && t.parse::<jiff::Timestamp>().is_err()
    {
        return Err(IntakeError::field(
            "/ended_at",
            format!("{t:?} is not an RFC 3339 time such as 2025-01-18T15:30:00Z"),
        ));
    }
    let mut conversation = transcript_of(&raw.transcript, &conversation_id)?;
    conversation.id = conversation_id.clone();
    conversation.source = format!("api:{conversation_id}");
    let meta = &mut conversation.metadata;
    if raw.channel.is_some() {
        meta.channel = raw.channel.clone();
    }
    if raw.end_reason.is_some() {
        meta.ended_reason = raw.end_reason.clone();
    }
    if raw.ended_at.is_some() {
        meta.ended_at = raw.ended_at.clone();
    }
    Ok(Intake {
        conversation_id,
        agent_id,
        channel: conversation.metadata.channel.clone(),
        ended_at: raw.ended_at,
        end_reason: conversation.metadata.ended_reason.clone(),
        conversation,
    })
}

/// Ids are non-empty strings without control characters, at most [`MAX_ID_LEN`] bytes.
fn id(value: &Value, pointer: &str) -> Result<String, IntakeError> {
    let Some(text) = value.as_str() else {
        return Err(IntakeError::field(pointer, "must be a string"));
    };
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_ID_LEN || text.chars().any(char::is_control) {
        return Err(IntakeError::field(
            pointer,
            format!("must be 1-{MAX_ID_LEN} characters without control characters"),
        ));
    }
    Ok(text.to_string())
}

/// The transcript field through the importer, as a file of the matching kind would go.
fn transcript_of(value: &Value, conversation_id: &str) -> Result<Conversation, IntakeError> {
    let (name, bytes) = match value {
        Value::String(text) => ("transcript.txt", text.as_bytes().to_vec()),
        Value::Object(_) | Value::Array(_) => {
            ("transcript.json", serde_json::to_vec(value).unwrap_or_default())
        }
        _ => {
            return Err(IntakeError::field(
                "/transcript",
                "must be a transcript: a JSON document ({\"turns\": [{\"speaker\", \"text\"}]}, OpenAI messages, a Vapi, Retell or ElevenLabs export) or a string of text, WebVTT or SRT",
            ));
        }
    };
    let path = Path::new(name);
    let mut conversations = transcript::parse_bytes(path, &bytes).map_err(|e| {
        let message = e.to_string();
        let message = message.strip_prefix(&format!("{name}: ")).unwrap_or(&message).to_string();
        IntakeError::field("/transcript", message)
    })?;
    match conversations.len() {
        1 => Ok(conversations.remove(0)),
        0 => Err(IntakeError::field("/transcript", "holds no conversation")),
        n => Err(IntakeError::field(
            "/transcript",
            format!("holds {n} conversations; post one per request (conversation {conversation_id})"),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn the_turns_shape_a_vendor_document_and_text_all_parse_to_the_same_content() {
        let turns = json!({"turns": [{"speaker": "agent", "text": "Hello, how can I help?"}, {"speaker": "customer", "text": "I was charged twice."}]});
        let text = "Agent: Hello, how can I help?\nCustomer: I was charged twice.\n";
        let vapi = json!({"messages": [{"role": "bot", "message": "Hello, how can I help?"}, {"role": "user", "message": "I was charged twice."}]});
        let hashes: Vec<String> = [turns, json!(text), vapi]
            .into_iter()
            .map(|t| {
                let i = parse(&body(json!({"conversation_id": "c1", "agent_id": "a", "channel": "voice", "end_reason": "customer-ended-call", "transcript": t}))).unwrap();
                assert_eq!(i.conversation.id, "c1");
                assert_eq!(i.conversation.metadata.channel.as_deref(), Some("voice"));
                assert_eq!(i.end_reason.as_deref(), Some("customer-ended-call"));
                i.conversation.content_hash()
            })
            .collect();
        assert_eq!(hashes[0], hashes[1]);
        assert_eq!(hashes[0], hashes[2]);
    }

    #[test]
    fn subtitles_in_a_string_parse() {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Agent>Thanks for calling.\n\n00:00:04.000 --> 00:00:06.000\n<v Customer>My card was declined.\n";
        let i = parse(&body(json!({"conversation_id": "c2", "agent_id": "a", "transcript": vtt}))).unwrap();
        assert_eq!(i.conversation.turns.len(), 2);
    }

    #[test]
    fn every_problem_names_its_field() {
        let cases = [
            (json!({"agent_id": "a", "transcript": "Agent: hi"}), "conversation_id"),
            (json!({"conversation_id": 5, "agent_id": "a", "transcript": "Agent: hi"}), "/conversation_id"),
            (json!({"conversation_id": "c", "agent_id": "", "transcript": "Agent: hi"}), "/agent_id"),
            (json!({"conversation_id": "c", "agent_id": "a", "transcript": 7}), "/transcript"),
            (json!({"conversation_id": "c", "agent_id": "a", "transcript": {"foo": 1}}), "/transcript"),
            (
                json!({"conversation_id": "c", "agent_id": "a", "ended_at": "yesterday", "transcript": "Agent: hi"}),
                "/ended_at",
            ),
            (
                json!({"conversation_id": "c", "agent_id": "a", "transcript": "Agent: hi", "extra": 1}),
                "extra",
            ),
        ];
        for (v, pointer) in cases {
            let e = parse(&body(v.clone())).unwrap_err().to_string();
            assert!(e.contains(pointer), "{v}: {e}");
        }
        let e = parse(b"{not json").unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        assert!(parse(b"[1]").unwrap_err().to_string().contains("JSON object"));
    }
}
