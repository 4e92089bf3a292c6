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
    let stem = stem_id(path);
    let source = source_of(path);
    let mut conversations = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(e) => {
                errors.push(format_error(path, format!("line {number}: {}", syntax_message(&e))));
                continue;
            }
        };
        let fallback = format!("{stem}:{number}");
        let line_source = format!("{source}:{number}");
        match conversations_from_value(path, &value, &fallback, &line_source) {
            Ok(found) => conversations.extend(found),
            Err(ImportError::Format { path, message }) => {
                errors.push(ImportError::Format { path, message: format!("line {number}: {message}") })
            }
            Err(other) => errors.push(other),
        }
    }
    if conversations.is_empty() && errors.is_empty() {
        errors.push(ImportError::Empty { path: path.to_path_buf() });
    }
    (conversations, errors)
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
    lines.peek().is_some()
        && lines.all(|line| {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
                return false;
            };
            map.contains_key("conversation_id")
                && map.get("expected").is_some_and(Value::is_object)
                && !["turns", "messages", "transcript", "transcript_object"]
                    .iter()
                    .any(|k| map.contains_key(*k))
        })
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
