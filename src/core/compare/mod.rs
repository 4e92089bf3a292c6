//! Comparing two runs: what changed when the prompt, the schema or the model changed.
//!
//! A user who edits a prompt, or tries a cheaper model, wants to see which answers moved and
//! what it cost, not two dashboards side by side. [`compare`] takes the results of two runs
//! and their specs and reports, on the conversations *both* runs analysed:
//!
//! - per top-level field (the union of both schemas' `properties`): how many conversations were
//!   compared, the share whose values are equal (exact JSON equality), Cohen's kappa for
//!   classification fields (`enum`, `const`, `boolean`), and every conversation whose value
//!   changed (old → new);
//! - conversations whose status changed (`ok` → `invalid`, …);
//! - with labels, each field's headline score in both runs and the difference;
//! - token, cost and latency totals and their differences;
//! - unified diffs of the two prompts and schemas, and the settings that differ.
//!
//! Choices, and why:
//!
//! - **Conversations are matched by content hash**, not by id: an id is a file name, and two
//!   different transcripts can share one; the same content is the same question asked twice.
//! - **One result per conversation and run** (see `select.rs`): with repeats, the first `ok`
//!   result is used and a note says so. Run-to-run agreement mixed with repeat-to-repeat
//!   agreement would measure neither; `batch --repeat` reports stability on its own.
//! - **Values are compared only where both runs have an `ok` result.** A failed analysis has no
//!   value to agree with; it shows up as a status change instead.
//! - **Totals cover the compared results only** (one per shared conversation), so a run with
//!   more conversations or repeats does not look dearer for that reason alone.
//!
//! Comparing two models on the same spec is the same computation: the diffs are empty and the
//! settings list names the model.

mod accuracy;
mod diff;
mod fields;
mod render;
mod select;
mod totals;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;

pub use accuracy::{AccuracyComparison, AccuracyDelta};
pub use diff::{SettingChange, SpecDiff, diff_specs};
pub use fields::{FieldComparison, StatusChange, ValueChange};
pub use render::render;
pub use totals::{RunTotals, Totals, TotalsDelta};

use crate::core::eval::LabelSet;
use crate::core::outcome::Outcome;
use crate::core::spec::AnalysisSpec;
use serde::Serialize;

/// One stored result of a run, as [`compare`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct ResultRef<'a> {
    /// Content hash of the analysed conversation: how the two runs' results are matched.
    pub content_hash: &'a str,
    /// The conversation's id, shown in lists of changes.
    pub conversation_id: &'a str,
    pub outcome: &'a Outcome,
}

/// One side of a comparison: a run's spec and its results, in the order they were recorded.
#[derive(Debug, Clone, Copy)]
pub struct RunSide<'a> {
    pub spec: &'a AnalysisSpec,
    pub results: &'a [ResultRef<'a>],
}

/// Why two runs cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    /// The runs analysed no conversation in common (by content).
    #[error(
        "the runs share no conversation (run A has {a}, run B has {b}, matched by content); \
         compare runs made over the same transcripts"
    )]
    NoSharedConversations {
        /// Distinct conversations in run A.
        a: usize,
        /// Distinct conversations in run B.
        b: usize,
    },
}

/// What one run brought to the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub spec_name: String,
    /// The spec's short version hash.
    pub spec_version: String,
    pub provider: String,
    pub model: String,
    /// Distinct conversations (by content) the run has results for.
    pub conversations: usize,
    /// All its results, repeats included.
    pub results: usize,
}

/// Everything [`compare`] found; serialised as is for `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub a: RunInfo,
    pub b: RunInfo,
    /// Conversations both runs analysed (by content): the set everything below is computed on.
    pub shared: usize,
    /// Conversations only run A (only run B) analysed; not compared.
    pub only_a: usize,
    pub only_b: usize,
    /// How results were chosen, e.g. when a run has repeats.
    pub notes: Vec<String>,
    /// One entry per top-level schema field, run A's schema order first.
    pub fields: Vec<FieldComparison>,
    /// Shared conversations whose status differs, in run A's order.
    pub status_changes: Vec<StatusChange>,
    /// Scores against labels; `None` when no labels were given or none covers a shared
    /// conversation.
    pub accuracy: Option<AccuracyComparison>,
    pub totals: Totals,
    pub spec: SpecDiff,
}

/// Compare run `a` with run `b` on their shared conversations, optionally scoring both
/// against `labels` (see the module docs for the rules).
pub fn compare(
    a: RunSide<'_>,
    b: RunSide<'_>,
    labels: Option<&LabelSet>,
) -> Result<Comparison, CompareError> {
    let selection = select::select(a.results, b.results);
    if selection.pairs.is_empty() {
        return Err(CompareError::NoSharedConversations {
            a: selection.conversations_a,
            b: selection.conversations_b,
        });
    }
    let pairs = &selection.pairs;
    Ok(Comparison {
        a: info(a, selection.conversations_a),
        b: info(b, selection.conversations_b),
        shared: pairs.len(),
        only_a: selection.conversations_a.saturating_sub(pairs.len()),
        only_b: selection.conversations_b.saturating_sub(pairs.len()),
        notes: selection.notes.clone(),
        fields: fields::compare_fields(a.spec, b.spec, pairs),
        status_changes: fields::status_changes(pairs),
        accuracy: labels.and_then(|labels| accuracy::compare_accuracy(a.spec, b.spec, pairs, labels)),
        totals: totals::totals(pairs),
        spec: diff_specs(a.spec, b.spec),
    })
}

fn info(side: RunSide<'_>, conversations: usize) -> RunInfo {
    RunInfo {
        spec_name: side.spec.name.clone(),
        spec_version: side.spec.short_version(),
        provider: side.spec.provider.as_str().to_string(),
        model: side.spec.model.clone(),
        conversations,
        results: side.results.len(),
    }
}
