//! Choosing an enum value without a model: match the transcript against each value's words and
//! its definition, wherever the user wrote one.
//!
//! Definitions come from the prompt ("- billing: Payment, invoices, charges, refunds"), from the
//! field's description, and from a small built-in vocabulary for the values the seed's templates
//! use. Sentiment-like fields use a lexicon over customer turns instead, because the customer's
//! words, not the topic's, carry sentiment.

use super::evidence::{Evidence, stem, words};
use serde_json::Value;
use std::collections::HashMap;

/// Value → definition words, parsed from lines like `- value: words, words` or `value = words`.
pub fn definitions(prompt: &str) -> HashMap<String, Vec<String>> {
    let mut map = HashMap::new();
    for line in prompt.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
        let Some((head, rest)) = line.split_once(':').or_else(|| line.split_once(" = ")) else {
            continue;
        };
        let head = head.trim().trim_matches(['*', '`', '"']).to_lowercase();
        if head.is_empty() || head.contains(' ') || head.len() > 40 {
            continue;
        }
        let w: Vec<String> =
            words(rest).into_iter().filter(|w| w.len() >= 4 && !STOP.contains(&w.as_str())).collect();
        map.entry(head).or_insert_with(Vec::new).extend(w);
    }
    map
}

const STOP: &[&str] = &[
    "does",
    "done",
    "will",
    "your",
    "they",
    "them",
    "then",
    "also",
    "more",
    "most",
    "some",
    "very",
    "just",
    "like",
    "been",
    "being",
    "would",
    "could",
    "should",
    "asks",
    "customer",
    "agent",
    "something",
    "anything",
    "issue",
    "issues",
    "question",
    "questions",
    "conversation",
    "the",
    "this",
    "that",
    "with",
    "from",
    "were",
    "what",
    "when",
    "have",
    "into",
    "their",
    "there",
    "about",
    "only",
    "such",
    "than",
    "which",
    "other",
    "above",
    "none",
    "fits",
];

/// Built-in cue words for values the bundled templates use.
fn builtin(value: &str) -> &'static [&'static str] {
    match value {
        "billing" => {
            &["bill", "charge", "invoice", "refund", "payment", "paid", "card", "subscription", "price"]
        }
        "technical_support" => &[
            "error",
            "crash",
            "broken",
            "not working",
            "doesn't work",
            "bug",
            "reset",
            "install",
            "router",
            "app",
            "login",
        ],
        "sales" => &["pricing", "plan", "upgrade", "quote", "purchase", "buy", "demo", "license", "seats"],
        "complaint" => &[
            "unacceptable",
            "ridiculous",
            "terrible",
            "complain",
            "supervisor",
            "manager",
            "worst",
            "frustrat",
            "angry",
            "disappoint",
        ],
        "account_access" => {
            &["password", "log in", "login", "locked", "two-factor", "2fa", "access", "sign in"]
        }
        "product_bug" => &[
            "bug",
            "crash",
            "error",
            "broken",
            "glitch",
            "freez",
            "doesn't work",
            "not working",
            "stopped working",
        ],
        "feature_request" => &["feature", "would be great if", "wish", "add support", "request"],
        "how_to" => &["how do i", "how can i", "how to", "where do i", "steps", "walk me through"],
        "escalated" => &["escalat", "supervisor", "manager", "specialist", "transfer", "another team"],
        "pending" => &[
            "will call",
            "call you back",
            "get back to you",
            "within",
            "follow up",
            "ticket",
            "24 hours",
            "48 hours",
        ],
        "resolved" => &[
            "fixed",
            "resolved",
            "works now",
            "working now",
            "all set",
            "that's done",
            "processed",
            "issued",
        ],
        "unresolved" => &["still not", "still doesn't", "can't help", "cannot help", "unable"],
        "hot" => &[
            "ready to",
            "sign today",
            "this month",
            "this week",
            "send the contract",
            "proposal",
            "asap",
            "purchase order",
        ],
        "warm" => &["interested", "next quarter", "evaluate", "trial", "demo", "think about"],
        "cold" => &["just looking", "not right now", "maybe next year", "no rush", "send some info"],
        "unqualified" => &["no budget", "not interested", "wrong number", "student", "not a fit"],
        _ => &[],
    }
}

fn is_catch_all(value: &str) -> bool {
    matches!(value, "other" | "unknown" | "none" | "general" | "n/a" | "not_applicable" | "unclear" | "mixed")
}

/// Pick one of `values` for a field.
pub fn choose(
    field: &str,
    description: &str,
    values: &[Value],
    ev: &Evidence<'_>,
    defs: &HashMap<String, Vec<String>>,
) -> Value {
    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    if strings.is_empty() {
        return values.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null);
    }
    if let Some(v) = sentiment_choice(field, description, &strings, ev) {
        return Value::String(v.to_string());
    }
    // Outcome fields are decided by how the conversation ends, and by both sides equally.
    let about = field.to_lowercase();
    let outcome = ["status", "resolution", "outcome", "result", "lead_quality", "stage"]
        .iter()
        .any(|k| about.contains(k));
    let mut best: Option<(&str, f64)> = None;
    for value in strings.iter().copied() {
        let score = if outcome { score_outcome(value, ev, defs) } else { score_value(value, ev, defs) };
        if score > 0.0 && best.is_none_or(|(_, b)| score > b) {
            best = Some((value, score));
        }
    }
    let pick = best
        .map(|(v, _)| v)
        .or_else(|| strings.iter().copied().find(|v| is_catch_all(v)))
        .unwrap_or(strings[0]);
    Value::String(pick.to_string())
}

fn cues_for(lower: &str, defs: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut cues: Vec<String> =
        lower.split(['_', '-', ' ']).filter(|w| w.len() >= 4).map(|w| stem(w).to_string()).collect();
    if let Some(def) = defs.get(lower) {
        cues.extend(def.iter().map(|w| stem(w).to_string()));
    }
    cues.extend(builtin(lower).iter().map(|s| s.to_string()));
    cues.sort();
    cues.dedup();
    cues
}

/// Phrases of the value's vocabulary found in the last part of the conversation.
fn score_outcome(value: &str, ev: &Evidence<'_>, defs: &HashMap<String, Vec<String>>) -> f64 {
    let lower = value.to_lowercase();
    let builtin_cues = builtin(&lower);
    let ending_words = words(&ev.ending);
    let mut score = 0.0;
    for cue in builtin_cues {
        score += 2.0 * ev.ending.matches(cue).count() as f64;
    }
    for cue in cues_for(&lower, defs).iter().filter(|c| !c.contains(' ')) {
        score += 0.5 * ending_words.iter().filter(|w| w.starts_with(cue.as_str())).count() as f64;
    }
    if is_catch_all(&lower) {
        score *= 0.5;
    }
    score
}

fn score_value(value: &str, ev: &Evidence<'_>, defs: &HashMap<String, Vec<String>>) -> f64 {
    let lower = value.to_lowercase();
    let cues = cues_for(&lower, defs);
    let customer_words = words(&ev.customer);
    let mut score = 0.0;
    for cue in &cues {
        if cue.contains(' ') {
            score += 1.5 * ev.customer.matches(cue.as_str()).count() as f64
                + 0.5 * ev.agent.matches(cue.as_str()).count() as f64;
        } else {
            score += customer_words.iter().filter(|w| w.starts_with(cue.as_str())).count() as f64;
            score += 0.3 * words(&ev.agent).iter().filter(|w| w.starts_with(cue.as_str())).count() as f64;
        }
    }
    if is_catch_all(&lower) {
        score *= 0.5;
    }
    score
}

/// Words of a satisfied customer (emphatic thanks; plain "thanks" is politeness).
pub(super) const POS: &[&str] = &[
    "thank you so much",
    "thanks so much",
    "really appreciate",
    "great",
    "perfect",
    "awesome",
    "appreciate",
    "helpful",
    "excellent",
    "wonderful",
    "love",
    "happy",
    "glad",
    "amazing",
    "fantastic",
    "brilliant",
    "works now",
    "that's fine",
    "sounds good",
];

/// Words of an unhappy customer.
pub(super) const NEG: &[&str] = &[
    "unacceptable",
    "ridiculous",
    "terrible",
    "awful",
    "angry",
    "frustrat",
    "disappoint",
    "worst",
    "useless",
    "annoy",
    "furious",
    "upset",
    "horrible",
    "waste",
    "never again",
    "cancel",
    "still not",
    "doesn't work",
    "not working",
    "complain",
    "outrageous",
    "fed up",
    "rude",
];

/// Customer sentiment from a lexicon: positive words minus negative words, per customer turn.
pub fn sentiment_score(ev: &Evidence<'_>) -> f64 {
    // Plain "thanks" is politeness, not satisfaction; only emphatic thanks counts.

    let text = &ev.customer;
    // Distinct cues, so one word repeated does not swing the verdict.
    let pos = POS.iter().filter(|w| text.contains(*w)).count() as f64;
    let neg = NEG.iter().filter(|w| text.contains(*w)).count() as f64;
    // Closing thanks are politeness more than satisfaction: weigh negatives higher.
    pos - 1.5 * neg
}

fn sentiment_choice<'v>(
    field: &str,
    description: &str,
    values: &[&'v str],
    ev: &Evidence<'_>,
) -> Option<&'v str> {
    let about = format!("{field} {description}").to_lowercase();
    if !(about.contains("sentiment")
        || about.contains("mood")
        || about.contains("satisf")
        || about.contains("emotion"))
    {
        return None;
    }
    let find = |names: &[&str]| values.iter().copied().find(|v| names.contains(&v.to_lowercase().as_str()));
    let positive = find(&["positive", "satisfied", "happy", "good"])?;
    let negative = find(&["negative", "dissatisfied", "unhappy", "angry", "bad", "frustrated"])?;
    let neutral = find(&["neutral", "mixed", "ok", "okay"]);
    let s = sentiment_score(ev);
    Some(if s >= 3.0 {
        positive
    } else if s <= -1.0 {
        negative
    } else {
        neutral.unwrap_or(if s > 0.0 { positive } else { negative })
    })
}
