//! Reading one date at the start of a text, written or spoken: "03/15/1985", "1985-03-15",
//! "March 15th, 1985", "15 March 1985", "march fifteenth nineteen eighty five".
//!
//! Only used after a birth-date introduction (see `patterns`), so it needs no context of its
//! own. Whether the day exists is `jiff`'s call, not ours.

use super::words::{CARDINALS, TENS, Word, words};

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(word: &str) -> Option<i8> {
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches('.');
    MONTHS.iter().position(|m| *m == w || (w.len() >= 3 && m.starts_with(w))).map(|i| i as i8 + 1)
}

const ORDINALS: [&str; 19] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];

fn small(word: &str) -> Option<i32> {
    CARDINALS.iter().position(|u| *u == word).map(|i| i as i32)
}

fn tens(word: &str) -> Option<i32> {
    TENS.iter().position(|t| *t == word).map(|i| (i as i32 + 2) * 10)
}

/// A day of the month at word `i`: "15", "15th", "fifteenth", "twenty first", "thirtieth".
fn day(ws: &[Word<'_>], i: usize) -> Option<(i8, usize)> {
    let w = ws.get(i)?.text.to_ascii_lowercase();
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !digits.is_empty() && digits.len() <= 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse().ok().map(|d| (d, 1));
    }
    if let Some(p) = ORDINALS.iter().position(|o| *o == w) {
        return Some((p as i8 + 1, 1));
    }
    match w.as_str() {
        "twentieth" => return Some((20, 1)),
        "thirtieth" => return Some((30, 1)),
        _ => {}
    }
    let t = tens(&w)?;
    let next = ws.get(i + 1)?.text.to_ascii_lowercase();
    let p = ORDINALS.iter().position(|o| *o == next)?;
    Some(((t + p as i32 + 1) as i8, 2))
}

/// A year at word `i`: "1985", "nineteen eighty five", "two thousand and three", "twenty twelve".
fn year(ws: &[Word<'_>], i: usize) -> Option<(i16, usize)> {
    let w = ws.get(i)?.text.to_ascii_lowercase();
    if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse().ok().map(|y| (y, 1));
    }
    let word = |k: usize| ws.get(i + k).map(|w| w.text.to_ascii_lowercase());
    // Two-digit groups: "nineteen eighty five", "twenty oh five", "twenty twelve".
    let hundreds = small(&w).filter(|n| *n >= 10).or_else(|| tens(&w).filter(|t| *t == 20))?;
    if w == "two" || word(1).as_deref() == Some("thousand") {
        return None;
    }
    let (rest, taken) = match word(1)?.as_str() {
        "oh" | "o" => (small(&word(2)?)?, 3),
        next => match (tens(next), word(2).as_deref().and_then(small)) {
            (Some(t), Some(u)) if u < 10 => (t + u, 3),
            (Some(t), _) => (t, 2),
            (None, _) => (small(next)?, 2),
        },
    };
    Some(((hundreds * 100 + rest) as i16, taken))
}

/// "two thousand (and) three".
fn millennium_year(ws: &[Word<'_>], i: usize) -> Option<(i16, usize)> {
    let word = |k: usize| ws.get(i + k).map(|w| w.text.to_ascii_lowercase());
    if word(0)? != "two" || word(1)? != "thousand" {
        return None;
    }
    let mut k = 2;
    if word(k).as_deref() == Some("and") {
        k += 1;
    }
    let n = word(k)?;
    if let Some(t) = tens(&n) {
        let u = word(k + 1).as_deref().and_then(small).filter(|u| *u < 10);
        return Some(((2000 + t + u.unwrap_or(0)) as i16, k + 1 + usize::from(u.is_some())));
    }
    Some(((2000 + small(&n)?) as i16, k + 1))
}

/// "ninety one", "'91", "91": a two-digit year, read only right after a birth-date question,
/// where a year in the 1900s is what people say.
fn short_year(ws: &[Word<'_>], i: usize) -> Option<(i16, usize)> {
    let w = ws.get(i)?.text.to_ascii_lowercase();
    if matches!(w.as_str(), "oh" | "o") {
        // "oh six": 2006.
        let u = small(&ws.get(i + 1)?.text.to_ascii_lowercase()).filter(|u| *u < 10)?;
        return Some((2000 + u as i16, 2));
    }
    let w = w.trim_start_matches('\'');
    if w.len() == 2 && w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse::<i16>().ok().map(|y| (1900 + y, 1));
    }
    let t = tens(w)?;
    match ws.get(i + 1).map(|n| n.text.to_ascii_lowercase()).as_deref().and_then(small) {
        Some(u) if u < 10 => Some(((1900 + t + u) as i16, 2)),
        _ => Some(((1900 + t) as i16, 1)),
    }
}

fn any_year(ws: &[Word<'_>], i: usize, short: bool) -> Option<(i16, usize)> {
    millennium_year(ws, i).or_else(|| year(ws, i)).or_else(|| if short { short_year(ws, i) } else { None })
}

fn valid(y: i16, m: i8, d: i8) -> Option<String> {
    jiff::civil::Date::new(y, m, d).ok().filter(|_| (1900..=2100).contains(&y)).map(|date| date.to_string())
}

/// The date at the start of `text` (after leading spaces): its length in bytes and ISO form.
/// `short` also reads two-digit spoken years ("fourth of June, ninety-one").
pub fn date_at(text: &str, short: bool) -> Option<(usize, String)> {
    let head: String = text.chars().take(60).collect();
    numeric(&head, short)
        .or_else(|| spelled(&head, short))
        .or_else(|| if short { said_numbers(&head) } else { None })
}

/// A number of 1–31 said as words or digits at word `i`: "nineteen", "twenty nine", "28".
fn cardinal(ws: &[Word<'_>], i: usize) -> Option<(i32, usize)> {
    let w = ws.get(i)?.text.to_ascii_lowercase();
    if w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse().ok().map(|n| (n, 1));
    }
    if let Some(n) = small(&w).filter(|n| *n >= 1) {
        return Some((n, 1));
    }
    let t = tens(&w).filter(|t| *t <= 30)?;
    match ws.get(i + 1).map(|n| n.text.to_ascii_lowercase()).as_deref().and_then(small) {
        Some(u) if (1..10).contains(&u) => Some((t + u, 2)),
        _ => Some((t, 1)),
    }
}

/// A date said as numbers, month first: "seven nineteen oh eight", "two twelve eighty nine",
/// "5 28 71", "four twenty nine nineteen sixty one" (only after a birth-date question).
fn said_numbers(text: &str) -> Option<(usize, String)> {
    let ws = words(text);
    let (m, mn) = cardinal(&ws, 0).filter(|(m, _)| (1..=12).contains(m))?;
    let (d, dn) = cardinal(&ws, mn)?;
    let yw = ws.get(mn + dn)?.text.to_ascii_lowercase();
    let (y, yn) = if matches!(yw.as_str(), "oh" | "o") {
        let u = small(&ws.get(mn + dn + 1)?.text.to_ascii_lowercase()).filter(|u| *u < 10)?;
        (2000 + u as i16, 2)
    } else {
        any_year(&ws, mn + dn, true)?
    };
    valid(y, m as i8, d as i8).map(|iso| (ws[mn + dn + yn - 1].end, iso))
}

fn numeric(text: &str, short: bool) -> Option<(usize, String)> {
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    let end = t.find(|c: char| !(c.is_ascii_digit() || matches!(c, '/' | '-' | '.'))).unwrap_or(t.len());
    let token = t[..end].trim_end_matches(['.', '-', '/']);
    // "06231957" answering a birth-date question: month, day, year (or day first).
    if short && token.len() == 8 && token.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| token[r].parse::<i32>().unwrap_or(0);
        let y = n(4..8) as i16;
        let iso = valid(y, n(0..2) as i8, n(2..4) as i8).or_else(|| valid(y, n(2..4) as i8, n(0..2) as i8));
        return iso.map(|iso| (lead + 8, iso));
    }
    let parts: Vec<&str> = token.split(['/', '-', '.']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let nums: Vec<i32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let [a, b, c] = nums[..] else { return None };
    let iso = if parts[0].len() == 4 {
        valid(a as i16, b as i8, c as i8)
    } else {
        let y = if parts[2].len() == 2 { if c > 30 { 1900 + c } else { 2000 + c } } else { c };
        // US order first (month/day), then day/month when the first cannot be a month.
        valid(y as i16, a as i8, b as i8).or_else(|| valid(y as i16, b as i8, a as i8))
    };
    iso.map(|iso| (lead + token.len(), iso))
}

fn spelled(text: &str, short: bool) -> Option<(usize, String)> {
    let ws = words(text);
    let skip_of = |i: usize| usize::from(ws.get(i).is_some_and(|w| w.text.eq_ignore_ascii_case("of")));
    let (y, m, d, last) = if let Some(m) = ws.first().and_then(|w| month(w.text)) {
        // "june the twentieth …", and after a question also "december thirty one sixty".
        let from = 1 + usize::from(ws.get(1).is_some_and(|w| w.text.eq_ignore_ascii_case("the")));
        let (d, dn) = day(&ws, from)
            .or_else(|| if short { cardinal(&ws, from).map(|(d, n)| (d as i8, n)) } else { None })?;
        let at = from + dn;
        let (y, yn) = any_year(&ws, at, short)?;
        (y, m, d, at + yn - 1)
    } else {
        let (d, dn) = day(&ws, 0)?;
        let at = dn + skip_of(dn);
        let m = month(ws.get(at)?.text)?;
        let (y, yn) = any_year(&ws, at + 1, short)?;
        (y, m, d, at + yn)
    };
    valid(y, m, d).map(|iso| (ws[last].end, iso))
}

#[cfg(test)]
mod tests {
    use super::date_at;

    #[test]
    fn written_and_spoken_dates_read_as_iso() {
        let cases = [
            (" 03/15/1985, thanks", "1985-03-15", " 03/15/1985"),
            ("1985-03-15", "1985-03-15", "1985-03-15"),
            ("March 15th, 1985 and", "1985-03-15", "March 15th, 1985"),
            ("15 March 1985", "1985-03-15", "15 March 1985"),
            ("the 2nd of june 1990", "", ""),
            ("march fifteenth nineteen eighty five ok", "1985-03-15", "march fifteenth nineteen eighty five"),
            (
                "july twenty first two thousand and three",
                "2003-07-21",
                "july twenty first two thousand and three",
            ),
            ("31/12/99", "1999-12-31", "31/12/99"),
        ];
        for (text, iso, taken) in cases {
            match date_at(text, false) {
                Some((len, got)) => assert_eq!((got.as_str(), &text[..len]), (iso, taken), "{text}"),
                None => assert!(iso.is_empty(), "{text}: no date read"),
            }
        }
        assert_eq!(date_at("02/30/1985", false), None, "no February 30th");
        assert_eq!(date_at("next tuesday", false), None);
        assert_eq!(date_at("fourth of June, ninety-one.", false), None);
        let (len, iso) = date_at("fourth of June, ninety-one.", true).unwrap();
        assert_eq!((iso.as_str(), len), ("1991-06-04", "fourth of June, ninety-one".len()));
    }
}
