//! Unit tests for validity findings, provider compatibility, OpenAI's limits, ordering, the
//! serialised shape, and robustness on odd input.

use super::*;
use crate::core::schema::dialect;
use crate::core::spec::{AnalysisSpec, TEMPLATES};
use serde_json::json;

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.severity == Severity::Error).collect()
}

/// A minimal clean object schema around `props` (all required, all described by the caller).
fn object(props: Value) -> Value {
    let names: Vec<String> = props.as_object().unwrap().keys().cloned().collect();
    json!({"type": "object", "properties": props, "required": names, "additionalProperties": false})
}

#[test]
fn metaschema_problems_are_errors_with_their_pointers() {
    let schema = json!({"type": "object", "properties": {"topic": {"type": "strng", "description": "d"}}, "required": ["topic", "ghost"]});
    let findings = lint(&schema, None);
    let errs: Vec<(&str, &str)> = errors(&findings).iter().map(|f| (f.code, f.pointer.as_str())).collect();
    assert!(errs.contains(&("invalid-schema", "/properties/topic/type")), "{findings:#?}");
    let f = findings.iter().find(|f| f.pointer == "/properties/topic/type").unwrap();
    assert!(f.message.contains("\"strng\" is not valid"), "{}", f.message);
}

#[test]
fn root_shape_and_refs_are_errors() {
    assert_eq!(codes(&lint(&json!({"type": "string"}), None)), ["root-not-object"]);
    assert_eq!(codes(&lint(&json!(true), None)), ["root-not-object"], "nothing else is walked");
    let bad_ref = object(json!({"a": {"$ref": "https://example.com/x.json", "description": "d"}}));
    let findings = lint(&bad_ref, None);
    let f = errors(&findings);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].code, "schema-compile-error");
    assert!(f[0].message.contains("$defs"), "says what to do: {}", f[0].message);
    assert!(!f[0].message.starts_with("schema:"), "{}", f[0].message);
}

#[test]
fn odd_input_never_panics() {
    let mut deep = json!({"type": "string"});
    for _ in 0..300 {
        deep = json!({"type": "object", "properties": {"a": deep}});
    }
    let odd = [
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!({"properties": 5}),
        json!({"properties": {"a": 5, "b": null}}),
        json!({"enum": 5, "required": {"a": 1}}),
        json!({"type": 5, "items": [1, {"type": "integer"}], "anyOf": {"x": 1}}),
        json!({"type": ["integer", "string"], "minimum": "one"}),
        json!({"$ref": "#/nowhere", "properties": {"x": {"$ref": 7}}}),
        deep,
    ];
    for schema in odd {
        for provider in [None].into_iter().chain(crate::core::spec::ProviderKind::ALL.map(Some)) {
            let findings = lint(&schema, provider);
            for f in findings.iter().filter_map(|f| f.fix.as_ref()) {
                let _ = apply_fix(&schema, f);
            }
        }
    }
}

#[test]
fn every_template_with_every_provider_has_no_error() {
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        for provider in [None].into_iter().chain(crate::core::spec::ProviderKind::ALL.map(Some)) {
            let findings = lint(&spec.schema, provider);
            assert!(errors(&findings).is_empty(), "{name} with {provider:?}: {findings:#?}");
        }
    }
}

#[test]
fn provider_findings_are_the_dialect_notes() {
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        for kind in crate::core::spec::ProviderKind::ALL {
            let notes = dialect::transform(dialect::for_provider(kind), &spec.schema).notes;
            let findings = lint(&spec.schema, Some(kind));
            let mut from_linter: Vec<&str> = findings
                .iter()
                .filter(|f| f.code.starts_with("provider-"))
                .map(|f| f.pointer.as_str())
                .collect();
            let mut from_dialect: Vec<&str> = if kind == crate::core::spec::ProviderKind::Offline {
                Vec::new()
            } else {
                notes.iter().map(|n| n.pointer.as_str()).collect()
            };
            from_linter.sort();
            from_dialect.sort();
            from_dialect.dedup();
            from_linter.dedup();
            assert_eq!(from_linter, from_dialect, "{name} with {kind}");
        }
    }
}

#[test]
fn openai_notes_have_severities_and_a_fix_for_closing_objects() {
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let findings = lint(&spec.schema, Some(crate::core::spec::ProviderKind::Openai));
    let at = |p: &str, code: &str| findings.iter().find(|f| f.pointer == p && f.code == code).cloned();
    let dropped = at("/$schema", "provider-dropped").expect("$schema is dropped");
    assert_eq!(dropped.severity, Severity::Info);
    assert!(dropped.message.starts_with("openai: `$schema`: "), "{}", dropped.message);
    let rewritten =
        at("/properties/follow_up_notes", "provider-rewritten").expect("optional field rewritten");
    assert_eq!(rewritten.severity, Severity::Warning);
    let added = at("/additionalProperties", "provider-added").expect("additionalProperties added");
    assert_eq!(added.severity, Severity::Info);
    let fixed = apply_fix(&spec.schema, added.fix.as_ref().unwrap()).unwrap();
    assert_eq!(fixed["additionalProperties"], json!(false));
    let again = lint(&fixed, Some(crate::core::spec::ProviderKind::Openai));
    assert!(!again.iter().any(|f| f.code == "provider-added" && f.pointer == "/additionalProperties"));
    let moved = lint(
        &object(json!({"code": {"type": "string", "description": "d", "minLength": 3}})),
        Some(crate::core::spec::ProviderKind::Openai),
    );
    let m = moved.iter().find(|f| f.code == "provider-moved-to-description").expect("minLength moved");
    assert_eq!((m.severity, m.pointer.as_str()), (Severity::Warning, "/properties/code/minLength"));
}

#[test]
fn offline_and_no_provider_give_no_compatibility_findings() {
    let schema =
        object(json!({"code": {"type": "string", "description": "d", "minLength": 3, "$comment": "c"}}));
    for provider in [None, Some(crate::core::spec::ProviderKind::Offline)] {
        let findings = lint(&schema, provider);
        assert!(
            findings.iter().all(|f| !f.code.starts_with("provider-") && !f.code.starts_with("openai-")),
            "{findings:#?}"
        );
    }
}

#[test]
fn openai_root_must_be_a_plain_object() {
    let openai = Some(crate::core::spec::ProviderKind::Openai);
    let union = json!({"type": "object", "properties": {"a": {"type": "string", "description": "d"}}, "required": ["a"], "anyOf": [{"required": ["a"]}]});
    assert!(codes(&lint(&union, openai)).contains(&"openai-root-not-object"));
    assert!(!codes(&lint(&union, None)).contains(&"openai-root-not-object"));
    let untyped = json!({"properties": {"a": {"type": "string", "description": "d"}}, "required": ["a"]});
    assert!(codes(&lint(&untyped, openai)).contains(&"openai-root-not-object"));
    let string = json!({"type": "string"});
    assert_eq!(
        codes(&errors(&lint(&string, openai)).into_iter().cloned().collect::<Vec<_>>()),
        ["root-not-object"],
        "reported once"
    );
}

#[test]
fn openai_size_limits_are_errors() {
    let openai = Some(crate::core::spec::ProviderKind::Openai);
    let mut many = serde_json::Map::new();
    for i in 0..5001 {
        many.insert(format!("f{i}"), json!({"type": "boolean", "description": "d"}));
    }
    assert!(codes(&lint(&object(Value::Object(many)), openai)).contains(&"openai-too-many-properties"));
    let values: Vec<String> = (0..1001).map(|i| format!("v{i}")).collect();
    let big_enum = object(json!({"e": {"type": "string", "enum": values, "description": "d"}}));
    assert!(codes(&lint(&big_enum, openai)).contains(&"openai-too-many-enum-values"));
    assert!(!codes(&lint(&big_enum, None)).contains(&"openai-too-many-enum-values"));
    let long: Vec<String> = (0..300).map(|i| format!("{i:0>60}")).collect();
    let long_enum = object(json!({"e": {"type": "string", "enum": long, "description": "d"}}));
    let findings = lint(&long_enum, openai);
    let f =
        findings.iter().find(|f| f.code == "openai-enum-too-long").expect("18,000 characters in 300 values");
    assert_eq!(f.pointer, "/properties/e/enum");
    let names: serde_json::Map<String, Value> =
        (0..1000).map(|i| (format!("{i:0>125}"), json!({"type": "boolean", "description": "d"}))).collect();
    assert!(codes(&lint(&object(Value::Object(names)), openai)).contains(&"openai-too-many-characters"));
}

#[test]
fn openai_nesting_is_limited_to_ten_levels() {
    let openai = Some(crate::core::spec::ProviderKind::Openai);
    let nest = |levels: usize| {
        let mut s = json!({"type": "boolean", "description": "d"});
        for _ in 0..levels {
            s = object(json!({"a": s}));
            s["description"] = json!("d");
        }
        s
    };
    // `nest(n)` puts the leaf at level n + 1 (the root is level 1).
    assert!(!codes(&lint(&nest(9), openai)).contains(&"openai-too-deep"));
    let findings = lint(&nest(10), openai);
    let deep: Vec<&Finding> = findings.iter().filter(|f| f.code == "openai-too-deep").collect();
    assert_eq!(deep.len(), 1, "reported once, where the limit is crossed");
    assert_eq!(deep[0].pointer, "/properties/a".repeat(10));
}

#[test]
fn findings_are_sorted_and_serialise_with_stable_fields() {
    let schema =
        json!({"properties": {"z": {"type": "string", "enum": ["a", "b"]}, "a": {"type": "integer"}}});
    let findings = lint(&schema, Some(crate::core::spec::ProviderKind::Openai));
    assert_eq!(findings, lint(&schema, Some(crate::core::spec::ProviderKind::Openai)), "deterministic");
    let keys: Vec<(&str, Severity)> = findings.iter().map(|f| (f.pointer.as_str(), f.severity)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let catch_all = findings.iter().find(|f| f.code == "enum-without-catch-all").unwrap();
    assert_eq!(
        serde_json::to_value(catch_all).unwrap(),
        json!({
            "code": "enum-without-catch-all",
            "severity": "warning",
            "pointer": "/properties/z",
            "message": catch_all.message,
            "fix": {"label": "Add \"other\" to the enum", "ops": [{"op": "append", "pointer": "/properties/z/enum", "value": "other"}]}
        })
    );
    let counts = Counts::of(&findings);
    assert_eq!(counts.error + counts.warning + counts.info, findings.len());
    assert_eq!(Counts { error: 1, warning: 2, info: 0 }.summary(), "1 error, 2 warnings, 0 notes");
}
