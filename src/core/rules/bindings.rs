//! Turning an analysis (a JSON object) into the variables a rule reads.
//!
//! - Top-level fields become variables of the same name.
//! - Nested objects are flattened with dots: `{"customer": {"tier": "gold"}}` binds
//!   `customer.tier` (evalexpr identifiers may contain dots). The object itself is not a variable:
//!   evalexpr has no map type. If a literal key `"a.b"` and a nested `a` → `b` collide, the one met
//!   first in the document wins.
//! - Strings, booleans and numbers map to evalexpr strings, booleans and numbers; a number that
//!   fits `i64` is an integer, any other a float (evalexpr compares the two freely: `69.5 < 70`).
//! - Arrays map to evalexpr tuples, element by element (nested arrays to nested tuples), so
//!   `len(compliance_issues)` counts elements and `contains(topics, "billing")` tests membership.
//!   An object inside an array becomes its compact JSON text, so it still counts for `len`.
//! - `null` maps to evalexpr's empty value `()`, so `escalation_reason == ()` tests for null. A
//!   rule whose evaluation fails while a field it reads is null (e.g. `overall_score < 70` with a
//!   null score) is *not matched*, with the null field as the reason, rather than an error.
//! - A field the analysis lacks is not bound; a rule reading it is *not matched*, with the reason.
//!   evalexpr evaluates both sides of `&&` and `||`, so this holds even when the other side alone
//!   would decide the result.
//! - Fields whose names are not evalexpr identifiers (with spaces or operator characters, such as
//!   `follow-up`) are bound but cannot be named in a rule.

use std::collections::BTreeSet;

use evalexpr::{Context, ContextWithMutableVariables, DefaultNumericTypes, HashMapContext, Value};
use serde_json::{Map, Value as Json};

/// The variables of one analysis, plus what is needed to explain a failed evaluation.
pub(crate) struct Bindings {
    pub(crate) context: HashMapContext<DefaultNumericTypes>,
    /// Bound fields whose value is JSON `null`.
    pub(crate) nulls: BTreeSet<String>,
    /// Flattened names that are objects (so not variables themselves).
    pub(crate) objects: BTreeSet<String>,
}

impl Bindings {
    /// Bind the fields of `analysis`; anything but an object binds nothing.
    pub(crate) fn new(analysis: &Json) -> Bindings {
        let mut bindings =
            Bindings { context: HashMapContext::new(), nulls: BTreeSet::new(), objects: BTreeSet::new() };
        if let Json::Object(fields) = analysis {
            bindings.flatten("", fields);
        }
        bindings
    }

    fn flatten(&mut self, prefix: &str, fields: &Map<String, Json>) {
        for (key, value) in fields {
            let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            if let Json::Object(inner) = value {
                self.objects.insert(name.clone());
                self.flatten(&name, inner);
                continue;
            }
            if self.context.get_value(&name).is_some() {
                continue;
            }
            if value.is_null() {
                self.nulls.insert(name.clone());
            }
            // A fresh context only refuses a value whose name already has another type, which the
            // check above rules out; nothing is lost by ignoring the result.
            let _ = self.context.set_value(name, to_value(value));
        }
    }

    /// Why a rule reading `fields` could not be decided, when a null field explains it.
    pub(crate) fn null_reason<'a>(&self, fields: impl IntoIterator<Item = &'a String>) -> Option<String> {
        fields
            .into_iter()
            .find(|field| self.nulls.contains(*field))
            .map(|field| format!("field `{field}` is null"))
    }

    /// Why a missing variable is missing.
    pub(crate) fn missing_reason(&self, field: &str) -> String {
        if self.objects.contains(field) {
            format!("field `{field}` is an object; name one of its fields, e.g. `{field}.name`")
        } else {
            format!("field `{field}` is not in the analysis")
        }
    }
}

/// The evalexpr value of a JSON value (see the module documentation).
pub(crate) fn to_value(value: &Json) -> Value<DefaultNumericTypes> {
    match value {
        Json::Null => Value::Empty,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(int) => Value::from_int(int),
            None => n.as_f64().map_or(Value::Empty, Value::from_float),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Tuple(items.iter().map(to_value).collect()),
        Json::Object(_) => Value::String(value.to_string()),
    }
}
