//! The offline baseline's evidence: for each field, the transcript sentence that best supports
//! the value it chose — the first sentence holding one of the cue phrases the field's rule looks
//! for (resolution, follow-up, escalation, greeting, closing, tone, sentiment), else the sentence
//! sharing the most word stems with the value (for enums, the value and its definition from the
//! prompt; for other values, the field's name).
//!
//! This is word overlap, said as it is: it finds the sentence the rules most plausibly read,
//! not a proof. The quote is always a verbatim sentence of the transcript, so verification
//! finds it exactly; a field with no overlapping sentence gets no quote.

use super::evidence::{sentences, stem, words};
use crate::core::transcript::Conversation;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Words too common to say anything.
const STOP: [&str; 24] = [
    "the", "and", "to", "of", "is", "was", "it", "in", "for", "on", "that", "this", "you", "your", "my",
    "me", "be", "are", "with", "an", "or", "not", "any", "if",
];

fn stems(text: &str) -> HashSet<String> {
    words(text).iter().filter(|w| !STOP.contains(&w.as_str())).map(|w| stem(w).to_string()).collect()
}

/// A quote per top-level field of `analysis`.
pub fn quotes(
    analysis: &Value,
    conversation: &Conversation,
    defs: &HashMap<String, Vec<String>>,
) -> Map<String, Value> {
    let candidates: Vec<(String, HashSet<String>)> = conversation
        .turns
        .iter()
        .flat_map(|t| sentences(&t.text))
        .map(|s| {
            let st = stems(&s);
            (s, st)
        })
        .collect();
    let mut out = Map::new();
    let Some(fields) = analysis.as_object() else { return out };
    for (field, value) in fields {
        // The sentence with one of the phrases the field's rule looks for, when it has some.
        let cues = super::fields::cues(field);
        let cued = candidates.iter().map(|(s, _)| s).find(|s| {
            let l = s.to_lowercase();
            cues.iter().any(|c| l.contains(c.trim()))
        });
        if let Some(s) = cued {
            out.insert(field.clone(), Value::String(s.clone()));
            continue;
        }
        let mut query = match value {
            Value::String(s) => {
                let mut q = stems(&s.replace('_', " "));
                for d in defs.get(s).into_iter().flatten() {
                    q.extend(stems(d));
                }
                q
            }
            Value::Array(items) => items.iter().filter_map(Value::as_str).flat_map(stems).collect(),
            _ => HashSet::new(),
        };
        if query.is_empty() {
            query = stems(&field.replace('_', " "));
        }
        let best = candidates
            .iter()
            .map(|(s, st)| (st.intersection(&query).count(), s))
            .filter(|(n, _)| *n > 0)
            .fold(None::<(usize, &String)>, |best, c| match best {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            });
        out.insert(field.clone(), Value::String(best.map(|(_, s)| s.clone()).unwrap_or_default()));
    }
    out
}
