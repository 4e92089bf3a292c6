//! `debrief compare` end to end: two offline batches over `sample_conversations/` into one
//! history, the second with an edited prompt and a schema whose `topic` enum lost `sales`, so
//! every conversation run A called "sales" must change in run B.

use crate::util::root;
use debrief::core::spec::AnalysisSpec;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

fn debrief(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_debrief"));
    cmd.args(args).arg("--data-dir").arg(data);
    cmd.current_dir(root()).env_remove("OPENAI_BASE_URL").env_remove("DEBRIEF_DATA_DIR");
    cmd.output().unwrap()
}

fn batch(data: &Path, args: &[&str]) {
    let mut all = vec!["batch"];
    all.extend_from_slice(args);
    let out = debrief(data, &all);
    assert!(out.status.success(), "batch {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Run 1: the post_analysis template. Run 2: the same with an edited prompt (the `general`
/// definition removed, one line added) and `sales` removed from the `topic` enum.
fn two_runs() -> TempDir {
    let dir = TempDir::new().unwrap();
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let prompt = spec.prompt.replace("   - general: General inquiries, account management\n", "")
        + "\nKeep the summary short.";
    let mut schema = spec.schema.clone();
    schema["properties"]["topic"]["enum"] =
        serde_json::json!(["billing", "technical_support", "general", "complaint"]);
    let (prompt_path, schema_path) = (dir.path().join("prompt.txt"), dir.path().join("schema.json"));
    std::fs::write(&prompt_path, prompt).unwrap();
    std::fs::write(&schema_path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();
    let data = dir.path().join("data");
    batch(&data, &["--template", "post_analysis", "sample_conversations/"]);
    let (p, s) = (prompt_path.to_string_lossy(), schema_path.to_string_lossy());
    batch(&data, &["--template", "post_analysis", "--prompt", &p, "--schema", &s, "sample_conversations/"]);
    dir
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn compare_json_reports_fields_changes_accuracy_and_diffs() {
    let dir = two_runs();
    let data = dir.path().join("data");
    let expected = root().join("sample_conversations/expected.jsonl");
    let c =
        json_of(&debrief(&data, &["compare", "1", "2", "--json", "--expected", expected.to_str().unwrap()]));
    assert_eq!((c["run_a"].as_i64(), c["run_b"].as_i64()), (Some(1), Some(2)));
    let shared = c["shared"].as_u64().unwrap();
    assert_eq!(shared, 29);
    assert_eq!(c["a"]["conversations"], shared);
    assert_eq!((c["only_a"].as_u64(), c["only_b"].as_u64()), (Some(0), Some(0)));
    assert_ne!(c["a"]["spec_version"], c["b"]["spec_version"]);

    let fields = c["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(names, ["summary", "topic", "resolved", "sentiment", "follow_up_needed", "follow_up_notes"]);
    for f in fields {
        let (compared, agreed) = (f["compared"].as_u64().unwrap(), f["agreed"].as_u64().unwrap());
        assert_eq!(agreed + f["changes"].as_array().unwrap().len() as u64, compared, "{f}");
        assert!(compared <= shared);
    }
    let topic = &fields[1];
    assert_eq!(topic["kind"], "class");
    assert!(topic["kappa"].is_number(), "{topic}");
    let changes = topic["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "run B cannot answer \"sales\": {topic}");
    assert!(changes.iter().all(|ch| ch["new"] != "sales" && ch["conversation_id"].is_string()), "{topic}");
    assert!(changes.iter().any(|ch| ch["old"] == "sales"), "{topic}");

    let accuracy = &c["accuracy"];
    assert_eq!(accuracy["labelled"], shared);
    let acc_topic = accuracy["fields"].as_array().unwrap().iter().find(|f| f["field"] == "topic").unwrap();
    assert_eq!((acc_topic["n_a"].as_u64(), acc_topic["n_b"].as_u64()), (Some(shared), Some(shared)));
    let (a, b) = (acc_topic["a"].as_f64().unwrap(), acc_topic["b"].as_f64().unwrap());
    assert!((acc_topic["delta"].as_f64().unwrap() - (b - a)).abs() < 1e-12);

    // Offline results cost nothing, and the cost is known.
    assert_eq!(c["totals"]["a"]["cost_usd"], 0.0);
    assert_eq!(c["totals"]["delta"]["cost_usd"], 0.0);

    let spec = &c["spec"];
    assert_eq!(spec["same_version"], false);
    let prompt_diff = spec["prompt_diff"].as_str().unwrap();
    assert!(prompt_diff.starts_with("--- run A\n+++ run B\n"), "{prompt_diff}");
    assert!(
        prompt_diff.contains("\n-   - general: General inquiries, account management\n"),
        "{prompt_diff}"
    );
    assert!(prompt_diff.contains("\n+Keep the summary short.\n"), "{prompt_diff}");
    assert!(spec["schema_diff"].as_str().unwrap().contains("-        \"sales\",\n"), "{spec}");
    assert_eq!(spec["settings"], serde_json::json!([]));
}

#[test]
fn compare_prints_a_text_report_and_a_run_with_itself_agrees() {
    let dir = two_runs();
    let data = dir.path().join("data");
    let out = debrief(&data, &["compare", "1", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("A = run 1, B = run 2\n"), "{text}");
    assert!(text.contains("shared conversations: 29"), "{text}");
    assert!(text.contains("\ntopic changed in "), "{text}");
    assert!(text.contains("\nprompt diff:\n--- run A\n+++ run B\n"), "{text}");
    assert!(text.contains("\nschema diff:\n"), "{text}");

    let c = json_of(&debrief(&data, &["compare", "2", "2", "--json"]));
    assert_eq!(c["spec"]["same_version"], true);
    assert!(c["fields"].as_array().unwrap().iter().all(|f| f["agreement"] == 1.0), "{c}");
    assert!(c["accuracy"].is_null(), "no labels given, none embedded in the sample transcripts");
}

#[test]
fn compare_unknown_runs_and_disjoint_runs_exit_2_and_say_what_to_do() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    batch(&data, &["--template", "post_analysis", "sample_conversations/support_password_reset.txt"]);
    batch(&data, &["--template", "post_analysis", "sample_conversations/qa_textbook_good_call.txt"]);

    let out = debrief(&data, &["compare", "1", "99"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run 99 has no results") && stderr.contains("debrief runs"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = debrief(&data, &["compare", "1", "2", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("share no conversation"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
