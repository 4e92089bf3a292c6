//! Expected values ("labels"): what a person says the analysis of a conversation should be.
//!
//! Labels come from two places. A label file, `expected.jsonl`, holds one line per conversation:
//! `{"conversation_id": "...", "expected": {"topic": "billing", "resolved": true}}`. And a JSON
//! transcript may carry its own `expected` object, which the importer keeps on
//! [`Conversation::expected`]; [`LabelSet::from_conversations`] collects those.
//!
//! A label file is read whole or not at all: evaluating against half the labels would print
//! confident numbers about the wrong set. So every bad line is reported, each as `file:line`
//! with what is wrong and what a good line looks like, and the caller gets no labels.

use crate::core::transcript::Conversation;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a good line looks like, quoted in errors.
const LINE_HELP: &str = r#"each line must be {"conversation_id": "...", "expected": {"field": value, ...}}"#;

/// The labels of one conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelEntry {
    pub conversation_id: String,
    /// Field name → expected value. Fields not listed are not labelled (not scored).
    pub expected: Map<String, Value>,
    /// Where the labels came from: `path:line` or the transcript's source.
    pub origin: String,
}

/// Labels by conversation id, in the order they were read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSet {
    entries: Vec<LabelEntry>,
    /// Id → position in `entries`: lookups are O(1), so pairing a run with its labels is linear.
    index: HashMap<String, usize>,
}

/// One bad line of a label file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

/// Why labels could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ExpectedError {
    // The OS reason is in the message and deliberately not a `source`: shown with `{:#}` it
    // would otherwise be printed twice.
    #[error("cannot read the label file {path}: {reason}")]
    Io { path: PathBuf, reason: std::io::Error },
    #[error("{path} holds no labels; {LINE_HELP}")]
    Empty { path: PathBuf },
    #[error("{}", lines_message(path, problems))]
    Lines { path: PathBuf, problems: Vec<LineProblem> },
    #[error(
        "conversation {conversation_id} is labelled twice, in {first} and {second}; \
         keep one set of labels per conversation"
    )]
    Conflict { conversation_id: String, first: String, second: String },
}

fn lines_message(path: &Path, problems: &[LineProblem]) -> String {
    let mut out = format!("{} bad line(s) in the label file; {LINE_HELP}", problems.len());
    for p in problems {
        out.push_str(&format!("\n  {}:{}: {}", path.display(), p.line, p.message));
    }
    out
}

impl LabelSet {
    /// The labels of `conversation_id`, if it has any.
    pub fn get(&self, conversation_id: &str) -> Option<&Map<String, Value>> {
        self.index.get(conversation_id).map(|&i| &self.entries[i].expected)
    }

    /// Every entry, in reading order.
    pub fn entries(&self) -> &[LabelEntry] {
        &self.entries
    }

    /// Number of labelled conversations.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No labels at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Add one conversation's labels; a second entry for the same id is a conflict.
    pub fn insert(&mut self, entry: LabelEntry) -> Result<(), ExpectedError> {
        if let Some(&i) = self.index.get(&entry.conversation_id) {
            return Err(ExpectedError::Conflict {
                conversation_id: entry.conversation_id,
                first: self.entries[i].origin.clone(),
                second: entry.origin,
            });
        }
        self.index.insert(entry.conversation_id.clone(), self.entries.len());
        self.entries.push(entry);
        Ok(())
    }

    /// Add every entry of `other` (a label file plus embedded labels, say). Conflicts stop it.
    pub fn merge(&mut self, other: LabelSet) -> Result<(), ExpectedError> {
        other.entries.into_iter().try_for_each(|e| self.insert(e))
    }

    /// Labels embedded in transcripts (`Conversation::expected`, an `expected` object in a JSON
    /// transcript). Conversations without one are left out; two labelled conversations with the
    /// same id are a conflict, not a guess.
    pub fn from_conversations(conversations: &[Conversation]) -> Result<LabelSet, ExpectedError> {
        let mut set = LabelSet::default();
        for c in conversations {
            if let Some(Value::Object(expected)) = &c.expected {
                set.insert(LabelEntry {
                    conversation_id: c.id.clone(),
                    expected: expected.clone(),
                    origin: c.source.clone(),
                })?;
            }
        }
        Ok(set)
    }
}

/// Read a label file (`expected.jsonl`).
pub fn load_expected(path: &Path) -> Result<LabelSet, ExpectedError> {
    let text = std::fs::read_to_string(path)
        .map_err(|reason| ExpectedError::Io { path: path.to_path_buf(), reason })?;
    parse_expected(path, &text)
}

/// Parse a label file's text; `path` is only used in messages and origins. Blank lines are
/// skipped; every other line must be a label record, and ids must be unique.
pub fn parse_expected(path: &Path, text: &str) -> Result<LabelSet, ExpectedError> {
    let mut set = LabelSet::default();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok((conversation_id, expected)) => {
                let origin = format!("{}:{number}", path.display());
                if let Err(ExpectedError::Conflict { first, .. }) =
                    set.insert(LabelEntry { conversation_id: conversation_id.clone(), expected, origin })
                {
                    problems.push(LineProblem {
                        line: number,
                        message: format!(
                            "conversation {conversation_id:?} is already labelled at {first}; \
                             keep one line per conversation"
                        ),
                    });
                }
            }
            Err(message) => problems.push(LineProblem { line: number, message }),
        }
    }
    if !problems.is_empty() {
        return Err(ExpectedError::Lines { path: path.to_path_buf(), problems });
    }
    if set.is_empty() {
        return Err(ExpectedError::Empty { path: path.to_path_buf() });
    }
    Ok(set)
}

fn parse_line(line: &str) -> Result<(String, Map<String, Value>), String> {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| format!("not valid JSON ({e}); write one JSON object per line"))?;
    let Value::Object(mut map) = value else {
        return Err(format!("a JSON {}, not an object", type_name(&value)));
    };
    let id = match map.remove("conversation_id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => return Err("\"conversation_id\" is empty".into()),
        // Numeric ids in hand-written files are common; they mean their text.
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(format!("\"conversation_id\" is a JSON {}; write it as a string", type_name(&other)));
        }
        None => {
            return Err("no \"conversation_id\"; use the id `debrief` shows for the conversation \
                        (the transcript's own id, or its file name without the extension)"
                .into());
        }
    };
    match map.remove("expected") {
        Some(Value::Object(expected)) => Ok((id, expected)),
        Some(other) => Err(format!(
            "\"expected\" is a JSON {}; it must be an object of field → value",
            type_name(&other)
        )),
        None => Err(format!("no \"expected\" object for conversation {id:?}")),
    }
}

fn type_name(value: &Value) -> &'static str {
    crate::core::transcript::json_kind(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_sample_label_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_conversations/expected.jsonl");
        let set = load_expected(&path).unwrap();
        assert_eq!(set.len(), 29);
        let first = set.get("support_billing_double_charge").unwrap();
        assert_eq!(first["topic"], json!("billing"));
        assert_eq!(first["resolved"], json!(true));
        assert!(set.entries()[0].origin.ends_with("expected.jsonl:1"));
    }

    #[test]
    fn every_bad_line_is_named_with_file_and_line() {
        let text = "{\"conversation_id\": \"a\", \"expected\": {\"x\": 1}}\n\
                    \n\
                    not json\n\
                    [1, 2]\n\
                    {\"expected\": {}}\n\
                    {\"conversation_id\": \"b\", \"expected\": \"billing\"}\n\
                    {\"conversation_id\": \"a\", \"expected\": {\"x\": 2}}\n";
        let err = parse_expected(Path::new("labels.jsonl"), text).unwrap_err();
        let ExpectedError::Lines { problems, .. } = &err else { panic!("{err}") };
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7]);
        let message = err.to_string();
        assert!(message.contains("labels.jsonl:3: not valid JSON"), "{message}");
        assert!(message.contains("labels.jsonl:4: a JSON array, not an object"), "{message}");
        assert!(message.contains("labels.jsonl:5: no \"conversation_id\""), "{message}");
        assert!(message.contains("labels.jsonl:6: \"expected\" is a JSON string"), "{message}");
        assert!(message.contains("labels.jsonl:7: conversation \"a\" is already labelled at labels.jsonl:1"));
        assert!(message.contains(LINE_HELP));
    }

    #[test]
    fn a_missing_label_file_gives_the_os_reason_once() {
        let err = load_expected(Path::new("/nonexistent/expected.jsonl")).unwrap_err();
        let text = format!("{:#}", anyhow::Error::from(err));
        assert!(
            text.starts_with("cannot read the label file /nonexistent/expected.jsonl: No such file"),
            "{text}"
        );
        assert_eq!(text.matches("No such file").count(), 1, "{text}");
    }

    #[test]
    fn empty_file_and_numeric_ids() {
        assert!(matches!(parse_expected(Path::new("e.jsonl"), "\n  \n"), Err(ExpectedError::Empty { .. })));
        let set =
            parse_expected(Path::new("e.jsonl"), "{\"conversation_id\": 42, \"expected\": {}}").unwrap();
        assert!(set.get("42").is_some());
    }

    #[test]
    fn embedded_labels_come_from_conversations() {
        let conversation = |id: &str, expected: Option<Value>| Conversation {
            id: id.into(),
            turns: Vec::new(),
            metadata: Default::default(),
            expected,
            source: format!("{id}.json"),
        };
        let conversations = [
            conversation("c1", Some(json!({"resolved": true}))),
            conversation("c2", None),
            conversation("c3", Some(json!("not an object"))),
        ];
        let mut set = LabelSet::from_conversations(&conversations).unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set.get("c1").unwrap()["resolved"], json!(true));

        let file =
            parse_expected(Path::new("e.jsonl"), "{\"conversation_id\": \"c1\", \"expected\": {}}").unwrap();
        let err = set.merge(file).unwrap_err().to_string();
        assert!(err.contains("c1 is labelled twice, in c1.json and e.jsonl:1"), "{err}");
    }
}
