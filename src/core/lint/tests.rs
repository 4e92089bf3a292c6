//! Unit tests for the best-practice rules, name reading, range reading and `apply_fix`.

use super::*;
use serde_json::json;

/// Findings with `code`.
fn with_code<'a>(findings: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

/// A described, required string property.
fn field(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// An object schema with these properties, all required.
fn object(props: Value) -> Value {
    let names: Vec<String> = props.as_object().unwrap().keys().cloned().collect();
    json!({"type": "object", "properties": props, "required": names})
}

/// Apply a finding's fix and lint the result again.
fn fixed(schema: &Value, finding: &Finding) -> Value {
    apply_fix(schema, finding.fix.as_ref().expect("a fix")).unwrap()
}

#[test]
fn a_good_schema_has_no_findings() {
    let schema = object(json!({
        "summary": field("2-3 sentence summary"),
        "sentiment": {"type": "string", "enum": ["positive", "negative", "other"], "description": "Customer sentiment"},
        "effort": {"type": "integer", "minimum": 1, "maximum": 5, "description": "1=easy, 5=hard"}
    }));
    assert_eq!(lint(&schema, None), vec![]);
}

#[test]
fn more_than_twelve_top_level_fields_is_unfocused() {
    let mut props = serde_json::Map::new();
    for i in 0..13 {
        props.insert(format!("field_{i}_{}", "x".repeat(i)), field("d"));
    }
    let findings = lint(&object(Value::Object(props.clone())), None);
    let f = with_code(&findings, "too-many-fields");
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].pointer, "/properties");
    assert!(f[0].message.contains("13 top-level fields") && f[0].message.contains("keep schemas focused"));
    props.remove("field_0_");
    assert!(with_code(&lint(&object(Value::Object(props)), None), "too-many-fields").is_empty());
}

#[test]
fn near_duplicate_fields_point_at_the_later_one() {
    let schema = object(json!({
        "summary": field("a"),
        "brief_summary": field("b"),
        "detailedSummary": field("c"),
        "follow_up_needed": field("d"),
        "follow_up_notes": field("e"),
        "topics": field("f"),
        "main-topic": field("g")
    }));
    let findings = lint(&schema, None);
    let pointers: Vec<&str> =
        with_code(&findings, "near-duplicate-field").iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["/properties/brief_summary", "/properties/detailedSummary", "/properties/main-topic"]
    );
    let f = with_code(&findings, "near-duplicate-field")[0];
    assert!(f.message.contains("`brief_summary`") && f.message.contains("`summary`"), "{}", f.message);
}

#[test]
fn names_split_into_words() {
    assert_eq!(words::words("customerNPSScore"), ["customer", "nps", "score"]);
    assert_eq!(words::words("issue-categories v2"), ["issue", "category", "v", "2"]);
    assert_eq!(words::normalise("Overall"), "overall");
    assert_eq!(words::normalise("status"), "status");
    assert_eq!(words::normalise("followUp_notes"), words::normalise("followup-note"));
}

#[test]
fn properties_without_description_are_reported_even_nested() {
    let schema = object(json!({
        "topic": {"type": "string", "enum": ["a", "other"]},
        "caller": {"type": "object", "description": "who called", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        "kind": {"$ref": "#/$defs/kind"}
    }));
    let mut schema = schema;
    schema["$defs"] =
        json!({"kind": {"type": "string", "enum": ["a", "other"], "description": "described here"}});
    let findings = lint(&schema, None);
    let pointers: Vec<&str> =
        with_code(&findings, "missing-description").iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(pointers, ["/properties/caller/properties/name", "/properties/topic"]);
}

#[test]
fn free_text_sentiment_gets_an_enum_fix() {
    let schema = object(json!({"customer_sentiment": field("How the customer felt")}));
    let findings = lint(&schema, None);
    let f = with_code(&findings, "free-text-category");
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].pointer, "/properties/customer_sentiment");
    let after = fixed(&schema, f[0]);
    assert_eq!(
        after["properties"]["customer_sentiment"]["enum"],
        json!(["positive", "neutral", "negative", "mixed", "unknown"])
    );
    assert_eq!(lint(&after, None), vec![], "the fixed schema is clean");
}

#[test]
fn free_text_priority_gets_levels_and_status_gets_no_fix() {
    let schema = object(json!({"priority": field("How urgent"), "callStatus": field("Where it stands")}));
    let findings = lint(&schema, None);
    let f = with_code(&findings, "free-text-category");
    assert_eq!(f.len(), 2);
    let status = f.iter().find(|f| f.pointer == "/properties/callStatus").unwrap();
    assert!(status.fix.is_none(), "no value set everybody agrees on");
    assert!(status.message.contains("enum"));
    let priority = f.iter().find(|f| f.pointer == "/properties/priority").unwrap();
    assert_eq!(
        fixed(&schema, priority)["properties"]["priority"]["enum"],
        json!(["low", "medium", "high", "unknown"])
    );
}

#[test]
fn category_hints_from_descriptions_arrays_and_vetoes() {
    let schema = object(json!({
        "reason_for_call": field("Classify the reason for the call"),
        "topics": {"type": "array", "items": {"type": "string"}, "description": "Topics discussed"},
        "status_notes": field("Notes on the status"),
        "issue_type": {"type": "string", "format": "uri", "description": "d"},
        "summary": field("Summary of the call's outcome and sentiment")
    }));
    let findings = lint(&schema, None);
    let pointers: Vec<&str> =
        with_code(&findings, "free-text-category").iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(pointers, ["/properties/reason_for_call", "/properties/topics/items"]);
}

#[test]
fn enums_without_catch_all_get_other_appended() {
    let schema =
        object(json!({"topic": {"type": "string", "enum": ["billing", "sales"], "description": "d"}}));
    let findings = lint(&schema, None);
    let f = with_code(&findings, "enum-without-catch-all");
    assert_eq!(f.len(), 1);
    let after = fixed(&schema, f[0]);
    assert_eq!(after["properties"]["topic"]["enum"], json!(["billing", "sales", "other"]));
    assert_eq!(lint(&after, None), vec![]);
    for catch_all in ["Other", "UNKNOWN", "none", "N/A", "not applicable", "not_applicable", "other_issue"] {
        let s =
            object(json!({"topic": {"type": "string", "enum": ["billing", catch_all], "description": "d"}}));
        assert_eq!(lint(&s, None), vec![], "{catch_all} is a catch-all");
    }
    let nullable = object(
        json!({"topic": {"type": ["string", "null"], "enum": ["billing", "sales", null], "description": "d"}}),
    );
    assert_eq!(lint(&nullable, None), vec![], "null is the way out");
}

#[test]
fn yes_no_and_scale_enums_get_unknown() {
    let schema = object(json!({
        "resolved": {"type": "string", "enum": ["yes", "no"], "description": "d"},
        "lead": {"type": "string", "enum": ["hot", "warm", "cold"], "description": "d"}
    }));
    let findings = lint(&schema, None);
    let f = with_code(&findings, "enum-without-catch-all");
    assert_eq!(f.len(), 2);
    assert!(f[1].message.contains("yes/no") && f[1].message.contains("boolean"), "{}", f[1].message);
    for finding in f {
        let FixOp::Append { value, .. } = &finding.fix.as_ref().unwrap().ops[0] else { panic!() };
        assert_eq!(value, "unknown");
    }
    let numbers = object(json!({"n": {"type": "integer", "enum": [1, 2, 3], "description": "d"}}));
    assert_eq!(lint(&numbers, None), vec![], "numeric enums are scales by construction");
}

#[test]
fn numbers_without_bounds_get_the_stated_range() {
    let cases = [
        ("Effort, 1-5", json!(1), json!(5)),
        ("Effort 1–5 (en dash)", json!(1), json!(5)),
        ("Quality from 0 to 100", json!(0), json!(100)),
        ("Score, between 1 and 10", json!(1), json!(10)),
        ("Overall score out of 10", json!(0), json!(10)),
        ("Rate from 1 (no effort) to 5 (a lot)", json!(1), json!(5)),
        ("1=resolved at once, 3=some effort, 5=transferred", json!(1), json!(5)),
        ("Share of talk time in percent", json!(0), json!(100)),
    ];
    for (description, min, max) in cases {
        let schema = object(json!({"score": {"type": "integer", "description": description}}));
        let findings = lint(&schema, None);
        let f = with_code(&findings, "unbounded-number");
        assert_eq!(f.len(), 1, "{description}");
        let after = fixed(&schema, f[0]);
        assert_eq!(
            (&after["properties"]["score"]["minimum"], &after["properties"]["score"]["maximum"]),
            (&min, &max),
            "{description}"
        );
        assert_eq!(lint(&after, None), vec![], "{description}");
    }
}

#[test]
fn numbers_without_a_stated_range_get_no_fix() {
    let schema = object(json!({
        "transfers": {"type": "integer", "description": "How many times the call was transferred"},
        "score_1_to_5": {"type": "integer", "description": "Effort"},
        "half": {"type": "number", "minimum": 0, "description": "d"},
        "when": {"type": "integer", "description": "Year, e.g. 2024-2023"}
    }));
    let findings = lint(&schema, None);
    let f = with_code(&findings, "unbounded-number");
    let by = |p: &str| f.iter().find(|x| x.pointer == p).unwrap();
    assert!(by("/properties/transfers").fix.is_none());
    assert!(by("/properties/when").fix.is_none(), "2024-2023 is not a range");
    assert!(by("/properties/half").message.contains("no `maximum`"));
    let named = fixed(&schema, by("/properties/score_1_to_5"));
    assert_eq!(named["properties"]["score_1_to_5"]["maximum"], json!(5), "the name states the range");
}

#[test]
fn objects_without_required_get_every_field_required() {
    let schema = json!({"type": "object", "properties": {
        "a": field("a"),
        "caller": {"type": "object", "description": "d", "properties": {"name": field("n")}},
        "free": {"type": "object", "description": "no properties, nothing to require"}
    }});
    let findings = lint(&schema, None);
    let f = with_code(&findings, "missing-required");
    let pointers: Vec<&str> = f.iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(pointers, ["", "/properties/caller"]);
    let after = fixed(&schema, f[0]);
    assert_eq!(after["required"], json!(["a", "caller", "free"]));
    let keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["type", "properties", "required"], "inserted at the end, order kept");
    let after = fixed(&after, f[1]);
    assert_eq!(lint(&after, None), vec![]);
}

#[test]
fn apply_fix_reports_stale_targets_and_keeps_order() {
    let schema = json!({"type": "object", "properties": {"a~b/c": {"enum": ["x"], "type": "string"}}});
    let append = Fix {
        label: "l".into(),
        ops: vec![FixOp::Append { pointer: "/properties/a~0b~1c/enum".into(), value: json!("other") }],
    };
    let after = apply_fix(&schema, &append).unwrap();
    assert_eq!(after["properties"]["a~b/c"]["enum"], json!(["x", "other"]));
    let replace = Fix {
        label: "l".into(),
        ops: vec![FixOp::Set { pointer: "/properties/a~0b~1c/enum".into(), value: json!(["y"]) }],
    };
    let keys: Vec<String> = apply_fix(&schema, &replace).unwrap()["properties"]["a~b/c"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["enum", "type"], "replaced in place");
    let stale = Fix {
        label: "l".into(),
        ops: vec![FixOp::Set { pointer: "/properties/gone/enum".into(), value: json!([]) }],
    };
    assert!(matches!(apply_fix(&schema, &stale), Err(LintError::Missing { .. })));
    let not_array =
        Fix { label: "l".into(), ops: vec![FixOp::Append { pointer: "/type".into(), value: json!(1) }] };
    assert!(matches!(apply_fix(&schema, &not_array), Err(LintError::NotAnArray { .. })));
    let bad = Fix { label: "l".into(), ops: vec![FixOp::Set { pointer: "type".into(), value: json!(1) }] };
    assert!(matches!(apply_fix(&schema, &bad), Err(LintError::BadPointer { .. })));
    let root = Fix { label: "l".into(), ops: vec![FixOp::Set { pointer: "".into(), value: json!(1) }] };
    assert!(matches!(apply_fix(&schema, &root), Err(LintError::RootReplace { .. })));
    let array = json!({"required": ["a", "b"]});
    let set_item = Fix {
        label: "l".into(),
        ops: vec![
            FixOp::Set { pointer: "/required/1".into(), value: json!("c") },
            FixOp::Set { pointer: "/required/-".into(), value: json!("d") },
        ],
    };
    assert_eq!(apply_fix(&array, &set_item).unwrap()["required"], json!(["a", "c", "d"]));
}

#[test]
fn every_fix_of_a_poor_schema_applies_and_removes_its_finding() {
    let schema = json!({"type": "object", "properties": {
        "sentiment": {"type": "string"},
        "topic": {"type": "string", "enum": ["billing", "sales"], "description": "d"},
        "effort": {"type": "integer", "description": "1-5"}
    }});
    let findings = lint(&schema, None);
    for f in findings.iter().filter(|f| f.fix.is_some()) {
        let after = fixed(&schema, f);
        let again = lint(&after, None);
        assert!(
            !again.iter().any(|g| g.code == f.code && g.pointer == f.pointer),
            "{} at {} is gone after its fix",
            f.code,
            f.pointer
        );
    }
}
