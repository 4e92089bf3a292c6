//! Ready-made rules for the seed's use cases, over the fields of the bundled templates
//! (`quality_assurance`, `sales_qualification`, `post_analysis`).

use super::Rule;

/// A built-in example rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExampleRule {
    /// The rule's name.
    pub name: &'static str,
    /// Its expression.
    pub expression: &'static str,
    /// Which template's fields it reads.
    pub template: &'static str,
    /// The webhook event it sends when it matches.
    pub event: &'static str,
}

impl From<&ExampleRule> for Rule {
    fn from(example: &ExampleRule) -> Rule {
        Rule::new(example.name, example.expression).with_event(example.event)
    }
}

/// QA: a low score or any compliance issue.
pub const QA_REVIEW_NEEDED: ExampleRule = ExampleRule {
    name: "QA review needed",
    expression: "overall_score < 70 || len(compliance_issues) > 0",
    template: "quality_assurance",
    event: "qa.review_needed",
};

/// Sales: a hot lead who decides.
pub const HOT_LEAD: ExampleRule = ExampleRule {
    name: "Hot lead",
    expression: "lead_quality == \"hot\" && decision_maker",
    template: "sales_qualification",
    event: "lead.hot",
};

/// Post-call: the customer needs a follow-up.
pub const FOLLOW_UP_NEEDED: ExampleRule = ExampleRule {
    name: "Follow-up needed",
    expression: "follow_up_needed == true",
    template: "post_analysis",
    event: "followup.needed",
};

/// QA: any compliance issue at all.
pub const COMPLIANCE_ISSUE: ExampleRule = ExampleRule {
    name: "Compliance issue",
    expression: "len(compliance_issues) > 0",
    template: "quality_assurance",
    event: "qa.compliance_issue",
};

/// All the example rules, in the order the GUI offers them.
pub const EXAMPLES: &[ExampleRule] = &[QA_REVIEW_NEEDED, HOT_LEAD, FOLLOW_UP_NEEDED, COMPLIANCE_ISSUE];

/// The example rules as editable [`Rule`]s.
pub fn example_rules() -> Vec<Rule> {
    EXAMPLES.iter().map(Rule::from).collect()
}
