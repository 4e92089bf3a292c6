//! Per-field agreement between two runs, and status changes.
//!
//! Agreement is exact JSON equality of the field's values (a field missing on both sides
//! agrees). Cohen's kappa is added for classification fields — `enum`, `const`, `boolean` (and
//! objects, matched whole), as evaluation classifies them — because raw agreement flatters a field where one answer
//! dominates: two runs that both say "positive" 90% of the time agree often by chance alone.
//! Kappa is `None` where it is undefined (no pairs, or both runs always gave one same value).

use super::select::Pair;
use crate::core::eval::metrics::cohen_kappa_score;
use crate::core::eval::{Class, FieldKind, scored_analysis};
use crate::core::outcome::Status;
use crate::core::spec::AnalysisSpec;
use serde::Serialize;
use serde_json::{Map, Value};

/// How one top-level field compares between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldComparison {
    pub field: String,
    /// "class", "integer", "number", "text" or "set" (run A's schema first); `None` when
    /// neither schema gives the field a usable type.
    pub kind: Option<String>,
    /// Whether each run's schema has the field.
    pub in_a: bool,
    pub in_b: bool,
    /// Shared conversations where both runs have an `ok` result.
    pub compared: usize,
    /// Of those, how many have equal values.
    pub agreed: usize,
    /// `agreed / compared`; `None` when nothing was compared.
    pub agreement: Option<f64>,
    /// Cohen's kappa for classification fields; `None` otherwise or when undefined.
    pub kappa: Option<f64>,
    /// Every compared conversation whose value differs, in run A's order.
    pub changes: Vec<ValueChange>,
}

/// One conversation whose value of a field differs between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    pub conversation_id: String,
    /// Run A's value; `None` when the analysis lacks the field.
    pub old: Option<Value>,
    /// Run B's value; `None` when the analysis lacks the field.
    pub new: Option<Value>,
}

/// One shared conversation whose status differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub conversation_id: String,
    pub old: Status,
    pub new: Status,
}

/// Compare every field of either schema over `pairs`.
pub(super) fn compare_fields(a: &AnalysisSpec, b: &AnalysisSpec, pairs: &[Pair]) -> Vec<FieldComparison> {
    let empty = Map::new();
    let props_a = properties(&a.schema).unwrap_or(&empty);
    let props_b = properties(&b.schema).unwrap_or(&empty);
    let names = props_a.keys().chain(props_b.keys().filter(|k| !props_a.contains_key(*k)));
    // Both analyses usable: the only pairs with values to compare.
    let both: Vec<(&str, &Value, &Value)> =
        pairs.iter().filter_map(|p| Some((p.id, scored_analysis(p.a)?, scored_analysis(p.b)?))).collect();
    names
        .map(|name| {
            let kind = props_a
                .get(name)
                .and_then(|p| FieldKind::from_schema(&a.schema, p))
                .or_else(|| props_b.get(name).and_then(|p| FieldKind::from_schema(&b.schema, p)));
            compare_field(name, kind, props_a.contains_key(name), props_b.contains_key(name), &both)
        })
        .collect()
}

fn compare_field(
    name: &str,
    kind: Option<FieldKind>,
    in_a: bool,
    in_b: bool,
    both: &[(&str, &Value, &Value)],
) -> FieldComparison {
    let mut changes = Vec::new();
    let mut classes = Vec::with_capacity(both.len());
    for (id, a, b) in both {
        let (old, new) = (a.get(name), b.get(name));
        if old != new {
            changes.push(ValueChange {
                conversation_id: id.to_string(),
                old: old.cloned(),
                new: new.cloned(),
            });
        }
        classes.push((Class::of(old), Class::of(new)));
    }
    let compared = both.len();
    let agreed = compared - changes.len();
    FieldComparison {
        field: name.to_string(),
        kind: kind.map(|k| k.word().to_string()),
        in_a,
        in_b,
        compared,
        agreed,
        agreement: (compared > 0).then(|| agreed as f64 / compared as f64),
        kappa: if kind == Some(FieldKind::Classification) { cohen_kappa_score(&classes) } else { None },
        changes,
    }
}

/// Shared conversations whose status differs, in run A's order.
pub(super) fn status_changes(pairs: &[Pair]) -> Vec<StatusChange> {
    pairs
        .iter()
        .filter(|p| p.a.status != p.b.status)
        .map(|p| StatusChange { conversation_id: p.id.to_string(), old: p.a.status, new: p.b.status })
        .collect()
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}
