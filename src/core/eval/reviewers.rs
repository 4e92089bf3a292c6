//! Labels from reviewers beside labels from files: how they combine, where each came from, and
//! how well the model and the reviewers agree.
//!
//! Combining, per conversation and field: when every source that labels it (a file, embedded
//! labels, each reviewer's current label) gives the same value, that is the label. When they
//! differ the field is **not scored** for that conversation and the disagreement is listed —
//! a file against a reviewer, or reviewers against each other — because a label of disputed
//! truth would make the accuracy figure say something nobody agreed on. Nothing is resolved
//! silently.
//!
//! Agreement, per field: the model against reviewers (accuracy and Cohen's kappa over every
//! reviewer label of a conversation with an `ok` analysis), and reviewers against each other on
//! conversations two or more labelled (pairwise Cohen's kappa; Fleiss' kappa over the
//! conversations that every reviewer of the field labelled, when there are three or more).

use super::agreement::{cohen_kappa, fleiss_kappa, fleiss_table};
use super::expected::{LabelEntry, LabelSet};
use crate::core::id_key::IdKey;
use crate::core::outcome::{Outcome, Status};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One reviewer's current label of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewerValue {
    pub conversation_id: String,
    /// Top-level field name.
    pub field: String,
    pub reviewer: String,
    pub value: Value,
}

/// Where the labels came from, counted in conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LabelSources {
    /// Conversations with at least one label from a file or transcript.
    pub from_files: usize,
    /// Conversations with at least one reviewer label.
    pub from_reviewers: usize,
    /// Distinct reviewers.
    pub reviewers: Vec<String>,
    /// Fields whose sources disagree, left out of the scores.
    pub disagreements: Vec<Disagreement>,
}

impl LabelSources {
    /// "120 from reviewers (ana, bo), 29 from files; 2 disagreements not scored".
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.from_reviewers > 0 {
            parts.push(format!("{} from reviewers ({})", self.from_reviewers, self.reviewers.join(", ")));
        }
        if self.from_files > 0 {
            parts.push(format!("{} from files", self.from_files));
        }
        let mut text = match parts.is_empty() {
            true => "labels: none".to_string(),
            false => format!("labelled conversations: {}", parts.join(", ")),
        };
        if !self.disagreements.is_empty() {
            text.push_str(&format!("; {} disagreement(s) not scored", self.disagreements.len()));
        }
        text
    }
}

/// A field of a conversation whose label sources give different values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub conversation_id: String,
    pub field: String,
    /// (where from — a file position or `reviewer NAME` — and the value).
    pub values: Vec<(String, Value)>,
}

/// One conversation's label values: field → [(where from, value)].
type ByField<'a> = BTreeMap<&'a str, Vec<(String, &'a Value)>>;

/// Combine file (and embedded) labels with reviewer labels.
pub fn combine(files: &LabelSet, reviewers: &[ReviewerValue]) -> (LabelSet, LabelSources) {
    if reviewers.is_empty() {
        // Nothing to merge: file and embedded labels cannot disagree (their merge refuses a
        // conversation labelled twice), so the set is the files' as it is. The common case of
        // `eval --expected`, and a 100,000-label run paid for a rebuild of every entry.
        let sources = LabelSources { from_files: files.entries().len(), ..LabelSources::default() };
        return (files.clone(), sources);
    }
    // Keyed by id in hash maps, in first-seen order through `order`: linear in the labels.
    let mut all: HashMap<IdKey<'_>, ByField<'_>> = HashMap::new();
    let mut order: Vec<IdKey<'_>> = Vec::new();
    let mut sources = LabelSources::default();
    for entry in files.entries() {
        let id = IdKey(&entry.conversation_id);
        order.push(id);
        sources.from_files += 1;
        for (field, value) in &entry.expected {
            all.entry(id).or_default().entry(field).or_default().push((entry.origin.clone(), value));
        }
    }
    let mut reviewed: HashSet<IdKey<'_>> = HashSet::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for r in reviewers {
        let id = IdKey(&r.conversation_id);
        if !all.contains_key(&id) {
            order.push(id);
        }
        reviewed.insert(id);
        names.insert(&r.reviewer);
        all.entry(id)
            .or_default()
            .entry(&r.field)
            .or_default()
            .push((format!("reviewer {}", r.reviewer), &r.value));
    }
    sources.from_reviewers = reviewed.len();
    sources.reviewers = names.into_iter().map(str::to_string).collect();
    let mut set = LabelSet::default();
    let mut seen = HashSet::new();
    for key in order {
        if !seen.insert(key) {
            continue;
        }
        let Some(by_field) = all.get(&key) else { continue };
        let id = key.as_str();
        let mut expected = Map::new();
        let mut origins = BTreeSet::new();
        for (field, values) in by_field {
            if values.iter().all(|(_, v)| *v == values[0].1) {
                expected.insert(field.to_string(), values[0].1.clone());
                origins.extend(values.iter().map(|(o, _)| o.clone()));
            } else {
                sources.disagreements.push(Disagreement {
                    conversation_id: id.to_string(),
                    field: field.to_string(),
                    values: values.iter().map(|(o, v)| (o.clone(), (*v).clone())).collect(),
                });
            }
        }
        if !expected.is_empty() {
            let origin = origins.into_iter().collect::<Vec<_>>().join(", ");
            // Ids are unique here by construction, so insert cannot conflict.
            let _ = set.insert(LabelEntry { conversation_id: id.to_string(), expected, origin });
        }
    }
    (set, sources)
}

/// Model against reviewers on one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelAgreement {
    pub n: usize,
    pub accuracy: f64,
    pub kappa: Option<f64>,
}

/// Two reviewers on one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Conversations both labelled.
    pub n: usize,
    pub agreement: f64,
    pub kappa: Option<f64>,
}

/// Every reviewer of a field at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleissAgreement {
    pub raters: usize,
    /// Conversations every one of them labelled.
    pub n: usize,
    pub kappa: Option<f64>,
}

/// Agreement on one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldAgreement {
    pub field: String,
    pub model_vs_reviewers: Option<ModelAgreement>,
    pub reviewer_pairs: Vec<PairAgreement>,
    pub fleiss: Option<FleissAgreement>,
}

/// A value as a category.
fn category(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Agreement per field, in field-name order. Linear in outcomes and reviewer labels: every
/// match by conversation id is a hash lookup, and conversations are visited in the order the
/// reviewers' labels come (the store sorts them by id), so the numbers do not depend on hashing.
pub fn agreement(outcomes: &[Outcome], reviewers: &[ReviewerValue]) -> Vec<FieldAgreement> {
    let analyses: HashMap<IdKey, &Value> = outcomes
        .iter()
        .filter(|o| o.status == Status::Ok)
        .filter_map(|o| o.analysis.as_ref().map(|a| (IdKey(&o.conversation_id), a)))
        .collect();
    let fields: BTreeSet<&str> = reviewers.iter().map(|r| r.field.as_str()).collect();
    fields.into_iter().map(|field| field_agreement(field, &analyses, reviewers)).collect()
}

/// One reviewer's labels of one field: conversation → category, and the conversations in order.
#[derive(Default)]
struct RaterLabels<'a> {
    by_id: HashMap<IdKey<'a>, String>,
    order: Vec<IdKey<'a>>,
}

fn field_agreement(
    field: &str,
    analyses: &HashMap<IdKey, &Value>,
    reviewers: &[ReviewerValue],
) -> FieldAgreement {
    let of_field: Vec<&ReviewerValue> = reviewers.iter().filter(|r| r.field == field).collect();
    let (model, human): (Vec<String>, Vec<String>) = of_field
        .iter()
        .filter_map(|r| {
            let model = analyses.get(&IdKey(&r.conversation_id))?.get(field).unwrap_or(&Value::Null);
            Some((category(model), category(&r.value)))
        })
        .unzip();
    let model_vs_reviewers = (!model.is_empty()).then(|| ModelAgreement {
        n: model.len(),
        accuracy: model.iter().zip(&human).filter(|(a, b)| a == b).count() as f64 / model.len() as f64,
        kappa: cohen_kappa(&model, &human),
    });
    // reviewer → conversation → category (a later label of the same conversation wins).
    let mut by: BTreeMap<&str, RaterLabels> = BTreeMap::new();
    for r in &of_field {
        let rater = by.entry(&r.reviewer).or_default();
        let id = IdKey(&r.conversation_id);
        if rater.by_id.insert(id, category(&r.value)).is_none() {
            rater.order.push(id);
        }
    }
    let names: Vec<&str> = by.keys().copied().collect();
    let mut reviewer_pairs = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (ra, rb) = (&by[a], &by[b]);
            let (xs, ys): (Vec<&String>, Vec<&String>) =
                ra.order.iter().filter_map(|c| Some((ra.by_id.get(c)?, rb.by_id.get(c)?))).unzip();
            if xs.is_empty() {
                continue;
            }
            reviewer_pairs.push(PairAgreement {
                a: a.to_string(),
                b: b.to_string(),
                n: xs.len(),
                agreement: xs.iter().zip(&ys).filter(|(x, y)| x == y).count() as f64 / xs.len() as f64,
                kappa: cohen_kappa(&xs, &ys),
            });
        }
    }
    let fleiss = (names.len() >= 3).then(|| {
        let first = &by[names[0]];
        let common: Vec<Vec<&String>> = first
            .order
            .iter()
            .filter_map(|c| names.iter().map(|n| by[n].by_id.get(c)).collect::<Option<Vec<_>>>())
            .collect();
        FleissAgreement { raters: names.len(), n: common.len(), kappa: fleiss_kappa(&fleiss_table(&common)) }
    });
    FieldAgreement { field: field.to_string(), model_vs_reviewers, reviewer_pairs, fleiss }
}

/// The agreement table, for the text report.
pub fn render_agreement(fields: &[FieldAgreement]) -> String {
    let mut out = String::new();
    if fields.is_empty() {
        return out;
    }
    out.push_str("agreement (model vs reviewers; reviewers vs each other)\n");
    let k = |k: Option<f64>| k.map(|k| format!("{k:.3}")).unwrap_or_else(|| "n/a".into());
    for f in fields {
        out.push_str(&format!("  {}:", f.field));
        if let Some(m) = &f.model_vs_reviewers {
            out.push_str(&format!(
                " model accuracy {:.1}% kappa {} (n={})",
                m.accuracy * 100.0,
                k(m.kappa),
                m.n
            ));
        }
        for p in &f.reviewer_pairs {
            out.push_str(&format!("; {} vs {} kappa {} (n={})", p.a, p.b, k(p.kappa), p.n));
        }
        if let Some(fl) = &f.fleiss {
            out.push_str(&format!("; Fleiss kappa {} ({} reviewers, n={})", k(fl.kappa), fl.raters, fl.n));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rv(c: &str, f: &str, r: &str, v: Value) -> ReviewerValue {
        ReviewerValue { conversation_id: c.into(), field: f.into(), reviewer: r.into(), value: v }
    }

    #[test]
    fn agreeing_sources_combine_and_disagreements_are_listed_not_scored() {
        let files = super::super::parse_expected(
            std::path::Path::new("expected.jsonl"),
            "{\"conversation_id\": \"c1\", \"expected\": {\"topic\": \"billing\", \"resolved\": true}}\n\
             {\"conversation_id\": \"c2\", \"expected\": {\"topic\": \"sales\"}}\n",
        )
        .unwrap();
        let reviewers = [
            rv("c1", "topic", "ana", json!("billing")),
            rv("c1", "resolved", "ana", json!(false)),
            rv("c3", "topic", "ana", json!("general")),
            rv("c3", "topic", "bo", json!("general")),
        ];
        let (set, sources) = combine(&files, &reviewers);
        assert_eq!(
            set.get("c1").unwrap(),
            json!({"topic": "billing"}).as_object().unwrap(),
            "resolved is disputed"
        );
        assert_eq!(set.get("c2").unwrap()["topic"], "sales");
        assert_eq!(set.get("c3").unwrap()["topic"], "general");
        assert_eq!((sources.from_files, sources.from_reviewers), (2, 2));
        assert_eq!(sources.disagreements.len(), 1);
        let d = &sources.disagreements[0];
        assert_eq!((d.conversation_id.as_str(), d.field.as_str()), ("c1", "resolved"));
        assert!(
            d.values.iter().any(|(o, _)| o == "expected.jsonl:1")
                && d.values.iter().any(|(o, _)| o == "reviewer ana")
        );
        assert_eq!(
            sources.summary(),
            "labelled conversations: 2 from reviewers (ana, bo), 2 from files; 1 disagreement(s) not scored"
        );
    }

    #[test]
    fn agreement_of_the_model_and_between_reviewers() {
        let mut outcomes = Vec::new();
        for (id, topic) in [("c1", "a"), ("c2", "b"), ("c3", "b"), ("c4", "a")] {
            let mut o = Outcome::skeleton(id, id, "offline", "baseline");
            o.status = Status::Ok;
            o.analysis = Some(json!({"topic": topic}));
            outcomes.push(o);
        }
        let reviewers = [
            rv("c1", "topic", "ana", json!("a")),
            rv("c2", "topic", "ana", json!("b")),
            rv("c3", "topic", "ana", json!("a")),
            rv("c4", "topic", "ana", json!("a")),
            rv("c1", "topic", "bo", json!("a")),
            rv("c2", "topic", "bo", json!("b")),
            rv("c3", "topic", "bo", json!("b")),
            rv("c1", "topic", "cy", json!("a")),
            rv("c2", "topic", "cy", json!("a")),
            rv("c3", "topic", "cy", json!("b")),
        ];
        let a = agreement(&outcomes, &reviewers);
        assert_eq!(a.len(), 1);
        let m = a[0].model_vs_reviewers.as_ref().unwrap();
        assert_eq!(m.n, 10);
        assert!((m.accuracy - 0.8).abs() < 1e-12);
        // sklearn: cohen_kappa_score(model, human) over those 10 pairs.
        // sklearn.metrics.cohen_kappa_score over those 10 (model, reviewer) pairs.
        assert!((m.kappa.unwrap() - 0.6153846153846154).abs() < 1e-12);
        let ab = a[0].reviewer_pairs.iter().find(|p| p.a == "ana" && p.b == "bo").unwrap();
        assert_eq!(ab.n, 3);
        assert!((ab.agreement - 2.0 / 3.0).abs() < 1e-12);
        let fleiss = a[0].fleiss.as_ref().unwrap();
        assert_eq!((fleiss.raters, fleiss.n), (3, 3));
        // statsmodels fleiss_kappa([[3,0],[1,2],[1,2]]) for these three conversations.
        assert!((fleiss.kappa.unwrap() - 0.09999999999999977).abs() < 1e-12);
        assert!(render_agreement(&a).contains("Fleiss kappa"));
    }
}
