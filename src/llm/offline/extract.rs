//! Free-text extraction for the offline baseline: extractive summaries, budgets, timelines and
//! vendor names, each a readable rule over the transcript's own words.

use super::evidence::{Evidence, clip, sentences};
use crate::core::transcript::Speaker;
use regex::Regex;
use std::sync::OnceLock;

/// Extractive: the customer's request (the longest of their first four turns, since the first is
/// often only a greeting) and the agent's outcome (the last agent turn that states one).
pub fn summary(ev: &Evidence<'_>) -> String {
    let customer: Vec<&str> = ev
        .conversation
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .map(|t| t.text.trim())
        .collect();
    let problem = customer
        .iter()
        .find(|t| t.split_whitespace().count() >= 8)
        .or_else(|| customer.iter().take(4).max_by_key(|t| t.split_whitespace().count()))
        .copied();
    const OUTCOME: &[&str] = &[
        "i've",
        "i have",
        "i'll",
        "i will",
        "done",
        "refund",
        "escalat",
        "ticket",
        "reference",
        "booked",
        "cancelled",
        "updated",
        "sent",
        "scheduled",
    ];
    let outcome = ev
        .conversation
        .turns
        .iter()
        .rev()
        .filter(|t| t.speaker == Speaker::Agent && t.text.split_whitespace().count() >= 8)
        .find(|t| {
            let l = t.text.to_lowercase();
            Evidence::count(&l, OUTCOME) > 0
                && Evidence::count(&l, &["anything else", "have a great", "have a good"]) == 0
        })
        .map(|t| t.text.trim())
        .or_else(|| ev.last_substantive(Speaker::Agent, 5));
    let first = |t: &str| sentences(t).into_iter().take(2).collect::<Vec<_>>().join(" ");
    let mut parts = Vec::new();
    if let Some(p) = problem {
        parts.push(format!("Customer: {}", clip(&first(p), 220)));
    }
    if let Some(o) = outcome {
        parts.push(format!("Agent: {}", clip(&first(o), 220)));
    }
    if parts.is_empty() {
        return format!("Conversation of {} turns with no substantive request.", ev.conversation.turns.len());
    }
    parts.join(" ")
}

pub fn budget(ev: &Evidence<'_>) -> Option<String> {
    static MONEY: OnceLock<Option<Regex>> = OnceLock::new();
    let re = MONEY.get_or_init(|| Regex::new(r"(?i)(?:\$|€|£)\s?\d[\d,.]*\s?(?:k|m|thousand|million)?(?:\s?(?:-|to)\s?(?:\$|€|£)?\s?\d[\d,.]*\s?(?:k|m|thousand|million)?)?(?:\s?(?:a|per)\s(?:year|month|seat|user))?|\b\d[\d,.]*\s?(?:k|thousand|million)?\s?(?:dollars|euros|pounds)\b").ok())
        .as_ref()?;
    ev.conversation
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .find_map(|t| re.find(&t.text).map(|m| m.as_str().trim().to_string()))
}

pub fn timeline(ev: &Evidence<'_>) -> Option<String> {
    static WHEN: OnceLock<Option<Regex>> = OnceLock::new();
    let re = WHEN.get_or_init(|| Regex::new(r"(?i)\b(?:by|before|within|in|next|this|end of|by the end of)\s+(?:the\s+)?(?:end of\s+)?(?:q[1-4]|quarter|month|week|year|january|february|march|april|may|june|july|august|september|october|november|december|\d+\s+(?:days|weeks|months))\b").ok())
        .as_ref()?;
    ev.conversation
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .find_map(|t| re.find(&t.text).map(|m| m.as_str().to_string()))
}

/// Vendor names mentioned, from a list of well-known ones plus capitalised names after
/// "using", "switch from", "compared to", "looking at".
pub fn competitors(ev: &Evidence<'_>) -> Vec<String> {
    const KNOWN: &[&str] = &[
        "Salesforce",
        "HubSpot",
        "Zendesk",
        "Intercom",
        "Freshdesk",
        "Pipedrive",
        "Zoho",
        "ServiceNow",
        "Gong",
        "Twilio",
        "Genesys",
        "Five9",
        "Talkdesk",
        "Aircall",
        "RingCentral",
        "Dialpad",
        "Microsoft Dynamics",
        "Oracle",
        "SAP",
        "Monday.com",
        "Asana",
        "Slack",
        "Zoom",
        "Gorgias",
        "Kustomer",
    ];
    let raw: String = ev.conversation.turns.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join("\n");
    let mut found: Vec<String> = KNOWN.iter().filter(|k| raw.contains(*k)).map(|k| k.to_string()).collect();
    static AFTER: OnceLock<Option<Regex>> = OnceLock::new();
    if let Some(re) = AFTER.get_or_init(|| Regex::new(r"(?:using|switch(?:ing)? from|compared to|looking at|quote from|versus|vs\.?)\s+([A-Z][A-Za-z0-9]+(?:\s[A-Z][A-Za-z0-9]+)?)").ok()).as_ref() {
        for cap in re.captures_iter(&raw) {
            if let Some(m) = cap.get(1) {
                let name = m.as_str().to_string();
                if !found.contains(&name) && !["The", "Our", "Your", "It", "This", "That", "We", "I"].contains(&name.as_str()) {
                    found.push(name);
                }
            }
        }
    }
    found
}
