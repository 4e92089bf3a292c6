//! Reviewing: the conversation and result a reviewer is looking at, the field they are on, the
//! verdict they give (Correct, or Wrong with the right value), and the labels that come of it.
//!
//! A verdict is saved at once, as a label row with its provenance (see `store::labels`); the
//! reviewer's labels for the conversations in view are read back after each save, so progress
//! ("37 of 120 reviewed") and the Evaluation tab follow. Everything is keyboard-driven:
//! Left/Right move between fields, C marks correct, W wrong (opening the editor), A marks every
//! field correct; in the editor Up/Down step a choice or a number, Space toggles a boolean,
//! Enter saves and Esc cancels.

use super::DebriefApp;
use super::model::RunTab;
use super::state::{ResultTab, View};
use crate::store::{Label, NewLabel, Verdict};
use crate::ui::bridge::UiEvent;
use serde_json::Value;

/// The right value being entered for a field marked wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum EditValue {
    Choice {
        options: Vec<Value>,
        index: usize,
    },
    Bool(bool),
    Int {
        value: i64,
        min: Option<i64>,
        max: Option<i64>,
    },
    Num(f64),
    Text(String),
    /// An array of strings, one per line.
    List(String),
}

impl EditValue {
    /// The editor a field's schema calls for, starting from the model's value.
    pub fn for_schema(schema: &Value, current: Option<&Value>) -> EditValue {
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            let index = current.and_then(|c| options.iter().position(|o| o == c)).unwrap_or(0);
            return EditValue::Choice { options: options.clone(), index };
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => {
                ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("")
            }
            _ => "",
        };
        match ty {
            "boolean" => EditValue::Bool(current.and_then(Value::as_bool).unwrap_or(false)),
            "integer" => EditValue::Int {
                value: current.and_then(Value::as_i64).unwrap_or(0),
                min: schema.get("minimum").and_then(Value::as_i64),
                max: schema.get("maximum").and_then(Value::as_i64),
            },
            "number" => EditValue::Num(current.and_then(Value::as_f64).unwrap_or(0.0)),
            "array" => EditValue::List(
                current
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
            ),
            _ => EditValue::Text(current.and_then(Value::as_str).unwrap_or_default().to_string()),
        }
    }

    /// The value as JSON.
    pub fn to_value(&self) -> Value {
        match self {
            EditValue::Choice { options, index } => options.get(*index).cloned().unwrap_or(Value::Null),
            EditValue::Bool(b) => Value::Bool(*b),
            EditValue::Int { value, .. } => Value::from(*value),
            EditValue::Num(n) => Value::from(*n),
            EditValue::Text(t) => Value::String(t.clone()),
            EditValue::List(text) => Value::Array(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_string()))
                    .collect(),
            ),
        }
    }

    /// Down (`delta` 1) or Up (-1) in the editor: the next or previous choice in the list; for a
    /// number, Up adds one and Down takes one away, within its bounds.
    pub fn step(&mut self, delta: i32) {
        match self {
            EditValue::Choice { options, index } if !options.is_empty() => {
                *index = (*index as i64 + delta as i64).rem_euclid(options.len() as i64) as usize;
            }
            EditValue::Int { value, min, max } => {
                let mut v = *value - delta as i64;
                if let Some(m) = min {
                    v = v.max(*m);
                }
                if let Some(m) = max {
                    v = v.min(*m);
                }
                *value = v;
            }
            EditValue::Num(n) => *n -= delta as f64,
            _ => {}
        }
    }
}

/// The review state of the window (not saved).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewUi {
    /// The field the reviewer is on (index into the schema's top-level fields).
    pub field: usize,
    /// The field being corrected and its draft value.
    pub editing: Option<(String, EditValue)>,
    pub note: String,
    /// Bring the selected field's evidence into view once.
    pub scroll_quote: bool,
}

/// What a reviewer acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub conversation_id: String,
    pub content_hash: String,
    pub result_id: Option<i64>,
    pub analysis: Option<Value>,
    pub schema: Option<Value>,
}

impl Target {
    /// The schema's top-level fields.
    pub fn fields(&self) -> Vec<String> {
        self.schema.as_ref().map(crate::core::schema::top_level_fields).unwrap_or_default()
    }
}

/// Review commands.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewCommand {
    MoveField(i32),
    SelectField(usize),
    /// The selected field (or the named one) is right.
    Correct(Option<String>),
    /// Open the editor for the selected field (or the named one).
    Wrong(Option<String>),
    AllCorrect,
    Step(i32),
    Toggle,
    Save,
    Cancel,
}

impl DebriefApp {
    /// The conversation and result in view, where reviewing applies.
    pub fn review_target(&self) -> Option<Target> {
        match self.state.view {
            View::History if matches!(self.model.history.tab, RunTab::Results | RunTab::Review) => {
                let h = &self.model.history;
                let r = h.results.get(h.selected)?;
                let schema = h.spec.as_ref().filter(|(hash, _)| *hash == r.spec_hash).map(|(_, s)| s.clone());
                Some(Target {
                    conversation_id: r.outcome.conversation_id.clone(),
                    content_hash: r.conversation_hash.clone(),
                    result_id: Some(r.id),
                    analysis: r
                        .outcome
                        .analysis
                        .clone()
                        .filter(|_| r.outcome.status == crate::core::outcome::Status::Ok),
                    schema,
                })
            }
            View::Workbench if self.state.tab == ResultTab::Analysis => {
                let c = self.model.selected(&self.state)?;
                let outcome = self.model.shown_outcome(&self.state)?;
                Some(Target {
                    conversation_id: c.conversation.id.clone(),
                    content_hash: c.hash.clone(),
                    result_id: self.model.pinned.as_ref().map(|p| p.id),
                    analysis: outcome
                        .analysis
                        .clone()
                        .filter(|_| outcome.status == crate::core::outcome::Status::Ok),
                    schema: self.model.check.parsed.clone(),
                })
            }
            _ => None,
        }
    }

    pub(super) fn run_review(&mut self, command: ReviewCommand) {
        let Some(target) = self.review_target() else { return };
        let fields = target.fields();
        if fields.is_empty() {
            return;
        }
        let r = &mut self.state.review;
        r.field = r.field.min(fields.len() - 1);
        let named = |name: Option<String>, at: usize| name.unwrap_or_else(|| fields[at].clone());
        match command {
            ReviewCommand::MoveField(d) => {
                r.field = (r.field as i64 + d as i64).clamp(0, fields.len() as i64 - 1) as usize;
                r.editing = None;
                r.scroll_quote = true;
            }
            ReviewCommand::SelectField(i) => {
                r.field = i.min(fields.len() - 1);
                r.scroll_quote = true;
            }
            ReviewCommand::Correct(name) => {
                let field = named(name, r.field);
                let value =
                    target.analysis.as_ref().and_then(|a| a.get(&field)).cloned().unwrap_or(Value::Null);
                self.save_labels(&target, vec![(field, value, Verdict::Correct)]);
            }
            ReviewCommand::Wrong(name) => {
                let field = named(name, r.field);
                if let Some(i) = fields.iter().position(|f| *f == field) {
                    r.field = i;
                }
                let sub = target
                    .schema
                    .as_ref()
                    .and_then(|s| s.get("properties"))
                    .and_then(|p| p.get(&field))
                    .cloned()
                    .unwrap_or(Value::Null);
                let current = target.analysis.as_ref().and_then(|a| a.get(&field));
                r.editing = Some((field, EditValue::for_schema(&sub, current)));
            }
            ReviewCommand::AllCorrect => {
                let verdicts = fields
                    .iter()
                    .map(|f| {
                        let v =
                            target.analysis.as_ref().and_then(|a| a.get(f)).cloned().unwrap_or(Value::Null);
                        (f.clone(), v, Verdict::Correct)
                    })
                    .collect();
                self.save_labels(&target, verdicts);
            }
            ReviewCommand::Step(d) => {
                if let Some((_, e)) = &mut r.editing {
                    e.step(d);
                }
            }
            ReviewCommand::Toggle => {
                if let Some((_, EditValue::Bool(b))) = &mut r.editing {
                    *b = !*b;
                }
            }
            ReviewCommand::Save => {
                if let Some((field, e)) = r.editing.take() {
                    let value = e.to_value();
                    self.save_labels(&target, vec![(field, value, Verdict::Wrong)]);
                }
            }
            ReviewCommand::Cancel => r.editing = None,
        }
    }

    fn save_labels(&mut self, target: &Target, verdicts: Vec<(String, Value, Verdict)>) {
        let note = std::mem::take(&mut self.state.review.note);
        let reviewer = self.state.settings.reviewer_name();
        let rows: Vec<NewLabel> = verdicts
            .into_iter()
            .map(|(field, value, verdict)| NewLabel {
                conversation_id: target.conversation_id.clone(),
                content_hash: Some(target.content_hash.clone()),
                pointer: format!("/{}", field.replace('~', "~0").replace('/', "~1")),
                value,
                verdict,
                note: Some(note.clone()).filter(|n| !n.trim().is_empty()),
                reviewer: reviewer.clone(),
                result_id: target.result_id,
            })
            .collect();
        self.bridge.query(move |e| e.add_labels(&rows), |_| UiEvent::LabelsSaved);
    }

    /// Ask for the transcript of the History view's selected result when it is not here yet.
    pub(super) fn ensure_transcript(&mut self) {
        let h = &self.model.history;
        let Some(r) = h.results.get(h.selected) else { return };
        let hash = r.conversation_hash.clone();
        if h.transcript.asked(&hash) {
            return;
        }
        self.model.history.transcript = super::model::Requested::Pending(hash.clone());
        let h2 = hash.clone();
        self.bridge.query(
            move |e| e.conversation(&h2),
            move |conversation| UiEvent::Transcript { hash, conversation },
        );
    }

    /// Read the current labels of the conversations in view (the open run's, or the loaded ones).
    pub(super) fn refresh_labels(&mut self) {
        let mut ids: Vec<String> =
            self.model.history.results.iter().map(|r| r.outcome.conversation_id.clone()).collect();
        ids.extend(self.model.conversations.iter().map(|c| c.conversation.id.clone()));
        ids.sort();
        ids.dedup();
        self.bridge.query(move |e| e.current_labels(Some(&ids)), UiEvent::Labels);
    }

    /// Take the labels that came back.
    pub(super) fn on_labels(&mut self, labels: Vec<Label>) {
        self.model.labels.clear();
        for l in labels {
            self.model.labels.entry(l.conversation_id.clone()).or_default().push(l);
        }
        // The Evaluation tab scores against these too: score again when it is shown.
        if self.model.history.tab == RunTab::Evaluation || self.model.history.evaluation.is_some() {
            self.model.history.evaluation = None;
            if self.model.history.tab == RunTab::Evaluation {
                self.evaluate_open_run();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn editors_fit_the_schema_and_stay_in_bounds() {
        let mut e =
            EditValue::for_schema(&json!({"type": "string", "enum": ["a", "b", "c"]}), Some(&json!("b")));
        e.step(1);
        assert_eq!(e.to_value(), json!("c"));
        e.step(1);
        assert_eq!(e.to_value(), json!("a"), "choices wrap");
        let mut e =
            EditValue::for_schema(&json!({"type": "integer", "minimum": 1, "maximum": 5}), Some(&json!(5)));
        e.step(-1);
        assert_eq!(e.to_value(), json!(5), "Up stops at the maximum");
        e.step(9);
        assert_eq!(e.to_value(), json!(1), "Down stops at the minimum");
        assert_eq!(
            EditValue::for_schema(&json!({"type": "boolean"}), Some(&json!(true))).to_value(),
            json!(true)
        );
        let e = EditValue::for_schema(
            &json!({"type": "array", "items": {"type": "string"}}),
            Some(&json!(["Acme", "Globex"])),
        );
        assert_eq!(e, EditValue::List("Acme\nGlobex".into()));
        assert_eq!(EditValue::List(" x \n\n y".into()).to_value(), json!(["x", "y"]));
        assert_eq!(EditValue::for_schema(&json!({"type": ["string", "null"]}), None).to_value(), json!(""));
    }
}
