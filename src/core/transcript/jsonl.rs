//! JSON Lines transcripts: one conversation per line (any JSON shape `json.rs` understands),
//! as produced by fine-tuning exports, data pipelines and `jq -c`.
//!
//! One bad line must not hide the others, so [`parse_jsonl_lines`] returns the good
//! conversations *and* one error per bad line (naming the file and the line). Also here: the
//! check for label files (`{"conversation_id": …, "expected": {…}}` per line), which sit beside
//! transcripts in sample folders but hold evaluation labels, not conversations.

use super::json::{conversations_from_value, syntax_message};
use super::{Conversation, ImportError, format_error, source_of, stem_id};
use serde_json::Value;
use std::path::Path;

/// Parse every non-blank line. Returns the conversations of the good lines and one
/// `ImportError::Format` per bad line (`line N: …`); ids default to `<file stem>:<line>` and
/// `source` is `<path>:<line>`.
pub fn parse_jsonl_lines(path: &Path, text: &str) -> (Vec<Conversation>, Vec<ImportError>) {
    let lines = JsonlLines::new(path);
    let mut conversations = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        match lines.parse(index + 1, line) {
            Ok(found) => conversations.extend(found),
            Err(e) => errors.push(e),
        }
    }
    if conversations.is_empty() && errors.is_empty() {
        errors.push(ImportError::Empty { path: path.to_path_buf() });
    }
    (conversations, errors)
}

/// What every line of one JSONL file shares (its path, default id stem and source), so a file
/// parsed whole and a file streamed line by line (`load::stream`) give the same ids and errors.
pub(crate) struct JsonlLines<'a> {
    path: &'a Path,
    stem: String,
    source: String,
}

impl<'a> JsonlLines<'a> {
    pub(crate) fn new(path: &'a Path) -> JsonlLines<'a> {
        JsonlLines { path, stem: stem_id(path), source: source_of(path) }
    }

    /// The conversations of line `number` (1-based); a blank line has none.
    pub(crate) fn parse(&self, number: usize, line: &str) -> Result<Vec<Conversation>, ImportError> {
        if line.trim().is_empty() {
            return Ok(Vec::new());
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|e| format_error(self.path, format!("line {number}: {}", syntax_message(&e))))?;
        let fallback = format!("{}:{number}", self.stem);
        let line_source = format!("{}:{number}", self.source);
        conversations_from_value(self.path, &value, &fallback, &line_source).map_err(|e| match e {
            ImportError::Format { path, message } => {
                ImportError::Format { path, message: format!("line {number}: {message}") }
            }
            other => other,
        })
    }
}

/// Strict single-result form used by `parse_bytes`: the good lines when there are any (bad lines
/// are then dropped — use [`parse_jsonl_lines`] or `parse_bytes_report` to see them), otherwise
/// the first line's error.
pub(crate) fn parse_jsonl(path: &Path, text: &str) -> Result<Vec<Conversation>, ImportError> {
    let (conversations, mut errors) = parse_jsonl_lines(path, text);
    if conversations.is_empty() && !errors.is_empty() {
        return Err(errors.remove(0));
    }
    Ok(conversations)
}

/// Whether every non-blank line is a label record: an object with `conversation_id` and an
/// `expected` object, and no turns of its own.
pub(crate) fn is_label_file(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    lines.peek().is_some() && lines.all(is_label_line)
}

/// Whether one line is a label record: an object with `conversation_id` and an `expected`
/// object, and no turns of its own.
pub(crate) fn is_label_line(line: &str) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
        return false;
    };
    map.contains_key("conversation_id")
        && map.get("expected").is_some_and(Value::is_object)
        && !["turns", "messages", "transcript", "transcript_object"].iter().any(|k| map.contains_key(*k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::transcript::Speaker;

    const PATH: &str = "data/batch.jsonl";

    #[test]
    fn one_conversation_per_line_with_line_ids() {
        let text = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, \
                    {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n\
                    \n\
                    {\"id\": \"named\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"Yes\"}]}\n";
        let (convs, errors) = parse_jsonl_lines(Path::new(PATH), text);
        assert!(errors.is_empty(), "{errors:?}");
        let ids: Vec<&str> = convs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["batch:1", "named"]);
        assert_eq!(convs[0].source, "data/batch.jsonl:1");
        assert_eq!(convs[1].source, "data/batch.jsonl:3");
        assert_eq!(convs[0].turns[0].speaker, Speaker::Customer);
    }

    #[test]
    fn bad_lines_are_reported_without_losing_good_ones() {
        let text = "{\"turns\": [{\"speaker\": \"agent\", \"text\": \"ok\"}]}\n\
                    {not json}\n\
                    {\"foo\": 1}\n";
        let (convs, errors) = parse_jsonl_lines(Path::new(PATH), text);
        assert_eq!(convs.len(), 1);
        assert_eq!(errors.len(), 2);
        let first = errors[0].to_string();
        assert!(first.starts_with("data/batch.jsonl: line 2: invalid JSON"), "{first}");
        let second = errors[1].to_string();
        assert!(
            second.contains("line 3: no conversation turns found in an object with keys foo"),
            "{second}"
        );
        // The strict form keeps the good line.
        assert_eq!(parse_jsonl(Path::new(PATH), text).unwrap().len(), 1);
    }

    #[test]
    fn all_bad_gives_the_first_error() {
        let err = parse_jsonl(Path::new(PATH), "[1]\n{\"x\": 2}\n").unwrap_err();
        assert!(err.to_string().contains("line 1:"), "{err}");
    }

    #[test]
    fn label_files_are_recognised() {
        let labels = "{\"conversation_id\": \"c1\", \"expected\": {\"resolved\": true}}\n\
                      {\"conversation_id\": \"c2\", \"expected\": {\"resolved\": false}}\n";
        assert!(is_label_file(labels));
        assert!(!is_label_file(""));
        assert!(!is_label_file("{\"conversation_id\": \"c1\", \"expected\": {}, \"turns\": []}\n"));
        assert!(!is_label_file("{\"conversation_id\": \"c1\", \"expected\": {}}\n{\"messages\": []}\n"));
    }
}
