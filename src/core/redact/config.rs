//! The spec's `redact` setting: which kinds of personal data are replaced before a transcript
//! leaves the machine, plus the user's own patterns and names.
//!
//! Two spellings are accepted, because most specs only need the short one:
//! `"redact": ["card", "phone", {"name": "order_id", "regex": "ORD-\\d{5}"}]`, or the full
//! object `{"kinds": [...], "patterns": [...], "names": ["Jane Doe"], "region": "GB"}`. It is
//! written back in the short form whenever that can say everything.

use serde::{Deserialize, Serialize};

/// A built-in kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Payment card numbers (Luhn-checked), written or read out digit by digit.
    Card,
    /// Phone numbers, national and international, written or spoken.
    Phone,
    /// Email addresses, written or spoken ("jane dot doe at example dot com").
    Email,
    /// US Social Security numbers.
    Ssn,
    /// International bank account numbers (checksum-validated).
    Iban,
    /// IPv4 and IPv6 addresses.
    Ip,
    /// Dates of birth, when introduced as such ("date of birth", "born on", "DOB").
    Dob,
}

impl Kind {
    /// Every built-in kind, in the order the GUI lists them.
    pub const ALL: [Kind; 7] =
        [Kind::Card, Kind::Phone, Kind::Email, Kind::Ssn, Kind::Iban, Kind::Ip, Kind::Dob];

    /// The spec spelling (`card`, `phone`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Card => "card",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Ssn => "ssn",
            Kind::Iban => "iban",
            Kind::Ip => "ip",
            Kind::Dob => "dob",
        }
    }

    /// The placeholder stem (`CARD` in `[CARD_1]`).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Card => "CARD",
            Kind::Phone => "PHONE",
            Kind::Email => "EMAIL",
            Kind::Ssn => "SSN",
            Kind::Iban => "IBAN",
            Kind::Ip => "IP",
            Kind::Dob => "DOB",
        }
    }

    /// What a person reads in a list of toggles.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Card => "Card numbers",
            Kind::Phone => "Phone numbers",
            Kind::Email => "Emails",
            Kind::Ssn => "US SSNs",
            Kind::Iban => "IBANs",
            Kind::Ip => "IP addresses",
            Kind::Dob => "Dates of birth",
        }
    }

    /// The kind a spec or command-line word names (`all` is handled by the callers).
    pub fn parse(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == word.trim().to_ascii_lowercase())
    }
}

/// A user pattern: every match of `regex` becomes `[NAME_n]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPattern {
    /// Lower-case letters, digits and `_`; upper-cased in the placeholder.
    pub name: String,
    /// A Rust `regex` pattern.
    pub regex: String,
}

/// What to redact. Empty (the default) redacts nothing and sends the transcript as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redaction {
    pub kinds: Vec<Kind>,
    pub patterns: Vec<UserPattern>,
    /// People's names, matched whole-word and case-insensitively; each word of a multi-word name
    /// is redacted on its own too ("Ms. Doe"), with the same placeholder number.
    pub names: Vec<String>,
    /// ISO 3166 region for phone numbers written without a country code (default `US`).
    pub region: Option<String>,
}

impl Redaction {
    /// True when nothing would be redacted.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.patterns.is_empty() && self.names.is_empty()
    }

    /// Every built-in kind.
    pub fn all() -> Redaction {
        Redaction { kinds: Kind::ALL.to_vec(), ..Redaction::default() }
    }

    /// Turn a kind on or off, keeping the list in [`Kind::ALL`] order.
    pub fn set(&mut self, kind: Kind, on: bool) {
        self.kinds.retain(|k| *k != kind);
        if on {
            self.kinds.push(kind);
            self.kinds.sort();
        }
    }
}

/// One element of the short list form.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Item {
    Kind(String),
    Pattern(UserPattern),
}

/// The object form.
#[derive(Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Full {
    kinds: Vec<String>,
    patterns: Vec<UserPattern>,
    names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Form {
    List(Vec<Item>),
    Full(Full),
}

impl Kind {
    /// Kinds named by words (`card`, `phone`, …, `all`; `none` names nothing), sorted, once
    /// each. The error names the unknown word and the allowed ones.
    pub fn parse_list<S: AsRef<str>>(words: &[S]) -> Result<Vec<Kind>, String> {
        let mut kinds = Vec::new();
        for word in words.iter().map(|w| w.as_ref().trim().to_ascii_lowercase()) {
            match word.as_str() {
                "" | "none" => {}
                "all" => kinds.extend(Kind::ALL),
                w => kinds.push(Kind::parse(w).ok_or_else(|| {
                    let allowed: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                    format!("unknown kind {w:?}; use all, none or some of {}", allowed.join(", "))
                })?),
            }
        }
        kinds.sort();
        kinds.dedup();
        Ok(kinds)
    }
}

fn kinds_of<E: serde::de::Error>(words: Vec<String>) -> Result<Vec<Kind>, E> {
    Kind::parse_list(&words).map_err(|e| E::custom(format!("redact: {e}")))
}

impl<'de> Deserialize<'de> for Redaction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Redaction, D::Error> {
        let form = Form::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "`redact` is a list of kinds and patterns, e.g. [\"card\", \"phone\", {\"name\": \"order_id\", \"regex\": \"ORD-\\\\d{5}\"}], or an object {\"kinds\", \"patterns\", \"names\", \"region\"}",
            )
        })?;
        let (words, patterns, names, region) = match form {
            Form::List(items) => {
                let (mut words, mut patterns) = (Vec::new(), Vec::new());
                for item in items {
                    match item {
                        Item::Kind(w) => words.push(w),
                        Item::Pattern(p) => patterns.push(p),
                    }
                }
                (words, patterns, Vec::new(), None)
            }
            Form::Full(f) => (f.kinds, f.patterns, f.names, f.region),
        };
        Ok(Redaction { kinds: kinds_of(words)?, patterns, names, region })
    }
}

impl Serialize for Redaction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let words = || self.kinds.iter().map(|k| k.as_str().to_string());
        if self.names.is_empty() && self.region.is_none() {
            let items: Vec<Item> =
                words().map(Item::Kind).chain(self.patterns.iter().cloned().map(Item::Pattern)).collect();
            return items.serialize(serializer);
        }
        Full {
            kinds: words().collect(),
            patterns: self.patterns.clone(),
            names: self.names.clone(),
            region: self.region.clone(),
        }
        .serialize(serializer)
    }
}
