//! What other modules read from a `Conversation`: the prompt rendering, the content hash and the
//! customer's words.
//!
//! These live apart from the importers because they define the conversation's identity and what
//! the model sees; both must be independent of the file format it was imported from, so a
//! transcript exported as JSON and as text renders and hashes the same.

use super::timecode::format_mm_ss;
use super::{Conversation, Speaker, Turn};
use sha2::{Digest, Sha256};

impl Conversation {
    /// sha256 hex of a canonical rendering of the turns (speaker + text): identical content gives
    /// an identical hash whatever the file format, id, labels or timings.
    ///
    /// Whitespace runs inside a turn are collapsed because formats wrap lines differently
    /// (subtitle cues join with spaces, text continuation lines with newlines) without changing
    /// what was said. `Other` speakers are told apart by their label, which is their identity.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for turn in &self.turns {
            hasher.update(turn.speaker.as_str().as_bytes());
            if turn.speaker == Speaker::Other {
                hasher.update(b":");
                hasher.update(turn.label.trim().to_lowercase().as_bytes());
            }
            // Unit/record separators cannot occur in normalised text, so the rendering is
            // unambiguous.
            hasher.update(b"\x1f");
            hasher.update(collapse_whitespace(&turn.text).as_bytes());
            hasher.update(b"\x1e");
        }
        hex::encode(hasher.finalize())
    }

    /// The transcript as shown to the LLM: one line per turn, `Agent: text` / `Customer: text`
    /// (the normalised speaker, capitalised; `Other` turns show their original label), prefixed
    /// with `[mm:ss] ` when the start time is known. Line breaks inside a turn become spaces so
    /// that every line starts with a speaker.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for turn in &self.turns {
            if !out.is_empty() {
                out.push('\n');
            }
            if let Some(start) = turn.start_s {
                out.push('[');
                out.push_str(&format_mm_ss(start));
                out.push_str("] ");
            }
            out.push_str(&display_speaker(turn));
            out.push_str(": ");
            out.push_str(&single_line(&turn.text));
        }
        out
    }

    /// A name a person can tell apart in a list: the id, or — when the id is opaque (a long run of
    /// hex digits such as `tweetsumm-958df7e7…`) — the start of the first customer turn with the
    /// id's first characters.
    pub fn display_name(&self) -> String {
        if !opaque(&self.id) {
            return self.id.clone();
        }
        let first = self
            .turns
            .iter()
            .find(|t| t.speaker == Speaker::Customer)
            .or_else(|| self.turns.first())
            .map(|t| t.text.split_whitespace().take(7).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let short: String = self.id.chars().take(18).collect();
        if first.is_empty() { self.id.clone() } else { format!("\u{201c}{first}…\u{201d} · {short}…") }
    }

    /// Concatenated text of the customer's turns, one turn per line (used by the sentiment
    /// lexicon, which must not count the agent's politeness as the customer's mood).
    pub fn customer_text(&self) -> String {
        self.turns
            .iter()
            .filter(|t| t.speaker == Speaker::Customer)
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `Agent`, `Customer`, `System`, or the source's own label for anyone else.
fn display_speaker(turn: &Turn) -> String {
    match turn.speaker {
        Speaker::Agent => "Agent".to_string(),
        Speaker::Customer => "Customer".to_string(),
        Speaker::System => "System".to_string(),
        Speaker::Other => {
            let label = single_line(&turn.label);
            if label.is_empty() { "Unknown".to_string() } else { label }
        }
    }
}

/// Join the lines of a turn with single spaces, keeping every other character verbatim.
fn single_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An id with a run of 16 or more hex digits says nothing to a person.
fn opaque(id: &str) -> bool {
    let mut run = 0;
    for c in id.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 16 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: Speaker, label: &str, text: &str, start_s: Option<f64>) -> Turn {
        Turn { speaker, label: label.to_string(), text: text.to_string(), start_s }
    }

    fn conversation(id: &str, turns: Vec<Turn>) -> Conversation {
        Conversation {
            id: id.to_string(),
            turns,
            metadata: Default::default(),
            expected: None,
            source: format!("{id}.txt"),
        }
    }

    #[test]
    fn render_uses_normalised_speakers_and_times() {
        let conv = conversation(
            "c",
            vec![
                turn(Speaker::Agent, "assistant", "Hello &amp; welcome", Some(5.2)),
                turn(Speaker::Customer, "Caller", "line one\nline two", None),
                turn(Speaker::System, "action", "Account pulled up", None),
                turn(Speaker::Other, "Supervisor", "Joining", Some(125.0)),
            ],
        );
        assert_eq!(
            conv.render(),
            "[00:05] Agent: Hello &amp; welcome\nCustomer: line one line two\n\
             System: Account pulled up\n[02:05] Supervisor: Joining"
        );
    }

    #[test]
    fn hash_ignores_format_details_but_not_content() {
        let a = conversation(
            "a",
            vec![
                turn(Speaker::Agent, "Agent", "Hi there", Some(1.0)),
                turn(Speaker::Customer, "user", "My card\nis lost", None),
            ],
        );
        let b = conversation(
            "b",
            vec![
                turn(Speaker::Agent, "assistant", "Hi  there", None),
                turn(Speaker::Customer, "Customer", "My card is lost", Some(3.0)),
            ],
        );
        assert_eq!(a.content_hash(), b.content_hash());
        assert_eq!(a.content_hash().len(), 64);
        let mut c = b.clone();
        c.turns[1].text = "My card is found".to_string();
        assert_ne!(a.content_hash(), c.content_hash());
        let mut d = b.clone();
        d.turns[1].speaker = Speaker::Agent;
        assert_ne!(a.content_hash(), d.content_hash());
    }

    #[test]
    fn customer_text_keeps_only_customer_turns() {
        let conv = conversation(
            "c",
            vec![
                turn(Speaker::Agent, "Agent", "How can I help?", None),
                turn(Speaker::Customer, "Customer", "I'm annoyed", None),
                turn(Speaker::Customer, "Customer", "Very", None),
            ],
        );
        assert_eq!(conv.customer_text(), "I'm annoyed\nVery");
    }
}
