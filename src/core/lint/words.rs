//! Reading field names and enum values like a person would: words, modifiers, categories.
//!
//! Names come as `snake_case`, `camelCase`, `kebab-case` or with spaces; all are split into
//! lower-case words with a light plural stemmer, so `briefSummary`, `brief_summary` and
//! `summaries` can be compared. The word lists are deliberately short and plain: a linter that
//! cries wolf gets switched off.

/// Words that qualify a field without changing what it holds: `brief_summary` is a summary.
const MODIFIERS: &[&str] = &[
    "brief",
    "short",
    "detailed",
    "full",
    "long",
    "overall",
    "main",
    "primary",
    "final",
    "general",
    "quick",
    "executive",
    "concise",
    "extended",
    "complete",
    "simple",
    "basic",
    "high",
    "level",
    "additional",
    "extra",
];

/// Words that name a category: a string field called this wants a fixed set of values.
const CATEGORY_WORDS: &[&str] = &[
    "sentiment",
    "status",
    "category",
    "type",
    "kind",
    "level",
    "quality",
    "topic",
    "outcome",
    "intent",
    "priority",
    "tier",
    "stage",
    "urgency",
    "severity",
    "mood",
    "emotion",
    "tone",
    "classification",
    "disposition",
    "grade",
    "rating",
];

/// Words in a description that say "pick one of a set".
const CATEGORY_DESCRIPTION_WORDS: &[&str] =
    &["sentiment", "category", "categorise", "categorize", "classify", "classification"];

/// Words in a name that mark a field as free text, whatever else the name or description says:
/// `status_notes`, `tone_explanation`, `topic_summary`.
const FREE_TEXT_WORDS: &[&str] = &[
    "summary",
    "note",
    "explanation",
    "description",
    "detail",
    "comment",
    "text",
    "quote",
    "evidence",
    "rationale",
    "justification",
    "feedback",
    "name",
    "id",
    "email",
    "phone",
    "url",
    "date",
    "time",
    "message",
    "title",
    "example",
];

/// Words in a name that make its category words doubtful (`status_reason` is an explanation)
/// but leave a description free to say "classify" (`reason_for_call`: "Classify the reason").
const WEAK_FREE_TEXT_WORDS: &[&str] = &["reason", "why", "cause", "step", "action", "range"];

/// Enum values that catch what the listed ones do not (compared after `normal_value`).
const CATCH_ALLS: &[&str] = &[
    "other",
    "others",
    "unknown",
    "none",
    "n_a",
    "na",
    "not_applicable",
    "unclear",
    "undetermined",
    "unspecified",
    "not_mentioned",
    "not_discussed",
    "misc",
    "miscellaneous",
];

/// Values that make an enum a yes/no answer or an ordered scale, where "unknown" reads better
/// as the catch-all than "other".
const SCALE_VALUES: &[&str] = &[
    "yes",
    "no",
    "y",
    "n",
    "true",
    "false",
    "low",
    "medium",
    "high",
    "positive",
    "negative",
    "neutral",
    "hot",
    "warm",
    "cold",
    "good",
    "bad",
    "poor",
    "fair",
    "excellent",
];

/// Split a name into lower-case, stemmed words.
pub(super) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut out);
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if p.is_alphanumeric() => {
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase))
                    || (p.is_ascii_digit() != c.is_ascii_digit())
            }
            _ => false,
        };
        if boundary {
            flush(&mut current, &mut out);
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut current, &mut out);
    out
}

fn flush(current: &mut String, out: &mut Vec<String>) {
    if !current.is_empty() {
        out.push(stem(current));
        current.clear();
    }
}

/// A light plural stemmer: categories → category, topics → topic; status and analysis stay.
fn stem(word: &str) -> String {
    if word.len() > 4
        && let Some(base) = word.strip_suffix("ies")
    {
        return format!("{base}y");
    }
    if word.len() > 3 && word.ends_with('s') && !["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

/// What a field holds, with modifiers removed: `brief_summary`, `detailedSummary` → "summary".
/// A name made only of modifiers keeps them (`overall` stays "overall"). Words are joined
/// without a separator, so `follow_up` and `followup` compare equal.
pub(super) fn normalise(name: &str) -> String {
    let all = words(name);
    let kept: Vec<&str> = all.iter().map(String::as_str).filter(|w| !MODIFIERS.contains(w)).collect();
    if kept.is_empty() { all.concat() } else { kept.concat() }
}

/// The category word a name or description suggests, unless the name marks free text.
pub(super) fn category_hint(name: Option<&str>, description: Option<&str>) -> Option<String> {
    let name_words = name.map(words).unwrap_or_default();
    if name_words.iter().any(|w| FREE_TEXT_WORDS.contains(&w.as_str())) {
        return None;
    }
    let weak = name_words.iter().any(|w| WEAK_FREE_TEXT_WORDS.contains(&w.as_str()));
    if !weak && let Some(w) = name_words.iter().rev().find(|w| CATEGORY_WORDS.contains(&w.as_str())) {
        return Some(w.clone());
    }
    let desc_words = description.map(words).unwrap_or_default();
    desc_words.into_iter().find(|w| CATEGORY_DESCRIPTION_WORDS.contains(&w.as_str()))
}

/// A sensible value set for a category word, when there is one everybody would agree on. Each
/// includes a catch-all, so the fixed schema does not trip `enum-without-catch-all` next.
pub(super) fn default_values(category: &str) -> Option<&'static [&'static str]> {
    match category {
        "sentiment" | "mood" | "emotion" => Some(&["positive", "neutral", "negative", "mixed", "unknown"]),
        "level" | "priority" | "quality" | "urgency" | "severity" => {
            Some(&["low", "medium", "high", "unknown"])
        }
        _ => None,
    }
}

/// An enum value in comparable form: lower case, separators as `_`.
fn normal_value(value: &str) -> String {
    value
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .to_string()
}

/// Whether an enum value is a catch-all (`Other`, `unknown`, `N/A`, `not applicable`, `other_issue`…).
pub(super) fn is_catch_all(value: &str) -> bool {
    let v = normal_value(value);
    CATCH_ALLS.contains(&v.as_str()) || v.starts_with("other_")
}

/// Whether the values read as yes/no or an ordered scale.
pub(super) fn is_scale(values: &[&str]) -> bool {
    values.iter().any(|v| SCALE_VALUES.contains(&normal_value(v).as_str()))
}

/// Whether the values are exactly a yes/no (or true/false) pair.
pub(super) fn is_yes_no(values: &[&str]) -> bool {
    let mut v: Vec<String> = values.iter().map(|v| normal_value(v)).collect();
    v.sort();
    matches!(
        v.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
        ["no", "yes"] | ["false", "true"] | ["n", "y"]
    )
}
