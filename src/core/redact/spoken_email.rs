//! Emails read out: "jane dot doe at gmail dot com", "j o h n at example dot org", "pixel
//! underscore seventy four at sign gmail dot com", "brown period dmitri at g m x dot d e".
//!
//! Found from the " at " outwards rather than by one regex: the domain after it must end in
//! "dot <top-level domain>", and the local part before it is taken word by word for as long as
//! words are joined ("dot", "underscore", a written `.`) or spelled (single letters, number
//! words), so "my email is jane dot doe at…" starts at "jane".

use super::words::{CARDINALS, TENS, Word};
use super::{Found, Kind, Tag};

const TLDS: [&str; 52] = [
    "com", "net", "org", "edu", "gov", "io", "co", "uk", "us", "ca", "de", "fr", "info", "biz", "me", "ai",
    "in", "au", "nz", "es", "it", "nl", "be", "ch", "se", "no", "dk", "pl", "jp", "cn", "br", "mx", "ru",
    "ie", "at", "pt", "app", "dev", "email", "za", "fm", "tv", "ly", "gg", "xyz", "eu", "cc", "fi", "gr",
    "cz", "sg", "hk",
];
const JOINERS: [&str; 7] = ["dot", "period", "underscore", "dash", "hyphen", "plus", "point"];
/// Words before "at" that make it a place ("us at acme dot com"), not a mailbox.
const NOT_LOCAL: [&str; 22] = [
    "us",
    "me",
    "them",
    "you",
    "it",
    "him",
    "her",
    "look",
    "here",
    "there",
    "back",
    "online",
    "site",
    "website",
    "version",
    "app",
    "page",
    "portal",
    "available",
    "located",
    "store",
    "shop",
];

fn lower<'a>(w: &'a Word<'_>) -> &'a str {
    &w.lower
}

/// Written or spoken joiner between word `i - 1` and word `i`.
fn joined(text: &str, ws: &[Word<'_>], i: usize) -> bool {
    matches!(text[ws[i - 1].end..ws[i].start].trim(), "." | "_" | "-" | "+")
}

fn spelled(w: &str) -> bool {
    w.chars().count() == 1
        || w == "oh"
        || CARDINALS.contains(&w)
        || TENS.contains(&w)
        || w == "double"
        || w.bytes().all(|b| b.is_ascii_digit())
}

/// Words that never start a mailbox name ("my email is …", "it's …").
const STOP: [&str; 29] = [
    "is",
    "its",
    "it's",
    "email",
    "address",
    "mail",
    "my",
    "the",
    "and",
    "uh",
    "um",
    "er",
    "to",
    "me",
    "at",
    "sure",
    "yes",
    "yeah",
    "ok",
    "okay",
    "so",
    "that's",
    "thats",
    "it",
    "was",
    "of",
    "send",
    "inaudible",
    "under",
];

/// A name-like word that may lead a spelled or numbered tail ("skywalker one nine six four").
fn plain(w: &str) -> bool {
    w.chars().count() > 1
        && w.chars().all(|c| c.is_alphabetic())
        && !STOP.contains(&w)
        && !NOT_LOCAL.contains(&w)
}

/// The end of the domain starting at word `i` (one past its last word), if it ends in a TLD.
fn domain_end(text: &str, ws: &[Word<'_>], mut i: usize) -> Option<usize> {
    let mut end = None;
    let mut labels = 0;
    while i < ws.len() && labels < 6 {
        // One label: a word, or letters spelled one by one, or words joined by "dash"
        // ("acme dash widgets").
        let first = i;
        i += 1;
        loop {
            if i < ws.len()
                && lower(&ws[i - 1]).len() == 1
                && lower(&ws[i]).len() == 1
                && !joined(text, ws, i)
            {
                i += 1;
            } else if i + 1 < ws.len() && matches!(lower(&ws[i]), "dash" | "hyphen") {
                i += 2;
            } else {
                break;
            }
        }
        labels += 1;
        let label: String = ws[first..i].iter().map(lower).collect();
        if labels > 1 && TLDS.contains(&label.as_str()) {
            end = Some(i);
        }
        // Then a separator: "dot"/"period" or a written ".".
        if i < ws.len() && matches!(lower(&ws[i]), "dot" | "period" | "point") {
            i += 1;
        } else if i < ws.len() && text[ws[i - 1].end..ws[i].start].trim() == "." {
        } else {
            break;
        }
    }
    end
}

/// Whether the single letter at `i` begins the text, follows a filler-like word, or is part of
/// a spelled run (so "a" in "send it to a smith at…" is not taken for an initial).
fn spelled_or_start(ws: &[Word<'_>], i: usize) -> bool {
    i == 0 || {
        let before = lower(&ws[i - 1]);
        before.chars().count() == 1 || STOP.contains(&before) && before != "to"
    }
}

/// Every spoken email in `text`.
pub fn find(text: &str, ws: &[Word<'_>]) -> Vec<Found> {
    let mut out = Vec::new();
    for k in 1..ws.len() {
        let at = lower(&ws[k]);
        if at != "at" {
            continue;
        }
        let domain_start =
            if ws.get(k + 1).is_some_and(|w| w.text.eq_ignore_ascii_case("sign")) { k + 2 } else { k + 1 };
        let Some(end) = domain_end(text, ws, domain_start) else { continue };
        // The local part, walking back from the word before "at".
        let mut start = k - 1;
        let mut taken = 1;
        let mut named = false; // a name word taken before a spelled or numbered tail
        while start > 0 && taken < 16 {
            let here = lower(&ws[start]);
            let before = lower(&ws[start - 1]);
            // Joined ("jane.doe", "jane dot doe") or spelled ("j o h n", "seventy four").
            let joins =
                joined(text, ws, start) || JOINERS.contains(&here) || JOINERS.contains(&before) && start >= 2;
            if joins || spelled(here) && spelled(before) {
                start -= 1;
            } else if start >= 3 && lower(&ws[start - 1]) == "in" && lower(&ws[start - 2]) == "as" {
                start -= 3; // "k e v i n as in november": back to the letter it spells
            } else if start >= 4 && lower(&ws[start - 2]) == "in" && lower(&ws[start - 3]) == "as" {
                start -= 4; // "…a l as in lima c…", seen from "c"
            } else if spelled(here) && plain(before) && !named {
                named = true; // "skywalker | one nine six four"
                start -= 1;
            } else if plain(here) && before.chars().count() == 1 && spelled_or_start(ws, start - 1) {
                start -= 1; // "i smith", "n a d i a yamamoto"
            } else {
                break;
            }
            taken += 1;
        }
        if JOINERS.contains(&lower(&ws[start])) {
            start += 1;
        }
        // A first name before the last ("ana murphy three three at…"), when nothing but a
        // lead-in ("email", "it's") or the start comes before it.
        if start > 0 && plain(lower(&ws[start])) && plain(lower(&ws[start - 1])) {
            let lead_in = start == 1 || STOP.contains(&lower(&ws[start - 2]));
            if lead_in && start - 1 < k - 1 {
                start -= 1;
            }
        }
        // "visit us at acme dot com", "look at example.com": a site, not an address.
        // "the web version at app.example.com": the word before "at" names a place.
        if NOT_LOCAL.contains(&lower(&ws[k - 1])) && plain(lower(&ws[start]))
            || start == k - 1 && NOT_LOCAL.contains(&lower(&ws[start]))
        {
            continue;
        }
        let (a, b) = (ws[start].start, ws[end - 1].end);
        let key: String = text[a..b]
            .to_lowercase()
            .split_whitespace()
            .map(|w| match w {
                "dot" | "period" | "point" => ".",
                "at" => "@",
                "sign" => "",
                "underscore" => "_",
                "dash" | "hyphen" => "-",
                other => other,
            })
            .collect();
        out.push(Found { tag: Tag::Kind(Kind::Email), start: a, end: b, key });
    }
    out
}
