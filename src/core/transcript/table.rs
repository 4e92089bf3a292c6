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

/// Parse a delimited file into one conversation per id (or one for the whole file). Rows that
/// do not match the header (missing or extra fields) are read as far as they go and reported in
/// `warnings` with their line; a quote left open to the end of the file is an error, because
/// it silently swallows every row after it.
pub(crate) fn parse_table(
    path: &Path,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Conversation>, ImportError> {
    let header = text.lines().next().unwrap_or_default();
    let delim = delimiter(header);
    if let Some(line) = unclosed_quote_line(text, delim) {
        return Err(format_error(
            path,
            format!(
                "line {line}: a quote opened here is never closed, so every row after it would be read as one text; close the quote (write a quote inside text as \"\")"
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().delimiter(delim).flexible(true).from_reader(text.as_bytes());
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
    // (line, text) of texts spanning lines, checked for swallowed rows once all labels are known.
    let mut multiline: Vec<(u64, String)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format_error(path, format!("CSV error at line {line}: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        if record.len() != headers.len() && !(record.len() == 1 && field(0).is_empty()) {
            let what = if record.len() < headers.len() { "missing" } else { "extra" };
            let fate = if field(cols.text).is_empty() {
                "it has no text and was skipped"
            } else {
                "read as far as the header goes"
            };
            warnings.push(format!(
                "line {line}: {} field(s) where the header has {} ({what} fields; {fate}); quote text that contains \"{}\"",
                record.len(),
                headers.len(),
                char::from(delim)
            ));
        }
        let text = field(cols.text);
        if text.is_empty() {
            continue;
        }
        if text.contains('\n') {
            multiline.push((line, text.to_string()));
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
    swallowed_rows(&groups, &multiline, delim, warnings);
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

/// The line where a quoted field opens and is still open at the end of the text, following the
/// csv crate's rules: a quote opens a field only at its start, `""` inside is a literal quote.
fn unclosed_quote_line(text: &str, delim: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut line, mut open_at, mut at_field_start) = (1, None, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match open_at {
            Some(_) if b == b'"' && bytes.get(i + 1) == Some(&b'"') => i += 1,
            Some(_) if b == b'"' => open_at = None,
            Some(_) => {}
            None if b == b'"' && at_field_start => open_at = Some(line),
            None => {}
        }
        if b == b'\n' {
            line += 1;
        }
        at_field_start = open_at.is_none() && (b == delim || b == b'\n' || (b == b'\r' && at_field_start));
        i += 1;
    }
    open_at
}

/// A text spanning lines, one of which starts like a row of its own (`Customer,…` with a
/// speaker seen elsewhere), is most likely a missing closing quote that ate the rows up to the
/// next quote: say so rather than analyse the wrong turns.
fn swallowed_rows(
    groups: &[(String, Vec<Turn>)],
    multiline: &[(u64, String)],
    delim: u8,
    warnings: &mut Vec<String>,
) {
    let labels: Vec<String> =
        groups.iter().flat_map(|(_, turns)| turns.iter().map(|t| t.label.to_lowercase())).collect();
    for (line, text) in multiline {
        let suspect = text.lines().skip(1).find(|l| {
            l.split_once(char::from(delim)).is_some_and(|(label, _)| {
                !label.trim().is_empty() && labels.contains(&label.trim().to_lowercase())
            })
        });
        if let Some(row) = suspect {
            let shown: String = row.chars().take(40).collect();
            warnings.push(format!(
                "line {line}: the quoted text starting here runs on into a line that looks like a row of its own (\"{shown}\"); check for a missing closing quote"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Conversation>, ImportError> {
        let mut warnings = Vec::new();
        let convs = parse_table(Path::new("export/turns.csv"), text, &mut warnings)?;
        assert!(warnings.is_empty(), "{warnings:?}");
        Ok(convs)
    }

    fn parse_warned(text: &str) -> (Vec<Conversation>, Vec<String>) {
        let mut warnings = Vec::new();
        let convs = parse_table(Path::new("export/turns.csv"), text, &mut warnings).unwrap();
        (convs, warnings)
    }

    #[test]
    fn an_unterminated_quote_is_an_error_with_its_line() {
        let mut warnings = Vec::new();
        let text = "speaker,text\nAgent,Hello\nCustomer,\"My router is broken\nAgent,Let me check\nCustomer,Thanks\n";
        let err = parse_table(Path::new("t.csv"), text, &mut warnings).unwrap_err().to_string();
        assert!(err.starts_with("t.csv: line 3: a quote opened here is never closed"), "{err}");
        assert_eq!(unclosed_quote_line("a,\"b\"\"c\"\nd,\"e\nf\"\n", b','), None);
        assert_eq!(unclosed_quote_line("a,5\" screen\nb,c\n", b','), None, "a quote inside a field is text");
    }

    #[test]
    fn a_quote_closed_rows_later_warns_that_rows_were_swallowed() {
        let (convs, warnings) =
            parse_warned("speaker,text\nAgent,\"Hello\nCustomer,Hi\nAgent,\"\"Bye\"\"\"\nCustomer,Ok\n");
        assert_eq!(convs[0].turns.len(), 2);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("line 2: the quoted text starting here runs on into a line that looks like a row of its own (\"Customer,Hi\")"),
            "{warnings:?}"
        );
    }

    #[test]
    fn rows_with_missing_or_extra_fields_are_reported_with_their_line() {
        let (convs, warnings) = parse_warned(
            "speaker,text,start\nAgent,Hi,0\nCustomer\nAgent,Hello, how are you,3\n\nCustomer,Fine,4\n",
        );
        assert_eq!(convs[0].turns.len(), 3);
        assert_eq!(convs[0].turns[1].text, "Hello");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "line 3: 1 field(s) where the header has 3 (missing fields; it has no text and was skipped)"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with("line 4: 4 field(s) where the header has 3 (extra fields"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("quote text that contains \",\""), "{warnings:?}");
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
