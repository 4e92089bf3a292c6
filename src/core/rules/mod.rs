//! User-defined rules over analysis fields, and the review queue they fill.
//!
//! A [`Rule`] is a name and an [evalexpr](https://docs.rs/evalexpr) expression over the fields of
//! an analysis, such as `overall_score < 70 || len(compliance_issues) > 0` ("QA review needed") or
//! `lead_quality == "hot" && decision_maker` ("hot lead"). [`Rule::compile`] parses it once and
//! says where a malformed rule goes wrong ([`SyntaxError`], see `syntax` for how the position is
//! found). [`matches`] evaluates compiled rules against one analysis; [`review_queue`] gathers the
//! conversations that any rule matched. How JSON fields become variables (null, nested objects,
//! arrays, missing fields) is described in `bindings`.
//!
//! The language is evalexpr's: `== != < <= > >= && || !`, arithmetic, string literals in double
//! quotes, tuples `(a, b)`, `()` for null, and the builtin functions in [`FUNCTIONS`] (`len` of a
//! string counts UTF-8 bytes, of a tuple its elements). Assignments and `;` are refused.

mod bindings;
mod evaluate;
mod examples;
mod queue;
mod syntax;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use evaluate::{RuleMatch, Verdict, matches};
pub use examples::{
    COMPLIANCE_ISSUE, EXAMPLES, ExampleRule, FOLLOW_UP_NEEDED, HOT_LEAD, QA_REVIEW_NEEDED, example_rules,
};
pub use queue::{NotEvaluable, ReviewItem, ReviewQueue, RuleCount, review_queue};
pub use syntax::FUNCTIONS;

/// A named condition over an analysis, as the user wrote it (and as the GUI persists it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rule {
    /// What a match means, e.g. "QA review needed"; shown in the review queue.
    pub name: String,
    /// An evalexpr expression that evaluates to a boolean.
    pub expression: String,
    /// The webhook event a matching analysis sends (e.g. `qa.review_needed`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl Rule {
    /// A rule from its name and expression.
    pub fn new(name: impl Into<String>, expression: impl Into<String>) -> Rule {
        Rule { name: name.into(), expression: expression.into(), event: None }
    }

    /// The same rule, sending `event` when it matches.
    pub fn with_event(mut self, event: impl Into<String>) -> Rule {
        self.event = Some(event.into());
        self
    }

    /// Parse and check the expression once, so that evaluating it is cheap.
    pub fn compile(&self) -> Result<CompiledRule, RuleError> {
        if self.name.trim().is_empty() {
            return Err(RuleError::EmptyName { expression: self.expression.clone() });
        }
        let tree = syntax::parse(&self.expression).map_err(|error| RuleError::Syntax {
            rule: self.name.clone(),
            expression: self.expression.clone(),
            error,
        })?;
        let fields: std::collections::BTreeSet<String> =
            tree.iter_read_variable_identifiers().map(str::to_string).collect();
        Ok(CompiledRule { rule: self.clone(), tree, fields: fields.into_iter().collect() })
    }
}

/// One rule checked against a schema: compiled, with the fields it reads that the schema lacks
/// (why it would match nothing), or the message to show under it when it does not compile.
#[derive(Debug, Clone)]
pub enum Checked {
    Ok { rule: CompiledRule, missing: Vec<String> },
    Error(String),
}

/// Compile `rules` and compare the fields they read with `schema_fields` (the schema's top-level
/// fields; `None` or empty when unknown, and then nothing is reported missing).
pub fn check_against(rules: &[Rule], schema_fields: Option<&[String]>) -> Vec<Checked> {
    rules
        .iter()
        .map(|rule| match rule.compile() {
            Ok(c) => {
                let missing = match schema_fields {
                    Some(fields) if !fields.is_empty() => {
                        c.fields().iter().filter(|f| !fields.contains(f)).cloned().collect()
                    }
                    _ => Vec::new(),
                };
                Checked::Ok { rule: c, missing }
            }
            Err(e) => Checked::Error(match e.syntax() {
                Some(syntax) => syntax.render(&rule.expression),
                None => e.to_string(),
            }),
        })
        .collect()
}

/// A rule that parsed, ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    rule: Rule,
    tree: syntax::Tree,
    fields: Vec<String>,
}

impl CompiledRule {
    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.rule.name
    }

    /// The rule as written.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The fields the rule reads, sorted and without repeats.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Evaluate this rule alone against one analysis (use [`matches`] for several rules).
    pub fn evaluate(&self, analysis: &serde_json::Value) -> RuleMatch {
        evaluate::evaluate(self, &bindings::Bindings::new(analysis))
    }
}

/// Where and why a rule's expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    /// 0-based character position of the first offending character; the expression's length in
    /// characters when it ends too early.
    pub column: usize,
    /// The same position as a byte offset into the expression.
    pub offset: usize,
    /// How many characters the caret covers (at least 1).
    pub width: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl SyntaxError {
    /// A line to show under the expression (in a monospace font), pointing at the error: spaces
    /// up to [`column`](Self::column), then `width` carets.
    pub fn caret_line(&self) -> String {
        format!("{}{}", " ".repeat(self.column), "^".repeat(self.width))
    }

    /// The expression, the caret line under it, and the message with the hint.
    pub fn render(&self, expression: &str) -> String {
        format!("{expression}\n{}\n{self}", self.caret_line())
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}; {}", self.column + 1, self.message, self.hint)
    }
}

/// Why a rule could not be compiled or evaluated. Every variant names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The rule has no name, so it could not be told apart in the review queue.
    #[error("a rule needs a name (expression `{expression}`)")]
    EmptyName {
        /// The nameless rule's expression.
        expression: String,
    },
    /// The expression does not parse.
    #[error("rule `{rule}` does not parse at {error}")]
    Syntax {
        /// The rule's name.
        rule: String,
        /// The expression as written.
        expression: String,
        /// Where and why.
        error: SyntaxError,
    },
    /// The expression evaluated to something other than `true` or `false`.
    #[error(
        "rule `{rule}` gave {value}, not true or false; make it a condition, e.g. `field > 0` or `field == \"x\"`"
    )]
    NotBoolean {
        /// The rule's name.
        rule: String,
        /// The value it gave, as evalexpr prints it.
        value: String,
    },
    /// Evaluation failed, e.g. comparing a string with a number.
    #[error("rule `{rule}` could not be evaluated: {message}")]
    Evaluation {
        /// The rule's name.
        rule: String,
        /// evalexpr's explanation.
        message: String,
    },
}

impl RuleError {
    /// The syntax error, when that is what this is.
    pub fn syntax(&self) -> Option<&SyntaxError> {
        match self {
            RuleError::Syntax { error, .. } => Some(error),
            _ => None,
        }
    }
}
