//! Unit tests for `json.rs`, kept in their own file because the vendor examples (written to the
//! documented export shapes of OpenAI, Vapi, Retell and ElevenLabs) are long.

use super::*;
use crate::core::transcript::Speaker;

fn parse(text: &str) -> Result<Vec<Conversation>, ImportError> {
    parse_json(Path::new("exports/call.json"), text)
}

fn one(text: &str) -> Conversation {
    let mut convs = parse(text).unwrap();
    assert_eq!(convs.len(), 1);
    convs.remove(0)
}

fn summary(conv: &Conversation) -> Vec<(Speaker, &str, &str, Option<f64>)> {
    conv.turns.iter().map(|t| (t.speaker, t.label.as_str(), t.text.as_str(), t.start_s)).collect()
}

#[test]
fn real_conversations_shape() {
    let conv = one(r#"{"id": "abcd-1", "source": "abcd",
        "turns": [{"speaker": "agent", "text": "Hi!"},
                  {"speaker": "customer", "text": "I need a refund &amp; fast @shop"},
                  {"speaker": "action", "text": "Account has been pulled up."},
                  {"speaker": "customer", "text": "  "}],
        "labels": {"flow": "refund"},
        "meta": {"duration_s": 51.2, "channel": "chat", "conversation_id": "other"}}"#);
    assert_eq!(conv.id, "abcd-1");
    assert_eq!(conv.source, "exports/call.json");
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Agent, "agent", "Hi!", None),
            (Speaker::Customer, "customer", "I need a refund &amp; fast @shop", None),
            (Speaker::System, "action", "Account has been pulled up.", None),
        ]
    );
    assert_eq!(conv.metadata.duration_s, Some(51.2));
    assert_eq!(conv.metadata.channel.as_deref(), Some("chat"));
    assert_eq!(conv.expected, None);
}

#[test]
fn openai_messages_with_parts_and_tools() {
    let conv = one(r#"{"messages": [
        {"role": "system", "content": "You are a support bot."},
        {"role": "user", "content": [{"type": "text", "text": "Where is my order?"}]},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "lookup", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"shipped\"}"},
        {"role": "assistant", "content": "It shipped yesterday."}],
        "expected": {"resolved": true}}"#);
    assert_eq!(conv.id, "call");
    let speakers: Vec<Speaker> = conv.turns.iter().map(|t| t.speaker).collect();
    assert_eq!(speakers, [Speaker::System, Speaker::Customer, Speaker::System, Speaker::Agent]);
    assert_eq!(conv.expected, Some(serde_json::json!({"resolved": true})));
}

#[test]
fn bare_array_of_messages() {
    let conv = one(r#"[{"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Hi"}]"#);
    assert_eq!(conv.render(), "Agent: Hello\nCustomer: Hi");
}

#[test]
fn vapi_end_of_call_report() {
    let conv = one(r#"{"message": {"type": "end-of-call-report",
        "endedReason": "customer-ended-call",
        "call": {"id": "vapi-call-1", "type": "inboundPhoneCall"},
        "startedAt": "2024-05-01T10:00:00.000Z", "durationSeconds": 95.4,
        "artifact": {"transcript": "AI: Hello\nUser: Hi",
          "messages": [
            {"role": "system", "message": "You are Ava.", "time": 1714557600000, "secondsFromStart": 0},
            {"role": "bot", "message": "Thanks for calling Acme.", "time": 1714557601000,
             "endTime": 1714557603000, "secondsFromStart": 1.2, "duration": 2000},
            {"role": "user", "message": "My router is down.", "time": 1714557604000,
             "endTime": 1714557606000, "secondsFromStart": 4.6, "duration": 2000},
            {"role": "tool_calls", "toolCalls": [], "time": 1714557607000, "secondsFromStart": 5}]}}}"#);
    assert_eq!(conv.id, "vapi-call-1");
    assert_eq!(
        summary(&conv),
        [
            (Speaker::System, "system", "You are Ava.", Some(0.0)),
            (Speaker::Agent, "bot", "Thanks for calling Acme.", Some(1.2)),
            (Speaker::Customer, "user", "My router is down.", Some(4.6)),
        ]
    );
    assert_eq!(conv.metadata.ended_reason.as_deref(), Some("customer-ended-call"));
    assert_eq!(conv.metadata.started_at.as_deref(), Some("2024-05-01T10:00:00.000Z"));
    assert_eq!(conv.metadata.duration_s, Some(95.4));
    assert_eq!(conv.metadata.channel.as_deref(), Some("inboundPhoneCall"));
}

#[test]
fn vapi_call_object_derives_duration_and_channel() {
    let conv = one(r#"{"id": "v2", "type": "inboundPhoneCall",
        "startedAt": "2026-09-15T15:04:11.482Z", "endedAt": "2026-09-15T15:08:12.107Z",
        "messages": [{"role": "bot", "message": "Hi", "secondsFromStart": 0.4},
                     {"role": "user", "message": "Hello", "secondsFromStart": 2}]}"#);
    let duration = conv.metadata.duration_s.unwrap();
    assert!((duration - 240.625).abs() < 1e-6, "{duration}");
    assert_eq!(conv.metadata.channel.as_deref(), Some("inboundPhoneCall"));
}

#[test]
fn retell_call_prefers_transcript_object_over_string() {
    let conv = one(r#"{"call_id": "retell-9", "call_type": "phone_call",
        "start_timestamp": 1714557600000, "duration_ms": 61000,
        "disconnection_reason": "user_hangup",
        "transcript": "Agent: Hello\nUser: Hi",
        "transcript_object": [
          {"role": "agent", "content": "Hello, this is Sam.",
           "words": [{"word": "Hello,", "start": 0.5, "end": 0.9}]},
          {"role": "user", "content": "Hi Sam.",
           "words": [{"word": "Hi", "start": 2.0, "end": 2.2}]}],
        "metadata": {"crm_id": 7}}"#);
    assert_eq!(conv.id, "retell-9");
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Agent, "agent", "Hello, this is Sam.", Some(0.5)),
            (Speaker::Customer, "user", "Hi Sam.", Some(2.0)),
        ]
    );
    assert_eq!(conv.metadata.duration_s, Some(61.0));
    assert_eq!(conv.metadata.ended_reason.as_deref(), Some("user_hangup"));
    assert_eq!(conv.metadata.started_at.as_deref(), Some("1714557600000"));
    assert_eq!(conv.metadata.channel.as_deref(), Some("phone_call"));
}

#[test]
fn retell_transcript_string_only() {
    let conv = one(r#"{"call_id": "r2", "transcript": "Agent: Hello\nUser: I need help\nwith billing"}"#);
    assert_eq!(conv.render(), "Agent: Hello\nCustomer: I need help with billing");
}

#[test]
fn elevenlabs_conversation() {
    let conv = one(r#"{"agent_id": "a1", "conversation_id": "el-5", "status": "done",
        "transcript": [
          {"role": "agent", "message": "Hi, how can I help?", "time_in_call_secs": 0,
           "tool_calls": [], "tool_results": []},
          {"role": "user", "message": "Cancel my plan.", "time_in_call_secs": 3},
          {"role": "agent", "message": null, "time_in_call_secs": 5,
           "tool_calls": [{"tool_name": "cancel"}]}],
        "metadata": {"start_time_unix_secs": 1714557600, "call_duration_secs": 42,
                     "termination_reason": "end_call tool"}}"#);
    assert_eq!(conv.id, "el-5");
    assert_eq!(
        summary(&conv),
        [
            (Speaker::Agent, "agent", "Hi, how can I help?", Some(0.0)),
            (Speaker::Customer, "user", "Cancel my plan.", Some(3.0)),
        ]
    );
    assert_eq!(conv.metadata.duration_s, Some(42.0));
    assert_eq!(conv.metadata.ended_reason.as_deref(), Some("end_call tool"));
    assert_eq!(conv.metadata.started_at.as_deref(), Some("1714557600"));
}

#[test]
fn array_of_conversations_gets_numbered_fallback_ids() {
    let convs = parse(
        r#"[{"turns": [{"speaker": "agent", "text": "a"}]},
                          {"id": "named", "messages": [{"role": "user", "content": "b"}]}]"#,
    )
    .unwrap();
    let ids: Vec<&str> = convs.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call:1", "named"]);
}

#[test]
fn shape_errors_say_what_was_expected() {
    for (doc, needle) in [
        (r#"{"foo": 1, "bar": 2}"#, "keys foo, bar"),
        (r#"{"turns": []}"#, "`/turns` is an empty array"),
        ("42", "a single JSON number (42), not a conversation"),
        (r#"["Agent: hi"]"#, "turn 1 is a JSON string"),
        (r#"{"turns": [{"text": "hi"}]}"#, "`turns`: turn 1: has text but no speaker"),
    ] {
        let err = parse(doc).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ImportError::Format { .. }), "{message}");
        assert!(message.contains(needle), "{doc}: {message}");
        assert!(message.starts_with("exports/call.json: "), "{message}");
    }
    let message = parse(r#"{"turns": [1, 2]}"#).unwrap_err().to_string();
    assert!(message.contains("{\"role\": \"user\""), "{message}");
    let message = parse(r#"{"id": 5}"#).unwrap_err().to_string();
    assert!(message.contains("`turns`, `messages`, `transcript` or `transcript_object`"), "{message}");
}

#[test]
fn a_turn_key_of_the_wrong_type_is_named_by_its_pointer() {
    let message = parse(r#"{"messages":"hi"}"#).unwrap_err().to_string();
    assert!(
        message.starts_with(
            "exports/call.json: `/messages` is a string, not an array of turns; make it an array of {\"role\""
        ),
        "{message}"
    );
    assert!(!message.contains("no conversation turns found"), "{message}");
    let message = parse(r#"{"message": {"artifact": {"messages": {"a": 1}}}}"#).unwrap_err().to_string();
    assert!(message.contains("`/message/artifact/messages` is an object, not an array"), "{message}");
    let message = parse(r#"{"turns": [{"role": "user", "content": ""}]}"#).unwrap_err().to_string();
    assert!(message.contains("`/turns` is an array, but none of its entries has text"), "{message}");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let message = parse("{\n  \"turns\": [\n    {\"speaker\": \"agent\" \"text\": \"x\"}\n  ]\n}")
        .unwrap_err()
        .to_string();
    assert!(message.contains("invalid JSON at line 3, column"), "{message}");
    assert!(message.contains("expected `,` or `}`"), "{message}");
    assert!(!message.ends_with("column 24"), "{message}");
}
