//! `debrief labels` end to end: a CSV of reviewer labels imported, `eval` scoring with them and
//! saying where labels came from, a disagreement with `expected.jsonl` shown and not scored,
//! agreement in `eval --json`, and the export reading back as the same labels.

use crate::util::root;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;

fn debrief(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .current_dir(root())
        .env_remove("DEBRIEF_DATA_DIR")
        .output()
        .unwrap()
}

#[test]
fn csv_labels_import_drive_eval_and_export_round_trips() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let out = debrief(&data, &["batch", "--template", "post_analysis", "sample_conversations/"]);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = summary["run_id"].as_i64().unwrap().to_string();

    // The spreadsheet: two conversations; the second disagrees with expected.jsonl on topic.
    let csv = dir.path().join("qa.csv");
    std::fs::write(
        &csv,
        "conversation_id,topic,resolved\nsupport_password_reset,technical_support,true\nsupport_billing_double_charge,complaint,\n",
    )
    .unwrap();
    let imported = debrief(&data, &["labels", "import", csv.to_str().unwrap(), "--reviewer", "qa_lead"]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    assert!(String::from_utf8_lossy(&imported.stderr).contains("3 label(s) imported"));

    let eval = debrief(&data, &["eval", &run, "--json"]);
    assert!(eval.status.success(), "{}", String::from_utf8_lossy(&eval.stderr));
    let report: Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(report["labels"]["from_reviewers"], 2);
    assert_eq!(report["labels"]["reviewers"][0], "qa_lead");
    let topic = report["evaluation"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "topic")
        .unwrap()
        .clone();
    assert_eq!(topic["labelled"], 2, "both reviewer labels score without a file: {topic}");
    assert!(report["agreement"].as_array().unwrap().iter().any(|a| a["field"] == "topic"));

    // With the file too: the file and the reviewer agree on one, disagree on the other.
    let eval = debrief(&data, &["eval", &run, "--json", "--expected", "sample_conversations/expected.jsonl"]);
    let report: Value = serde_json::from_slice(&eval.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&eval.stderr);
    assert!(stderr.contains("from reviewers (qa_lead)") && stderr.contains("from files"), "{stderr}");
    assert!(stderr.contains("disagreement, not scored: support_billing_double_charge topic"), "{stderr}");
    let d = &report["labels"]["disagreements"][0];
    assert_eq!(d["field"], "topic");
    let topic = report["evaluation"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "topic")
        .unwrap()
        .clone();
    let file_count =
        std::fs::read_to_string(root().join("sample_conversations/expected.jsonl")).unwrap().lines().count();
    assert_eq!(
        topic["labelled"].as_u64().unwrap() as usize,
        file_count - 1,
        "the disputed label is left out"
    );

    // Export and read back.
    let exported = dir.path().join("labels.csv");
    assert!(
        debrief(&data, &["labels", "export", "--format", "csv", "--out", exported.to_str().unwrap()])
            .status
            .success()
    );
    let mut reader = csv::Reader::from_path(&exported).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers[0], "conversation_id");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let jsonl = dir.path().join("labels.jsonl");
    assert!(
        debrief(&data, &["labels", "export", "--format", "jsonl", "--out", jsonl.to_str().unwrap()])
            .status
            .success()
    );
    let lines: Vec<Value> =
        std::fs::read_to_string(&jsonl).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let reset = lines.iter().find(|l| l["conversation_id"] == "support_password_reset").unwrap();
    assert_eq!(reset["expected"]["resolved"], true, "a boolean stays a boolean through CSV");
    // Importing the export again under another reviewer gives identical current labels.
    assert!(
        debrief(&data, &["labels", "import", jsonl.to_str().unwrap(), "--reviewer", "second"])
            .status
            .success()
    );
    let list: Value =
        serde_json::from_slice(&debrief(&data, &["labels", "list", "--json", "--run", &run]).stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 6, "3 labels × 2 reviewers");
    let eval = debrief(&data, &["eval", &run, "--json"]);
    let report: Value = serde_json::from_slice(&eval.stdout).unwrap();
    let topic =
        report["agreement"].as_array().unwrap().iter().find(|a| a["field"] == "topic").unwrap().clone();
    assert_eq!(topic["reviewer_pairs"][0]["agreement"], 1.0, "{topic}");
}
