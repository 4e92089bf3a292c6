//! Offline baseline tests on hand-written conversations.

use super::*;
use crate::core::schema::compile;
use crate::core::spec::{AnalysisSpec, TEMPLATES};
use crate::core::transcript::{Conversation, Metadata, Speaker, Turn};

fn conv(lines: &[(&str, &str)]) -> Conversation {
    Conversation {
        id: "t".into(),
        turns: lines
            .iter()
            .map(|(s, t)| Turn {
                speaker: if *s == "A" { Speaker::Agent } else { Speaker::Customer },
                label: s.to_string(),
                text: t.to_string(),
                start_s: None,
            })
            .collect(),
        metadata: Metadata::default(),
        expected: None,
        source: "test".into(),
    }
}

fn billing_call() -> Conversation {
    conv(&[
        ("A", "Thank you for calling Northwind, this is Sam. How can I help?"),
        (
            "C",
            "Hi, I was charged twice for my subscription this month and I want a refund for the duplicate payment.",
        ),
        ("A", "I'm sorry about that. Can you confirm your date of birth so I can verify the account?"),
        ("C", "Sure, March 3rd 1985."),
        (
            "A",
            "Thanks. I see the duplicate charge and I have processed a refund of $29.99; it has been issued to your card.",
        ),
        ("C", "Great, thank you so much, that's perfect!"),
        ("A", "Is there anything else I can help with? Have a great day."),
    ])
}

#[test]
fn post_analysis_on_a_billing_call() {
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let v = analyze(&spec.schema, &spec.prompt, &billing_call());
    assert_eq!(v["topic"], "billing");
    assert_eq!(v["resolved"], true);
    assert_eq!(v["sentiment"], "positive");
    assert_eq!(v["follow_up_needed"], false);
    assert!(v.get("follow_up_notes").is_none(), "no notes without a follow-up: {v}");
    assert!(v["summary"].as_str().unwrap().contains("charged twice"));
    assert!(compile(&spec.schema, "t").unwrap().validate(&v).is_empty(), "{v}");
}

#[test]
fn prompt_definitions_steer_enum_choice() {
    let schema = json!({"type": "object", "properties": {"kind": {"enum": ["alpha", "beta", "other"]}}, "required": ["kind"]});
    let c = conv(&[("C", "My parcel never arrived and the courier lost it."), ("A", "Sorry.")]);
    let without = analyze(&schema, "", &c);
    assert_eq!(without["kind"], "other", "no evidence → catch-all");
    let with = analyze(&schema, "- beta: parcel, courier, delivery\n- alpha: invoices", &c);
    assert_eq!(with["kind"], "beta");
}

#[test]
fn negative_customer_and_escalation() {
    let c = conv(&[
        ("A", "Support, how can I help?"),
        ("C", "This is unacceptable. The app still doesn't work after three updates and I'm fed up."),
        ("A", "I understand. I'm going to escalate this to a specialist who will call you back tomorrow."),
        ("C", "Fine."),
    ]);
    let spec = AnalysisSpec::template("customer_support").unwrap();
    let v = analyze(&spec.schema, &spec.prompt, &c);
    assert_eq!(v["resolution_status"], "escalated", "{v}");
    assert!(v["escalation_reason"].as_str().unwrap().contains("escalate"));
    let effort = v["customer_effort_score"].as_i64().unwrap();
    assert!((1..=5).contains(&effort));
    let pa = AnalysisSpec::template("post_analysis").unwrap();
    let v = analyze(&pa.schema, &pa.prompt, &c);
    assert_eq!(v["sentiment"], "negative");
    assert_eq!(v["follow_up_needed"], true);
    assert_eq!(v["resolved"], false);
}

#[test]
fn qa_flags_card_number_and_missing_greeting() {
    let c = conv(&[
        ("A", "Yeah, what do you need?"),
        ("C", "I want to update the card on my account."),
        (
            "A",
            "OK, the card on file is 4111 1111 1111 1111, I've replaced it. I guarantee you won't be charged again.",
        ),
        ("C", "Okay."),
    ]);
    let spec = AnalysisSpec::template("quality_assurance").unwrap();
    let v = analyze(&spec.schema, &spec.prompt, &c);
    assert_eq!(v["greeting_proper"], false);
    assert_eq!(v["identification_verified"], false);
    let issues = v["compliance_issues"].as_array().unwrap();
    assert!(issues.iter().any(|i| i.as_str().unwrap().contains("card number")), "{v}");
    assert!(v["overall_score"].as_i64().unwrap() < 50, "{v}");
    assert!(compile(&spec.schema, "t").unwrap().validate(&v).is_empty());
}

#[test]
fn every_template_result_validates_and_is_deterministic() {
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        let a = analyze(&spec.schema, &spec.prompt, &billing_call());
        let b = analyze(&spec.schema, &spec.prompt, &billing_call());
        assert_eq!(a, b);
        assert!(compile(&spec.schema, name).unwrap().validate(&a).is_empty(), "{name}: {a}");
    }
}

#[test]
fn bounds_and_nested_shapes_are_respected() {
    let schema = json!({"type": "object", "properties": {
        "n": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2, "maxItems": 2},
        "who": {"type": "object", "properties": {"name": {"type": "string", "minLength": 3}}, "required": ["name"]},
        "ref": {"$ref": "#/$defs/flag"}
    }, "required": ["n", "tags", "who", "ref"], "$defs": {"flag": {"type": "boolean"}}});
    let v = analyze(&schema, "", &billing_call());
    assert!(compile(&schema, "t").unwrap().validate(&v).is_empty(), "{v}");
}
