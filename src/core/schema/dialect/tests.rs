//! Unit tests for the Anthropic, Gemini and local-server dialects (OpenAI strict is covered in
//! `schema/tests.rs`).

use super::walk::anchor;
use super::*;
use crate::core::spec::{AnalysisSpec, ProviderKind, TEMPLATES};
use serde_json::json;

/// What the anchoring puts around a match (see `walk::anchor`).
const AROUND: &str = r#"[^"\\\n\r]{0,200}"#;

fn poor() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5, "description": "CSAT"},
            "code": {"type": "string", "pattern": "[A-Z]{3}-\\d+", "maxLength": 12},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 5},
            "kind": {"oneOf": [{"const": "a"}, {"const": "b"}]},
            "note": {"type": "string", "not": {"const": ""}},
            "tree": {"$ref": "#/$defs/node"}
        },
        "required": ["score"],
        "$defs": {
            "node": {"type": "object", "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
            }}
        }
    })
}

fn keywords(notes: &[DialectNote], action: NoteAction) -> Vec<String> {
    notes.iter().filter(|n| n.action == action).map(|n| format!("{} {}", n.pointer, n.keyword)).collect()
}

#[test]
fn anthropic_closes_objects_keeps_optional_fields_and_moves_bounds() {
    let t = transform(for_provider(ProviderKind::Anthropic), &poor());
    let s = &t.schema;
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(s["required"], json!(["score"]), "optional fields stay optional");
    assert_eq!(s["properties"]["score"]["type"], json!("integer"), "not made nullable");
    assert!(s["properties"]["score"].get("minimum").is_none());
    assert_eq!(
        s["properties"]["score"]["enum"],
        json!([1, 2, 3, 4, 5]),
        "a small range is sent as its values"
    );
    let rewritten = keywords(&t.notes, NoteAction::Rewritten);
    assert!(rewritten.contains(&"/properties/score/enum enum".to_string()), "{rewritten:?}");
    assert!(s["properties"]["code"].get("maxLength").is_none());
    assert_eq!(s["properties"]["code"]["pattern"], json!("[A-Z]{3}-\\d+"));
    let tags = &s["properties"]["tags"];
    assert!(tags.get("minItems").is_none() && tags.get("maxItems").is_none(), "{tags}");
    assert!(s["properties"]["kind"].get("anyOf").is_some());
    assert_eq!(s["$defs"]["node"]["additionalProperties"], json!(false));
    let moved = keywords(&t.notes, NoteAction::MovedToDescription);
    assert!(moved.contains(&"/properties/tags/minItems minItems".to_string()), "{moved:?}");
    assert!(moved.contains(&"/$defs/node/properties/children/items/$ref $ref".to_string()), "{moved:?}");
    // The recursion is cut inside the definition; the root still points at it.
    assert_eq!(s["properties"]["tree"]["$ref"], json!("#/$defs/node"));
    let items = &s["$defs"]["node"]["properties"]["children"]["items"];
    assert!(items.get("$ref").is_none(), "{items}");
    assert!(items["description"].as_str().unwrap().contains("same shape as node"));
}

#[test]
fn anthropic_keeps_min_items_of_one() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "array", "minItems": 1}}});
    let t = transform(for_provider(ProviderKind::Anthropic), &schema);
    assert_eq!(t.schema["properties"]["a"]["minItems"], json!(1));
}

#[test]
fn gemini_keeps_its_whitelist_and_rewrites_the_rest() {
    let t = transform(for_provider(ProviderKind::Gemini), &poor());
    let s = &t.schema;
    assert!(s.get("additionalProperties").is_none(), "objects are not closed for Gemini");
    assert_eq!(s["required"], json!(["score"]));
    assert_eq!(s["properties"]["score"]["minimum"], json!(1));
    assert_eq!(s["properties"]["tags"]["minItems"], json!(2));
    assert!(s["properties"]["code"].get("pattern").is_none());
    assert!(s["properties"]["code"].get("maxLength").is_none());
    assert_eq!(s["properties"]["kind"]["anyOf"], json!([{"enum": ["a"]}, {"enum": ["b"]}]));
    assert!(s["properties"]["note"].get("not").is_none());
    assert_eq!(s["$defs"]["node"]["properties"]["children"]["items"]["$ref"], json!("#/$defs/node"));
    assert!(s.get("$schema").is_none());
    let rewritten = keywords(&t.notes, NoteAction::Rewritten);
    assert!(rewritten.contains(&"/properties/kind/oneOf oneOf".to_string()), "{rewritten:?}");
    assert!(rewritten.contains(&"/properties/kind/oneOf/0/const const".to_string()), "{rewritten:?}");
}

#[test]
fn local_servers_get_the_schema_as_written_with_anchored_patterns() {
    let t = transform(for_provider(ProviderKind::OpenaiCompatible), &poor());
    let s = &t.schema;
    assert_eq!(s["properties"]["code"]["pattern"], json!(format!("^{AROUND}([A-Z]{{3}}-\\d+){AROUND}$")));
    assert_eq!(s["properties"]["code"]["maxLength"], json!(12));
    assert_eq!(s["properties"]["note"]["not"], json!({"const": ""}));
    assert_eq!(s["$schema"], poor()["$schema"]);
    assert_eq!(s["properties"]["note"]["maxLength"], json!(1000), "free text is bounded");
    assert_eq!(s["properties"]["tags"]["items"]["maxLength"], json!(1000));
    let pointers: Vec<&str> = t.notes.iter().map(|n| n.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/properties/code/pattern",
            "/properties/tags/items/maxLength",
            "/properties/note/maxLength",
            "/$defs/node/properties/label/maxLength"
        ],
        "only anchoring and text bounds change: {:?}",
        t.notes
    );
    let bounded = transform_with(for_provider(ProviderKind::OpenaiCompatible), &poor(), Some(300));
    assert_eq!(bounded.schema["properties"]["note"]["maxLength"], json!(300), "the spec's bound wins");
}

#[test]
fn anchoring_keeps_the_meaning() {
    assert_eq!(anchor("^[a-z]+$"), "^[a-z]+$");
    assert_eq!(anchor("^[a-z]+"), format!("^([a-z]+){AROUND}$"));
    assert_eq!(anchor("[a-z]+$"), format!("^{AROUND}([a-z]+)$"));
    assert_eq!(anchor("a|b"), format!("^{AROUND}(a|b){AROUND}$"));
    assert_eq!(
        anchor("cost \\$"),
        format!("^{AROUND}(cost \\$){AROUND}$"),
        "an escaped dollar is not an anchor"
    );
    for (pattern, text) in
        [("[A-Z]{3}-\\d+", "ref ABC-12 here"), ("^x", "xyz"), ("z$", "xyz"), ("a|b", "cab")]
    {
        let original = regex::Regex::new(pattern).unwrap().is_match(text);
        let anchored = regex::Regex::new(&anchor(pattern)).unwrap().is_match(text);
        assert_eq!(original, anchored, "{pattern} on {text}");
    }
    assert!(!regex::Regex::new(&anchor("^x")).unwrap().is_match("yx"));
    // Narrower only around the match: never a raw quote (it would end the JSON string early in
    // llama.cpp's grammar) and never more than 200 characters each side.
    let sent = regex::Regex::new(&anchor("CASE-[0-9]{4}")).unwrap();
    let user = regex::Regex::new("CASE-[0-9]{4}").unwrap();
    for text in
        ["CASE-1234", "see CASE-1234, thanks", "say \"CASE-1234\"", "line\nCASE-1234", &"x".repeat(201)]
    {
        assert!(!sent.is_match(text) || user.is_match(text), "{text}");
    }
    assert!(!sent.is_match("say \"CASE-1234\""));
    assert!(!sent.is_match(&format!("{}CASE-1234", "x".repeat(201))));
    assert!(sent.is_match(&format!("{}CASE-1234", "x".repeat(200))));
}

#[test]
fn offline_sends_nothing_and_changes_nothing() {
    let t = transform(for_provider(ProviderKind::Offline), &poor());
    assert_eq!(t.schema, poor());
    assert!(t.notes.is_empty());
}

#[test]
fn every_templates_sent_copy_still_compiles_for_every_provider() {
    for (name, _) in TEMPLATES {
        let spec = AnalysisSpec::template(name).unwrap();
        for kind in ProviderKind::ALL {
            let t = transform(for_provider(kind), &spec.schema);
            crate::core::schema::compile(&t.schema, name)
                .unwrap_or_else(|e| panic!("{name} for {kind}: sent copy does not compile: {e}"));
        }
    }
}

#[test]
fn anthropic_keeps_only_its_formats_and_no_prefix_items() {
    let schema = json!({"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"},
        "phone": {"type": "string", "format": "phone"},
        "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    }});
    let t = transform(for_provider(ProviderKind::Anthropic), &schema);
    let p = &t.schema["properties"];
    assert_eq!(p["at"]["format"], json!("date-time"));
    assert!(p["phone"].get("format").is_none());
    assert!(p["phone"]["description"].as_str().unwrap().contains("format: \"phone\""));
    assert!(p["pair"].get("prefixItems").is_none());
    let g = transform(for_provider(ProviderKind::Gemini), &schema);
    assert_eq!(g.schema["properties"]["pair"]["prefixItems"][1], json!({"type": "integer"}));
    assert_eq!(g.schema["properties"]["phone"]["format"], json!("phone"));
}

#[test]
fn gemini_gets_definitions_as_defs() {
    let schema = json!({"type": "object", "properties": {"who": {"$ref": "#/definitions/person"}},
                        "definitions": {"person": {"type": "object", "properties": {"name": {"type": "string"}}}}});
    let t = transform(for_provider(ProviderKind::Gemini), &schema);
    assert!(t.schema.get("definitions").is_none());
    assert_eq!(t.schema["$defs"]["person"]["properties"]["name"]["type"], json!("string"));
    assert_eq!(t.schema["properties"]["who"]["$ref"], json!("#/$defs/person"));
    crate::core::schema::compile(&t.schema, "t").unwrap();
    let rewritten = keywords(&t.notes, NoteAction::Rewritten);
    assert!(rewritten.contains(&"/definitions definitions".to_string()), "{rewritten:?}");
}
