//! Named-field heuristics of the offline baseline: booleans from cue phrases, scores, and the
//! strings and lists the bundled templates ask for.
//!
//! Each heuristic is a plain rule a reviewer can read and predict, which is the point of a
//! baseline: it shows what the transcript alone gives away, so an LLM's value can be judged
//! against it. Unknown field names fall back to generic rules in `mod.rs`.

use super::enums::sentiment_score;
use super::evidence::Evidence;
use super::extract::{budget, competitors, summary, timeline};
use crate::core::transcript::Speaker;
use regex::Regex;
use std::sync::OnceLock;

const FOLLOW_UP: &[&str] = &[
    "call you back",
    "get back to you",
    "follow up",
    "follow-up",
    "callback",
    "call back",
    "will email",
    "i'll email",
    "send you",
    "within 24",
    "within 48",
    "business days",
    "next week",
    "tomorrow",
    "ticket number",
    "i'll check",
    "let you know",
];
const ESCALATE: &[&str] = &[
    "escalat",
    "supervisor",
    "manager",
    "specialist",
    "transfer you",
    "another team",
    "tier 2",
    "second-level",
];
const RESOLVED: &[&str] = &[
    "resolved",
    "fixed",
    "works now",
    "working now",
    "that worked",
    "all set",
    "that's done",
    "processed",
    "has been issued",
    "you're all set",
    "sorted",
    "perfect, thank",
    "great, thank",
    "that helps",
    "that answers",
];
const UNRESOLVED: &[&str] = &[
    "still not",
    "still doesn't",
    "still isn't",
    "not resolved",
    "unacceptable",
    "can't help",
    "cannot help",
    "unable to",
    "escalat",
    "supervisor",
    "call you back",
    "get back to you",
    "i'll cancel",
    "going to cancel",
];

/// How a proper greeting opens.
const GREETING: &[&str] = &[
    "hello",
    "hi ",
    "hi,",
    "good morning",
    "good afternoon",
    "good evening",
    "thank you for calling",
    "thanks for calling",
    "welcome",
    "thanks for reaching out",
    "thank you for contacting",
];

/// An agent correcting wrong information.
const CORRECTIONS: &[&str] = &[
    "i was wrong",
    "i misspoke",
    "correction",
    "that's incorrect",
    "that was incorrect",
    "let me correct",
    "sorry, actually",
    "i gave you the wrong",
];

/// What a professional agent never says.
const RUDE: &[&str] = &[
    "calm down",
    "not my problem",
    "whatever",
    "stupid",
    "obviously you",
    "i already told you",
    "shut up",
    "your fault",
];

/// How a proper closing sounds.
const CLOSING: &[&str] = &[
    "anything else",
    "have a great",
    "have a good",
    "have a nice",
    "goodbye",
    "bye",
    "thank you for calling",
    "thanks for calling",
    "take care",
];

/// A boolean for a known field name, or `None` to let the generic rule decide.
pub fn boolean(field: &str, ev: &Evidence<'_>) -> Option<bool> {
    let f = field.to_lowercase();
    let agent_first = ev
        .conversation
        .turns
        .iter()
        .find(|t| t.speaker == Speaker::Agent)
        .map(|t| t.text.to_lowercase())
        .unwrap_or_default();
    Some(match f.as_str() {
        x if x.contains("resolved") || x == "resolution" => {
            // Most conversations end with the request handled; look for signs that this one did not.
            let yes = Evidence::count(&ev.ending, RESOLVED)
                + Evidence::count(&ev.customer, &["thank you so much", "that fixed", "works now"]);
            let no = Evidence::count(&ev.ending, UNRESOLVED);
            yes >= no
        }
        x if x.contains("follow_up") || x.contains("followup") || x.contains("callback") => {
            Evidence::count(&ev.agent, FOLLOW_UP) > 0
        }
        x if x.contains("escalat") => Evidence::count(&ev.all, ESCALATE) > 0,
        x if x.contains("greeting") => Evidence::count(&agent_first, GREETING) > 0,
        x if x.contains("identif") || x.contains("verif") => identity_verified(ev),
        x if x.contains("accurate") || x.contains("correct_info") => {
            Evidence::count(&ev.agent, CORRECTIONS) == 0
        }
        x if x.contains("professional") || x.contains("tone") || x.contains("polite") => {
            Evidence::count(&ev.agent, RUDE) == 0
        }
        x if x.contains("closing") || x.contains("close") => Evidence::count(&ev.ending, CLOSING) > 0,
        x if x.contains("budget") => budget(ev).is_some() || ev.customer.contains("budget"),
        x if x.contains("decision") => {
            let yes = Evidence::count(
                &ev.customer,
                &[
                    "i decide",
                    "my decision",
                    "i sign",
                    "i'm the owner",
                    "i am the owner",
                    "i own",
                    "i'm the ceo",
                    "i'm the founder",
                    "i make the call",
                    "final say",
                    "i approve",
                    "i can sign",
                ],
            );
            let no = Evidence::count(
                &ev.customer,
                &[
                    "check with",
                    "run it by",
                    "my boss",
                    "my manager",
                    "need approval",
                    "get approval",
                    "the committee",
                    "not my call",
                    "not the one who decides",
                ],
            );
            yes > no
        }
        x if x.contains("competitor") => !competitors(ev).is_empty(),
        _ => return None,
    })
}

fn identity_verified(ev: &Evidence<'_>) -> bool {
    let asked = Evidence::count(
        &ev.agent,
        &[
            "verify",
            "date of birth",
            "last four",
            "last 4",
            "security question",
            "zip code",
            "postcode",
            "post code",
            "confirm your",
            "passcode",
            "pin",
            "account number",
        ],
    );
    let account_change = Evidence::count(
        &ev.all,
        &["account", "address", "card", "password", "balance", "transfer", "cancel"],
    );
    asked > 0 || account_change == 0
}

/// Compliance concerns the transcript itself shows.
pub fn compliance_issues(ev: &Evidence<'_>) -> Vec<String> {
    let mut issues = Vec::new();
    static CARD: OnceLock<Option<Regex>> = OnceLock::new();
    let card = CARD.get_or_init(|| Regex::new(r"\b(?:\d[ -]?){13,16}\b").ok());
    let agent_raw: String = ev
        .conversation
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent)
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if card.as_ref().is_some_and(|re| re.is_match(&agent_raw)) {
        issues.push("Agent read out a full card number".to_string());
    }
    if Evidence::count(&ev.agent, &["guarantee", "guaranteed", "i promise you'll get", "100% sure"]) > 0 {
        issues.push("Agent promised a guaranteed outcome".to_string());
    }
    if !identity_verified(ev) {
        issues.push("Account details discussed without verifying identity".to_string());
    }
    issues
}

/// A bounded score for known names; `None` for the generic rule.
pub fn score(field: &str, min: f64, max: f64, ev: &Evidence<'_>) -> Option<f64> {
    let f = field.to_lowercase();
    if f.contains("effort") {
        let customer_turns = ev.conversation.turns.iter().filter(|t| t.speaker == Speaker::Customer).count();
        let repeats = Evidence::count(
            &ev.customer,
            &[
                "again",
                "already told",
                "already said",
                "i said",
                "repeat",
                "third time",
                "second time",
                "transferred",
                "on hold",
            ],
        );
        let escalated = Evidence::count(&ev.all, ESCALATE);
        let raw = 1.0
            + (customer_turns as f64 / 8.0).floor().min(2.0)
            + repeats.min(2) as f64
            + escalated.min(1) as f64;
        return Some(scale(raw, 1.0, 5.0, min, max));
    }
    if f.contains("overall") || f.contains("quality_score") || f.contains("qa_score") {
        let checks = [
            "greeting_proper",
            "identification_verified",
            "accurate_information",
            "professional_tone",
            "closing_proper",
        ];
        let failed = checks.iter().filter(|c| boolean(c, ev) == Some(false)).count() as f64;
        let raw = (100.0 - 15.0 * failed - 20.0 * compliance_issues(ev).len() as f64).max(0.0);
        return Some(scale(raw, 0.0, 100.0, min, max));
    }
    if f.contains("satisf") || f.contains("csat") || f.contains("sentiment") {
        let s = sentiment_score(ev).clamp(-4.0, 4.0);
        return Some(scale(s, -4.0, 4.0, min, max));
    }
    None
}

/// Map `v` from [lo, hi] to [min, max].
fn scale(v: f64, lo: f64, hi: f64, min: f64, max: f64) -> f64 {
    min + (v - lo) / (hi - lo) * (max - min)
}

/// A string for a known field name; `None` for the generic rule (and for "nothing found").
pub fn text(field: &str, description: &str, ev: &Evidence<'_>) -> Option<String> {
    let f = field.to_lowercase();
    let about = format!("{f} {}", description.to_lowercase());
    if about.contains("summary") || about.contains("summar") {
        return Some(summary(ev));
    }
    if f.contains("follow_up") || f.contains("followup") {
        return ev.sentence_with(Some(Speaker::Agent), FOLLOW_UP);
    }
    if f.contains("escalation") {
        return ev.sentence_with(None, ESCALATE);
    }
    if f.contains("budget") {
        return budget(ev);
    }
    if f.contains("timeline") || f.contains("timeframe") {
        return timeline(ev);
    }
    if f.contains("next_step") || f.contains("next_action") {
        return Some(
            ev.sentence_with(
                Some(Speaker::Agent),
                &[
                    "i'll send",
                    "i will send",
                    "let's schedule",
                    "let's set up",
                    "i'll set up",
                    "next step",
                    "follow up",
                    "i'll follow",
                ],
            )
            .unwrap_or_else(|| "Follow up with the contact to confirm interest and timing.".to_string()),
        );
    }
    None
}

/// The cue phrases the rule for `field` looks for (for the evidence of its answer).
pub fn cues(field: &str) -> Vec<&'static str> {
    let f = field.to_lowercase();
    let lists: &[&[&str]] = match f.as_str() {
        x if x.contains("resolved") || x == "resolution" => &[RESOLVED, UNRESOLVED],
        x if x.contains("follow_up") || x.contains("followup") || x.contains("callback") => &[FOLLOW_UP],
        x if x.contains("escalat") => &[ESCALATE],
        x if x.contains("greeting") => &[GREETING],
        x if x.contains("accurate") || x.contains("correct_info") => &[CORRECTIONS],
        x if x.contains("professional") || x.contains("tone") || x.contains("polite") => &[RUDE],
        x if x.contains("closing") || x.contains("close") => &[CLOSING],
        x if x.contains("sentiment") => &[super::enums::POS, super::enums::NEG],
        _ => &[],
    };
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}
