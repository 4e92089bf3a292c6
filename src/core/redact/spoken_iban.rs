//! IBANs read out: "d e eight nine, three seven oh four…", "G B two five M O N as in november
//! Z…", digits read one by one or in pairs ("twenty four"), letters spelled, the radio
//! alphabet's "as in …" skipped, fillers inside.
//!
//! Read as characters from a two-letter country code on, then cut back word by word to the
//! longest prefix that passes the IBAN checksum (`iban_validate`): what does not check out is
//! never called an IBAN.

use super::words::{Word, filler, joins, piece_at};
use super::{Found, Kind, Tag};

fn letter(w: &Word<'_>) -> Option<char> {
    let mut chars = w.text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

/// The country code at word `i` ("d e" or "DE") and the index after it.
fn country(ws: &[Word<'_>], i: usize) -> Option<(String, usize)> {
    if let Some(a) = letter(&ws[i]) {
        // "c as in charlie h"
        let next = i + 1 + as_in(ws, i + 1);
        if let Some(b) = ws.get(next).and_then(letter) {
            return Some((format!("{a}{b}"), next + 1));
        }
    }
    let w = ws[i].text;
    (w.len() == 2 && w.chars().all(|c| c.is_ascii_uppercase())).then(|| (w.to_string(), i + 1))
}

/// Words taken by a radio-alphabet "as in charlie" at word `i` (0 or 3).
fn as_in(ws: &[Word<'_>], i: usize) -> usize {
    let is = |k: usize, w: &str| ws.get(k).is_some_and(|x| x.text.eq_ignore_ascii_case(w));
    if is(i, "as") && is(i + 1, "in") && ws.get(i + 2).is_some() { 3 } else { 0 }
}

/// Every spoken IBAN in `text`.
pub fn find(text: &str, ws: &[Word<'_>]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let Some((code, mut j)) = country(ws, i) else {
            i += 1;
            continue;
        };
        let mut chars = code;
        // A spelled "o" is the letter O or the digit zero: the checksum decides which.
        let mut either_o: Vec<usize> = Vec::new();
        let mut ends: Vec<(usize, usize, usize)> = Vec::new(); // (chars, byte end, next word)
        while j < ws.len() && chars.len() < 34 && joins(&text[ws[j - 1].end..ws[j].start]) {
            let lower: &str = &ws[j].lower;
            if filler(lower) {
                j += 1;
                continue;
            }
            if as_in(ws, j) > 0 {
                j += 3; // "as in bravo"
                continue;
            }
            if lower == "o" && either_o.len() < 4 {
                either_o.push(chars.len());
                chars.push('0');
                j += 1;
            } else if let Some(c) = letter(&ws[j]) {
                chars.push(c);
                j += 1;
            } else if let Some((digits, taken)) = piece_at(ws, j, text, true) {
                chars.push_str(&digits);
                j += taken;
            } else {
                break;
            }
            ends.push((chars.len(), ws[j.min(ws.len()) - 1].end, j));
        }
        let valid = ends.iter().rev().filter(|(n, _, _)| *n >= 15).find_map(|&(n, end, next)| {
            readings(&chars[..n], &either_o).find(|c| c.parse::<iban::Iban>().is_ok()).map(|c| (c, end, next))
        });
        match valid {
            Some((key, end, next)) => {
                out.push(Found { tag: Tag::Kind(Kind::Iban), start: ws[i].start, end, key });
                i = next;
            }
            None => i += 1,
        }
    }
    out
}

/// Every reading of `chars` with each position in `either_o` (below its length) as "0" or "O".
fn readings<'a>(chars: &'a str, either_o: &'a [usize]) -> impl Iterator<Item = String> + 'a {
    let at: Vec<usize> = either_o.iter().copied().filter(|p| *p < chars.len()).collect();
    (0..1u32 << at.len()).map(move |mask| {
        let mut c: Vec<u8> = chars.as_bytes().to_vec();
        for (bit, p) in at.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                c[*p] = b'O';
            }
        }
        String::from_utf8_lossy(&c).into_owned()
    })
}
