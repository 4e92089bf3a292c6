//! `debrief lint` end to end: the templates are clean for every provider, a poor schema gets
//! the expected codes, the output formats, and the exit codes 0 / 1 / 2.

use crate::util::root;
use debrief::core::spec::{ProviderKind, TEMPLATES};
use serde_json::{Value, json};
use std::process::{Command, Output};
use tempfile::TempDir;

fn debrief(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .current_dir(root())
        .env_remove("OPENAI_API_KEY")
        .env_remove("DEBRIEF_DATA_DIR")
        .output()
        .expect("the debrief binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

fn codes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["pointer"].as_str().unwrap().to_string()))
        .collect()
}

/// A schema that breaks most of the best practices.
const POOR: &str = r#"{
  "type": "object",
  "properties": {
    "summary": {"type": "string", "description": "What happened"},
    "brief_summary": {"type": "string"},
    "sentiment": {"type": "string", "description": "How the customer felt"},
    "topic": {"type": "string", "enum": ["billing", "sales"], "description": "Main topic"},
    "effort": {"type": "integer", "description": "Customer effort, 1-5"}
  }
}"#;

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn every_template_is_free_of_errors_for_every_provider() {
    for (name, _) in TEMPLATES {
        for provider in ProviderKind::ALL {
            let out = debrief(&["lint", "--template", name, "--provider", provider.as_str(), "--json"]);
            assert_eq!(out.status.code(), Some(0), "{name} for {provider}: {}{}", stdout(&out), stderr(&out));
            let report = json_report(&out);
            assert_eq!(report["counts"]["error"], 0, "{name} for {provider}: {report:#}");
            assert_eq!(report["provider"], provider.as_str());
            assert_eq!(report["source"], *name);
        }
    }
}

#[test]
fn a_poor_schema_gets_the_expected_findings_and_exit_0() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "poor.json", POOR);
    let out = debrief(&["lint", "--schema", &path, "--json"]);
    assert_eq!(out.status.code(), Some(0), "warnings only: {}", stderr(&out));
    let report = json_report(&out);
    let found = codes(&report);
    let expect = |code: &str, pointer: &str| {
        assert!(
            found.contains(&(code.to_string(), pointer.to_string())),
            "{code} at {pointer:?} in {found:#?}"
        )
    };
    expect("missing-required", "");
    expect("missing-description", "/properties/brief_summary");
    expect("near-duplicate-field", "/properties/brief_summary");
    expect("free-text-category", "/properties/sentiment");
    expect("enum-without-catch-all", "/properties/topic");
    expect("unbounded-number", "/properties/effort");
    assert_eq!(report["provider"], Value::Null, "--schema without --provider: best practices only");
    assert!(found.iter().all(|(c, _)| !c.starts_with("provider-")), "{found:?}");
    assert_eq!(report["counts"], json!({"error": 0, "warning": found.len(), "info": 0}));
    // Every finding has the documented fields; the effort fix sets the stated range.
    let effort =
        report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "unbounded-number").unwrap();
    for key in ["code", "severity", "pointer", "message", "fix"] {
        assert!(effort.get(key).is_some(), "{key} in {effort}");
    }
    assert_eq!(effort["severity"], "warning");
    assert_eq!(
        effort["fix"]["ops"][0],
        json!({"op": "set", "pointer": "/properties/effort/minimum", "value": 1})
    );
    assert_eq!(
        effort["fix"]["ops"][1],
        json!({"op": "set", "pointer": "/properties/effort/maximum", "value": 5})
    );
}

#[test]
fn human_output_is_one_line_per_finding_with_fixes_and_a_summary() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "poor.json", POOR);
    let out = debrief(&["lint", "--schema", &path, "--provider", "openai"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&format!("{path}:(root): warning: the schema has no `required` list, so every field is optional and a model may leave any of them out; list the fields that must always be present in `required`").as_str()), "{text}");
    assert!(lines.contains(&"    fix: Require all 5 fields"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{path}:/properties/topic: warning: `topic` has no catch-all"))),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{path}:/additionalProperties: note: openai: "))),
        "{text}"
    );
    let count = |word: &str| {
        let n = lines.iter().filter(|l| l.contains(&format!(": {word}: "))).count();
        if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
    };
    assert_eq!(*lines.last().unwrap(), format!("0 errors, {}, {}", count("warning"), count("note")));
}

#[test]
fn errors_exit_1_and_name_their_pointer() {
    let dir = TempDir::new().unwrap();
    let invalid = write(
        &dir,
        "invalid.json",
        r#"{"type": "object", "properties": {"a": {"type": "strng", "description": "d"}}, "required": ["a"]}"#,
    );
    let out = debrief(&["lint", "--schema", &invalid]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("{invalid}:/properties/a/type: error: \"strng\" is not valid")),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).lines().last().unwrap().starts_with("1 error, "));
    // Valid JSON Schema, but OpenAI strict mode refuses a root `anyOf`.
    let union = write(
        &dir,
        "union.json",
        r#"{"anyOf": [{"type": "object", "properties": {"a": {"type": "string", "description": "d"}}, "required": ["a"]}]}"#,
    );
    let out = debrief(&["lint", "--schema", &union, "--provider", "openai", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_report(&out);
    assert!(report["counts"]["error"].as_u64().unwrap() >= 1, "{report:#}");
    let out = debrief(&["lint", "--schema", &union, "--provider", "openai-compatible"]);
    assert_eq!(out.status.code(), Some(1), "the root must be an object for every provider: {}", stdout(&out));
}

#[test]
fn a_spec_file_is_linted_for_its_own_provider_unless_told_otherwise() {
    let dir = TempDir::new().unwrap();
    let mut spec: Value = serde_json::from_str(TEMPLATES[0].1).unwrap();
    spec["provider"] = json!("openai");
    spec["model"] = json!("gpt-4o-mini");
    let path = write(&dir, "spec.json", &spec.to_string());
    let report = json_report(&debrief(&["lint", "--spec", &path, "--json"]));
    assert_eq!(report["provider"], "openai");
    assert!(codes(&report).iter().any(|(c, _)| c == "provider-dropped"), "{report:#}");
    let report = json_report(&debrief(&["lint", "--spec", &path, "--provider", "offline", "--json"]));
    assert_eq!(report["provider"], "offline");
    assert!(codes(&report).iter().all(|(c, _)| !c.starts_with("provider-")), "{report:#}");
}

#[test]
fn unreadable_input_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let broken = write(&dir, "broken.json", "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}");
    let out = debrief(&["lint", "--schema", &broken]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("{broken}:3:18: JSON syntax error")), "{}", stderr(&out));
    let missing = dir.path().join("nope.json").display().to_string();
    let out = debrief(&["lint", "--schema", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&missing), "{}", stderr(&out));
    let bad_spec = write(&dir, "spec.json", "{\"name\": \"x\",\n \"schema\": }");
    let out = debrief(&["lint", "--spec", &bad_spec]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("{bad_spec}:2:")), "{}", stderr(&out));
    for args in [
        &["lint"][..],
        &["lint", "--template", "no_such_template"],
        &["lint", "--template", "post_analysis", "--provider", "nope"],
        &["lint", "--schema", &broken, "--template", "post_analysis"],
    ] {
        assert_eq!(debrief(args).status.code(), Some(2), "{args:?}");
    }
}
