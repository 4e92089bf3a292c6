//! Issue 11, defects 7 and 8, end to end: every unclear error now names the file, the position
//! (byte offset, line) or JSON pointer, and what to do; bad data that used to be accepted
//! silently is refused or reported. Each test runs the real binary on files in a tempdir.

use crate::util::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

fn debrief(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .current_dir(root())
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("DEBRIEF_DATA_DIR")
        .output()
        .expect("the debrief binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `analyze` with the offline baseline and a private history.
fn analyze(dir: &TempDir, paths: &[&Path]) -> Output {
    let data = dir.path().join("data");
    let mut args = vec!["analyze", "--provider", "offline", "--data-dir", s(&data)];
    args.extend(paths.iter().map(|p| s(p)));
    debrief(&args)
}

#[test]
fn latin1_transcripts_load_with_a_note_and_binaries_name_the_byte() {
    let dir = TempDir::new().unwrap();
    let latin1 = write(
        &dir,
        "latin1.txt",
        b"Agent: Bonjour, ici le support\nCustomer: Mon mod\xE8me ne marche plus\n",
    );
    let out = analyze(&dir, &[&latin1]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("latin1.txt: not UTF-8 (byte 0xE8 at byte offset 48 (line 2, column 18)"), "{err}");
    assert!(err.contains("read it as Windows-1252"), "{err}");

    let binary = write(&dir, "call.txt", b"Agent: hi\nCustomer: \x01\x02\x00\x00");
    let err = stderr(&analyze(&dir, &[&binary]));
    assert!(
        err.contains("call.txt looks binary (byte 0x01 at byte offset 20 (line 2, column 11) is not text)"),
        "{err}"
    );
}

#[test]
fn json_transcripts_of_the_wrong_shape_say_what_they_hold() {
    let dir = TempDir::new().unwrap();
    let messages = write(&dir, "m.json", br#"{"messages":"hi"}"#);
    let err = stderr(&analyze(&dir, &[&messages]));
    assert!(err.contains("m.json: `/messages` is a string, not an array of turns"), "{err}");
    for (name, doc, shown) in [
        ("n.json", "null", "null (null)"),
        ("t.json", "true", "boolean (true)"),
        ("s.json", "\"hi\"", "string (\"hi\")"),
    ] {
        let path = write(&dir, name, doc.as_bytes());
        let err = stderr(&analyze(&dir, &[&path]));
        assert!(
            err.contains(&format!(
                "{name}: found a single JSON {shown}, not a conversation; expected an array"
            )),
            "{err}"
        );
    }
}

#[test]
fn spec_shape_errors_name_the_key_and_the_allowed_values() {
    let dir = TempDir::new().unwrap();
    let array = write(&dir, "array.json", br#"[{"name": "x"}]"#);
    let out = debrief(&["lint", "--spec", s(&array)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "array.json: /: the spec is [{\"name\":\"x\"}] (an array), but a spec file is one JSON object"
        ),
        "{}",
        stderr(&out)
    );

    let mut spec: serde_json::Value = serde_json::from_str(debrief::core::spec::TEMPLATES[0].1).unwrap();
    spec["provider"] = serde_json::json!(5);
    let bad = write(&dir, "provider.json", spec.to_string().as_bytes());
    let out = debrief(&["analyze", "--spec", s(&bad), "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("provider.json: /provider: found 5 (a number); use one of \"offline\", \"openai\", \"anthropic\", \"gemini\", \"ollama\", \"openai-compatible\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn utf16_schemas_are_read_and_binary_ones_name_the_byte() {
    let dir = TempDir::new().unwrap();
    let schema = r#"{"type": "object", "properties": {"topic": {"type": "string", "description": "The topic"}}, "required": ["topic"], "additionalProperties": false}"#;
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(schema.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let path = write(&dir, "utf16.json", &utf16);
    let out = debrief(&["lint", "--schema", s(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));

    let binary = write(&dir, "schema.json", b"{\"type\": \"obj\xFF\x00ect\"}");
    let out = debrief(&["lint", "--schema", s(&binary)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("schema.json: not UTF-8 text: byte 0xFF at byte offset 13 (line 1, column 14)"),
        "{err}"
    );
    assert!(err.contains("save the file as UTF-8"), "{err}");
    assert!(!err.contains("stream did not contain valid UTF-8"), "{err}");
}

#[test]
fn a_bad_pattern_is_named_by_its_pointer() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "s.json",
        br#"{"type": "object", "properties": {"phone": {"type": "string", "pattern": "^(\\d{3}"}}}"#,
    );
    let out = debrief(&["analyze", "--schema", s(&path), "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/properties/phone/pattern: "), "{}", stderr(&out));
    let out = debrief(&["lint", "--schema", s(&path), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"/properties/phone/pattern\""), "{}", stdout(&out));
}

#[test]
fn negative_numbers_reach_the_validators() {
    let out = debrief(&["project", "--per-month", "-5", "sample_conversations/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("-5 must be positive"), "{err}");
    assert!(!err.contains("unexpected argument"), "{err}");
    let out = debrief(&["project", "--per-month", "100", "--sample-rate", "-0.5", "sample_conversations/"]);
    assert!(stderr(&out).contains("--sample-rate must be above 0"), "{}", stderr(&out));
}

#[test]
fn a_missing_expected_file_is_reported_once() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let out = debrief(&[
        "analyze",
        "--provider",
        "offline",
        "--data-dir",
        s(&data),
        "sample_conversations/account_address_change.txt",
    ]);
    let line: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap_or("{}")).unwrap();
    let run = line["run_id"].to_string();
    let missing = dir.path().join("nope.jsonl");
    let out = debrief(&["eval", &run, "--expected", s(&missing), "--data-dir", s(&data)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot read the label file {}", missing.display())), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

#[test]
fn bad_csv_and_subtitle_data_is_refused_or_reported_with_lines() {
    let dir = TempDir::new().unwrap();
    let open =
        write(&dir, "open.csv", b"speaker,text\nAgent,Hello\nCustomer,\"My router\nAgent,Let me check\n");
    let err = stderr(&analyze(&dir, &[&open]));
    assert!(err.contains("open.csv: line 3: a quote opened here is never closed"), "{err}");
    let ragged = write(&dir, "ragged.csv", b"speaker,text\nAgent,Hello\nCustomer\nAgent,Hi, how are you\n");
    let out = analyze(&dir, &[&ragged]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: ") && err.contains("ragged.csv: line 3: 1 field(s) where the header has 2"),
        "{err}"
    );
    assert!(err.contains("ragged.csv: line 4: 3 field(s) where the header has 2"), "{err}");
    let vtt = write(&dir, "bad.vtt", b"WEBVTT\n\n99:99:99.999 --> 00:00:01.000\nAgent: hi\n");
    let err = stderr(&analyze(&dir, &[&vtt]));
    assert!(
        err.contains("bad.vtt: line 3: `99:99:99.999 --> 00:00:01.000` is not a valid cue timing"),
        "{err}"
    );
    let srt = write(&dir, "bad.srt", b"1\n00:00:0,300 -->\nAgent: hi\n");
    let err = stderr(&analyze(&dir, &[&srt]));
    assert!(err.contains("bad.srt: line 2: `00:00:0,300 -->` is not a valid cue timing"), "{err}");
}

#[test]
fn webvtt_and_extensionless_files_in_a_folder_are_not_skipped_silently() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("zoom.webvtt"), "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAgent: hello\n")
        .unwrap();
    std::fs::write(folder.join("call-7"), "Agent: hi\nCustomer: my card is lost\n").unwrap();
    std::fs::write(folder.join("NOTES"), "nothing to see\n").unwrap();
    let out = analyze(&dir, &[&folder]);
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["conversation_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?} {}", stderr(&out));
    assert!(ids.contains(&"zoom".to_string()) && ids.contains(&"call-7".to_string()), "{ids:?}");
    assert!(
        stderr(&out).contains("NOTES: skipped: it has no extension and is not a transcript"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lint_fails_on_impossible_settings_typos_contradictions_cycles_and_empty_roots() {
    let dir = TempDir::new().unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(debrief::core::spec::TEMPLATES[0].1).unwrap();
    spec["temperature"] = serde_json::json!(-5);
    spec["max_output_tokens"] = serde_json::json!(0);
    spec["policy"] = serde_json::json!({"sample_rate": -0.5});
    let path = write(&dir, "spec.json", spec.to_string().as_bytes());
    let out = debrief(&["lint", "--spec", s(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    for pointer in ["/temperature: error", "/max_output_tokens: error", "/policy/sample_rate: error"] {
        assert!(text.contains(&format!("spec.json:{pointer}")), "{pointer}: {text}");
    }

    for (schema, needle) in [
        (
            r#"{"type": "object", "properties": {"t": {"type": "string", "enumm": ["a", "b"]}}}"#,
            "/properties/t/enumm: error: `enumm` is not a JSON Schema keyword",
        ),
        (
            r#"{"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}}}"#,
            "/properties/n/minimum: error: `minimum` 5 is above `maximum` 1",
        ),
        (
            r##"{"type": "object", "properties": {"x": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}"##,
            "/$defs/a/$ref: error: `$ref` cycle",
        ),
        (r#"{"type": "object"}"#, "(root): error: the root must be an object schema"),
    ] {
        let path = write(&dir, "schema.json", schema.as_bytes());
        let out = debrief(&["lint", "--schema", s(&path)]);
        assert_eq!(out.status.code(), Some(1), "{schema}: {}", stdout(&out));
        assert!(stdout(&out).contains(needle), "{needle}: {}", stdout(&out));
    }
}
