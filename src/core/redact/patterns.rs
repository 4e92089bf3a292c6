//! The kinds found by pattern rather than number runs: emails (written and spoken), IBANs, IP
//! addresses and dates of birth; plus the user's own names and regexes.
//!
//! Each pattern only proposes: IBANs must pass their checksum (`iban_validate`), IP addresses
//! must parse (`std::net`), dates must exist (`jiff`), so "DE12 and the rest" or "999.1.1.1" are
//! left alone.

use super::{Found, Kind, Tag};
use regex::Regex;
use std::sync::LazyLock;

fn compiled(pattern: &str) -> Regex {
    // The patterns are constants of this file, covered by its tests.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("built-in redaction pattern compiles")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| compiled(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b"));

static IBAN: LazyLock<Regex> = LazyLock::new(|| compiled(r"(?i)\b[a-z]{2}\d{2}(?:[ -]?[a-z0-9]){10,30}\b"));

static IPV4: LazyLock<Regex> = LazyLock::new(|| compiled(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"));
static IPV6: LazyLock<Regex> = LazyLock::new(|| compiled(r"(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}"));

/// An introduction of a birth date, then up to a few words before the date itself.
static DOB_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    compiled(
        r"(?i)\b(?:date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|birthdays?|b-?day|born(?:\s+on)?)\b(?:\s*(?:is|was|it's|its|:|,|uh|um|the|on|of|-)\s*){0,4}",
    )
});

/// Find the pattern kinds among `kinds` in `text`.
pub fn find(text: &str, ws: &[super::words::Word<'_>], kinds: &[Kind]) -> Vec<Found> {
    let mut out = Vec::new();
    let on = |k| kinds.contains(&k);
    if on(Kind::Email) {
        for m in EMAIL.find_iter(text) {
            out.push(found(Kind::Email, m.start(), m.end(), m.as_str().to_lowercase()));
        }
        out.extend(super::spoken_email::find(text, ws));
    }
    if on(Kind::Iban) {
        ibans(text, &mut out);
        let written: Vec<(usize, usize)> =
            out.iter().filter(|f| f.tag == Tag::Kind(Kind::Iban)).map(|f| (f.start, f.end)).collect();
        out.extend(
            super::spoken_iban::find(text, ws)
                .into_iter()
                .filter(|f| written.iter().all(|(s, e)| f.end <= *s || f.start >= *e)),
        );
    }
    if on(Kind::Ip) {
        for m in IPV4.find_iter(text) {
            // "firmware 1.0.4.118", "version 10.0.0.1": a version, not an address.
            let before =
                text[..m.start()].trim_end().rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
            let version = ["firmware", "version", "v", "release", "build", "update", "ver"]
                .contains(&before.to_ascii_lowercase().as_str());
            if !version && m.as_str().parse::<std::net::Ipv4Addr>().is_ok() {
                out.push(found(Kind::Ip, m.start(), m.end(), m.as_str().to_string()));
            }
        }
        for m in IPV6.find_iter(text) {
            // Standing alone ("Foo::bar" is a path) and with two groups at least ("::ba" is not).
            let alone = !text[..m.start()].ends_with(|c: char| c.is_alphanumeric() || c == ':')
                && !text[m.end()..].starts_with(|c: char| c.is_alphanumeric() || c == ':');
            let groups = m.as_str().split(':').filter(|g| !g.is_empty()).count();
            if let Ok(ip) = m
                .as_str()
                .parse::<std::net::Ipv6Addr>()
                .map_err(|_| ())
                .and_then(|ip| if alone && groups >= 2 { Ok(ip) } else { Err(()) })
            {
                out.push(found(Kind::Ip, m.start(), m.end(), ip.to_string()));
            }
        }
    }
    if on(Kind::Dob) {
        for m in DOB_INTRO.find_iter(text) {
            // Right after "date of birth" even "5 28 71" or "oh six" is a birth date.
            if let Some((len, key)) = super::dates::date_at(&text[m.end()..], true) {
                out.push(found(Kind::Dob, m.end(), m.end() + len, key));
            }
        }
    }
    out
}

/// Whether `text` asks for or introduces a birth date ("Can I take your date of birth?").
pub fn introduces_dob(text: &str) -> bool {
    DOB_INTRO.is_match(text)
}

/// Every date in `text`, wherever it starts: the answer to a birth-date question in the turn
/// before ("Ryan McAllister, fourth of June, ninety-one").
pub fn dob_anywhere(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut next_free = 0;
    for w in super::words::words(text) {
        if w.start < next_free {
            continue;
        }
        if let Some((len, key)) = super::dates::date_at(&text[w.start..], true) {
            out.push(found(Kind::Dob, w.start, w.start + len, key));
            next_free = w.start + len;
        }
    }
    out
}

fn found(kind: Kind, start: usize, end: usize, key: String) -> Found {
    Found { tag: Tag::Kind(kind), start, end, key }
}

/// IBAN candidates, shortened group by group from the end until the checksum passes (the
/// pattern also takes a following short word such as "ok").
fn ibans(text: &str, out: &mut Vec<Found>) {
    let mut at = 0;
    // Searched from the end of each IBAN found, not of the pattern's match: in "old DE45 …
    // new FR04 …" the first match runs into the second IBAN.
    while let Some(m) = IBAN.find_at(text, at) {
        let mut candidate = m.as_str();

        loop {
            let compact: String = candidate
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect::<String>()
                .to_uppercase();
            if compact.len() >= 15 && compact.parse::<iban::Iban>().is_ok() {
                out.push(found(Kind::Iban, m.start(), m.start() + candidate.len(), compact));
                at = m.start() + candidate.len();
                break;
            }
            match candidate.rfind([' ', '-']) {
                Some(cut) if cut > 4 => candidate = &candidate[..cut],
                _ => {
                    // Not an IBAN from here: look again from the next word.
                    at = m.start() + m.as_str().find(' ').unwrap_or(m.as_str().len());
                    break;
                }
            }
        }
    }
}
/// The user's names: whole words, case-insensitive, longest first; each word of a multi-word
/// name too, numbered as the full name.
pub fn names(text: &str, names: &[(Regex, String, String)]) -> Vec<Found> {
    let mut out = Vec::new();
    for (re, key, _) in names {
        for m in re.find_iter(text) {
            out.push(Found { tag: Tag::Name, start: m.start(), end: m.end(), key: key.clone() });
        }
    }
    out
}

/// The user's patterns.
pub fn user(text: &str, patterns: &[(String, Regex)]) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, (_, re)) in patterns.iter().enumerate() {
        for m in re.find_iter(text).filter(|m| !m.is_empty()) {
            out.push(Found {
                tag: Tag::Pattern(i),
                start: m.start(),
                end: m.end(),
                key: m.as_str().to_string(),
            });
        }
    }
    out
}
