//! Matching a run's outcomes with labels, by conversation id.
//!
//! Which results are scored is a rule, not a caller's accident, so it lives here: every outcome
//! whose conversation is labelled becomes an item (a conversation run N times gives N items);
//! skipped outcomes (not sent, by policy) are left out and listed; any other non-`ok` outcome is
//! a failed analysis and is scored as unanswered. Labels with no outcome in the run are listed,
//! not scored: evaluating a subset of a corpus must not count the rest as wrong.

use super::EvalItem;
use super::expected::LabelSet;
use crate::core::id_key::IdKey;
use crate::core::outcome::{Outcome, Status};
use serde_json::Value;
use std::collections::HashSet;

/// The analysis that evaluation scores for an outcome: the analysis of an `ok` outcome, and
/// `None` for every other status. An `invalid` outcome may carry a parsed value, but it failed
/// the schema and a production pipeline would not use it, so it is scored as unanswered.
pub fn scored_analysis(outcome: &Outcome) -> Option<&Value> {
    match outcome.status {
        Status::Ok => outcome.analysis.as_ref(),
        _ => None,
    }
}

/// Outcomes matched with labels.
#[derive(Debug, Clone, Default)]
pub struct Pairing<'a> {
    /// What to pass to `evaluate`, in outcome order.
    pub items: Vec<EvalItem<'a>>,
    /// Outcomes of conversations without labels (not scored).
    pub unlabelled: Vec<&'a str>,
    /// Labelled conversations whose outcome was `skipped` (not sent; not scored).
    pub skipped: Vec<&'a str>,
    /// Labelled conversations with no outcome in the run (not scored).
    pub labels_without_result: Vec<&'a str>,
}

/// Match `outcomes` with `labels` by conversation id (see the module docs for the rules).
///
/// One pass over the outcomes and one over the labels, with a hash set of the ids seen: linear
/// in both (the tests count the id comparisons on a 100,000-result run). Takes any iterator of
/// outcomes so callers holding pairs or stored results need not clone them into a slice.
pub fn pair_outcomes<'a>(
    outcomes: impl IntoIterator<Item = &'a Outcome>,
    labels: &'a LabelSet,
) -> Pairing<'a> {
    let mut pairing = Pairing::default();
    let mut seen: HashSet<IdKey<'a>> = HashSet::new();
    for outcome in outcomes {
        let id = outcome.conversation_id.as_str();
        seen.insert(IdKey(id));
        match labels.get(id) {
            None => pairing.unlabelled.push(id),
            Some(_) if outcome.status == Status::Skipped => pairing.skipped.push(id),
            Some(expected) => pairing.items.push(EvalItem {
                conversation_id: id,
                analysis: scored_analysis(outcome),
                expected,
            }),
        }
    }
    pairing.labels_without_result = labels
        .entries()
        .iter()
        .map(|entry| entry.conversation_id.as_str())
        .filter(|id| !seen.contains(&IdKey(id)))
        .collect();
    pairing
}
