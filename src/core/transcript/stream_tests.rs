use super::*;
use crate::core::transcript::{Conversation, load_paths, parse_jsonl_lines};
use std::fs;

/// A JSON Lines text just over [`STREAM_OVER`]: `n` calls, with a bad line and a blank line.
fn big_jsonl() -> String {
    let mut text = String::from("\u{feff}");
    let filler = "x".repeat(400);
    let mut i = 0;
    while text.len() as u64 <= STREAM_OVER {
        i += 1;
        if i == 7 {
            text.push_str("{not json}\n\n");
            continue;
        }
        text.push_str(&format!(
            "{{\"id\": \"call-{i}\", \"turns\": [{{\"speaker\": \"customer\", \"text\": \"charged twice {filler}\"}}]}}\n"
        ));
    }
    text
}

fn ids(items: &[Loaded]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Loaded::Conversation(c) => Some(c.id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_big_jsonl_file_streams_the_same_conversations_and_errors_as_a_whole_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    let text = big_jsonl();
    fs::write(&path, &text).unwrap();
    let corpus = Corpus::walk(std::slice::from_ref(&path), LoadOptions::default());
    let planned = corpus.planned();
    let items: Vec<Loaded> = corpus.stream().collect();

    let (whole, whole_errors): (Vec<Conversation>, _) =
        parse_jsonl_lines(&path, text.trim_start_matches('\u{feff}'));
    let whole_ids: Vec<String> = whole.iter().map(|c| c.id.clone()).collect();
    assert!(whole_ids.len() > 10_000, "{}", whole_ids.len());
    assert_eq!(ids(&items), whole_ids);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| if let Loaded::Error(e) = i { Some(e.to_string()) } else { None })
        .collect();
    let expected: Vec<String> = whole_errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors, expected);
    assert!(errors[0].contains("line 7: invalid JSON"), "{errors:?}");
    assert_eq!(planned, whole_ids.len() + 1, "non-blank lines, the bad one included");
    let first =
        items.iter().find_map(|i| if let Loaded::Conversation(c) = i { Some(c) } else { None }).unwrap();
    assert_eq!(first.source, format!("{}:1", path.display()), "the BOM is not part of line 1");
}

#[test]
fn files_are_read_only_when_the_stream_reaches_them() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.txt"] {
        fs::write(dir.path().join(name), format!("Agent: hello from {name}\nCustomer: hi")).unwrap();
    }
    let mut stream = Corpus::walk(&[dir.path().to_path_buf()], LoadOptions::default()).stream();
    let Some(Loaded::Conversation(first)) = stream.next() else { panic!("a conversation first") };
    assert_eq!(first.id, "a");
    // b.txt was walked but not read: removing it now is seen as a read error, not as a call.
    fs::remove_file(dir.path().join("b.txt")).unwrap();
    let rest: Vec<Loaded> = stream.collect();
    assert!(matches!(rest.as_slice(), [Loaded::Error(ImportError::Io { .. })]), "{rest:?}");
}

#[test]
fn big_label_files_duplicates_and_bad_bytes_are_handled_like_small_ones() {
    let dir = tempfile::tempdir().unwrap();
    let calls = big_jsonl();
    fs::write(dir.path().join("a.jsonl"), &calls).unwrap();
    fs::write(dir.path().join("b.jsonl"), &calls).unwrap();
    let mut labels = String::new();
    while labels.len() as u64 <= STREAM_OVER {
        labels.push_str("{\"conversation_id\": \"call-1\", \"expected\": {\"resolved\": true}}\n");
    }
    fs::write(dir.path().join("expected.jsonl"), &labels).unwrap();
    let mut latin1 = calls.clone().into_bytes();
    latin1.extend_from_slice(
        b"{\"id\": \"caf\xe9\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"ok\"}]}\n",
    );
    fs::write(dir.path().join("c.ndjson"), &latin1).unwrap();

    let import = load_paths(&[dir.path().to_path_buf()]);
    let notes = import.notes.join("\n");
    assert!(notes.contains("b.jsonl: skipped, same content as"), "{notes}");
    assert_eq!(import.skipped, [dir.path().join("expected.jsonl")]);
    let bad: Vec<String> =
        import.errors.iter().map(ToString::to_string).filter(|e| e.contains("UTF-8")).collect();
    assert_eq!(bad.len(), 1, "{:?}", import.errors);
    assert!(bad[0].contains("c.ndjson: line") && bad[0].contains("iconv"), "{bad:?}");
    let per_file = import.conversations.len() / 2;
    assert!(import.conversations.iter().take(per_file).all(|c| c.source.contains("a.jsonl")));
    assert!(import.conversations.iter().skip(per_file).all(|c| c.source.contains("c.ndjson")));
}

#[test]
fn a_big_file_of_blank_lines_is_empty_as_a_small_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.jsonl");
    fs::write(&path, "\n".repeat(STREAM_OVER as usize + 1)).unwrap();
    let corpus = Corpus::walk(std::slice::from_ref(&path), LoadOptions::default());
    assert_eq!(corpus.planned(), 0);
    let items: Vec<Loaded> = corpus.stream().collect();
    assert!(matches!(items.as_slice(), [Loaded::Error(ImportError::Empty { .. })]), "{items:?}");
}
