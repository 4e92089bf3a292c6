//! PII redaction before a transcript leaves the machine.
//!
//! A spec's `redact` setting ([`Redaction`]) names the kinds to replace; [`Redactor`] finds them
//! and a [`Session`] replaces each with a typed, numbered placeholder (`[CARD_1]`, `[PHONE_2]`)
//! that stays the same for the same value throughout one conversation, so the model still sees
//! that the customer gave the same number twice. The originals stay in the [`Mapping`], which
//! lives only in memory and in this machine's history (it can always be rebuilt from the stored
//! transcript, and [`restore`] puts the values back into results for the GUI).
//!
//! [`apply`] is the one entry point the pipeline uses: `prompt::build` (so every provider, the
//! batch APIs, estimates and the preview see the redacted text), the engine (evidence is checked
//! against what the model saw), and `debrief redact`.

mod config;
mod dates;
mod numbers;
mod patterns;
mod phones;
mod spoken_email;
mod spoken_iban;
mod words;

#[cfg(test)]
mod tests;

pub use config::{Kind, Redaction, UserPattern};
pub use numbers::Asked;

use crate::core::spec::AnalysisSpec;
use crate::core::transcript::Conversation;
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Bumped whenever a detector changes what it finds; part of a redacting spec's version, so
/// results redacted by another detector set are never mistaken for this one's.
pub const DETECTORS_VERSION: u32 = 1;

/// What a found span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    Kind(Kind),
    /// One of the user's names.
    Name,
    /// The user pattern at this index.
    Pattern(usize),
}

impl Tag {
    /// Which wins when two spans of equal length overlap (lower first).
    fn rank(self) -> usize {
        match self {
            Tag::Pattern(_) => 0,
            Tag::Name => 1,
            Tag::Kind(k) => 2 + Kind::ALL.iter().position(|x| *x == k).map_or(9, |p| PRIORITY[p]),
        }
    }
}

/// Rank of each of [`Kind::ALL`] (card, phone, email, ssn, iban, ip, dob) in overlaps: an email
/// or IBAN holds digits that must not be read as a phone.
const PRIORITY: [usize; 7] = [2, 5, 0, 3, 1, 4, 6];

/// A candidate span in the original text; `key` is its normalised value (digits, E.164,
/// lower-case email), so the same value gets the same number however it was written.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub tag: Tag,
    pub start: usize,
    pub end: usize,
    pub key: String,
}

/// A redaction setting that cannot be used; each names the spec key.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("pattern {name:?} is not a valid regex: {message}")]
    Pattern { index: usize, name: String, message: String },
    #[error("{name:?} cannot name a placeholder; use lower-case letters, digits and _ (e.g. \"order_id\")")]
    PatternName { index: usize, name: String },
    #[error("{0:?} is not a region code; use an ISO 3166 code such as \"US\", \"GB\" or \"DE\"")]
    Region(String),
}

impl RedactError {
    /// The JSON pointer of the spec key at fault (the list form has no `patterns` key, so a
    /// pattern is named by its place among the patterns).
    pub fn pointer(&self) -> String {
        match self {
            RedactError::Pattern { index, .. } => format!("/redact/patterns/{index}/regex"),
            RedactError::PatternName { index, .. } => format!("/redact/patterns/{index}/name"),
            RedactError::Region(_) => "/redact/region".to_string(),
        }
    }
}

/// A replaced span: where it is in the redacted text, what it was in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The placeholder stem: `CARD`, `PHONE`, `NAME`, `ORDER_ID`, …
    pub label: String,
    pub placeholder: String,
    pub start: usize,
    pub end: usize,
    pub original_start: usize,
    pub original_end: usize,
}

impl Span {
    /// The spec spelling of the kind (`card`, `name`, `order_id`).
    pub fn kind(&self) -> String {
        self.label.to_ascii_lowercase()
    }
}

/// Placeholder → the original text it replaced (the first spelling seen).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(pub Vec<(String, String)>);

impl Mapping {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, placeholder: &str) -> Option<&str> {
        self.0.iter().find(|(p, _)| p == placeholder).map(|(_, o)| o.as_str())
    }
}

/// The compiled form of a [`Redaction`].
pub struct Redactor {
    kinds: Vec<Kind>,
    patterns: Vec<(String, Regex)>,
    /// (pattern, numbering key, the name as configured: what a placeholder is restored to).
    names: Vec<(Regex, String, String)>,
    region: phonenumber::country::Id,
}

impl Redactor {
    /// Compile the setting; fails on a user pattern that is not a regex or a bad region.
    pub fn new(config: &Redaction) -> Result<Redactor, RedactError> {
        let region = match &config.region {
            None => phonenumber::country::Id::US,
            Some(r) => r.trim().to_ascii_uppercase().parse().map_err(|_| RedactError::Region(r.clone()))?,
        };
        let mut patterns = Vec::new();
        for (index, p) in config.patterns.iter().enumerate() {
            // A placeholder stem starts with a letter and is not a built-in kind's or NAME.
            let builtin = Kind::ALL.iter().any(|k| k.as_str() == p.name) || p.name == "name";
            let ok_name = p.name.starts_with(|c: char| c.is_ascii_lowercase())
                && p.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !builtin;
            if !ok_name {
                return Err(RedactError::PatternName { index, name: p.name.clone() });
            }
            let re = Regex::new(&p.regex).map_err(|e| RedactError::Pattern {
                index,
                name: p.name.clone(),
                message: e.to_string().lines().last().unwrap_or_default().trim().to_string(),
            })?;
            patterns.push((p.name.to_ascii_uppercase(), re));
        }
        let mut names = Vec::new();
        let mut full: Vec<&String> = config.names.iter().filter(|n| !n.trim().is_empty()).collect();
        full.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for name in &full {
            let key = name.trim().to_lowercase();
            let parts: Vec<String> = key.split_whitespace().map(regex::escape).collect();
            // The full name in any case; a part of it on its own only capitalised ("Ms. Doe"),
            // so "Will Smith" does not take every "will" and "Maria de la Cruz" every "la".
            let full = format!(r"(?i)\b{}\b", parts.join(r"\s+"));
            let mut forms = vec![full];
            if parts.len() > 1 {
                for part in name.split_whitespace().filter(|p| p.chars().count() >= 2) {
                    let mut chars = part.chars();
                    let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
                    let rest: String = chars.collect();
                    forms.push(format!(r"\b{}(?i:{})\b", regex::escape(&first), regex::escape(&rest)));
                }
            }
            for form in forms {
                // Escaped literals always compile.
                if let Ok(re) = Regex::new(&form) {
                    names.push((re, key.clone(), name.trim().to_string()));
                }
            }
        }
        Ok(Redactor { kinds: config.kinds.clone(), patterns, names, region })
    }

    /// A numbering session for one conversation.
    pub fn session(&self) -> Session<'_> {
        Session {
            redactor: self,
            numbers: HashMap::new(),
            counters: HashMap::new(),
            mapping: Mapping::default(),
            memo: phones::Memo::default(),
        }
    }

    /// Whether anything in `text` would be replaced.
    pub fn finds_any(&self, text: &str) -> bool {
        !self.spans(text, Asked::default(), &mut phones::Memo::default()).is_empty()
    }

    /// The configured spelling of the name numbered under `key`.
    fn full_name(&self, key: &str) -> Option<&str> {
        self.names.iter().find(|(_, k, _)| k == key).map(|(_, _, n)| n.as_str())
    }

    fn label(&self, tag: Tag) -> String {
        match tag {
            Tag::Kind(k) => k.label().to_string(),
            Tag::Name => "NAME".to_string(),
            Tag::Pattern(i) => self.patterns.get(i).map_or_else(|| "PATTERN".to_string(), |p| p.0.clone()),
        }
    }

    /// Every span to replace in `text`, non-overlapping, in order. `answers_dob`: the turn
    /// before asked for a birth date, so a date anywhere in this one is one.
    fn spans(&self, text: &str, asked: Asked, memo: &mut phones::Memo) -> Vec<Found> {
        self.spans_and_asks(text, asked, memo).0
    }

    /// [`Redactor::spans`], and what this text asks for (for the turn after it).
    fn spans_and_asks(&self, text: &str, asked: Asked, memo: &mut phones::Memo) -> (Vec<Found>, Asked) {
        let ws = words::words(text);
        let asks = Asked::of(text, &ws);
        let runs = words::runs(text, &ws);
        // Patterns that are checked (an email, a checksum-valid IBAN, an address that parses,
        // a real date) win over a digit run that overlaps them: "81.15.192.36, 172.30" is
        // two addresses, not a card number that happens to pass Luhn.
        let mut all = patterns::find(text, &ws, &self.kinds);
        let checked: Vec<(usize, usize)> = all.iter().map(|f| (f.start, f.end)).collect();
        // A date that only a question in the turn before makes a birth date is weaker: it
        // competes with the digit runs by length ("one three oh four" inside a read-out SSN).
        if asked.dob && self.kinds.contains(&Kind::Dob) {
            all.extend(patterns::dob_anywhere(text));
        }
        all.extend(
            numbers::find(text, &ws, &runs, &self.kinds, self.region, asked, memo)
                .into_iter()
                .filter(|f| checked.iter().all(|(s, e)| f.end <= *s || f.start >= *e)),
        );
        all.extend(patterns::names(text, &self.names));
        all.extend(patterns::user(text, &self.patterns));
        all.sort_by_key(|f| (std::cmp::Reverse(f.end - f.start), f.tag.rank(), f.start));
        let mut chosen: Vec<Found> = Vec::new();
        for f in all {
            if chosen.iter().all(|c| f.end <= c.start || f.start >= c.end) {
                chosen.push(f);
            }
        }
        chosen.sort_by_key(|f| f.start);
        (chosen, asks)
    }
}

/// Placeholder numbering shared by every text of one conversation.
pub struct Session<'r> {
    redactor: &'r Redactor,
    numbers: HashMap<(String, String), usize>,
    counters: HashMap<String, usize>,
    mapping: Mapping,
    /// Phone-number checks already made in this conversation.
    memo: phones::Memo,
}

impl Session<'_> {
    /// `text` with every span replaced, and the spans.
    pub fn redact(&mut self, text: &str) -> (String, Vec<Span>) {
        self.redact_turn(text, Asked::default())
    }

    /// [`Session::redact`] for a turn that answers what the turns before `asked` for (a birth
    /// date, a card number…).
    pub fn redact_turn(&mut self, text: &str, asked: Asked) -> (String, Vec<Span>) {
        let (text, spans, _) = self.redact_asking(text, asked);
        (text, spans)
    }

    /// [`Session::redact_turn`], and what the text asks for.
    fn redact_asking(&mut self, text: &str, asked: Asked) -> (String, Vec<Span>, Asked) {
        let (found, asks) = self.redactor.spans_and_asks(text, asked, &mut self.memo);
        let mut out = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(found.len());
        let mut at = 0;
        for f in found {
            let label = self.redactor.label(f.tag);
            let key = (label.clone(), f.key.clone());
            let (n, fresh) = match self.numbers.get(&key) {
                Some(n) => (*n, false),
                None => {
                    let n = self.counters.get(&label).copied().unwrap_or(0) + 1;
                    self.counters.insert(label.clone(), n);
                    self.numbers.insert(key, n);
                    (n, true)
                }
            };
            let placeholder = format!("[{label}_{n}]");
            // The first spelling of a value is the one shown when it is put back.
            if fresh {
                // A name is restored as configured ("Jane Doe"), not as first met ("Doe").
                let original = match f.tag {
                    Tag::Name => self.redactor.full_name(&f.key).unwrap_or(&text[f.start..f.end]).to_string(),
                    _ => text[f.start..f.end].to_string(),
                };
                self.mapping.0.push((placeholder.clone(), original));
            }
            out.push_str(&text[at..f.start]);
            let start = out.len();
            out.push_str(&placeholder);
            spans.push(Span {
                label,
                placeholder,
                start,
                end: out.len(),
                original_start: f.start,
                original_end: f.end,
            });
            at = f.end;
        }
        out.push_str(&text[at..]);
        (out, spans, asks)
    }

    /// What each placeholder stands for.
    pub fn into_mapping(self) -> Mapping {
        self.mapping
    }
}

/// A conversation as sent, with the spans of each turn's text and the mapping.
#[derive(Debug, Clone)]
pub struct RedactedConversation {
    pub conversation: Conversation,
    /// Per turn, the spans in that turn's (single-line) text.
    pub spans: Vec<Vec<Span>>,
    /// Per turn, the original text as it was redacted (joined onto one line): the spans'
    /// `original_start`/`original_end` index into it.
    pub originals: Vec<String>,
    pub mapping: Mapping,
}

/// Redact every turn's text (and `Other` speakers' labels, which are often names) with one
/// numbering. Turn text is first joined onto one line, as the prompt renders it, so a number
/// wrapped across lines is still one number.
pub fn conversation(redactor: &Redactor, conversation: &Conversation) -> RedactedConversation {
    let mut session = redactor.session();
    let mut out = conversation.clone();
    let mut spans = Vec::with_capacity(out.turns.len());
    let mut originals = Vec::with_capacity(out.turns.len());
    // What the last two turns asked for: an answer often comes after a "yes, one moment".
    let (mut before, mut last) = (Asked::default(), Asked::default());
    let mut ssn_talked = false;
    for turn in &mut out.turns {
        let joined = turn.text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
        // A date, though, only answers the turn just before: dates come up often.
        let asked = Asked { dob: last.dob, ssn_talked, ..before.or(last) };
        let (text, turn_spans, mut asks) = session.redact_asking(&joined, asked);
        // "My date of birth is …" answers; only an unanswered mention asks.
        asks.dob &= !turn_spans.iter().any(|s| s.label == Kind::Dob.label());
        ssn_talked |= asks.ssn_talked;
        (before, last) = (last, asks);
        turn.text = text;
        spans.push(turn_spans);
        originals.push(joined);
        if !turn.label.is_empty() {
            turn.label = session.redact(&turn.label).0;
        }
    }
    RedactedConversation { conversation: out, spans, originals, mapping: session.into_mapping() }
}

/// The conversation as a spec sends it: redacted when the spec asks for it, else unchanged.
///
/// A spec's patterns and region are checked when it is loaded; should one reach here unchecked
/// and fail, the built-in kinds and names are still applied (never nothing).
pub fn apply<'c>(spec: &AnalysisSpec, conversation: &'c Conversation) -> Cow<'c, Conversation> {
    if spec.redact.is_empty() {
        return Cow::Borrowed(conversation);
    }
    let redactor = Redactor::new(&spec.redact).unwrap_or_else(|_| {
        let fallback =
            Redaction { kinds: Kind::ALL.to_vec(), names: spec.redact.names.clone(), ..Redaction::default() };
        Redactor::new(&fallback).unwrap_or(Redactor {
            kinds: Kind::ALL.to_vec(),
            patterns: Vec::new(),
            names: Vec::new(),
            region: phonenumber::country::Id::US,
        })
    });
    Cow::Owned(self::conversation(&redactor, conversation).conversation)
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern, covered by the tests.
    #[allow(clippy::expect_used)]
    Regex::new(r"\[[A-Z][A-Z0-9_]*_[0-9]+\]").expect("placeholder pattern compiles")
});

/// Byte ranges of every placeholder in `text` (for marking them in the GUI).
pub fn marks(text: &str) -> Vec<(usize, usize)> {
    PLACEHOLDER.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

/// `text` with the placeholders of `mapping` put back.
pub fn restore(text: &str, mapping: &Mapping) -> String {
    if mapping.is_empty() {
        return text.to_string();
    }
    PLACEHOLDER
        .replace_all(text, |c: &regex::Captures<'_>| {
            let p = &c[0];
            mapping.get(p).unwrap_or(p).to_string()
        })
        .into_owned()
}

/// [`restore`] on every string of a JSON value (an analysis or its evidence).
pub fn restore_value(value: &mut serde_json::Value, mapping: &Mapping) {
    match value {
        serde_json::Value::String(s) => *s = restore(s, mapping),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| restore_value(v, mapping)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| restore_value(v, mapping)),
        _ => {}
    }
}

/// A quote found in the redacted turn (as the model quoted it), with its text and offsets moved
/// onto the original turn's text (`sent.originals`), for the GUI's and an export's originals.
pub fn restore_quote(quote: &mut crate::core::evidence::Quote, sent: &RedactedConversation) {
    quote.quote = restore(&quote.quote, &sent.mapping);
    let (Some(turn), Some(start), Some(end)) = (quote.turn, quote.start, quote.end) else {
        return;
    };
    let (Some(text), Some(spans)) =
        (sent.conversation.turns.get(turn).map(|t| &t.text), sent.spans.get(turn))
    else {
        return;
    };
    let to_byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
    let original = |byte: usize, end_side: bool| {
        let mut shift: isize = 0;
        for s in spans {
            if byte <= s.start {
                break;
            }
            if byte < s.end {
                return if end_side { s.original_end } else { s.original_start };
            }
            shift = s.original_end as isize - s.end as isize;
        }
        (byte as isize + shift).max(0) as usize
    };
    let (a, b) = (original(to_byte(start), false), original(to_byte(end), true));
    let joined = sent.originals.get(turn).map(String::as_str).unwrap_or_default();
    let chars = |byte: usize| joined.get(..byte).map_or(0, |s| s.chars().count());
    quote.start = Some(chars(a));
    quote.end = Some(chars(b));
}
