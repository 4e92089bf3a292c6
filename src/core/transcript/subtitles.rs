//! Subtitle transcripts: WebVTT (Zoom, Teams, Meet, Whisper) and SRT.
//!
//! Both are blocks separated by blank lines, each a cue with a `start --> end` timing line and
//! payload lines; they differ only in the header (`WEBVTT`), the comment/style blocks VTT allows
//! and SRT's numeric cue ids and `,` decimal separator, so one parser serves both. The speaker
//! comes from a `<v Name>` voice tag or a `Name: ` prefix. Cues are display units, not turns:
//! consecutive cues by the same speaker are merged into one turn (joined with a space, starting at
//! the first cue's time), and a cue without a speaker continues the previous turn. Names that are
//! not role words go through the order-of-appearance heuristic in `speaker.rs` (first → Agent).

use super::speaker::{assign_speakers, classify, plausible_label};
use super::timecode::parse_cue_time;
use super::{Conversation, ImportError, Speaker, Turn, format_error, source_of, stem_id};
use std::collections::HashMap;
use std::path::Path;

/// One cue's speaker (if any), text and start time.
struct Cue {
    voice: Option<String>,
    text: String,
    start_s: Option<f64>,
}

/// Parse a WebVTT or SRT document (the caller has chosen; the grammar is shared). A malformed
/// timing line, or a cue that ends before it starts, refuses the file with its line number.
pub(crate) fn parse_subtitles(path: &Path, text: &str) -> Result<Vec<Conversation>, ImportError> {
    let cues = read_cues(text).map_err(|m| format_error(path, m))?;
    if cues.is_empty() {
        return Err(format_error(
            path,
            "no subtitle cues found; expected blocks with a timing line such as \
             `00:00:01.000 --> 00:00:04.000` followed by the cue text",
        ));
    }
    let turns = turns_from_cues(cues);
    if turns.is_empty() {
        return Err(format_error(path, "every subtitle cue is empty"));
    }
    Ok(vec![Conversation {
        id: stem_id(path),
        turns,
        metadata: Default::default(),
        expected: None,
        source: source_of(path),
    }])
}

/// Split the document into cues, dropping the header, NOTE/STYLE/REGION blocks and cue settings.
fn read_cues(text: &str) -> Result<Vec<Cue>, String> {
    let mut cues = Vec::new();
    // (1-based line number, line) of the current block.
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        if !line.trim().is_empty() {
            block.push((i + 1, line));
            continue;
        }
        if let Some(cue) = cue_from_block(&block)? {
            cues.push(cue);
        }
        block.clear();
    }
    Ok(cues)
}

fn cue_from_block(block: &[(usize, &str)]) -> Result<Option<Cue>, String> {
    let Some((_, first)) = block.first() else { return Ok(None) };
    let first = first.trim_start();
    if ["WEBVTT", "NOTE", "STYLE", "REGION"].iter().any(|kw| first.starts_with(kw)) {
        return Ok(None);
    }
    // The timing line is the first or, after a cue identifier (SRT's number), the second line.
    let Some(timing_at) = block.iter().take(2).position(|(_, l)| l.contains("-->")) else {
        return Ok(None);
    };
    let (line, timing) = block[timing_at];
    let start_s = cue_timing(timing).map_err(|m| {
        format!("line {line}: `{}` is not a valid cue timing: {m}; fix or remove the cue", timing.trim())
    })?;
    // Cue settings (`align:start`) follow the end time and are display-only.
    let payload: Vec<&str> = block[timing_at + 1..].iter().map(|(_, l)| l.trim()).collect();
    let (voice, text) = voice_and_text(&payload.join(" "));
    Ok(Some(Cue { voice, text, start_s: Some(start_s) }))
}

/// `start --> end [settings]`: both times well formed and the end not before the start.
fn cue_timing(timing: &str) -> Result<f64, String> {
    let (start, rest) = timing.split_once("-->").unwrap_or((timing, ""));
    let start = parse_cue_time(start)?;
    let end = parse_cue_time(rest.split_whitespace().next().ok_or("the end time is missing")?)?;
    if end < start {
        return Err("the cue ends before it starts".to_string());
    }
    Ok(start)
}

/// Take the `<v Name>` voice (first one wins), strip markup tags, then decode character
/// references (`&amp;` → `&`): WebVTT requires `&`, `<` and `>` to be written as references, so
/// the decoded text is what the cue says (decoding is html-escape's).
fn voice_and_text(payload: &str) -> (Option<String>, String) {
    let mut voice = None;
    let mut text = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let tag = &rest[open + 1..close];
        if !is_markup(tag) {
            // Not a tag ("a < b", "<3"): keep it as text.
            text.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        }
        text.push_str(&rest[..open]);
        if voice.is_none()
            && let Some(name) = tag.strip_prefix('v').filter(|t| t.starts_with([' ', '.']))
        {
            // `<v.loud Dana>`: classes come before the first space.
            let name = name.split_once(' ').map_or("", |(_, n)| n).trim();
            if !name.is_empty() {
                voice = Some(name.to_string());
            }
        }
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    let text = html_escape::decode_html_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ");
    (voice, text)
}

/// VTT/SRT markup: voice, class, italic, bold, underline, ruby, language, SRT `<font>`, and
/// karaoke timestamps (`<00:00:01.500>`).
fn is_markup(tag: &str) -> bool {
    let name = tag.trim_start_matches('/');
    let word: String = name.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let after = &name[word.len()..];
    let known = matches!(word.as_str(), "v" | "c" | "i" | "b" | "u" | "ruby" | "rt" | "lang" | "font");
    (known && (after.is_empty() || after.starts_with([' ', '.', '='])))
        || (!name.is_empty() && name.chars().all(|c| c.is_ascii_digit() || ":.".contains(c)))
}

/// Resolve `Name: ` prefixes, merge same-speaker runs, and assign speakers.
fn turns_from_cues(cues: Vec<Cue>) -> Vec<Turn> {
    // As in text transcripts, a prefix counts as a speaker if it is a role word or recurs.
    let prefixed: Vec<Option<(String, String)>> = cues
        .iter()
        .map(|cue| {
            let (label, rest) = cue.text.split_once(':')?;
            (cue.voice.is_none() && plausible_label(label) && !rest.starts_with("//"))
                .then(|| (label.trim().to_string(), rest.trim().to_string()))
        })
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (label, _) in prefixed.iter().flatten() {
        *counts.entry(label.to_lowercase()).or_default() += 1;
    }

    let mut turns: Vec<Turn> = Vec::new();
    for (cue, prefix) in cues.into_iter().zip(prefixed) {
        let (label, text) = match (cue.voice, prefix) {
            (Some(voice), _) => (Some(voice), cue.text),
            (None, Some((label, rest)))
                if classify(&label).is_some()
                    || counts.get(&label.to_lowercase()).copied().unwrap_or(0) >= 2 =>
            {
                (Some(label), rest)
            }
            (None, _) => (None, cue.text),
        };
        if text.is_empty() {
            continue;
        }
        match (label, turns.last_mut()) {
            (None, Some(last)) => append(last, &text),
            (Some(label), Some(last)) if last.label == label => append(last, &text),
            (label, _) => turns.push(Turn {
                speaker: Speaker::Other,
                label: label.unwrap_or_default(),
                text,
                start_s: cue.start_s,
            }),
        }
    }
    assign_speakers(&mut turns);
    turns
}

fn append(turn: &mut Turn, text: &str) {
    turn.text.push(' ');
    turn.text.push_str(text);
}

#[cfg(test)]
#[path = "subtitles_tests.rs"]
mod tests;
