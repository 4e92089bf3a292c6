//! The review queue: the conversations that any rule matched, for a reviewer to walk in order.
//!
//! Only outcomes with status `ok` and an analysis are evaluated; the rest are listed apart as not
//! evaluable, with the reason. The queue keeps the input order (stable, whatever the rules), and
//! counts, per rule, how many conversations it matched, could not decide, and failed on.

use serde::Serialize;

use super::bindings::Bindings;
use super::evaluate::evaluate;
use super::{CompiledRule, Verdict};
use crate::core::outcome::{Outcome, Status};

/// A conversation in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// Position in the input (0-based).
    pub index: usize,
    /// The conversation.
    pub conversation_id: String,
    /// Names of the rules that matched, in the rules' order (never empty).
    pub matched: Vec<String>,
}

/// A conversation whose outcome could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotEvaluable {
    /// Position in the input (0-based).
    pub index: usize,
    /// The conversation.
    pub conversation_id: String,
    /// The outcome's status.
    pub status: Status,
    /// Why it was not evaluated.
    pub reason: String,
}

/// What one rule did over all evaluated conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// The rule's name.
    pub rule: String,
    /// Conversations it matched.
    pub matched: usize,
    /// Conversations it could not decide (a field missing or null): counted as not matched.
    pub undecided: usize,
    /// Conversations on which it failed.
    pub errors: usize,
    /// The first failure, to show next to the rule.
    pub first_error: Option<String>,
}

/// The review queue built by [`review_queue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ReviewQueue {
    /// Matched conversations, in input order.
    pub items: Vec<ReviewItem>,
    /// One entry per rule, in the rules' order.
    pub counts: Vec<RuleCount>,
    /// How many conversations were evaluated.
    pub evaluated: usize,
    /// Conversations left out: not `ok`, or without an analysis.
    pub not_evaluable: Vec<NotEvaluable>,
}

/// Evaluate `rules` on each `(conversation_id, outcome)` and gather the matches.
pub fn review_queue<'a, I, S>(items: I, rules: &[CompiledRule]) -> ReviewQueue
where
    I: IntoIterator<Item = (S, &'a Outcome)>,
    S: Into<String>,
{
    let mut queue = ReviewQueue {
        counts: rules
            .iter()
            .map(|rule| RuleCount {
                rule: rule.name().to_string(),
                matched: 0,
                undecided: 0,
                errors: 0,
                first_error: None,
            })
            .collect(),
        ..ReviewQueue::default()
    };
    for (index, (id, outcome)) in items.into_iter().enumerate() {
        let conversation_id = id.into();
        let analysis = match (&outcome.status, &outcome.analysis) {
            (Status::Ok, Some(analysis)) => analysis,
            (status, _) => {
                let reason = if *status == Status::Ok {
                    "no analysis".to_string()
                } else {
                    format!("status is {status}, not ok")
                };
                queue.not_evaluable.push(NotEvaluable { index, conversation_id, status: *status, reason });
                continue;
            }
        };
        queue.evaluated += 1;
        let bindings = Bindings::new(analysis);
        let mut matched = Vec::new();
        for (rule, count) in rules.iter().zip(queue.counts.iter_mut()) {
            match evaluate(rule, &bindings).verdict {
                Verdict::Matched => {
                    count.matched += 1;
                    matched.push(rule.name().to_string());
                }
                Verdict::NotMatched { reason: Some(_) } => count.undecided += 1,
                Verdict::NotMatched { reason: None } => {}
                Verdict::Error { error } => {
                    count.errors += 1;
                    count.first_error.get_or_insert_with(|| error.to_string());
                }
            }
        }
        if !matched.is_empty() {
            queue.items.push(ReviewItem { index, conversation_id, matched });
        }
    }
    queue
}
