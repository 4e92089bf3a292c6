//! Unit tests for schema parsing, metaschema errors, validation, dialects and null stripping.

use super::dialect::{self, NoteAction};
use super::*;
use crate::core::spec::{AnalysisSpec, TEMPLATES};
use serde_json::json;

#[test]
fn syntax_error_has_line_and_column() {
    let err = parse("{\n  \"type\": \"object\",\n  \"properties\": {,}\n}", "schema.json").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("schema.json:3:18: JSON syntax error"), "{text}");
}

#[test]
fn bad_type_keyword_is_reported_with_pointer() {
    let schema = json!({"type": "object", "properties": {"topic": {"type": "strng"}}});
    let err = compile(&schema, "s.json").unwrap_err();
    let SchemaError::Meta { problems, .. } = &err else { panic!("{err}") };
    assert_eq!(problems[0].pointer, "/properties/topic/type");
    assert!(problems[0].message.starts_with("\"strng\" is not valid"), "{}", problems[0].message);
    assert!(err.to_string().contains("/properties/topic/type: \"strng\" is not valid"));
}

#[test]
fn several_problems_are_all_reported() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "strng"}, "b": {"minimum": "one"}}, "required": "a"});
    let SchemaError::Meta { problems, .. } = compile(&schema, "s").unwrap_err() else { panic!() };
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert!(pointers.contains(&"/properties/a/type"), "{pointers:?}");
    assert!(pointers.contains(&"/properties/b/minimum"), "{pointers:?}");
    assert!(pointers.contains(&"/required"), "{pointers:?}");
}

#[test]
fn root_must_be_object() {
    let err = compile(&json!({"type": "string"}), "s").unwrap_err();
    assert!(matches!(err, SchemaError::RootNotObject { .. }));
}

#[test]
fn an_object_root_without_properties_is_refused_as_the_message_says() {
    for schema in [
        json!({"type": "object"}),
        json!({"type": "object", "properties": {}}),
        json!({"type": "array", "properties": {"a": {}}}),
    ] {
        let err = compile(&schema, "s.json").unwrap_err();
        assert!(matches!(err, SchemaError::RootNotObject { .. }), "{schema}: {err}");
        assert!(err.to_string().contains("with `properties`"), "{err}");
    }
    assert!(compile(&json!({"properties": {"a": {"type": "string"}}}), "s").is_ok());
}

#[test]
fn a_bad_pattern_is_reported_at_its_pointer() {
    let schema =
        json!({"type": "object", "properties": {"phone": {"type": "string", "pattern": "^(\\d{3}"}}});
    let err = compile(&schema, "s.json").unwrap_err();
    let SchemaError::Meta { problems, .. } = &err else { panic!("{err}") };
    assert_eq!(problems[0].pointer, "/properties/phone/pattern", "{err}");
    assert!(err.to_string().contains("/properties/phone/pattern: "), "{err}");
    assert!(err.to_string().contains("fix the regular expression"), "{err}");
}

#[test]
fn a_pure_ref_cycle_is_refused() {
    let schema = json!({"type": "object", "properties": {"x": {"$ref": "#/$defs/a"}},
                        "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}});
    let err = compile(&schema, "s.json").unwrap_err();
    let SchemaError::Meta { problems, .. } = &err else { panic!("{err}") };
    assert_eq!(problems[0].pointer, "/$defs/a/$ref");
}

#[test]
fn validation_errors_carry_instance_pointer() {
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let compiled = compile(&spec.schema, "t").unwrap();
    let errors = compiled.validate(&json!({"summary": "x", "topic": "weather", "resolved": "yes"}));
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert!(pointers.contains(&"/topic"), "{errors:?}");
    assert!(pointers.contains(&"/resolved"), "{errors:?}");
    assert!(pointers.contains(&""), "missing sentiment is reported at the root: {errors:?}");
    assert!(
        compiled
            .validate(&json!({"summary": "x", "topic": "billing", "resolved": true, "sentiment": "neutral"}))
            .is_empty()
    );
}

#[test]
fn every_template_compiles() {
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        compile(&spec.schema, name).unwrap();
    }
}

#[test]
fn strict_transform_closes_objects_and_makes_optional_nullable() {
    let spec = AnalysisSpec::template("post_analysis").unwrap();
    let t = dialect::transform(&dialect::OPENAI_STRICT, &spec.schema);
    let s = &t.schema;
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(
        s["required"],
        json!(["summary", "topic", "resolved", "sentiment", "follow_up_needed", "follow_up_notes"])
    );
    assert_eq!(s["properties"]["follow_up_notes"]["type"], json!(["string", "null"]));
    assert_eq!(s["properties"]["follow_up_needed"]["type"], json!(["boolean", "null"]));
    assert_eq!(s["properties"]["summary"]["type"], json!("string"));
    assert!(s.get("$schema").is_none());
    assert!(t.notes.iter().any(|n| n.keyword == "$schema" && n.action == NoteAction::Dropped));
}

#[test]
fn strict_transform_moves_unsupported_keywords_into_description() {
    let schema = json!({
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "name": {"type": "string", "minLength": 2, "description": "Caller name"},
            "tier": {"enum": ["a", "b"]}
        },
        "allOf": [{"required": ["score"]}],
        "if": {"properties": {"score": {"const": 5}}}, "then": {"required": ["name"]},
        "dependentRequired": {"name": ["score"]}
    });
    let t = dialect::transform(&dialect::OPENAI_STRICT, &schema);
    let s = &t.schema;
    for k in ["allOf", "if", "then", "dependentRequired"] {
        assert!(s.get(k).is_none(), "{k} must be dropped");
        assert!(s["description"].as_str().unwrap().contains(k), "{k} noted in description");
    }
    assert_eq!(s["properties"]["score"]["minimum"], json!(1));
    assert!(s["properties"]["name"].get("minLength").is_none());
    assert!(
        s["properties"]["name"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Caller name (Constraints: minLength: 2")
    );
    // An enum without a type becomes nullable by adding null to the enum via anyOf.
    assert_eq!(s["properties"]["tier"]["anyOf"][1], json!({"type": "null"}));
}

#[test]
fn schema_names_fit_openai_pattern() {
    assert_eq!(dialect::schema_name("Post analysis"), "Post_analysis");
    assert_eq!(dialect::schema_name("!!!"), "analysis");
    assert_eq!(dialect::schema_name(&"x".repeat(100)).len(), 64);
}

#[test]
fn added_nulls_are_removed_but_allowed_nulls_kept() {
    let schema = json!({"type": "object", "properties": {
        "a": {"type": "string"}, "b": {"type": ["string", "null"]}, "c": {"type": "string"},
        "nested": {"type": "object", "properties": {"x": {"type": "integer"}}}
    }, "required": ["c"]});
    let mut v = json!({"a": null, "b": null, "c": null, "nested": {"x": null}});
    nulls::strip_added_nulls(&schema, &mut v);
    assert_eq!(v, json!({"b": null, "c": null, "nested": {}}));
}

#[test]
fn summary_lists_fields_with_kinds() {
    let spec = AnalysisSpec::template("customer_support").unwrap();
    let text = summary::describe(&spec.schema);
    assert!(
        text.contains("- customer_effort_score (integer from 1 to 5, required): Rate how much effort"),
        "{text}"
    );
    assert!(text.contains("- issue_category (one of \"account_access\", \"billing\""), "{text}");
    assert!(text.contains("- escalation_reason (string, optional)"), "{text}");
}

#[test]
fn required_names_must_be_defined() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]});
    let SchemaError::Meta { problems, .. } = compile(&schema, "s").unwrap_err() else { panic!() };
    assert_eq!(problems[0].pointer, "/required/1");
    assert!(problems[0].message.contains("\"b\" is required but not defined"));
}

#[test]
fn a_property_named_type_gets_the_plain_message() {
    let schema = json!({"type": "object", "properties": {"type": 5}});
    let SchemaError::Meta { problems, .. } = compile(&schema, "s").unwrap_err() else { panic!() };
    assert_eq!(problems[0].pointer, "/properties/type");
    assert!(!problems[0].message.contains("use one of"), "{}", problems[0].message);
}

#[test]
fn an_external_ref_says_what_to_do() {
    let schema = json!({"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}});
    let err = compile(&schema, "s").unwrap_err().to_string();
    assert!(err.contains("move the definition under `$defs`"), "{err}");
}

#[test]
fn recursive_schemas_stay_fast_everywhere() {
    let schema = json!({"type": "object", "properties": {
        "a": {"$ref": "#"}, "b": {"$ref": "#"}, "c": {"$ref": "#"}, "d": {"$ref": "#"}
    }});
    // Expanding `$ref: "#"` four ways grows as 4^depth: before the fix this test did not finish
    // in minutes. Each recursive reference is now counted once.
    compile(&schema, "s").unwrap();
    let tokens = crate::core::cost::estimate_output_tokens(&schema);
    assert!(tokens < 200, "one level of each field, not an exponential tree: {tokens}");
    assert!(summary::describe(&schema).lines().count() <= 5);
    let conv =
        crate::core::transcript::parse_bytes(std::path::Path::new("t.txt"), b"Agent: hi\nCustomer: hello\n")
            .unwrap();
    let v = crate::llm::offline::analyze(&schema, "", &conv[0]);
    assert_eq!(v, json!({"a": null, "b": null, "c": null, "d": null}));
}
