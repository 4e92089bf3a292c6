//! Why a reply ran out of output tokens, when the reason is a loop: small local models often
//! repeat one sentence inside a free-text field until the budget is spent. Naming the field and
//! the count ("`summary` repeats the same sentence 9 times") says what to change (a `maxLength`,
//! `max_text_length`, `repeat_penalty`), where "cut off" alone suggests raising the budget, which
//! would only buy more repeats.

use std::collections::HashMap;

/// Fewer repeats than this are not called a loop.
const MIN_REPEATS: usize = 3;

/// A string field of a (possibly cut-off) JSON reply that repeats one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub field: String,
    pub times: usize,
}

impl std::fmt::Display for Repeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` repeats the same sentence {} times", self.field, self.times)
    }
}

/// The field whose value repeats a sentence most, if any repeats at least three times. Reads
/// `"key": "value` pairs directly from the text, so a reply cut off mid-string still counts.
pub fn find(reply: &str) -> Option<Repeat> {
    let mut best: Option<Repeat> = None;
    for (field, value) in string_fields(reply) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for sentence in value.split(['.', '!', '?', '\n']) {
            let s: String = sentence.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            if s.len() >= 8 {
                *counts.entry(s).or_default() += 1;
            }
        }
        let times = counts.values().copied().max().unwrap_or(0);
        if times >= MIN_REPEATS && best.as_ref().is_none_or(|b| times > b.times) {
            best = Some(Repeat { field, times });
        }
    }
    best
}

/// `(key, value)` for every `"key": "value"` in the text; the last value may be unterminated.
fn string_fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let Some((key, after_key)) = read_string(&rest[start + 1..]) else { break };
        let after = after_key.trim_start();
        let Some(after_colon) = after.strip_prefix(':') else {
            rest = after_key;
            continue;
        };
        let value_start = after_colon.trim_start();
        let Some(body) = value_start.strip_prefix('"') else {
            rest = after_colon;
            continue;
        };
        match read_string(body) {
            Some((value, next)) => {
                out.push((key, value));
                rest = next;
            }
            None => {
                // Cut off inside the string: what there is of it.
                out.push((key, body.replace("\\n", "\n").replace("\\\"", "\"")));
                break;
            }
        }
    }
    out
}

/// A JSON string body up to its closing quote (escapes kept simple), and the text after it.
fn read_string(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, other)) => value.push(other),
                None => return None,
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_looping_summary_is_named_with_its_count() {
        let looped = "The customer called about a refund. ".repeat(9);
        let reply = format!("{{\"topic\": \"billing\", \"summary\": \"{looped}The cust");
        assert_eq!(find(&reply), Some(Repeat { field: "summary".into(), times: 9 }));
        assert_eq!(find(&reply).unwrap().to_string(), "`summary` repeats the same sentence 9 times");
    }

    #[test]
    fn ordinary_text_and_short_fragments_are_no_loop() {
        assert_eq!(
            find(r#"{"summary": "Refund issued. Customer happy. Call ended.", "topic": "billing"}"#),
            None
        );
        assert_eq!(find(r#"{"notes": "ok. ok. ok. ok."}"#), None, "fragments under 8 characters are ignored");
        assert_eq!(find("not json at all"), None);
    }
}
