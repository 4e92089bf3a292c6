//! Provider dialects: what each provider's structured-output mode accepts, and the rewrite that
//! turns a user's schema into the copy that is sent.
//!
//! Providers accept different subsets of JSON Schema (OpenAI strict mode rejects optional
//! properties, open objects and `allOf`; local servers take anything but may ignore it). Each
//! dialect is a table here, and one function applies it, so the request builder, the linter and
//! the GUI's "what is sent" preview agree by construction. The rewrite never weakens checking:
//! the user's original schema always validates the result, and every change is reported as a
//! `DialectNote` (pointer, keyword, what happened) so users can see what the model was told.

use serde::Serialize;
pub mod narrow;
#[cfg(test)]
mod tests;
mod walk;

use serde_json::Value;

/// What happened to one keyword in the sent copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteAction {
    /// Removed; the constraint is written into the `description` instead and checked locally.
    MovedToDescription,
    /// Removed without trace because it is a pure annotation (`$schema`, `$comment`, …).
    Dropped,
    /// Rewritten into an equivalent or weaker form the provider accepts.
    Rewritten,
    /// Added because the provider requires it (`additionalProperties: false`, `required`).
    Added,
}

/// One change made to the sent schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialectNote {
    /// JSON pointer into the user's schema.
    pub pointer: String,
    pub keyword: String,
    pub action: NoteAction,
    pub detail: String,
}

/// A provider's structured-output rules.
#[derive(Debug)]
pub struct Dialect {
    pub name: &'static str,
    /// Send the schema untouched (the offline baseline reads it locally).
    pub passthrough: bool,
    /// Keywords kept as they are (besides the structural ones every dialect walks).
    pub supported: &'static [&'static str],
    /// Keywords this dialect does not list are sent as written (local servers accept anything,
    /// and ignore what they do not understand).
    pub keep_unknown: bool,
    /// Every object gets `additionalProperties: false`.
    pub closed_objects: bool,
    /// Every property must be in `required`; optional ones become nullable.
    pub all_required: bool,
    /// `oneOf` is sent as `anyOf` (a weaker constraint; the original is checked locally).
    pub one_of_as_any_of: bool,
    /// `const: v` is sent as `enum: [v]` (same constraint, for providers without `const`).
    pub const_as_enum: bool,
    /// `pattern`s are sent anchored as `^…$` (llama.cpp's grammar compiler needs anchors and
    /// silently drops unanchored ones). The rewrite keeps the meaning.
    pub anchor_patterns: bool,
    /// Largest `minItems` the provider accepts; larger values move into the description.
    pub max_min_items: Option<u64>,
    /// `format` values the provider accepts (`None`: any); others move into the description.
    pub formats: Option<&'static [&'static str]>,
    /// `definitions` is sent as `$defs` (and `$ref`s to it rewritten): the provider only
    /// resolves `$defs`.
    pub defs_only: bool,
    /// Recursive `$ref`s are cut (replaced by an unconstrained schema whose description names
    /// the definition); the result is still checked against the full recursive schema.
    pub no_recursion: bool,
    /// Bounded integer ranges of at most 101 values are sent as an `enum` of their integers, so
    /// constrained decoding enforces bounds this provider cannot express (see `narrow`).
    pub integer_enums: bool,
    /// Free-text strings without `maxLength` get one (grammar-constrained servers let an
    /// unbounded string loop until the output budget is spent).
    pub bound_strings: bool,
}

/// Annotations that carry no constraint and are removed silently.
const ANNOTATIONS: &[&str] =
    &["$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

/// OpenAI structured outputs, `strict: true` (Chat Completions `response_format: json_schema`).
pub const OPENAI_STRICT: Dialect = Dialect {
    name: "openai-strict",
    passthrough: false,
    supported: &[
        "title",
        "pattern",
        "format",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "minItems",
        "maxItems",
        "const",
    ],
    keep_unknown: false,
    closed_objects: true,
    all_required: true,
    one_of_as_any_of: true,
    const_as_enum: false,
    anchor_patterns: false,
    max_min_items: None,
    formats: None,
    defs_only: false,
    no_recursion: false,
    integer_enums: false,
    bound_strings: false,
};

/// Anthropic Messages API, structured output by a forced tool's `input_schema`: objects closed,
/// optional properties allowed; no numeric bounds, string lengths, `maxItems` or recursion;
/// `minItems` only 0 or 1; a fixed list of string formats; no `prefixItems`.
pub const ANTHROPIC_TOOL: Dialect = Dialect {
    name: "anthropic-tool",
    passthrough: false,
    supported: &["title", "pattern", "format", "const", "minItems"],
    keep_unknown: false,
    closed_objects: true,
    all_required: false,
    one_of_as_any_of: true,
    const_as_enum: false,
    anchor_patterns: false,
    max_min_items: Some(1),
    formats: Some(&[
        "date-time",
        "time",
        "date",
        "duration",
        "email",
        "hostname",
        "uri",
        "ipv4",
        "ipv6",
        "uuid",
    ]),
    defs_only: false,
    no_recursion: true,
    integer_enums: true,
    bound_strings: false,
};

/// Gemini `generateContent` with `responseJsonSchema`: a whitelist of keywords ($defs/$ref,
/// type, format, title, description, enum, items, prefixItems, minItems/maxItems,
/// minimum/maximum, anyOf, properties, additionalProperties, required); `oneOf` is sent as
/// `anyOf` and `const` as a one-value `enum`.
pub const GEMINI_JSON_SCHEMA: Dialect = Dialect {
    name: "gemini-json-schema",
    passthrough: false,
    supported: &["title", "format", "minItems", "maxItems", "minimum", "maximum", "prefixItems"],
    keep_unknown: false,
    closed_objects: false,
    all_required: false,
    one_of_as_any_of: true,
    const_as_enum: true,
    anchor_patterns: false,
    max_min_items: None,
    formats: None,
    defs_only: true,
    no_recursion: false,
    integer_enums: false,
    bound_strings: false,
};

/// OpenAI-compatible local servers (Ollama, llama.cpp, vLLM, LM Studio): sent as written,
/// except that patterns are anchored for llama.cpp.
pub const LOCAL_SERVER: Dialect = Dialect {
    name: "local-server",
    passthrough: false,
    supported: &[],
    keep_unknown: true,
    closed_objects: false,
    all_required: false,
    one_of_as_any_of: false,
    const_as_enum: false,
    anchor_patterns: true,
    max_min_items: None,
    formats: None,
    defs_only: false,
    no_recursion: false,
    integer_enums: false,
    bound_strings: true,
};

/// No rewrite at all (the offline baseline sends nothing anywhere).
pub const PASSTHROUGH: Dialect = Dialect {
    name: "passthrough",
    passthrough: true,
    supported: &[],
    keep_unknown: true,
    closed_objects: false,
    all_required: false,
    one_of_as_any_of: false,
    const_as_enum: false,
    anchor_patterns: false,
    max_min_items: None,
    formats: None,
    defs_only: false,
    no_recursion: false,
    integer_enums: false,
    bound_strings: false,
};

/// The dialect a provider's requests use. The request builder, the linter and the GUI preview
/// all ask here, so they cannot disagree.
pub fn for_provider(kind: crate::core::spec::ProviderKind) -> &'static Dialect {
    use crate::core::spec::ProviderKind;
    match kind {
        ProviderKind::Openai => &OPENAI_STRICT,
        ProviderKind::Anthropic => &ANTHROPIC_TOOL,
        ProviderKind::Gemini => &GEMINI_JSON_SCHEMA,
        ProviderKind::OpenaiCompatible | ProviderKind::Ollama => &LOCAL_SERVER,
        ProviderKind::Offline => &PASSTHROUGH,
    }
}

/// The sent copy and what was changed to make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed {
    pub schema: Value,
    pub notes: Vec<DialectNote>,
}

/// Apply a dialect to a user's schema, with the default text bound.
pub fn transform(dialect: &Dialect, schema: &Value) -> Transformed {
    transform_with(dialect, schema, None)
}

/// Apply a dialect, bounding free text at `max_text_length` characters where the dialect
/// bounds strings (the spec's `max_text_length`; `None`: [`narrow::DEFAULT_MAX_TEXT_LENGTH`]).
pub fn transform_with(dialect: &Dialect, schema: &Value, max_text_length: Option<u32>) -> Transformed {
    if dialect.passthrough {
        return Transformed { schema: schema.clone(), notes: Vec::new() };
    }
    let mut walker = walk::Walker::new(dialect, schema);
    walker.max_text_length = max_text_length.unwrap_or(narrow::DEFAULT_MAX_TEXT_LENGTH);
    let schema = walker.walk(schema, "");
    Transformed { schema, notes: walker.notes }
}

/// A name OpenAI accepts for `json_schema.name`: `^[a-zA-Z0-9_-]{1,64}$`.
pub fn schema_name(spec_name: &str) -> String {
    let mut name: String = spec_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if name.trim_matches('_').is_empty() {
        name = "analysis".to_string();
    }
    name
}
