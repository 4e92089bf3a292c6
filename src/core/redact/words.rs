//! Words and number runs: the tokenizer every number detector shares.
//!
//! Voice transcripts write the same card number as "4111 1111 1111 1111", "four one one one, one
//! one one one…", "4111, uh, one one one one" or "double one". So numbers are not found by
//! regex over characters but as *runs* of number words and digit groups, separated only by
//! spaces, commas, dashes, dots, parentheses or fillers ("uh", "[noise]"). Each run keeps its
//! pieces, so a detector can look at a window of them (a card followed by its expiry date is one
//! run; the card is a window of it).

/// A word: a maximal run of letters, digits and apostrophes, with its byte offsets.
#[derive(Debug, Clone)]
pub struct Word<'t> {
    pub start: usize,
    pub end: usize,
    pub text: &'t str,
    /// `text` in ASCII lower case (borrowed when it already is, as most transcript words are).
    pub lower: std::borrow::Cow<'t, str>,
}

impl<'t> Word<'t> {
    fn new(text: &'t str, start: usize, end: usize) -> Word<'t> {
        let w = &text[start..end];
        let lower = if w.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(w.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(w)
        };
        Word { start, end, text: w, lower }
    }
}

/// Split `text` into words.
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || c == '\'';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word::new(text, s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word::new(text, s, text.len()));
    }
    out
}

/// One digit group of a run: a written group ("4111") or one spoken number ("seven", "twenty
/// one", "double five").
#[derive(Debug, Clone)]
pub struct Piece {
    pub start: usize,
    pub end: usize,
    pub digits: String,
    /// The separator text between the previous piece and this one ("" for the first).
    pub gap: String,
}

/// A run of pieces; `plus` when it is introduced by `+` or "plus" (an international number).
#[derive(Debug, Clone)]
pub struct Run {
    pub pieces: Vec<Piece>,
    pub plus: bool,
    /// Index of the run's first word in the word list (for context look-behind).
    pub first_word: usize,
    /// Index one past the run's last word.
    pub end_word: usize,
}

/// The number words zero to nineteen, at their value's index: the one list every detector
/// that reads spoken numbers (digit runs, dates, spelled mailboxes) shares.
pub(super) const CARDINALS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// Twenty to ninety, at index (value / 10 − 2).
pub(super) const TENS: [&str; 8] =
    ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// A digit said as a word ("oh", "nought" and "nil" are zero too).
fn unit(word: &str) -> Option<char> {
    if matches!(word, "oh" | "o" | "nought" | "nil") {
        return Some('0');
    }
    let value = CARDINALS[..10].iter().position(|c| *c == word)?;
    char::from_digit(value as u32, 10)
}

/// Ten to nineteen, as their two digits.
fn teen(word: &str) -> Option<String> {
    CARDINALS[10..].iter().position(|c| *c == word).map(|i| (i + 10).to_string())
}

/// The tens digit of "twenty" … "ninety" (and the common misspelling "fourty").
fn tens(word: &str) -> Option<char> {
    let word = if word == "fourty" { "forty" } else { word };
    let index = TENS.iter().position(|t| *t == word)?;
    char::from_digit(index as u32 + 2, 10)
}

/// Words that may sit inside a number without ending it.
pub(super) fn filler(word: &str) -> bool {
    matches!(
        word,
        "uh" | "um"
            | "umm"
            | "er"
            | "erm"
            | "ah"
            | "hmm"
            | "mm"
            | "noise"
            | "inaudible"
            | "crosstalk"
            | "dash"
            | "hyphen"
    )
}

/// Separators allowed between two pieces of one number.
pub(super) fn joins(gap: &str) -> bool {
    gap.len() <= 6
        && gap.chars().all(|c| matches!(c, ' ' | ',' | '-' | '.' | '(' | ')' | '[' | ']' | '\u{a0}' | '–'))
}

/// The piece starting at word `i`: its digits and how many words it took.
pub(super) fn piece_at(words: &[Word<'_>], i: usize, text: &str, run_open: bool) -> Option<(String, usize)> {
    let w = words[i].text;
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return Some((w.to_string(), 1));
    }
    let lower: &str = &words[i].lower;
    let next = |k: usize| {
        words.get(i + k).filter(|n| joins(&text[words[i + k - 1].end..n.start])).map(|n| &*n.lower)
    };
    if let Some(d) = unit(lower) {
        // A lone "o" or "oh" outside a number is a word ("oh, I see"); it only starts a number
        // when another digit follows.
        if matches!(lower, "o" | "oh") && !run_open {
            let follows = next(1).is_some_and(|n| unit(n).is_some() || n.bytes().all(|b| b.is_ascii_digit()));
            if !follows {
                return None;
            }
        }
        return Some((d.to_string(), 1));
    }
    if let Some(t) = teen(lower) {
        return Some((t, 1));
    }
    if let Some(t) = tens(lower) {
        // "forty two" is 42, but "forty oh five" is 40 0 5: nobody says "forty zero".
        return Some(match next(1).and_then(unit).filter(|u| *u != '0') {
            Some(u) => (format!("{t}{u}"), 2),
            None => (format!("{t}0"), 1),
        });
    }
    if run_open && lower == "hundred" {
        return Some(("00".to_string(), 1));
    }
    if run_open && lower == "thousand" {
        return Some(("000".to_string(), 1));
    }
    let times = match lower {
        "double" => 2,
        "triple" => 3,
        _ => return None,
    };
    let n = next(1)?;
    let d = match unit(n) {
        Some(u) => u.to_string(),
        None if n.len() == 1 && n.bytes().all(|b| b.is_ascii_digit()) => n.to_string(),
        None => return None,
    };
    Some((d.repeat(times), 2))
}

/// Every run of two or more pieces (a single group is kept too when it has 7 or more digits).
pub fn runs(text: &str, words: &[Word<'_>]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    let mut last_end = 0usize; // end of the last piece or filler inside the current run
    // A spoken "dot" or "point" inside the run ("one nine two dot one six eight…"): the next
    // piece's gap records it as ".", as if written.
    let mut said_dot = false;
    let mut i = 0;
    while i < words.len() {
        let open = current.is_some() && joins(&text[last_end..words[i].start]);
        if !open && let Some(run) = current.take() {
            finish(run, &mut out);
        }
        if let Some((digits, taken)) = piece_at(words, i, text, open) {
            let w = &words[i];
            let end = words[i + taken - 1].end;
            match current.as_mut() {
                Some(run) => {
                    let mut gap = text[last_end..w.start].to_string();
                    if std::mem::take(&mut said_dot) {
                        gap.insert(0, '.');
                    }
                    run.pieces.push(Piece { start: w.start, end, digits, gap });
                    run.end_word = i + taken;
                }
                None => {
                    said_dot = false;
                    let before = text[..w.start].trim_end();
                    let said_plus = i > 0
                        && words[i - 1].text.eq_ignore_ascii_case("plus")
                        && joins(&text[words[i - 1].end..w.start]);
                    let plus = before.ends_with('+') || said_plus;
                    let start = if said_plus {
                        words[i - 1].start
                    } else if before.ends_with('+') {
                        before.len() - 1
                    } else if text[..w.start].ends_with('(') {
                        w.start - 1 // "(415) 555-0123"
                    } else {
                        w.start
                    };
                    current = Some(Run {
                        pieces: vec![Piece { start, end, digits, gap: String::new() }],
                        plus,
                        first_word: i,
                        end_word: i + taken,
                    });
                }
            }
            last_end = end;
            i += taken;
            continue;
        }
        let lower: &str = &words[i].lower;
        if open && (filler(lower) || matches!(lower, "dot" | "point")) {
            said_dot |= matches!(lower, "dot" | "point");
            last_end = words[i].end;
        } else if let Some(run) = current.take() {
            finish(run, &mut out);
        }
        i += 1;
    }
    if let Some(run) = current {
        finish(run, &mut out);
    }
    out
}

fn finish(run: Run, out: &mut Vec<Run>) {
    let digits: usize = run.pieces.iter().map(|p| p.digits.len()).sum();
    if run.pieces.len() > 1 || digits >= 7 {
        out.push(run);
    }
}

/// Lower-cased words within `before` words ahead of word `first` and `after` words past `end`.
pub fn context<'a>(
    words: &'a [Word<'_>],
    first: usize,
    end: usize,
    before: usize,
    after: usize,
) -> Vec<&'a str> {
    let from = first.saturating_sub(before);
    let to = (end + after).min(words.len());
    words[from..first].iter().chain(words[end..to].iter()).map(|w| &*w.lower).collect()
}
