//! Spreadsheet transcripts: CSV/TSV with a header row, one row per turn.
//!
//! Contact-centre and BI tools export turns as rows. The header decides the columns: a speaker
//! column (`speaker`, `role`, `participant`, `author`, `from`), a text column (`text`, `content`,
//! `message`, `utterance`, `transcript`), optionally a time column (seconds or `hh:mm:ss`) and a
//! conversation-id column, which splits one file into several conversations in order of first
//! appearance. The delimiter (`,` `;` tab `|`) is taken from the header line, because European
//! spreadsheet exports use `;`. (The file is `table.rs` so it does not shadow the `csv` crate.)

use super::speaker::assign_speakers;
use super::timecode::parse_timecode;
use super::{Conversation, ImportError, Speaker, Turn, format_error, source_of, stem_id};
use std::path::Path;

const SPEAKER_COLUMNS: &[&str] =
    &["speaker", "role", "participant", "author", "from", "sender", "speaker_name", "speaker_label"];
const TEXT_COLUMNS: &[&str] = &["text", "content", "message", "utterance", "transcript", "body"];
const TIME_COLUMNS: &[&str] = &["start_s", "start", "start_time", "time", "timestamp", "offset", "seconds"];
const ID_COLUMNS: &[&str] =
    &["conversation_id", "call_id", "conversation", "dialog_id", "dialogue_id", "session_id", "chat_id"];

/// Column positions found in the header.
struct Columns {
    speaker: usize,
    text: usize,
    time: Option<usize>,
    id: Option<usize>,
}

/// The most frequent candidate delimiter in the header line (`,` when there is none).
fn delimiter(header: &str) -> u8 {
    [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|d| (header.bytes().filter(|b| *b == d).count(), d))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map_or(b',', |(_, d)| d)
}

fn normalise_header(name: &str) -> String {
    name.trim().trim_matches('"').trim().to_lowercase().replace([' ', '-'], "_")
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| headers.iter().position(|h| h == name))
}

fn columns(headers: &[String]) -> Option<Columns> {
    Some(Columns {
        speaker: find(headers, SPEAKER_COLUMNS)?,
        text: find(headers, TEXT_COLUMNS)?,
        time: find(headers, TIME_COLUMNS),
        id: find(headers, ID_COLUMNS),
    })
}

/// Whether the first line is a header naming a speaker-like and a text-like column.
pub(crate) fn looks_like_table(text: &str) -> bool {
    let Some(header) = text.lines().next() else {
        return false;
    };
    let delim = char::from(delimiter(header));
    let headers: Vec<String> = header.split(delim).map(normalise_header).collect();
    headers.len() >= 2 && columns(&headers).is_some()
}

/// Parse a delimited file into one conversation per id (or one for the whole file).
pub(crate) fn parse_table(path: &Path, text: &str) -> Result<Vec<Conversation>, ImportError> {
    let header = text.lines().next().unwrap_or_default();
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter(header)).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format_error(path, format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(normalise_header)
        .collect();
    let cols = columns(&headers).ok_or_else(|| {
        format_error(
            path,
            format!(
                "expected a CSV header row with a speaker column ({}) and a text column ({}); \
                 found: {}",
                SPEAKER_COLUMNS[..5].join(", "),
                TEXT_COLUMNS[..5].join(", "),
                headers.join(", ")
            ),
        )
    })?;

    // (id, turns) in order of first appearance; linear search is fine for the few ids per file.
    let mut groups: Vec<(String, Vec<Turn>)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format_error(path, format!("CSV error at line {line}: {e}"))
        })?;
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let text = field(cols.text);
        if text.is_empty() {
            continue;
        }
        let id = cols.id.map(field).unwrap_or_default().to_string();
        let turn = Turn {
            speaker: Speaker::Other,
            label: field(cols.speaker).to_string(),
            text: text.to_string(),
            start_s: cols.time.and_then(|i| parse_timecode(field(i))),
        };
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, turns)) => turns.push(turn),
            None => groups.push((id, vec![turn])),
        }
    }
    if groups.is_empty() {
        return Err(format_error(path, "the CSV has a header but no rows with text"));
    }
    Ok(groups
        .into_iter()
        .map(|(id, mut turns)| {
            assign_speakers(&mut turns);
            Conversation {
                id: if id.is_empty() { stem_id(path) } else { id },
                turns,
                metadata: Default::default(),
                expected: None,
                source: source_of(path),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Conversation>, ImportError> {
        parse_table(Path::new("export/turns.csv"), text)
    }

    #[test]
    fn basic_csv_with_quotes_and_times() {
        let convs = parse(
            "Speaker,Text,Start\n\
             Agent,\"Hello, thanks for calling &amp; welcome\",0\n\
             Customer,\"My \"\"router\"\" is\nbroken\",00:00:04.5\n\
             Agent,,5\n\
             Customer,Bye,1:02\n",
        )
        .unwrap();
        assert_eq!(convs.len(), 1);
        let conv = &convs[0];
        assert_eq!(conv.id, "turns");
        assert_eq!(conv.turns.len(), 3);
        assert_eq!(conv.turns[0].text, "Hello, thanks for calling &amp; welcome");
        assert_eq!(conv.turns[1].text, "My \"router\" is\nbroken");
        assert_eq!(conv.turns[1].start_s, Some(4.5));
        assert_eq!(conv.turns[2].start_s, Some(62.0));
        assert_eq!(conv.turns[2].speaker, Speaker::Customer);
    }

    #[test]
    fn id_column_splits_conversations_and_semicolons_work() {
        let text = "call_id;role;message\nc1;assistant;Hi\nc2;user;Yo\nc1;user;Hello\nc2;bot;Hey\n";
        assert!(looks_like_table(text));
        let convs = parse(text).unwrap();
        let ids: Vec<&str> = convs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert_eq!(convs[0].render(), "Agent: Hi\nCustomer: Hello");
        assert_eq!(convs[1].render(), "Customer: Yo\nAgent: Hey");
    }

    #[test]
    fn names_use_the_order_heuristic_and_tabs_work() {
        let convs = parse("participant\tutterance\nDana\tAcme, Dana speaking\nSam\tHi Dana\n").unwrap();
        assert_eq!(convs[0].turns[0].speaker, Speaker::Agent);
        assert_eq!(convs[0].turns[1].speaker, Speaker::Customer);
        assert_eq!(convs[0].turns[1].label, "Sam");
    }

    #[test]
    fn header_errors_name_the_expected_columns() {
        assert!(!looks_like_table("name,age\nbob,3\n"));
        let err = parse("name,age\nbob,3\n").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("speaker column (speaker, role"), "{message}");
        assert!(message.contains("found: name, age"), "{message}");
        let err = parse("speaker,text\nAgent,\n").unwrap_err();
        assert!(err.to_string().contains("no rows with text"), "{err}");
    }
}
