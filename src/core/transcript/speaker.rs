//! Speaker labels → [`Speaker`]: the one place that decides who is the agent and who is the
//! customer, so every format (text, JSON, subtitles, CSV) agrees.
//!
//! Role words ("assistant", "Caller", "rep", …) map directly. Personal names and diarisation ids
//! ("Dana", "Speaker 1", `0`) cannot be mapped from the word alone, so [`assign_speakers`] uses
//! the order of appearance: in call-centre recordings the agent answers and speaks first. The
//! first unknown name takes the first of Agent/Customer that no role word already claimed, the
//! next takes the other, and any further names stay `Other`. The original label is always kept on
//! the turn, so a wrong guess is visible and can be corrected downstream.

use super::{Speaker, Turn};

/// Labels meaning the business side: human agents, AI assistants, Wizard-of-Oz wizards.
const AGENT_WORDS: &[&str] = &[
    "agent",
    "assistant",
    "ai",
    "bot",
    "rep",
    "representative",
    "support",
    "operator",
    "wizard",
    "system-agent",
    "advisor",
    "adviser",
    "associate",
    "salesperson",
];

/// Labels meaning the person who came for help or is being sold to.
const CUSTOMER_WORDS: &[&str] = &["customer", "user", "caller", "client", "prospect", "human", "guest"];

/// Labels meaning neither party speaks: prompts, tool calls, logged actions (ABCD's `action`).
const SYSTEM_WORDS: &[&str] = &["system", "action", "tool", "function", "developer"];

/// Lower-case, trim, and unify separators so `System_Agent`, `system agent` and `system-agent`
/// compare equal.
fn normalise(label: &str) -> String {
    let lowered = label.trim().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    for c in lowered.chars() {
        let c = if c == '_' || c.is_whitespace() { '-' } else { c };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// The speaker a role word names, or `None` for names and ids that need the order heuristic.
///
/// Numbered roles (`Agent 2`, `user_1`) count as their role; tool-ish roles from chat platforms
/// (`tool_calls`, `function_call`, `tool_call_result`) count as System.
pub(crate) fn classify(label: &str) -> Option<Speaker> {
    let key = normalise(label);
    if let Some(speaker) = classify_word(&key) {
        return Some(speaker);
    }
    let without_number = key.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '#');
    if without_number.len() < key.len()
        && let Some(speaker) = classify_word(without_number)
    {
        return Some(speaker);
    }
    if key.starts_with("tool-") || key.starts_with("function-") {
        return Some(Speaker::System);
    }
    None
}

fn classify_word(key: &str) -> Option<Speaker> {
    if AGENT_WORDS.contains(&key) {
        Some(Speaker::Agent)
    } else if CUSTOMER_WORDS.contains(&key) {
        Some(Speaker::Customer)
    } else if SYSTEM_WORDS.contains(&key) {
        Some(Speaker::System)
    } else {
        None
    }
}

/// Whether `label` could be a speaker name written before a colon: at most 30 characters and 4
/// words, starting with a letter or `@`, and free of sentence punctuation. Text importers accept
/// such a label only if it is a role word or recurs, because one-off "Note: …" lines are prose.
pub(crate) fn plausible_label(label: &str) -> bool {
    let label = label.trim();
    let Some(first) = label.chars().next() else {
        return false;
    };
    label.chars().count() <= 30
        && (first.is_alphabetic() || first == '@')
        && label.split_whitespace().count() <= 4
        && label.chars().all(|c| c.is_alphanumeric() || c.is_whitespace() || "_-'’()#@&/".contains(c))
}

/// Set every turn's `speaker` from its `label` (see the module docs for the order heuristic).
/// Empty labels (unlabelled subtitle cues) stay `Other`.
pub(crate) fn assign_speakers(turns: &mut [Turn]) {
    let mut claimed: Vec<Speaker> = turns.iter().filter_map(|t| classify(&t.label)).collect();
    let mut names: Vec<(String, Speaker)> = Vec::new();
    for turn in turns.iter_mut() {
        if let Some(speaker) = classify(&turn.label) {
            turn.speaker = speaker;
            continue;
        }
        let key = turn.label.trim().to_lowercase();
        if key.is_empty() {
            turn.speaker = Speaker::Other;
            continue;
        }
        if let Some((_, speaker)) = names.iter().find(|(name, _)| *name == key) {
            turn.speaker = *speaker;
            continue;
        }
        let speaker = [Speaker::Agent, Speaker::Customer]
            .into_iter()
            .find(|role| !claimed.contains(role))
            .unwrap_or(Speaker::Other);
        claimed.push(speaker);
        names.push((key, speaker));
        turn.speaker = speaker;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(label: &str) -> Turn {
        Turn { speaker: Speaker::Other, label: label.to_string(), text: "x".to_string(), start_s: None }
    }

    fn speakers(labels: &[&str]) -> Vec<Speaker> {
        let mut turns: Vec<Turn> = labels.iter().map(|l| turn(l)).collect();
        assign_speakers(&mut turns);
        turns.iter().map(|t| t.speaker).collect()
    }

    #[test]
    fn role_words_map_case_insensitively() {
        use Speaker::*;
        let cases = [
            ("Agent", Agent),
            ("ASSISTANT", Agent),
            ("AI", Agent),
            ("bot", Agent),
            ("Rep", Agent),
            ("Representative", Agent),
            ("Support", Agent),
            ("Operator", Agent),
            ("wizard", Agent),
            ("system-agent", Agent),
            ("System_Agent", Agent),
            ("Customer", Customer),
            ("user", Customer),
            ("Caller", Customer),
            ("Client", Customer),
            ("Prospect", Customer),
            ("Human", Customer),
            ("guest", Customer),
            ("System", System),
            ("action", System),
            ("tool", System),
            ("function", System),
            ("tool_calls", System),
            ("tool_call_result", System),
            ("Agent 2", Agent),
            ("user_1", Customer),
        ];
        for (label, expected) in cases {
            assert_eq!(classify(label), Some(expected), "{label}");
        }
        assert_eq!(classify("Dana"), None);
        assert_eq!(classify("Speaker 1"), None);
        assert_eq!(classify(""), None);
    }

    #[test]
    fn unknown_names_follow_order_of_appearance() {
        use Speaker::*;
        assert_eq!(speakers(&["Dana", "Sam", "Dana", "Lee"]), [Agent, Customer, Agent, Other]);
        // A role word already claims Agent, so the first name is the customer.
        assert_eq!(speakers(&["Dana", "Agent", "Dana"]), [Customer, Agent, Customer]);
        assert_eq!(speakers(&["0", "1"]), [Agent, Customer]);
        assert_eq!(speakers(&["", "Agent"]), [Other, Agent]);
    }

    #[test]
    fn plausible_labels() {
        assert!(plausible_label("Dana"));
        assert!(plausible_label("Speaker 1"));
        assert!(plausible_label("@AskeBay"));
        assert!(plausible_label("Dr Jane O'Neil"));
        assert!(!plausible_label("I said this, then that"));
        assert!(!plausible_label("Well. Then"));
        assert!(!plausible_label("one two three four five"));
        assert!(!plausible_label("12"));
        assert!(!plausible_label(""));
        assert!(!plausible_label("a very long label that goes past thirty"));
    }
}
