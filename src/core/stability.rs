//! Stability over repeats: does the same spec give the same answer twice?
//!
//! With `--repeat N` every conversation is analysed N times. Per field, a conversation's
//! agreement is the share of its repeats that equal the most common value (exact JSON equality,
//! so "billing" and "Billing" differ); a field's stability is the mean agreement over the
//! conversations with at least two valid repeats. A field under [`UNSTABLE_BELOW`] is flagged:
//! its answers depend on sampling luck more than on the conversation.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Fields whose stability is below this are flagged as unstable.
pub const UNSTABLE_BELOW: f64 = 0.8;

/// Stability of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldStability {
    pub field: String,
    /// Mean share of repeats agreeing with the most common value.
    pub stability: f64,
    /// Conversations that had at least two valid repeats.
    pub n: usize,
    pub unstable: bool,
}

/// Per-field stability. `repeats` holds, per conversation, the analyses of its valid repeats;
/// `fields` are the fields to measure (usually the schema's top-level properties). A repeat that
/// lacks a field counts as the value `null` for it.
pub fn stability(fields: &[String], repeats: &[Vec<&Value>]) -> Vec<FieldStability> {
    fields
        .iter()
        .map(|field| {
            let agreements: Vec<f64> = repeats
                .iter()
                .filter(|r| r.len() >= 2)
                .map(|r| {
                    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                    for analysis in r {
                        let v = analysis.get(field).unwrap_or(&Value::Null);
                        *counts.entry(v.to_string()).or_default() += 1;
                    }
                    let mode = counts.values().copied().max().unwrap_or(0);
                    mode as f64 / r.len() as f64
                })
                .collect();
            let n = agreements.len();
            let stability = if n == 0 { 1.0 } else { agreements.iter().sum::<f64>() / n as f64 };
            FieldStability {
                field: field.clone(),
                stability,
                n,
                unstable: n > 0 && stability < UNSTABLE_BELOW,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agreement_with_the_mode_averaged_over_conversations() {
        let a = [
            json!({"topic": "billing", "ok": true}),
            json!({"topic": "billing", "ok": false}),
            json!({"topic": "tech", "ok": true}),
        ];
        let b = [
            json!({"topic": "sales", "ok": true}),
            json!({"topic": "sales", "ok": true}),
            json!({"topic": "sales"}),
        ];
        let lone = [json!({"topic": "x", "ok": true})];
        let repeats = vec![a.iter().collect(), b.iter().collect(), lone.iter().collect()];
        let s = stability(&["topic".into(), "ok".into()], &repeats);
        // topic: conversation a 2/3, b 3/3 → (0.6667 + 1) / 2 = 0.8333; the lone one is not counted.
        assert_eq!(s[0].n, 2);
        assert!((s[0].stability - 5.0 / 6.0).abs() < 1e-12);
        assert!(!s[0].unstable);
        // ok: a 2/3, b 2/3 (the missing value counts as null) → 0.6667, flagged.
        assert!((s[1].stability - 2.0 / 3.0).abs() < 1e-12);
        assert!(s[1].unstable);
    }

    #[test]
    fn no_repeats_means_nothing_to_flag() {
        let s = stability(&["topic".into()], &[]);
        assert_eq!((s[0].n, s[0].unstable), (0, false));
    }
}
