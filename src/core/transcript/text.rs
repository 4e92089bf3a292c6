//! Plain-text transcripts: `Speaker: text` lines, the format people paste, chat tools log and
//! voice platforms put in their `transcript` string fields (Retell, Vapi).
//!
//! A line opens a turn when it starts with a speaker label followed by a colon. Role words
//! (Agent, Customer, User, Assistant, …) are always labels; any other short label (≤ 30 chars, no
//! sentence punctuation) counts only if it opens at least two lines, so prose such as
//! "Order ID: 123" inside a turn stays text. Unlabelled lines continue the previous turn.
//! `[hh:mm:ss]`/`[mm:ss]` before or after the label set the start time. Header lines before the
//! first turn (`# channel: voice`, `Channel: voice`, `Call ID: 42`) fill the metadata.

use super::speaker::{assign_speakers, classify, plausible_label};
use super::timecode::parse_timecode;
use super::{Conversation, ImportError, Metadata, Speaker, Turn, source_of, stem_id};
use std::collections::HashMap;
use std::path::Path;

/// Turns and header facts read from a text transcript.
pub(crate) struct TextParse {
    pub turns: Vec<Turn>,
    pub metadata: Metadata,
    pub id: Option<String>,
}

/// A line that starts with a label, before we know whether the label is accepted.
struct LabelLine<'a> {
    label: &'a str,
    start_s: Option<f64>,
    text: &'a str,
}

/// Parse a whole text file into one conversation.
pub(crate) fn parse_text(path: &Path, text: &str) -> Result<Vec<Conversation>, ImportError> {
    let parsed = parse_turns(text);
    if parsed.turns.is_empty() {
        return Err(ImportError::Format {
            path: path.to_path_buf(),
            message: "no `Speaker: text` lines found; expected a transcript with lines like \
                      `Agent: Hello` and `Customer: Hi` (a role word such as Agent, Customer, \
                      User or Assistant, or a name that starts at least two lines)"
                .to_string(),
        });
    }
    Ok(vec![Conversation {
        id: parsed.id.unwrap_or_else(|| stem_id(path)),
        turns: parsed.turns,
        metadata: parsed.metadata,
        expected: None,
        source: source_of(path),
    }])
}

/// Parse `Speaker: text` lines; also used for transcript strings embedded in JSON exports.
pub(crate) fn parse_turns(text: &str) -> TextParse {
    let lines: Vec<(&str, Option<LabelLine>)> = text.lines().map(|l| (l, label_line(l))).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for label in lines.iter().filter_map(|(_, parsed)| parsed.as_ref()) {
        *counts.entry(label.label.to_lowercase()).or_default() += 1;
    }
    let accepted = |label: &str| {
        classify(label).is_some() || counts.get(&label.to_lowercase()).copied().unwrap_or(0) >= 2
    };

    let mut out = TextParse { turns: Vec::new(), metadata: Metadata::default(), id: None };
    for (raw, parsed) in &lines {
        let line = raw.trim();
        if out.turns.is_empty() {
            // Header zone: metadata lines and a title may precede the first turn.
            if let Some(comment) = line.strip_prefix('#') {
                if let Some((key, value)) = comment.trim_start_matches('#').split_once(':') {
                    header_field(&mut out, key, value);
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':')
                && header_field(&mut out, key, value)
            {
                continue;
            }
        }
        match parsed {
            Some(label) if accepted(label.label) => out.turns.push(Turn {
                speaker: Speaker::Other,
                label: label.label.to_string(),
                text: label.text.trim().to_string(),
                start_s: label.start_s,
            }),
            _ if line.is_empty() => {}
            _ => {
                // A continuation line; lines before the first turn (titles, preambles) have no
                // turn to join and are not part of the conversation.
                if let Some(last) = out.turns.last_mut() {
                    if !last.text.is_empty() {
                        last.text.push('\n');
                    }
                    last.text.push_str(line);
                }
            }
        }
    }
    out.turns.retain(|t| !t.text.trim().is_empty());
    assign_speakers(&mut out.turns);
    out
}

/// Split `[ts] Label [ts]: [ts] text` into its parts, or `None` if the line has no plausible label.
fn label_line(line: &str) -> Option<LabelLine<'_>> {
    let (mut start_s, rest) = leading_bracket(line.trim_start());
    let colon = colon_outside_brackets(rest)?;
    let (before, after) = (&rest[..colon], &rest[colon + 1..]);
    if after.starts_with("//") {
        return None; // a URL, not a label
    }
    let mut label = before.trim();
    if let Some(open) = label.rfind('[')
        && label.ends_with(']')
    {
        start_s = start_s.or_else(|| parse_timecode(&label[open + 1..label.len() - 1]));
        label = label[..open].trim_end();
    }
    // Markdown chat logs bold the label: `**Agent:** hi`.
    let bold = label.starts_with("**");
    let label = label.trim_matches('*').trim();
    let after = if bold { after.trim_start_matches('*') } else { after };
    let (after_ts, text) = leading_bracket(after.trim_start());
    if !plausible_label(label) {
        return None;
    }
    Some(LabelLine {
        label,
        start_s: start_s.or(after_ts),
        text: if after_ts.is_some() { text } else { after },
    })
}

/// Strip a leading `[…]` group; its content is returned as a time when it is a timecode. Groups
/// such as `[2024-05-01 10:32]` are skipped without a time: wall-clock dates are not offsets.
fn leading_bracket(s: &str) -> (Option<f64>, &str) {
    if let Some(inner_and_rest) = s.strip_prefix('[')
        && let Some(close) = inner_and_rest.find(']')
    {
        let inner = &inner_and_rest[..close];
        if inner.contains(':') || inner.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return (parse_timecode(inner), inner_and_rest[close + 1..].trim_start());
        }
    }
    (None, s)
}

/// Byte index of the first `:` not inside `[…]`, so `Agent [00:01]: hi` splits after the bracket.
fn colon_outside_brackets(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Record a known header key; returns false for anything else so the line is handled normally.
fn header_field(out: &mut TextParse, key: &str, value: &str) -> bool {
    let key =
        key.trim().to_lowercase().replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let value = value.trim();
    if value.is_empty() {
        return false;
    }
    let meta = &mut out.metadata;
    match key.as_str() {
        "channel" => meta.channel = Some(value.to_string()),
        "duration" | "duration s" | "call length" => {
            let number = value.trim_end_matches("seconds").trim_end_matches('s').trim();
            meta.duration_s = parse_timecode(number);
        }
        "ended reason" | "end reason" | "disconnection reason" | "termination reason" => {
            meta.ended_reason = Some(value.to_string());
        }
        "started at" | "start time" | "date" => meta.started_at = Some(value.to_string()),
        "id" | "call id" | "conversation id" => out.id = Some(value.to_string()),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Conversation> {
        parse_text(Path::new("calls/call-7.txt"), text).unwrap()
    }

    #[test]
    fn role_labels_continuations_and_times() {
        let conv = &parse(
            "[00:01] Agent: Thanks for calling &amp; welcome.\n\
             Customer [00:04]: Hi, my card\n\
             was declined @Bank [noise]\n\
             \n\
             Rep: [1:02:03] Let me check.\n\
             user: ok",
        )[0];
        assert_eq!(conv.id, "call-7");
        assert_eq!(conv.source, "calls/call-7.txt");
        let got: Vec<_> =
            conv.turns.iter().map(|t| (t.speaker, t.label.as_str(), t.text.as_str(), t.start_s)).collect();
        assert_eq!(
            got,
            [
                (Speaker::Agent, "Agent", "Thanks for calling &amp; welcome.", Some(1.0)),
                (Speaker::Customer, "Customer", "Hi, my card\nwas declined @Bank [noise]", Some(4.0)),
                (Speaker::Agent, "Rep", "Let me check.", Some(3723.0)),
                (Speaker::Customer, "user", "ok", None),
            ]
        );
    }

    #[test]
    fn recurring_names_become_speakers_but_one_off_prose_does_not() {
        let conv =
            &parse("Dana: Hello, this is Acme.\nSam: Hi.\nMy order number: 42\nDana: Thanks.\nSam: Bye.")[0];
        assert_eq!(conv.turns.len(), 4);
        assert_eq!(conv.turns[0].speaker, Speaker::Agent);
        assert_eq!(conv.turns[1].speaker, Speaker::Customer);
        assert_eq!(conv.turns[1].text, "Hi.\nMy order number: 42");
        // URLs are not labels.
        let conv = &parse("Agent: see\nhttps://example.com/help\nCustomer: ok")[0];
        assert_eq!(conv.turns[0].text, "see\nhttps://example.com/help");
    }

    #[test]
    fn header_metadata_and_markdown_labels() {
        let conv = &parse(
            "# Call with Acme support\n# channel: voice\nCall ID: abc-1\nDuration: 312 s\n\
             Ended reason: customer-ended-call\nStarted at: 2024-05-01T10:00:00Z\n\
             **Agent:** Hello\n**Customer:** Hi",
        )[0];
        assert_eq!(conv.id, "abc-1");
        assert_eq!(conv.metadata.channel.as_deref(), Some("voice"));
        assert_eq!(conv.metadata.duration_s, Some(312.0));
        assert_eq!(conv.metadata.ended_reason.as_deref(), Some("customer-ended-call"));
        assert_eq!(conv.metadata.started_at.as_deref(), Some("2024-05-01T10:00:00Z"));
        assert_eq!(conv.render(), "Agent: Hello\nCustomer: Hi");
    }

    #[test]
    fn crlf_and_ai_user_labels() {
        let conv = &parse("AI: Hi there\r\nUser: I want to cancel\r\nAI: Sure\r\n")[0];
        assert_eq!(conv.render(), "Agent: Hi there\nCustomer: I want to cancel\nAgent: Sure");
    }

    #[test]
    fn text_without_labels_is_a_format_error() {
        let err = parse_text(Path::new("notes.txt"), "Just some notes.\nNothing else: really.").unwrap_err();
        assert!(matches!(err, ImportError::Format { .. }));
        assert!(err.to_string().contains("Agent: Hello"), "{err}");
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }
}
