//! Which result of each run is compared, and which conversations both runs have.
//!
//! Each run contributes one result per conversation (by content hash): its first `ok` result,
//! or its first result when none is `ok`. That keeps the comparison one-to-one when a run was
//! made with `--repeat` or was resumed, and a note says when a choice had to be made, so a
//! reader knows the other repeats were not looked at.

use super::ResultRef;
use crate::core::id_key::IdKey;
use crate::core::outcome::{Outcome, Status};
use std::collections::HashMap;

/// One shared conversation with the result chosen from each run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pair<'a> {
    /// The conversation id as run A names it.
    pub id: &'a str,
    pub a: &'a Outcome,
    pub b: &'a Outcome,
}

/// The shared conversations, in run A's order, and what was left out.
#[derive(Debug, Clone, Default)]
pub(super) struct Selection<'a> {
    pub pairs: Vec<Pair<'a>>,
    /// Distinct conversations in each run.
    pub conversations_a: usize,
    pub conversations_b: usize,
    pub notes: Vec<String>,
}

/// One conversation's chosen result within a run.
#[derive(Debug, Clone, Copy)]
struct Chosen<'a> {
    hash: &'a str,
    id: &'a str,
    outcome: &'a Outcome,
    /// How many results the run has for this conversation.
    results: usize,
}

/// Match the two runs' results by content hash (see the module docs).
pub(super) fn select<'a>(a: &[ResultRef<'a>], b: &[ResultRef<'a>]) -> Selection<'a> {
    let chosen_a = choose(a);
    let chosen_b = choose(b);
    let by_hash: HashMap<IdKey, &Chosen> = chosen_b.iter().map(|c| (IdKey(c.hash), c)).collect();
    let pairs: Vec<Pair> = chosen_a
        .iter()
        .filter_map(|ca| {
            by_hash.get(&IdKey(ca.hash)).map(|cb| Pair { id: ca.id, a: ca.outcome, b: cb.outcome })
        })
        .collect();
    let mut notes = Vec::new();
    for (side, chosen) in [("A", &chosen_a), ("B", &chosen_b)] {
        if let Some(note) = repeats_note(side, chosen) {
            notes.push(note);
        }
    }
    Selection { pairs, conversations_a: chosen_a.len(), conversations_b: chosen_b.len(), notes }
}

/// One result per content hash, in order of first appearance.
fn choose<'a>(results: &[ResultRef<'a>]) -> Vec<Chosen<'a>> {
    let mut chosen: Vec<Chosen<'a>> = Vec::new();
    let mut index: HashMap<IdKey, usize> = HashMap::new();
    for r in results {
        match index.get(&IdKey(r.content_hash)).and_then(|&i| chosen.get_mut(i)) {
            Some(c) => {
                c.results += 1;
                if c.outcome.status != Status::Ok && r.outcome.status == Status::Ok {
                    c.outcome = r.outcome;
                    c.id = r.conversation_id;
                }
            }
            None => {
                index.insert(IdKey(r.content_hash), chosen.len());
                chosen.push(Chosen {
                    hash: r.content_hash,
                    id: r.conversation_id,
                    outcome: r.outcome,
                    results: 1,
                });
            }
        }
    }
    chosen
}

fn repeats_note(side: &str, chosen: &[Chosen]) -> Option<String> {
    let repeated = chosen.iter().filter(|c| c.results > 1).count();
    let most = chosen.iter().map(|c| c.results).max().unwrap_or(0);
    (repeated > 0).then(|| {
        format!(
            "run {side} has several results for {repeated} conversation(s) (up to {most}); \
             the first ok result of each is compared"
        )
    })
}
