//! Card numbers, phone numbers and SSNs, found in the number runs of [`super::words`].
//!
//! Each is a window of a run's pieces that passes the kind's own check: the Luhn checksum for
//! cards (the `luhn` crate), the numbering plan for phones (the `phonenumber` crate, plus the
//! North American plan's shape so the fictional 555 numbers of test data count), the SSA's
//! rules for SSNs. Context decides what a check cannot: nine digits are an SSN only after
//! "social security" or in the 3-2-4 dashed form, and an "order number" or a price is never a
//! phone number.

use super::words::{Run, Word, context};
use super::{Found, Kind, Tag};

const PHONE_WORDS: [&str; 14] = [
    "phone",
    "call",
    "reach",
    "cell",
    "mobile",
    "text",
    "callback",
    "contact",
    "landline",
    "fax",
    "tel",
    "dial",
    "telephone",
    "whatsapp",
];
const CARD_WORDS: [&str; 9] =
    ["card", "visa", "mastercard", "amex", "discover", "credit", "debit", "cc", "pan"];
const SSN_WORDS: [&str; 4] = ["social", "ssn", "security", "ss"];
const NOT_PHONE: [&str; 17] = [
    "order",
    "tracking",
    "confirmation",
    "reference",
    "ticket",
    "invoice",
    "account",
    "policy",
    "case",
    "serial",
    "claim",
    "member",
    "iban",
    "bic",
    "swift",
    "routing",
    "sort",
];
const MONEY_AFTER: [&str; 8] = ["dollars", "dollar", "bucks", "cents", "usd", "percent", "euros", "pounds"];

/// What the look-around of a run says: how near (in words) the nearest word of each set is.
/// The nearer wins: in "call me on 415 555 0123, and the order number is 9466759727", the
/// second number is an order number although "call" is in sight.
struct Context {
    phone: Option<usize>,
    card: Option<usize>,
    ssn: Option<usize>,
    not: Option<usize>,
}

impl Context {
    fn nearer(a: Option<usize>, b: Option<usize>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// A phone word nearer than any "order number" word.
    fn phone(&self) -> bool {
        Context::nearer(self.phone, self.not)
    }

    /// An "order number" word nearer than any phone word.
    fn not_phone(&self) -> bool {
        Context::nearer(self.not, self.phone)
    }

    /// No "order number" word nearer than a card word.
    fn card_ok(&self) -> bool {
        self.not.is_none() || Context::nearer(self.card, self.not)
    }
}

fn context_of(words: &[Word<'_>], run: &Run) -> Context {
    let before = context(words, run.first_word, run.first_word, 8, 0);
    let after = context(words, run.end_word, run.end_word, 0, 2);
    // Distance 1 is the word just before the run; words after count from 1 too.
    let near = |set: &[&str]| {
        let b = before.iter().rev().position(|w| set.contains(&w.as_str())).map(|d| d + 1);
        let a = after.iter().position(|w| set.contains(&w.as_str())).map(|d| d + 1);
        match (b, a) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    };
    // "Order number" words only count before the number: after it they start a new phrase
    // ("call me at 312-555-0145 and ticket 66405 is still open").
    let not = before.iter().rev().position(|w| NOT_PHONE.contains(&w.as_str())).map(|d| d + 1);
    Context { phone: near(&PHONE_WORDS), card: near(&CARD_WORDS), ssn: near(&SSN_WORDS), not }
}

/// A money amount or a percentage: `$` before, "dollars" or `%` after.
fn money(text: &str, words: &[Word<'_>], run: &Run, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let after = text[end..].trim_start();
    before.ends_with(['$', '€', '£']) || after.starts_with('%') || {
        words.get(run.end_word).is_some_and(|w| MONEY_AFTER.contains(&w.text.to_ascii_lowercase().as_str()))
    }
}

/// Web addresses: the digits in `web.archive.org/web/20150101000000/…` or a tracking link are
/// part of the address, not a card or a phone.
static URL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    // A constant pattern, covered by the tests.
    #[allow(clippy::expect_used)]
    regex::Regex::new(r"(?i)\b(?:https?://|www\.)\S+").expect("URL pattern compiles")
});

/// Find cards, phones and SSNs in `text`, for the kinds asked for.
pub fn find(
    text: &str,
    words: &[Word<'_>],
    runs: &[Run],
    kinds: &[Kind],
    region: phonenumber::country::Id,
) -> Vec<Found> {
    let mut out = Vec::new();
    let urls: Vec<(usize, usize)> = URL.find_iter(text).map(|m| (m.start(), m.end())).collect();
    for run in runs {
        let at = run.pieces[0].start;
        if urls.iter().any(|(a, b)| (*a..*b).contains(&at)) {
            continue;
        }
        // The digits after a code such as "DE89" or "ORD" belong to it (an IBAN that failed
        // its checksum, an order id), not to a card or phone of their own.
        let after_code = run.first_word > 0 && {
            let w = words[run.first_word - 1];
            let gap = text.get(w.end..run.pieces[0].start).unwrap_or("+");
            let joined = gap.chars().all(|c| matches!(c, ' ' | '-'));
            joined
                && w.text.chars().any(|c| c.is_ascii_alphabetic())
                && w.text.chars().any(|c| c.is_ascii_digit())
        };
        if after_code {
            continue;
        }
        let ctx = context_of(words, run);
        let n = run.pieces.len();
        for i in 0..n {
            let mut digits = String::new();
            for j in i..n {
                digits.push_str(&run.pieces[j].digits);
                if digits.len() > 19 {
                    break;
                }
                let (start, end) = (run.pieces[i].start, run.pieces[j].end);
                if money(text, words, run, start, end) {
                    continue;
                }
                let window = &run.pieces[i..=j];
                let plus = i == 0 && run.plus;
                let kind = if kinds.contains(&Kind::Card) && card(&digits, &ctx) {
                    Some(Kind::Card)
                } else if kinds.contains(&Kind::Ssn) && ssn(&digits, window, &ctx) {
                    Some(Kind::Ssn)
                } else if kinds.contains(&Kind::Phone) {
                    phone(&digits, plus, &ctx, region).map(|_| Kind::Phone)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let key = match kind {
                        Kind::Phone => phone(&digits, plus, &ctx, region).unwrap_or_else(|| digits.clone()),
                        _ => digits.clone(),
                    };
                    out.push(Found { tag: Tag::Kind(kind), start, end, key });
                }
            }
        }
    }
    out
}

/// A card number: 13–19 digits passing the Luhn check; or, right after a card word ("card
/// number", "Mastercard"), one that fails it — a misheard digit in a voice transcript, or a
/// made-up number, is still a card number read out.
fn card(digits: &str, ctx: &Context) -> bool {
    (13..=19).contains(&digits.len())
        && !digits.bytes().all(|b| b == digits.as_bytes()[0])
        && (luhn::valid(digits) || ctx.card.is_some_and(|d| d <= 6))
        && ctx.card_ok()
}

/// The SSA's rules: no area 000, 666 or 9xx, no group 00, no serial 0000.
fn ssn_shape(d: &str) -> bool {
    d.len() == 9 && {
        let (area, group, serial) = (&d[..3], &d[3..5], &d[5..]);
        area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
    }
}

fn ssn(digits: &str, window: &[super::words::Piece], ctx: &Context) -> bool {
    if !ssn_shape(digits) {
        return false;
    }
    let dashed = window.len() == 3
        && window.iter().map(|p| p.digits.len()).eq([3, 2, 4])
        && window[1..].iter().all(|p| p.gap == "-");
    dashed || ctx.ssn.is_some()
}

/// The North American plan's shape: area code and exchange start with 2–9.
fn nanp(d: &str) -> bool {
    let b = d.as_bytes();
    d.len() == 10 && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
}

/// The phone number these digits are, in E.164, or None.
fn phone(digits: &str, plus: bool, ctx: &Context, region: phonenumber::country::Id) -> Option<String> {
    if !(7..=15).contains(&digits.len()) {
        return None;
    }
    let e164 =
        |n: &phonenumber::PhoneNumber| phonenumber::format(n).mode(phonenumber::Mode::E164).to_string();
    let international = if plus {
        Some(digits)
    } else if let Some(rest) = digits.strip_prefix("00").or_else(|| digits.strip_prefix("011")) {
        Some(rest).filter(|r| r.len() >= 8)
    } else {
        None
    };
    if let Some(rest) = international {
        if let Some(national) = rest.strip_prefix('1').filter(|n| nanp(n)) {
            return Some(format!("+1{national}"));
        }
        let parsed = phonenumber::parse(None, format!("+{rest}")).ok();
        return match parsed {
            Some(n) if phonenumber::is_valid(&n) || ctx.phone() => Some(e164(&n)),
            _ => None,
        };
    }
    let strong = ctx.phone();
    if ctx.not_phone() {
        return None;
    }
    let nanp_digits = digits.strip_prefix('1').filter(|d| d.len() == 10).unwrap_or(digits);
    if nanp(nanp_digits) && matches!(region, phonenumber::country::Id::US | phonenumber::country::Id::CA) {
        return Some(format!("+1{nanp_digits}"));
    }
    if digits.len() == 7 && strong && (b'2'..=b'9').contains(&digits.as_bytes()[0]) {
        return Some(digits.to_string());
    }
    let n = phonenumber::parse(Some(region), digits).ok()?;
    (phonenumber::is_valid(&n) && (strong || digits.len() >= 10)).then(|| e164(&n))
}
