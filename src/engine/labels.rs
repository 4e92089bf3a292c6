//! Labels for evaluation from every source — label files, labels embedded in transcripts, and
//! reviewers' verdicts in the history — and `debrief labels` import and export.
//!
//! [`Engine::labels`] is what `eval`, `compare`, `batch --expected` and the GUI's Evaluation tab
//! use: it combines the sources (`core::eval::reviewers::combine`) and says where the labels came
//! from. Import reads the `expected.jsonl` shape or a CSV with `conversation_id` and one column
//! per field (the way spreadsheet-based QA teams keep labels); export writes the same two shapes
//! from the reviewers' current labels, leaving out fields reviewers disagree on.

use super::{Engine, EngineError};
use crate::core::eval::{self, LabelSet, LabelSources, ReviewerValue};
use crate::core::transcript::Conversation;
use crate::store::{Label, NewLabel, Verdict};
use serde_json::{Map, Value};
use std::path::Path;

/// Labels ready to score with, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub set: LabelSet,
    pub sources: LabelSources,
    /// Every reviewer's current label, for agreement.
    pub reviewers: Vec<ReviewerValue>,
}

/// The file formats of `labels import|export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LabelFormat {
    Jsonl,
    Csv,
}

/// The reviewer name to use when none is given: the OS user, else "reviewer".
pub fn default_reviewer() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "reviewer".into())
}

/// A reviewer label of a top-level field (`/topic` → `topic`); deeper pointers are not scored.
fn reviewer_value(l: Label) -> Option<ReviewerValue> {
    let field = l.pointer.strip_prefix('/')?;
    (!field.is_empty() && !field.contains('/')).then(|| ReviewerValue {
        conversation_id: l.conversation_id,
        field: field.replace("~1", "/").replace("~0", "~"),
        reviewer: l.reviewer,
        value: l.value,
    })
}

impl Engine {
    /// Add reviewer labels (one transaction).
    pub fn add_labels(&self, labels: &[NewLabel]) -> Result<Vec<i64>, EngineError> {
        for l in labels {
            if l.reviewer.trim().is_empty() {
                return Err(EngineError::Invalid(
                    "a label needs a reviewer name; set one in Settings or pass --reviewer".into(),
                ));
            }
            if !l.pointer.starts_with('/') {
                return Err(EngineError::Invalid(format!(
                    "{:?} is not a JSON pointer such as /topic",
                    l.pointer
                )));
            }
        }
        self.with(|s| s.add_labels(labels))
    }

    /// Every reviewer's current label, optionally for these conversations only.
    pub fn current_labels(&self, conversation_ids: Option<&[String]>) -> Result<Vec<Label>, EngineError> {
        self.with(|s| s.current_labels(conversation_ids))
    }

    /// Labels from `file` (if any), from `conversations`' embedded labels, and from reviewers
    /// (for those conversations' ids), combined.
    pub fn labels(&self, file: Option<&Path>, conversations: &[Conversation]) -> Result<Labels, EngineError> {
        let ids: Vec<String> = conversations.iter().map(|c| c.id.clone()).collect();
        self.labels_for(file, conversations, &ids)
    }

    /// [`Engine::labels`] for a run that streamed its corpus: labels embedded in `conversations`
    /// (those that carried any), and reviewers' labels of the conversations `ids`.
    pub fn labels_for(
        &self,
        file: Option<&Path>,
        conversations: &[Conversation],
        ids: &[String],
    ) -> Result<Labels, EngineError> {
        let files = super::queries::labels(file, conversations)?;
        let reviewers: Vec<ReviewerValue> =
            self.current_labels(Some(ids))?.into_iter().filter_map(reviewer_value).collect();
        let (set, sources) = eval::combine(&files, &reviewers);
        Ok(Labels { set, sources, reviewers })
    }

    /// The conversation ids anything outside the transcripts labels: `file`'s entries and every
    /// reviewer's, so a streamed run knows which outcomes its evaluation will need.
    pub fn labelled_ids(
        &self,
        file: Option<&Path>,
    ) -> Result<std::collections::HashSet<String>, EngineError> {
        let mut ids: std::collections::HashSet<String> = match file {
            Some(path) => {
                eval::load_expected(path)?.entries().iter().map(|e| e.conversation_id.clone()).collect()
            }
            None => Default::default(),
        };
        ids.extend(self.current_labels(None)?.into_iter().map(|l| l.conversation_id));
        Ok(ids)
    }

    /// Import a label file (`expected.jsonl` shape, or CSV by its `.csv` extension) as labels of
    /// `reviewer`. Returns how many field labels were added.
    pub fn import_labels(&self, path: &Path, reviewer: &str) -> Result<usize, EngineError> {
        let set = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
            read_csv(path)?
        } else {
            eval::load_expected(path)?
        };
        let mut rows = Vec::new();
        for entry in set.entries() {
            for (field, value) in &entry.expected {
                rows.push(NewLabel {
                    conversation_id: entry.conversation_id.clone(),
                    content_hash: None,
                    pointer: format!("/{}", field.replace('~', "~0").replace('/', "~1")),
                    value: value.clone(),
                    verdict: Verdict::Label,
                    note: Some(format!("imported from {}", entry.origin)),
                    reviewer: reviewer.to_string(),
                    result_id: None,
                });
            }
        }
        self.add_labels(&rows)?;
        Ok(rows.len())
    }

    /// Export the reviewers' current labels (optionally only for `conversation_ids`); fields
    /// reviewers disagree on are left out and returned.
    pub fn export_labels(
        &self,
        format: LabelFormat,
        out: &Path,
        conversation_ids: Option<&[String]>,
    ) -> Result<(usize, LabelSources), EngineError> {
        let reviewers: Vec<ReviewerValue> =
            self.current_labels(conversation_ids)?.into_iter().filter_map(reviewer_value).collect();
        let (set, sources) = eval::combine(&LabelSet::default(), &reviewers);
        let write_err = |e: String| EngineError::Write { path: out.to_path_buf(), cause: e };
        let text = match format {
            LabelFormat::Jsonl => set
                .entries()
                .iter()
                .map(|e| {
                    serde_json::json!({"conversation_id": e.conversation_id, "expected": e.expected})
                        .to_string()
                        + "\n"
                })
                .collect::<String>(),
            LabelFormat::Csv => write_csv(&set).map_err(write_err)?,
        };
        std::fs::write(out, text).map_err(|e| write_err(e.to_string()))?;
        Ok((set.len(), sources))
    }
}

/// A run scored against every label source, as `eval` and the GUI's Evaluation tab show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunEvaluation {
    pub run_id: crate::store::RunId,
    pub evaluation: eval::Evaluation,
    pub labels: LabelSources,
    pub agreement: Vec<eval::FieldAgreement>,
    /// Per field, the share of values with a verified evidence quote (runs with evidence).
    pub grounding: Option<std::collections::BTreeMap<String, crate::core::evidence::Grounding>>,
}

impl RunEvaluation {
    /// The text report: sources, the evaluation tables, agreement, grounding.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.labels.summary());
        for d in &self.labels.disagreements {
            let values: Vec<String> = d.values.iter().map(|(o, v)| format!("{o}: {v}")).collect();
            out.push_str(&format!(
                "  disagreement, not scored: {} {} — {}\n",
                d.conversation_id,
                d.field,
                values.join(" · ")
            ));
        }
        out.push('\n');
        out.push_str(&eval::render_details(&self.evaluation));
        out.push_str(&eval::render_agreement(&self.agreement));
        if let Some(g) = &self.grounding {
            out.push_str(&crate::core::evidence::render_grounding(g));
        }
        out
    }
}

impl Engine {
    /// Score run `run_id` against `expected` (if any), embedded labels and reviewers' labels.
    pub fn evaluate_run(
        &self,
        run_id: crate::store::RunId,
        expected: Option<&Path>,
    ) -> Result<RunEvaluation, EngineError> {
        let (results, spec) = self.run_with_spec(run_id)?;
        let conversations = self.conversations_of(&results)?;
        let labels = self.labels(expected, &conversations)?;
        if labels.set.is_empty() {
            return Err(EngineError::Invalid(
                "no labels: review the run (Correct / Wrong per field), give an expected.jsonl file, `debrief labels import FILE`, or load JSON transcripts with an \"expected\" object".into(),
            ));
        }
        let outcomes: Vec<crate::core::outcome::Outcome> = results.into_iter().map(|r| r.outcome).collect();
        let pairing = eval::pair_outcomes(&outcomes, &labels.set);
        let evaluation = eval::evaluate(&spec.schema, &pairing.items);
        let agreement = eval::agreement(&outcomes, &labels.reviewers);
        let fields = crate::core::schema::top_level_fields(&spec.schema);
        let with_evidence: Vec<_> = outcomes
            .iter()
            .filter(|o| o.status == crate::core::outcome::Status::Ok)
            .filter_map(|o| o.analysis.as_ref().zip(o.evidence.as_ref()))
            .collect();
        let grounding =
            (!with_evidence.is_empty()).then(|| crate::core::evidence::grounding(with_evidence, &fields));
        Ok(RunEvaluation { run_id, evaluation, labels: labels.sources, agreement, grounding })
    }
}

/// CSV: `conversation_id`, then one column per field in first-seen order; strings as they are,
/// other values as JSON; an empty cell is "not labelled".
fn write_csv(set: &LabelSet) -> Result<String, String> {
    let mut fields: Vec<String> = Vec::new();
    for e in set.entries() {
        for k in e.expected.keys() {
            if !fields.contains(k) {
                fields.push(k.clone());
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> =
        std::iter::once("conversation_id").chain(fields.iter().map(String::as_str)).collect();
    w.write_record(&header).map_err(|e| e.to_string())?;
    for e in set.entries() {
        let mut row = vec![e.conversation_id.clone()];
        row.extend(fields.iter().map(|f| match e.expected.get(f) {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        }));
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Read the CSV shape back. A cell that reads as JSON true/false/null, a number, an array or an
/// object is that value; anything else is text.
fn read_csv(path: &Path) -> Result<LabelSet, EngineError> {
    let bad = |line: usize, message: String| {
        EngineError::Labels(eval::ExpectedError::Lines {
            path: path.to_path_buf(),
            problems: vec![eval::LineProblem { line, message }],
        })
    };
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| EngineError::Invalid(format!("cannot read {}: {e}", path.display())))?;
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let Some(id_column) = headers.iter().position(|h| h.trim() == "conversation_id") else {
        return Err(bad(
            1,
            "no conversation_id column; the first row names the columns: conversation_id, then one per field"
                .into(),
        ));
    };
    let mut set = LabelSet::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(line, e.to_string()))?;
        let id = record.get(id_column).unwrap_or("").trim().to_string();
        if id.is_empty() {
            return Err(bad(line, "the conversation_id cell is empty".into()));
        }
        let mut expected = Map::new();
        for (h, cell) in headers.iter().zip(record.iter()) {
            if h.trim() == "conversation_id" || cell.trim().is_empty() {
                continue;
            }
            expected.insert(h.trim().to_string(), cell_value(cell));
        }
        if expected.is_empty() {
            continue;
        }
        set.insert(eval::LabelEntry {
            conversation_id: id.clone(),
            expected,
            origin: format!("{}:{line}", path.display()),
        })
        .map_err(|_| bad(line, format!("conversation {id:?} has two rows; keep one row per conversation")))?;
    }
    Ok(set)
}

fn cell_value(cell: &str) -> Value {
    let t = cell.trim();
    let looks_json = matches!(t, "true" | "false" | "null")
        || t.starts_with('[')
        || t.starts_with('{')
        || t.parse::<f64>().is_ok();
    if looks_json && let Ok(v) = serde_json::from_str::<Value>(t) {
        return v;
    }
    Value::String(cell.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_cells_keep_their_types_and_round_trip() {
        assert_eq!(cell_value("true"), json!(true));
        assert_eq!(cell_value("4"), json!(4));
        assert_eq!(cell_value(r#"["Acme","Globex"]"#), json!(["Acme", "Globex"]));
        assert_eq!(cell_value("billing"), json!("billing"));
        assert_eq!(cell_value("4 stars"), json!("4 stars"));
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open_memory().unwrap();
        let path = dir.path().join("labels.csv");
        std::fs::write(&path, "conversation_id,topic,resolved,score\nc1,billing,true,4\nc2,sales,,\n")
            .unwrap();
        assert_eq!(engine.import_labels(&path, "ana").unwrap(), 4);
        let out = dir.path().join("out.csv");
        let (n, _) = engine.export_labels(LabelFormat::Csv, &out, None).unwrap();
        assert_eq!(n, 2);
        let again = read_csv(&out).unwrap();
        assert_eq!(
            again.get("c1").unwrap(),
            json!({"topic": "billing", "resolved": true, "score": 4}).as_object().unwrap()
        );
        assert_eq!(again.get("c2").unwrap(), json!({"topic": "sales"}).as_object().unwrap());
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "id,topic\nc1,billing\n").unwrap();
        assert!(
            engine.import_labels(&bad, "ana").unwrap_err().to_string().contains("conversation_id column")
        );
    }
}
