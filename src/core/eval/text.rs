//! Lexical comparison of free text, and set comparison of arrays.
//!
//! [`token_f1`] is the SQuAD answer F1: a *rough lexical measure*. It counts shared words after
//! normalising case, punctuation and articles, so "the refund was issued" and "refund issued"
//! score high while a correct paraphrase with other words scores low, and a wrong summary that
//! reuses the transcript's words can score well. Reports label it as such; it is never used to
//! call a conversation right or wrong.
//!
//! [`set_precision_recall`] compares two arrays as sets of items, for fields like
//! `compliance_issues` or `competitors_mentioned`.

use super::metrics::ratio;
use std::collections::HashMap;

/// SQuAD's `normalize_answer`, then split on whitespace: lower-case, remove ASCII punctuation
/// (Python's `string.punctuation`), remove the words "a", "an", "the" (a word being a maximal
/// run of letters, digits and `_`, as `\b(a|an|the)\b` finds them), collapse whitespace.
pub fn normalize_tokens(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase();
    let no_punctuation: String = lowered.chars().filter(|c| !c.is_ascii_punctuation()).collect();
    let mut kept = String::with_capacity(no_punctuation.len());
    let mut word = String::new();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for c in no_punctuation.chars() {
        if is_word(c) {
            word.push(c);
            continue;
        }
        flush_word(&mut word, &mut kept);
        kept.push(c);
    }
    flush_word(&mut word, &mut kept);
    kept.split_whitespace().map(str::to_string).collect()
}

fn flush_word(word: &mut String, out: &mut String) {
    if matches!(word.as_str(), "a" | "an" | "the") {
        out.push(' ');
    } else {
        out.push_str(word);
    }
    word.clear();
}

/// SQuAD (v2 script) token F1 between a prediction and a reference, in [0, 1].
///
/// Tokens from [`normalize_tokens`]; overlap counts repeated tokens as often as both sides have
/// them (a multiset intersection). Both sides without tokens: 1.0 (they agree there is nothing
/// to say); exactly one side without tokens: 0.0. Otherwise precision = overlap / predicted
/// tokens, recall = overlap / reference tokens, F1 = 2PR / (P + R), and 0 when nothing overlaps.
pub fn token_f1(predicted: &str, reference: &str) -> f64 {
    let predicted = normalize_tokens(predicted);
    let reference = normalize_tokens(reference);
    if predicted.is_empty() || reference.is_empty() {
        return if predicted.is_empty() && reference.is_empty() { 1.0 } else { 0.0 };
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for token in &reference {
        *counts.entry(token.as_str()).or_default() += 1;
    }
    let mut overlap = 0;
    for token in &predicted {
        if let Some(left) = counts.get_mut(token.as_str())
            && *left > 0
        {
            *left -= 1;
            overlap += 1;
        }
    }
    if overlap == 0 {
        return 0.0;
    }
    let precision = overlap as f64 / predicted.len() as f64;
    let recall = overlap as f64 / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// Precision and recall of a predicted set against an expected set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetScores {
    /// |predicted ∩ expected| / |predicted|.
    pub precision: f64,
    /// |predicted ∩ expected| / |expected|.
    pub recall: f64,
    /// The two sets are equal.
    pub exact: bool,
}

/// Compare two collections as sets (duplicates count once; items are compared with `==`, so
/// callers normalise them first).
///
/// Empty sets, defined explicitly: both empty → precision 1 and recall 1 (the two agree there
/// is nothing to report, the common "no compliance issues" case). Exactly one empty → the
/// quotient with a zero denominator is 0 (`zero_division=0`, as in scikit-learn), and the other
/// is 0 too because the intersection is empty: a model that says nothing when there was
/// something, or something when there was nothing, scores 0 on both.
pub fn set_precision_recall<T: PartialEq>(predicted: &[T], expected: &[T]) -> SetScores {
    let predicted = dedup(predicted);
    let expected = dedup(expected);
    if predicted.is_empty() && expected.is_empty() {
        return SetScores { precision: 1.0, recall: 1.0, exact: true };
    }
    let common = predicted.iter().filter(|p| expected.contains(p)).count();
    SetScores {
        precision: ratio(common, predicted.len()),
        recall: ratio(common, expected.len()),
        exact: common == predicted.len() && common == expected.len(),
    }
}

fn dedup<T: PartialEq>(items: &[T]) -> Vec<&T> {
    let mut out: Vec<&T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn normalisation_follows_squad() {
        // lower → drop punctuation ("$14.99" → "1499", "Daniel's" → "daniels") → drop articles
        assert_eq!(
            normalize_tokens("The Agent refunded $14.99 to Daniel's card, an  A-OK result."),
            ["agent", "refunded", "1499", "to", "daniels", "card", "aok", "result"]
        );
        // "a" inside a word stays; a lone "A" goes; non-ASCII punctuation splits words (\b).
        assert_eq!(normalize_tokens("A banana and an apple"), ["banana", "and", "apple"]);
        assert_eq!(normalize_tokens("café—the end"), ["café—", "end"]);
    }

    #[test]
    fn token_f1_hand_values() {
        // pred "the refund was issued" → [refund, was, issued] (3); ref "Refund issued today" →
        // [refund, issued, today] (3); overlap 2 → P = 2/3, R = 2/3, F1 = 2/3.
        assert!(close(token_f1("the refund was issued", "Refund issued today"), 2.0 / 3.0));
        // pred [refund, refund] vs ref [refund]: overlap is min(2, 1) = 1 → P = 1/2, R = 1,
        // F1 = 2·(1/2)·1 / (3/2) = 2/3.
        assert!(close(token_f1("refund refund", "refund"), 2.0 / 3.0));
        // pred [call, back, on, thursday] (4), ref [thursday, callback, back] (3), overlap
        // {back, thursday} = 2: P = 1/2, R = 2/3, F1 = (2/3) / (7/6) = 4/7.
        assert!(close(token_f1("call back on thursday", "Thursday callback back"), 4.0 / 7.0));
        assert!(close(token_f1("Same words.", "same WORDS"), 1.0));
        assert_eq!(token_f1("nothing shared", "other text"), 0.0);
    }

    #[test]
    fn token_f1_empty_cases() {
        assert_eq!(token_f1("", ""), 1.0);
        assert_eq!(token_f1("the", "a ."), 1.0); // both normalise to no tokens
        assert_eq!(token_f1("", "something"), 0.0);
        assert_eq!(token_f1("something", ""), 0.0);
    }

    #[test]
    fn set_scores_hand_values() {
        // predicted {a, b, c}, expected {b, c, d, e}: common 2 → P = 2/3, R = 2/4.
        let s = set_precision_recall(&["a", "b", "c"], &["b", "c", "d", "e"]);
        assert!(close(s.precision, 2.0 / 3.0) && close(s.recall, 0.5) && !s.exact);
        // duplicates count once: {a} vs {a}.
        let s = set_precision_recall(&["a", "a"], &["a"]);
        assert_eq!((s.precision, s.recall, s.exact), (1.0, 1.0, true));
    }

    #[test]
    fn set_scores_empty_cases() {
        let none: [&str; 0] = [];
        assert_eq!(
            set_precision_recall(&none, &none),
            SetScores { precision: 1.0, recall: 1.0, exact: true }
        );
        assert_eq!(
            set_precision_recall(&none, &["x"]),
            SetScores { precision: 0.0, recall: 0.0, exact: false }
        );
        assert_eq!(
            set_precision_recall(&["x"], &none),
            SetScores { precision: 0.0, recall: 0.0, exact: false }
        );
    }
}
