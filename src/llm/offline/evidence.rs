//! What the offline baseline knows about a conversation: lower-cased text by speaker, sentences,
//! and small helpers to look for cue phrases.
//!
//! Built once per call so every field's heuristic reads the same prepared text.

use crate::core::transcript::{Conversation, Speaker};

/// Prepared text of one conversation.
pub struct Evidence<'a> {
    pub conversation: &'a Conversation,
    /// All turns, lower-cased, one per line.
    pub all: String,
    pub customer: String,
    pub agent: String,
    /// The last quarter of the conversation (at least 3 turns), where outcomes are stated.
    pub ending: String,
}

impl<'a> Evidence<'a> {
    pub fn new(conversation: &'a Conversation) -> Evidence<'a> {
        let lower = |s: Speaker| {
            conversation
                .turns
                .iter()
                .filter(|t| t.speaker == s)
                .map(|t| t.text.to_lowercase())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let all = conversation.turns.iter().map(|t| t.text.to_lowercase()).collect::<Vec<_>>().join("\n");
        let n = conversation.turns.len();
        let tail = (n / 4).max(3).min(n);
        let ending = conversation.turns[n - tail..]
            .iter()
            .map(|t| t.text.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        Evidence {
            conversation,
            all,
            customer: lower(Speaker::Customer),
            agent: lower(Speaker::Agent),
            ending,
        }
    }

    /// How many of `cues` occur in `text` (each cue counted once).
    pub fn count(text: &str, cues: &[&str]) -> usize {
        cues.iter().filter(|c| text.contains(*c)).count()
    }

    /// The last turn of `speaker` with at least `min_words` words that is not a goodbye.
    pub fn last_substantive(&self, speaker: Speaker, min_words: usize) -> Option<&str> {
        self.conversation.turns.iter().rev().filter(|t| t.speaker == speaker).map(|t| t.text.trim()).find(
            |t| {
                let l = t.to_lowercase();
                t.split_whitespace().count() >= min_words
                    && !["anything else", "have a great", "have a good", "goodbye", "bye"]
                        .iter()
                        .any(|c| l.contains(c))
            },
        )
    }

    /// The first sentence (verbatim) in any turn that contains one of `cues`, searching turns of
    /// `speaker` (or all turns when `None`).
    pub fn sentence_with(&self, speaker: Option<Speaker>, cues: &[&str]) -> Option<String> {
        self.conversation
            .turns
            .iter()
            .filter(|t| speaker.is_none_or(|s| t.speaker == s))
            .flat_map(|t| sentences(&t.text))
            .find(|s| {
                let l = s.to_lowercase();
                cues.iter().any(|c| l.contains(c))
            })
    }
}

/// Split text into sentences on `.`, `!`, `?` followed by a space (good enough for transcripts).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            let s = current.trim().to_string();
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = current.trim().to_string();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Lower-case words of at least two letters.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.len() >= 2)
        .map(str::to_lowercase)
        .collect()
}

/// A crude stem, so "refunds", "refunded" and "refunding" meet at "refund".
pub fn stem(word: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(s) = word.strip_suffix(suffix)
            && s.len() >= 4
        {
            return s;
        }
    }
    word
}

/// Shorten to at most `max` characters on a word boundary.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    match cut.rfind(' ') {
        Some(i) if i > max / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}
