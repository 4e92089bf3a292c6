//! Tests for rules: the issue's examples, missing and null fields, errors, positions, the queue.

use serde_json::json;

use super::*;
use crate::core::outcome::{Estimate, Outcome, Status, Usage};

fn compile(expression: &str) -> CompiledRule {
    Rule::new("r", expression).compile().unwrap()
}

fn verdict(expression: &str, analysis: &serde_json::Value) -> Verdict {
    compile(expression).evaluate(analysis).verdict
}

fn syntax_error(expression: &str) -> SyntaxError {
    match Rule::new("broken", expression).compile() {
        Err(RuleError::Syntax { rule, error, .. }) => {
            assert_eq!(rule, "broken");
            error
        }
        other => panic!("{expression:?} should not parse: {other:?}"),
    }
}

fn not_matched_because(verdict: Verdict) -> String {
    match verdict {
        Verdict::NotMatched { reason: Some(reason) } => reason,
        other => panic!("expected not matched with a reason, got {other:?}"),
    }
}

const QA: &str = "overall_score < 70 || len(compliance_issues) > 0";
const HOT: &str = "lead_quality == \"hot\" && decision_maker";

#[test]
fn qa_example_matches_low_score_or_any_issue() {
    let low = json!({"overall_score": 55, "compliance_issues": []});
    let issue = json!({"overall_score": 90, "compliance_issues": ["no disclosure"]});
    let clean = json!({"overall_score": 90, "compliance_issues": []});
    assert_eq!(verdict(QA, &low), Verdict::Matched);
    assert_eq!(verdict(QA, &issue), Verdict::Matched);
    assert_eq!(verdict(QA, &clean), Verdict::NotMatched { reason: None });
    // Floats compare with the integer literal.
    assert_eq!(verdict(QA, &json!({"overall_score": 69.5, "compliance_issues": []})), Verdict::Matched);
}

#[test]
fn hot_lead_example_needs_both_conditions() {
    let hot = json!({"lead_quality": "hot", "decision_maker": true});
    assert_eq!(verdict(HOT, &hot), Verdict::Matched);
    let not_decider = json!({"lead_quality": "hot", "decision_maker": false});
    assert_eq!(verdict(HOT, &not_decider), Verdict::NotMatched { reason: None });
    let warm = json!({"lead_quality": "warm", "decision_maker": true});
    assert_eq!(verdict(HOT, &warm), Verdict::NotMatched { reason: None });
}

#[test]
fn missing_field_is_not_matched_with_reason() {
    let reason = not_matched_because(verdict(HOT, &json!({"lead_quality": "hot"})));
    assert!(reason.contains("`decision_maker` is not in the analysis"), "{reason}");
    // Even when the other side of `||` alone is true: evalexpr evaluates both sides.
    let reason = not_matched_because(verdict(QA, &json!({"overall_score": 10})));
    assert!(reason.contains("compliance_issues"), "{reason}");
    // Not an object at all: nothing is bound.
    assert!(not_matched_because(verdict(HOT, &json!([1, 2]))).contains("lead_quality"));
}

#[test]
fn null_field_is_not_matched_and_comparable_with_empty() {
    let analysis = json!({"overall_score": null, "compliance_issues": [], "note": null});
    let reason = not_matched_because(verdict(QA, &analysis));
    assert!(reason.contains("`overall_score` is null"), "{reason}");
    assert_eq!(verdict("note == ()", &analysis), Verdict::Matched);
    assert_eq!(verdict("note != ()", &json!({"note": "x"})), Verdict::Matched);
}

#[test]
fn non_boolean_rule_is_an_error_naming_the_rule() {
    let rule = Rule::new("Score", "overall_score + 1").compile().unwrap();
    match rule.evaluate(&json!({"overall_score": 3})).verdict {
        Verdict::Error { error: error @ RuleError::NotBoolean { .. } } => {
            let text = error.to_string();
            assert!(text.contains("rule `Score` gave 4"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn type_mismatch_is_an_evaluation_error() {
    match verdict("lead_quality > 3", &json!({"lead_quality": "hot"})) {
        Verdict::Error { error: RuleError::Evaluation { rule, .. } } => assert_eq!(rule, "r"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arrays_are_tuples_and_len_counts_them() {
    let analysis = json!({"topics": ["billing", "refund"], "empty": [], "mixed": [1, {"a": 1}, [2, 3]]});
    assert_eq!(verdict("len(topics) == 2", &analysis), Verdict::Matched);
    assert_eq!(verdict("len(empty) == 0", &analysis), Verdict::Matched);
    assert_eq!(verdict("len(mixed) == 3", &analysis), Verdict::Matched);
    assert_eq!(verdict("contains(topics, \"refund\")", &analysis), Verdict::Matched);
    assert_eq!(verdict("topics == (\"billing\", \"refund\")", &analysis), Verdict::Matched);
    // `len` of a string counts bytes.
    assert_eq!(verdict("len(s) == 3", &json!({"s": "abc"})), Verdict::Matched);
}

#[test]
fn nested_objects_flatten_with_dots() {
    let analysis = json!({"customer": {"tier": "gold", "address": {"country": "FR"}}});
    assert_eq!(
        verdict("customer.tier == \"gold\" && customer.address.country == \"FR\"", &analysis),
        Verdict::Matched
    );
    let reason = not_matched_because(verdict("customer == \"x\"", &analysis));
    assert!(reason.contains("is an object"), "{reason}");
}

#[test]
fn parse_error_positions() {
    // Ends too early: the caret is at the end.
    let e = syntax_error("overall_score < ");
    assert_eq!((e.column, e.width), (16, 1));
    assert!(e.message.contains("ends too early") && e.message.contains('<'), "{e}");
    // The second `&&` is the extra one.
    let e = syntax_error("a && && b");
    assert_eq!((e.column, e.width), (5, 2), "{e}");
    assert_eq!(e.caret_line(), "     ^^");
    // The unclosed parenthesis.
    let e = syntax_error("len(x");
    assert_eq!((e.column, e.width), (3, 1), "{e}");
    assert!(e.hint.contains("`)`"));
    // A stray closing parenthesis.
    let e = syntax_error("(a || b))");
    assert_eq!(e.column, 8, "{e}");
    // A single `&`.
    let e = syntax_error("a & b");
    assert_eq!(e.column, 2, "{e}");
    assert!(e.hint.contains("&&"));
    // An unterminated string: at its opening quote.
    let e = syntax_error("x == \"hot");
    assert_eq!(e.column, 5, "{e}");
}

#[test]
fn columns_count_characters_not_bytes() {
    let e = syntax_error("name == \"é\" && && b");
    assert_eq!(e.column, 15, "{e}");
    assert_eq!(e.offset, 16);
}

#[test]
fn refuses_assignment_chain_unknown_function_and_empty() {
    let e = syntax_error("follow_up_needed = true");
    assert_eq!(e.column, 17, "{e}");
    assert!(e.hint.contains("=="));
    assert!(syntax_error("a; b").message.contains(';'));
    let e = syntax_error("lead_quality \"hot\"");
    assert!(e.message.contains("lead_quality"), "{e}");
    assert_eq!((e.column, e.width), (0, 12));
    assert_eq!(syntax_error("foo(x) > 1").caret_line(), "^^^");
    assert_eq!(syntax_error("   ").column, 0);
    assert!(matches!(Rule::new(" ", "true").compile(), Err(RuleError::EmptyName { .. })));
}

#[test]
fn render_shows_the_caret_under_the_expression() {
    let error = Rule::new("QA", "a && && b").compile().unwrap_err();
    let shown = error.syntax().unwrap().render("a && && b");
    assert!(shown.starts_with("a && && b\n     ^^\ncolumn 6: "), "{shown}");
    assert!(error.to_string().starts_with("rule `QA` does not parse at column 6"), "{error}");
}

#[test]
fn examples_compile_and_read_template_fields() {
    let rules: Vec<CompiledRule> = example_rules().iter().map(|r| r.compile().unwrap()).collect();
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[0].fields(), ["compliance_issues", "overall_score"]);
    let follow = json!({"follow_up_needed": true});
    assert_eq!(rules[2].evaluate(&follow).verdict, Verdict::Matched);
}

#[test]
fn rule_serde_round_trip() {
    let rules = example_rules();
    let text = serde_json::to_string(&rules).unwrap();
    let back: Vec<Rule> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, rules);
    assert!(text.contains(r#""expression":"lead_quality == \"hot\" && decision_maker""#), "{text}");
}

fn outcome(status: Status, analysis: Option<serde_json::Value>) -> Outcome {
    Outcome {
        conversation_id: String::new(),
        source: String::new(),
        provider: "offline".into(),
        model: "m".into(),
        status,
        analysis,
        errors: vec![],
        attempts: vec![],
        usage: Usage::default(),
        estimate: Estimate::default(),
        cost_usd: None,
        latency_ms: 0,
        note: None,
        evidence: None,
    }
}

#[test]
fn queue_keeps_input_order_and_counts_per_rule() {
    let rules: Vec<CompiledRule> =
        [Rule::new("QA", QA), Rule::new("Compliance", "len(compliance_issues) > 0")]
            .iter()
            .map(|r| r.compile().unwrap())
            .collect();
    let outcomes = [
        ("c1", outcome(Status::Ok, Some(json!({"overall_score": 90, "compliance_issues": ["x"]})))),
        ("c2", outcome(Status::Ok, Some(json!({"overall_score": 95, "compliance_issues": []})))),
        ("c3", outcome(Status::Invalid, Some(json!({"overall_score": 10})))),
        ("c4", outcome(Status::Ok, Some(json!({"overall_score": 40, "compliance_issues": []})))),
        ("c5", outcome(Status::Ok, None)),
        ("c6", outcome(Status::Ok, Some(json!({"overall_score": 40})))),
        ("c7", outcome(Status::Ok, Some(json!({"overall_score": "high", "compliance_issues": ["y"]})))),
    ];
    let queue = review_queue(outcomes.iter().map(|(id, o)| (*id, o)), &rules);
    let ids: Vec<(&str, usize, Vec<&str>)> = queue
        .items
        .iter()
        .map(|i| (i.conversation_id.as_str(), i.index, i.matched.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        ids,
        [("c1", 0, vec!["QA", "Compliance"]), ("c4", 3, vec!["QA"]), ("c7", 6, vec!["Compliance"])]
    );
    assert_eq!(queue.evaluated, 5);
    let counts: Vec<_> =
        queue.counts.iter().map(|c| (c.rule.as_str(), c.matched, c.undecided, c.errors)).collect();
    assert_eq!(counts, [("QA", 2, 1, 1), ("Compliance", 2, 1, 0)]);
    assert!(queue.counts[0].first_error.as_deref().unwrap_or_default().contains("rule `QA`"));
    let skipped: Vec<_> =
        queue.not_evaluable.iter().map(|n| (n.conversation_id.as_str(), n.reason.as_str())).collect();
    assert_eq!(skipped, [("c3", "status is invalid, not ok"), ("c5", "no analysis")]);
}

#[test]
fn matches_returns_one_verdict_per_rule_in_order() {
    let rules = [compile("a"), Rule::new("b", "b").compile().unwrap()];
    let verdicts = matches(&rules, &json!({"a": true, "b": false}));
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts[0].is_match() && !verdicts[1].is_match());
    assert_eq!(verdicts[1].rule, "b");
    let json = serde_json::to_value(&verdicts[0]).unwrap();
    assert_eq!(json, json!({"rule": "r", "verdict": "matched"}));
}

#[test]
fn malformed_rules_fail_with_a_position_inside_or_at_the_end() {
    for expression in [
        "a && (b || (c",
        "(a)(b)",
        "a,",
        ", b",
        "foo(x) > 1",
        "a ||| b",
        "a == \"\\q\"",
        "overall_score <> 70",
        "a = = b",
        "!",
        "",
        ")",
        "\"",
        "a == \"é",
        "((((",
        "a +",
        "a && \u{1F600} ==",
        "x // c\n==",
    ] {
        let e = syntax_error(expression);
        let chars = expression.chars().count();
        assert!(e.column <= chars && !e.message.is_empty() && !e.hint.is_empty(), "{expression:?}: {e:?}");
        assert!(expression.is_char_boundary(e.offset), "{expression:?}: {e:?}");
    }
}
