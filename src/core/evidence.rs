//! Evidence quotes: for each top-level field, a short verbatim quote from the transcript that
//! supports the value, and where it really is in the transcript.
//!
//! With `"evidence": true` in a spec, the *sent* copy of the schema gains one sibling object,
//! [`EVIDENCE_KEY`], with a string per top-level field ("a short verbatim quote…"). The reply's
//! evidence is taken out ([`take`]) before the user's schema validates the analysis, so the
//! user's schema and the analysis are untouched; the quotes are kept beside the analysis.
//!
//! Each quote is then looked for in the transcript ([`locate`]): **exact** (verbatim in one
//! turn), then **normalized** (case, whitespace, punctuation and HTML entities such as `&amp;`
//! ignored), then **fuzzy** (the quote's words found in order within one turn covering at least
//! 75% of them, by longest common subsequence of words), else **none** — "not found in the
//! transcript", a sign the model made it up. A match records the turn index and the character
//! span within that turn (Unicode scalar values, end exclusive).

use crate::core::transcript::Conversation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The sibling object added to the sent schema.
pub const EVIDENCE_KEY: &str = "_evidence";

/// The share of a quote's words a fuzzy match must cover.
pub const FUZZY_COVERAGE: f64 = 0.75;

/// How a quote was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Exact,
    Normalized,
    Fuzzy,
    None,
}

impl MatchKind {
    /// Found in the transcript in some form.
    pub fn verified(self) -> bool {
        self != MatchKind::None
    }
}

/// One field's quote and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub quote: String,
    /// Index into the conversation's turns.
    pub turn: Option<usize>,
    /// Character span within that turn's text (end exclusive).
    pub start: Option<usize>,
    pub end: Option<usize>,
    #[serde(rename = "match")]
    pub kind: MatchKind,
}

/// Evidence of one analysis: field → quote.
pub type Evidence = BTreeMap<String, Quote>;

/// The schema to send: `schema` with [`EVIDENCE_KEY`] added beside its top-level properties.
/// Schemas that are not objects with properties are returned as they are.
pub fn augment(schema: &Value) -> Value {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return schema.clone() };
    let mut quotes = Map::new();
    for name in props.keys() {
        quotes.insert(
            name.clone(),
            json!({"type": "string", "description": format!("A short verbatim quote (a few words, copied exactly) from the transcript that supports the value of {name}; empty if nothing in the transcript does.")}),
        );
    }
    let mut out = schema.clone();
    if let Some(p) = out.get_mut("properties").and_then(Value::as_object_mut) {
        p.insert(
            EVIDENCE_KEY.to_string(),
            json!({"type": "object", "description": "Evidence: for each field above, a verbatim quote from the transcript.", "properties": quotes, "required": props.keys().collect::<Vec<_>>(), "additionalProperties": false}),
        );
    }
    if let Some(req) = out.get_mut("required").and_then(Value::as_array_mut) {
        req.push(json!(EVIDENCE_KEY));
    } else if let Some(o) = out.as_object_mut() {
        o.insert("required".into(), json!([EVIDENCE_KEY]));
    }
    out
}

/// Take the quotes out of a reply (so the user's schema sees only the analysis).
pub fn take(reply: &mut Value) -> Map<String, Value> {
    match reply.as_object_mut().and_then(|o| o.remove(EVIDENCE_KEY)) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Locate every non-empty quote.
pub fn verify(conversation: &Conversation, quotes: &Map<String, Value>) -> Evidence {
    quotes
        .iter()
        .filter_map(|(field, q)| {
            let q = q.as_str()?.trim();
            (!q.is_empty()).then(|| (field.clone(), locate(conversation, q)))
        })
        .collect()
}

/// Find `quote` in the conversation: exact, normalized, fuzzy, or none.
pub fn locate(conversation: &Conversation, quote: &str) -> Quote {
    let quote = quote.trim().trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}').trim();
    let found = |turn: usize, start: usize, end: usize, kind: MatchKind| Quote {
        quote: quote.to_string(),
        turn: Some(turn),
        start: Some(start),
        end: Some(end),
        kind,
    };
    for (i, t) in conversation.turns.iter().enumerate() {
        if let Some(byte) = t.text.find(quote) {
            let start = t.text[..byte].chars().count();
            return found(i, start, start + quote.chars().count(), MatchKind::Exact);
        }
    }
    let (nq, _) = normalize(quote);
    if !nq.is_empty() {
        for (i, t) in conversation.turns.iter().enumerate() {
            let (nt, map) = normalize(&t.text);
            if let Some(byte) = nt.find(&nq) {
                let s = nt[..byte].chars().count();
                let e = s + nq.chars().count();
                return found(i, map[s], map[e - 1] + 1, MatchKind::Normalized);
            }
        }
    }
    let words: Vec<&str> = nq.split(' ').filter(|w| !w.is_empty()).collect();
    let mut best: Option<(f64, usize, usize, usize)> = None;
    if !words.is_empty() {
        for (i, t) in conversation.turns.iter().enumerate() {
            let (nt, map) = normalize(&t.text);
            let tokens = token_spans(&nt);
            if let Some((coverage, s, e)) = fuzzy(&words, &tokens)
                && best.is_none_or(|b| coverage > b.0)
            {
                best = Some((coverage, i, map[s], map[e - 1] + 1));
            }
        }
    }
    match best {
        Some((coverage, turn, start, end)) if coverage >= FUZZY_COVERAGE => {
            found(turn, start, end, MatchKind::Fuzzy)
        }
        _ => Quote { quote: quote.to_string(), turn: None, start: None, end: None, kind: MatchKind::None },
    }
}

/// Lower-case, entities decoded, punctuation dropped, whitespace collapsed to single spaces;
/// with, for each char of the result, the index of the original char it came from.
fn normalize(text: &str) -> (String, Vec<usize>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut map = Vec::new();
    let mut i = 0;
    let mut pending_space = false;
    while i < chars.len() {
        let (c, used) = entity_at(&chars, i).unwrap_or((chars[i], 1));
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
                map.push(i);
            }
            pending_space = false;
            for l in c.to_lowercase() {
                out.push(l);
                map.push(i);
            }
        } else if c.is_whitespace() || c.is_ascii_punctuation() || is_unicode_punctuation(c) {
            pending_space = true;
        } else {
            // Symbols and emoji are kept as words of their own.
            if !out.is_empty() {
                out.push(' ');
                map.push(i);
            }
            out.push(c);
            map.push(i);
            pending_space = true;
        }
        i += used;
    }
    (out, map)
}

fn is_unicode_punctuation(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2027}' | '\u{00a0}' | '\u{00ab}' | '\u{00bb}' | '\u{2039}' | '\u{203a}')
}

/// An HTML entity starting at `i` (`&amp;`, `&#39;`, `&#x27;`…): the char and how many chars it
/// spans. Decoding is html-escape's.
fn entity_at(chars: &[char], i: usize) -> Option<(char, usize)> {
    if chars[i] != '&' {
        return None;
    }
    let end = (i + 1..chars.len().min(i + 12)).find(|&j| chars[j] == ';')?;
    let raw: String = chars[i..=end].iter().collect();
    let decoded = html_escape::decode_html_entities(&raw);
    let mut it = decoded.chars();
    match (it.next(), it.next()) {
        (Some(c), None) if decoded != raw => Some((c, end - i + 1)),
        _ => None,
    }
}

/// Words of a normalized text with their char spans.
fn token_spans(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for w in text.split(' ') {
        let n = w.chars().count();
        if n > 0 {
            out.push((w, pos, pos + n));
        }
        pos += n + 1;
    }
    out
}

/// The best window of `tokens` for `words`: (share of words matched in order, start, end).
fn fuzzy(words: &[&str], tokens: &[(&str, usize, usize)]) -> Option<(f64, usize, usize)> {
    if tokens.is_empty() {
        return None;
    }
    let window = (words.len() * 2).max(words.len() + 2);
    let mut best: Option<(f64, usize, usize)> = None;
    for s in 0..tokens.len() {
        let slice = &tokens[s..tokens.len().min(s + window)];
        if slice[0].0 != words[0] && !words.contains(&slice[0].0) {
            continue;
        }
        let (matched, last) = lcs(words, slice);
        if matched == 0 {
            continue;
        }
        let coverage = matched as f64 / words.len() as f64;
        if best.is_none_or(|b| coverage > b.0) {
            best = Some((coverage, slice[0].1, slice[last].2));
        }
    }
    best
}

/// Longest common subsequence of words; also the index in `slice` of the last matched token.
fn lcs(words: &[&str], slice: &[(&str, usize, usize)]) -> (usize, usize) {
    let (n, m) = (words.len(), slice.len());
    let mut dp = vec![vec![0usize; m + 1]; n + 1];
    for i in 1..=n {
        for j in 1..=m {
            dp[i][j] = if words[i - 1] == slice[j - 1].0 {
                dp[i - 1][j - 1] + 1
            } else {
                dp[i - 1][j].max(dp[i][j - 1])
            };
        }
    }
    let best = dp[n][m];
    let last = (1..=m).find(|&j| dp[n][j] == best).map(|j| j - 1).unwrap_or(0);
    (best, last)
}

/// Grounding of one field over a run's analyses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Grounding {
    /// Values present (not missing, not null) in analyses that asked for evidence.
    pub n: usize,
    /// Of those, values with a quote.
    pub quoted: usize,
    /// Of those, quotes found in the transcript (exact, normalized or fuzzy).
    pub verified: usize,
    /// `verified / n`: the share of values with a verified quote; `None` for no values.
    pub rate: Option<f64>,
}

/// Grounding per field over (analysis, evidence) pairs, for `fields`.
pub fn grounding<'a>(
    results: impl IntoIterator<Item = (&'a Value, &'a Evidence)>,
    fields: &[String],
) -> BTreeMap<String, Grounding> {
    let mut out: BTreeMap<String, Grounding> =
        fields.iter().map(|f| (f.clone(), Grounding::default())).collect();
    for (analysis, evidence) in results {
        add_grounding(&mut out, analysis, evidence, fields);
    }
    finish_grounding(&mut out);
    out
}

/// Count one result into running grounding totals (a batch streams its results through this
/// instead of keeping them); [`finish_grounding`] then sets the rates.
pub fn add_grounding(
    out: &mut BTreeMap<String, Grounding>,
    analysis: &Value,
    evidence: &Evidence,
    fields: &[String],
) {
    for f in fields {
        if analysis.get(f).is_none_or(Value::is_null) {
            continue;
        }
        let g = out.entry(f.clone()).or_default();
        g.n += 1;
        if let Some(q) = evidence.get(f) {
            g.quoted += 1;
            if q.kind.verified() {
                g.verified += 1;
            }
        }
    }
}

/// Set each field's rate from its counts.
pub fn finish_grounding(out: &mut BTreeMap<String, Grounding>) {
    for g in out.values_mut() {
        g.rate = (g.n > 0).then(|| g.verified as f64 / g.n as f64);
    }
}

/// "grounding topic: 93.8% (30 of 32 values; 31 quoted, 1 not found in the transcript)".
pub fn render_grounding(grounding: &BTreeMap<String, Grounding>) -> String {
    let mut out = String::new();
    for (field, g) in grounding {
        if let Some(rate) = g.rate {
            out.push_str(&format!(
                "grounding {field}: {:.1}% ({} of {} values; {} quoted, {} not found in the transcript)\n",
                rate * 100.0,
                g.verified,
                g.n,
                g.quoted,
                g.quoted - g.verified
            ));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::transcript::{Metadata, Speaker, Turn};

    fn conv(lines: &[&str]) -> Conversation {
        Conversation {
            id: "c".into(),
            source: "c".into(),
            turns: lines
                .iter()
                .map(|t| Turn {
                    speaker: Speaker::Customer,
                    label: "Customer".into(),
                    text: t.to_string(),
                    start_s: None,
                })
                .collect(),
            metadata: Metadata::default(),
            expected: None,
        }
    }

    #[test]
    fn exact_normalized_fuzzy_and_none() {
        let c = conv(&[
            "Hello, this is Sam.",
            "I was charged TWICE for my plan &amp; my add-on — really!",
            "Thanks.",
        ]);
        let q = locate(&c, "charged TWICE for my plan");
        assert_eq!((q.kind, q.turn, q.start, q.end), (MatchKind::Exact, Some(1), Some(6), Some(31)));
        let q = locate(&c, "\"charged twice for my plan & my add on\"");
        assert_eq!((q.kind, q.turn), (MatchKind::Normalized, Some(1)));
        let text: String =
            c.turns[1].text.chars().skip(q.start.unwrap()).take(q.end.unwrap() - q.start.unwrap()).collect();
        assert_eq!(text, "charged TWICE for my plan &amp; my add-on", "the span covers the original text");
        let q = locate(&c, "I was charged two times for my plan and add-on");
        assert_eq!(q.kind, MatchKind::None, "too few words in order");
        let q = locate(&c, "charged twice for the plan and my add-on");
        assert_eq!((q.kind, q.turn), (MatchKind::Fuzzy, Some(1)));
        let q = locate(&c, "the customer demanded a refund");
        assert_eq!((q.kind, q.turn), (MatchKind::None, None));
        let q = locate(&c, "thanks");
        assert_eq!((q.kind, q.turn, q.start, q.end), (MatchKind::Normalized, Some(2), Some(0), Some(6)));
    }

    #[test]
    fn the_sent_schema_gains_a_sibling_and_the_reply_loses_it() {
        let schema = json!({"type": "object", "properties": {"topic": {"type": "string"}, "resolved": {"type": "boolean"}}, "required": ["topic"], "additionalProperties": false});
        let sent = augment(&schema);
        assert_eq!(sent["properties"][EVIDENCE_KEY]["required"], json!(["topic", "resolved"]));
        assert_eq!(sent["required"], json!(["topic", EVIDENCE_KEY]));
        assert_eq!(schema["properties"].as_object().unwrap().len(), 2, "the user's schema is untouched");
        let mut reply = json!({"topic": "billing", "resolved": true, EVIDENCE_KEY: {"topic": "charged twice", "resolved": ""}});
        let quotes = take(&mut reply);
        assert_eq!(reply, json!({"topic": "billing", "resolved": true}));
        let ev = verify(&conv(&["I was charged twice."]), &quotes);
        assert_eq!(ev.len(), 1, "an empty quote is no evidence");
        assert_eq!(ev["topic"].kind, MatchKind::Exact);
        let analysis = json!({"topic": "billing", "resolved": true, "notes": null});
        let g = grounding(
            [(&analysis, &ev)],
            &["topic".to_string(), "resolved".to_string(), "notes".to_string()],
        );
        assert_eq!(
            (g["topic"].n, g["topic"].quoted, g["topic"].verified, g["topic"].rate),
            (1, 1, 1, Some(1.0))
        );
        assert_eq!((g["resolved"].n, g["resolved"].quoted, g["resolved"].rate), (1, 0, Some(0.0)));
        assert_eq!((g["notes"].n, g["notes"].rate), (0, None), "a null value needs no quote");
    }
}
