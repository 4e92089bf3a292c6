//! Evaluating compiled rules against one analysis.
//!
//! A rule *matches* when it evaluates to `true`. It is *not matched* when it evaluates to `false`,
//! and also — with a reason — when a field it reads is missing from the analysis, or null and the
//! evaluation failed on it (see `bindings`). Anything else that fails, or a result that is not a
//! boolean, is an error naming the rule. Nothing here panics on any analysis.

use evalexpr::{EvalexprError, Value};
use serde::Serialize;

use super::bindings::Bindings;
use super::{CompiledRule, RuleError};

/// The result of one rule on one analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The rule evaluated to `true`.
    Matched,
    /// The rule evaluated to `false`, or could not be decided for this analysis (`reason` says
    /// why: a missing or null field).
    NotMatched {
        /// Why the rule could not be decided; `None` when it simply evaluated to `false`.
        reason: Option<String>,
    },
    /// The rule is wrong for this data: a non-boolean result or a failed evaluation.
    Error {
        /// What went wrong, naming the rule.
        #[serde(serialize_with = "as_text")]
        error: RuleError,
    },
}

fn as_text<S: serde::Serializer>(error: &RuleError, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(error)
}

/// One rule's verdict on one analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMatch {
    /// The rule's name.
    pub rule: String,
    /// What the rule said.
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl RuleMatch {
    /// Whether the rule matched.
    pub fn is_match(&self) -> bool {
        self.verdict == Verdict::Matched
    }
}

/// Evaluate every rule against `analysis`: one [`RuleMatch`] per rule, in the rules' order.
pub fn matches(rules: &[CompiledRule], analysis: &serde_json::Value) -> Vec<RuleMatch> {
    let bindings = Bindings::new(analysis);
    rules.iter().map(|rule| evaluate(rule, &bindings)).collect()
}

pub(crate) fn evaluate(rule: &CompiledRule, bindings: &Bindings) -> RuleMatch {
    let name = rule.name().to_string();
    let verdict = match rule.tree.eval_with_context(&bindings.context) {
        Ok(Value::Boolean(true)) => Verdict::Matched,
        Ok(Value::Boolean(false)) => Verdict::NotMatched { reason: None },
        Ok(value) => {
            match bindings.null_reason(rule.fields()) {
                // `nullable_field` alone is `()`: undecided, like a null in a comparison.
                Some(reason) if value == Value::Empty => Verdict::NotMatched { reason: Some(reason) },
                _ => Verdict::Error {
                    error: RuleError::NotBoolean { rule: name.clone(), value: value.to_string() },
                },
            }
        }
        Err(EvalexprError::VariableIdentifierNotFound(field)) => {
            Verdict::NotMatched { reason: Some(bindings.missing_reason(&field)) }
        }
        Err(error) => match bindings.null_reason(rule.fields()) {
            Some(reason) => Verdict::NotMatched { reason: Some(reason) },
            None => Verdict::Error {
                error: RuleError::Evaluation { rule: name.clone(), message: error.to_string() },
            },
        },
    };
    RuleMatch { rule: name, verdict }
}
