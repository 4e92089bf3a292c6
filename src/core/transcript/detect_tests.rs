//! Unit tests for `detect.rs`: content-first format choice and the two public entry points
//! (decoding has its tests in `decode.rs`).

use super::*;
use crate::core::transcript::Speaker;

fn format_of(name: &str, text: &str) -> Format {
    detect(Path::new(name), text)
}

#[test]
fn content_beats_extension() {
    assert_eq!(format_of("a.txt", r#"{"turns": []}"#), Format::Json);
    assert_eq!(format_of("a.txt", "[{\"role\": \"user\"}]"), Format::Json);
    assert_eq!(format_of("a.json", "Agent: hi\nCustomer: yo"), Format::Text);
    assert_eq!(format_of("a.txt", "WEBVTT\n\n00:01.000 --> 00:02.000\nhi"), Format::Subtitles);
    assert_eq!(format_of("a.txt", "1\n00:00:01,000 --> 00:00:02,000\nhi"), Format::Subtitles);
    assert_eq!(format_of("a.txt", "speaker,text\nAgent,hi"), Format::Table);
    assert_eq!(format_of("a.txt", "{\"a\": 1}\n{\"b\": 2}\n"), Format::Jsonl);
    assert_eq!(format_of("a.jsonl", "{\"a\": 1}"), Format::Jsonl);
    // Text whose first line starts with a timestamp in brackets is not JSON.
    assert_eq!(format_of("a.txt", "[00:01] Agent: hi\n[00:03] Customer: yo"), Format::Text);
    assert_eq!(format_of("notes", "Agent: hi"), Format::Text);
}

#[test]
fn extension_breaks_ties_for_broken_files() {
    assert_eq!(format_of("a.json", "[oops"), Format::Json);
    assert_eq!(format_of("a.txt", "{oops"), Format::Json);
    assert_eq!(format_of("a.vtt", "00:01.000 --> 00:02.000\nhi"), Format::Subtitles);
    assert_eq!(format_of("a.csv", "name,age\n"), Format::Table);
}

#[test]
fn json_files_holding_a_scalar_say_what_they_hold() {
    for (doc, shown) in [
        ("null", "JSON null (null)"),
        ("true", "JSON boolean (true)"),
        ("5", "JSON number (5)"),
        ("\"hi\"", "JSON string (\"hi\")"),
    ] {
        let err = parse_bytes(Path::new("in/x.json"), doc.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with(&format!("in/x.json: found a single {shown}, not a conversation")), "{err}");
        assert!(err.contains("expected an array of {role, content} messages"), "{err}");
    }
    // In a `.txt` a bare word is text, not JSON.
    assert_eq!(format_of("a.txt", "true"), Format::Text);
}

#[test]
fn latin1_is_imported_with_a_warning() {
    let import =
        parse_bytes_report(Path::new("in/latin1.txt"), b"Agent: Bonjour\nCustomer: Merci, tr\xE8s bien\n");
    assert_eq!(import.conversations.len(), 1);
    assert_eq!(import.conversations[0].turns[1].text, "Merci, très bien");
    let warning = import.warnings[0].to_string();
    assert!(
        warning.starts_with("in/latin1.txt: not UTF-8 (byte 0xE8 at byte offset 34 (line 2, column 20)"),
        "{warning}"
    );
}

#[test]
fn parse_bytes_errors_name_the_file() {
    let err = parse_bytes(Path::new("in/empty.txt"), b"   ").unwrap_err();
    assert!(matches!(err, ImportError::Empty { .. }));
    assert_eq!(err.path(), Path::new("in/empty.txt"));
    let err = parse_bytes(Path::new("in/audio.txt"), b"RIFF\0\0WAVE").unwrap_err();
    assert!(err.to_string().starts_with("in/audio.txt looks binary"), "{err}");
    let err = parse_bytes(Path::new("in/bad.json"), b"{\"turns\": [").unwrap_err();
    assert!(err.to_string().contains("invalid JSON at line 1"), "{err}");
    let labels = b"{\"conversation_id\": \"c\", \"expected\": {\"x\": 1}}\n";
    let err = parse_bytes(Path::new("expected.jsonl"), labels).unwrap_err();
    assert!(err.to_string().contains("evaluation labels"), "{err}");
}

#[test]
fn same_conversation_in_every_format_hashes_the_same() {
    // Subtitles must escape `&` as `&amp;` (WebVTT); the other formats write it as it is.
    let inputs: [(&str, &[u8]); 6] = [
        ("a.txt", b"\xEF\xBB\xBFAgent: Hello & welcome\nCustomer: My card is lost\n"),
        (
            "b.json",
            br#"{"id": "x", "messages": [{"role": "assistant", "content": "Hello & welcome"},
                {"role": "user", "content": "My card is lost"}]}"#,
        ),
        (
            "c.vtt",
            b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Agent>Hello &amp; welcome\n\n\
              00:03.000 --> 00:04.000\n<v Customer>My card\n\n00:04.000 --> 00:05.000\n<v Customer>is lost\n",
        ),
        ("d.csv", b"role,text\nagent,Hello & welcome\ncaller,My card is lost\n"),
        (
            "e.jsonl",
            br#"{"transcript": [{"role": "agent", "message": "Hello & welcome"}, {"role": "user", "message": "My card is lost"}]}"#,
        ),
        (
            "f.srt",
            b"1\n00:00:01,000 --> 00:00:02,000\nRep: Hello &amp; welcome\n\n\
              2\n00:00:03,000 --> 00:00:04,000\nClient: My card is lost\n",
        ),
    ];
    let mut hashes = Vec::new();
    for (name, bytes) in inputs {
        let convs = parse_bytes(Path::new(name), bytes).unwrap();
        assert_eq!(convs.len(), 1, "{name}");
        let speakers: Vec<Speaker> = convs[0].turns.iter().map(|t| t.speaker).collect();
        assert_eq!(speakers, [Speaker::Agent, Speaker::Customer], "{name}");
        assert_eq!(convs[0].turns[0].text, "Hello & welcome", "{name}");
        hashes.push(convs[0].content_hash());
    }
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
}

#[test]
fn report_keeps_line_errors_and_skips_labels() {
    let text = b"{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n{broken\n";
    let import = parse_bytes_report(Path::new("b.jsonl"), text);
    assert_eq!(import.conversations.len(), 1);
    assert_eq!(import.errors.len(), 1);
    assert_eq!(parse_bytes(Path::new("b.jsonl"), text).unwrap().len(), 1);
    let labels = b"{\"conversation_id\": \"c\", \"expected\": {}}\n";
    let import = parse_bytes_report(Path::new("expected.jsonl"), labels);
    assert!(import.conversations.is_empty() && import.errors.is_empty());
    assert_eq!(import.skipped, [Path::new("expected.jsonl").to_path_buf()]);
}
