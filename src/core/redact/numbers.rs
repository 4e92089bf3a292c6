//! Card numbers, phone numbers and SSNs, found in the number runs of [`super::words`].
//!
//! Each is a window of a run's pieces that passes the kind's own check: the Luhn checksum for
//! cards (the `luhn` crate), the numbering plan for phones (the `phonenumber` crate, plus the
//! North American plan's shape so the fictional 555 numbers of test data count), the SSA's
//! rules for SSNs. Context decides what a check cannot: nine digits are an SSN only after
//! "social security" or in the 3-2-4 dashed form, and an "order number" or a price is never a
//! phone number.

use super::phones::{Memo, Shape, phone, phone_shaped};
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
const NOT_PHONE: [&str; 30] = [
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
    "imei",
    "meid",
    "change",
    "application",
    "id",
    "receipt",
    "transaction",
    "reservation",
    "booking",
    "voucher",
    "certificate",
    "pin",
    "dispute",
];
const MONEY_AFTER: [&str; 8] = ["dollars", "dollar", "bucks", "cents", "usd", "percent", "euros", "pounds"];

/// What the turns just before asked for ("Can I take the card number?"): the answer then
/// counts as if the word were in the same sentence, a little further off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked {
    pub phone: bool,
    pub card: bool,
    pub ssn: bool,
    pub dob: bool,
    /// Social security came up anywhere earlier in the conversation: a number of exactly
    /// nine digits, on its own, is then an SSN ("and the baby's? two five four um nine…").
    pub ssn_talked: bool,
}

impl Asked {
    /// What `text` asks for or talks about.
    pub fn of(text: &str, words: &[Word<'_>]) -> Asked {
        let has = |set: &[&str]| words.iter().any(|w| set.contains(&&*w.lower));
        Asked {
            phone: has(&PHONE_WORDS),
            card: has(&CARD_WORDS),
            ssn: has(&SSN_WORDS),
            dob: super::patterns::introduces_dob(text),
            ssn_talked: has(&SSN_WORDS),
        }
    }

    /// What either asked.
    pub fn or(self, other: Asked) -> Asked {
        Asked {
            phone: self.phone || other.phone,
            card: self.card || other.card,
            ssn: self.ssn || other.ssn,
            dob: self.dob || other.dob,
            ssn_talked: self.ssn_talked || other.ssn_talked,
        }
    }
}

/// What the look-around of a run says: how near (in words) the nearest word of each set is.
/// The nearer wins: in "call me on 415 555 0123, and the order number is 9466759727", the
/// second number is an order number although "call" is in sight.
pub(super) struct Context {
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
    pub(super) fn phone(&self) -> bool {
        Context::nearer(self.phone, self.not)
    }

    /// An "order number" word nearer than any phone word.
    pub(super) fn not_phone(&self) -> bool {
        Context::nearer(self.not, self.phone)
    }

    /// No "order number" word nearer than a card word.
    fn card_ok(&self) -> bool {
        self.not.is_none() || Context::nearer(self.card, self.not)
    }
}

fn context_of(words: &[Word<'_>], run: &Run, asked: Asked) -> Context {
    let before = context(words, run.first_word, run.first_word, 8, 0);
    let after = context(words, run.end_word, run.end_word, 0, 2);
    // Distance 1 is the word just before the run; words after count from 1 too.
    let near = |set: &[&str]| {
        let b = before.iter().rev().position(|w| set.contains(w)).map(|d| d + 1);
        let a = after.iter().position(|w| set.contains(w)).map(|d| d + 1);
        match (b, a) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    };
    // "Order number" words only count before the number: after it they start a new phrase
    // ("call me at 312-555-0145 and ticket 66405 is still open").
    // "customer number", "customer id" count too (but "call customer service at…" does not).
    let not = before
        .iter()
        .enumerate()
        .rev()
        .position(|(k, w)| {
            NOT_PHONE.contains(w)
                || *w == "customer" && before.get(k + 1).is_some_and(|n| matches!(*n, "number" | "id" | "no"))
        })
        .map(|d| d + 1);
    // Asked in a turn before: as if said six words before the number.
    let or_asked = |found: Option<usize>, was_asked: bool| found.or(was_asked.then_some(6));
    Context {
        phone: or_asked(near(&PHONE_WORDS), asked.phone),
        card: or_asked(near(&CARD_WORDS), asked.card),
        ssn: or_asked(near(&SSN_WORDS), asked.ssn),
        not,
    }
}

/// A money amount or a percentage: `$` before, "dollars" or `%` after.
fn money(text: &str, words: &[Word<'_>], start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let after = text[end..].trim_start();
    // The word right after this number, not after the whole run: in "card 4111 …, uh, fifty
    // dollars" only the fifty is money.
    let next = words.partition_point(|w| w.start < end);
    before.ends_with(['$', '€', '£'])
        || after.starts_with('%')
        || words.get(next).is_some_and(|w| MONEY_AFTER.contains(&&*w.lower))
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
    asked: Asked,
    memo: &mut Memo,
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
            let w = &words[run.first_word - 1];
            let gap = text.get(w.end..run.pieces[0].start).unwrap_or("+");
            let joined = gap.chars().all(|c| matches!(c, ' ' | '-'));
            // Letters first, as codes are ("DE89", "INC2006", or "INV-" written against its
            // digits); "apt 4B" is an address.
            let letters_first = w.text.starts_with(|c: char| c.is_ascii_alphabetic());
            let attached = gap == "-" && w.text.chars().all(|c| c.is_ascii_uppercase());
            joined && letters_first && (w.text.chars().any(|c| c.is_ascii_digit()) || attached)
        };
        // "@115712": a handle, not a number; "35 396218 566120 8": an IMEI as phones show it.
        let imei_run = run.pieces.iter().map(|p| p.digits.len()).eq([2, 6, 6, 1]);
        if imei_run || text[..run.pieces[0].start].ends_with('@') {
            continue;
        }
        // Written addresses are the pattern's (which knows "firmware 1.0.4.118"); a run with
        // a spoken part may be one read out.
        let spoken = run.pieces.iter().enumerate().any(|(k, p)| {
            let from = if k == 0 { p.start } else { run.pieces[k - 1].end };
            text[from..p.end].contains(char::is_alphabetic)
        });
        if kinds.contains(&Kind::Ip) && spoken {
            spoken_ips(run, &mut out);
        }
        let mut ctx = context_of(words, run, asked);
        let dotted = run.pieces.iter().any(|p| p.gap.contains('.'));
        if asked.ssn_talked && !dotted && run.pieces.iter().map(|p| p.digits.len()).sum::<usize>() == 9 {
            ctx.ssn = ctx.ssn.or(Some(7));
        }
        let n = run.pieces.len();
        // Card windows (first piece, last piece, digits, span), laid out below.
        let mut cards: Vec<(usize, usize, String, usize, usize)> = Vec::new();
        // Only windows from the run's first piece belong to a code before it ("DE89 3704 …",
        // "INV-2026-08-1187"); a number later in the run may still be one of its own.
        for i in usize::from(after_code)..n {
            let mut digits = String::new();
            // Phone candidates from this start, tried longest first: the longest number that
            // checks out is the one said, and each check may cost a parse.
            let mut phones: Vec<PhoneWindow> = Vec::new();
            for j in i..n {
                digits.push_str(&run.pieces[j].digits);
                if digits.len() > 19 {
                    break;
                }
                let (start, end) = (run.pieces[i].start, run.pieces[j].end);
                if money(text, words, start, end) {
                    continue;
                }
                let window = &run.pieces[i..=j];
                let plus = i == 0 && run.plus;
                // "+44 …" is a phone; "35 396218 566120 8" is how a phone shows its IMEI.
                let imei = window.iter().map(|p| p.digits.len()).eq([2, 6, 6, 1]);
                if kinds.contains(&Kind::Card) && !plus && !imei && card(&digits, &ctx) {
                    cards.push((i, j, digits.clone(), start, end));
                } else if kinds.contains(&Kind::Ssn) && ssn(&digits, window, &ctx) {
                    out.push(Found { tag: Tag::Kind(Kind::Ssn), start, end, key: digits.clone() });
                } else if kinds.contains(&Kind::Phone)
                    && (7..=15).contains(&digits.len())
                    && phone_shaped(run, i, window)
                {
                    // A national or international number is said from its first digit: only
                    // a window from the run's start may be one (and each costs a parse).
                    let shape = Shape { plus, grouped: window.len() > 1, first: i == 0 };
                    phones.push(PhoneWindow { digits: digits.clone(), start, end, shape });
                }
            }
            // The key is the number in E.164, so "(415) 555-0123" and "four one five…" get the
            // same placeholder.
            let found = phones.into_iter().rev().find_map(|w| {
                phone(&w.digits, w.shape, &ctx, region, memo).map(|e164| (e164, w.start, w.end))
            });
            if let Some((key, start, end)) = found {
                out.push(Found { tag: Tag::Kind(Kind::Phone), start, end, key });
            }
        }
        tile_cards(cards, &mut out);
    }
    out
}

/// A window of a run that may be a phone number.
struct PhoneWindow {
    digits: String,
    start: usize,
    end: usize,
    shape: Shape,
}

/// Card lengths from the most to the least common: a window of 16 that passes is preferred to
/// a longer one that passes by chance.
const CARD_LENGTHS: [usize; 7] = [16, 15, 19, 13, 14, 17, 18];

/// Lay the card windows of a run out from its start: at each piece, the window of the most
/// common length wins, and the next card starts after it. A read-back of several cards in one
/// breath ("four one two five … forty one oh four …") is several cards, not one 19-digit
/// window that happened to pass Luhn across two of them.
fn tile_cards(cards: Vec<(usize, usize, String, usize, usize)>, out: &mut Vec<Found>) {
    let rank = |d: &str| CARD_LENGTHS.iter().position(|l| *l == d.len()).unwrap_or(CARD_LENGTHS.len());
    // Numbers that pass Luhn first; then, in what is left, those a card word vouches for.
    let (valid, vouched): (Vec<_>, Vec<_>) = cards.into_iter().partition(|c| luhn::valid(&c.2));
    let mut taken: Vec<(usize, usize)> = Vec::new(); // piece ranges laid out
    for pass in [valid, vouched] {
        let mut next_free = 0;
        let mut starts: Vec<usize> = pass.iter().map(|c| c.0).collect();
        starts.dedup();
        for i in starts {
            if i < next_free {
                continue;
            }
            let free =
                |c: &&(usize, usize, String, usize, usize)| taken.iter().all(|(a, b)| c.1 < *a || c.0 > *b);
            let best = pass.iter().filter(|c| c.0 == i).filter(free).min_by_key(|c| rank(&c.2));
            if let Some((first, last, digits, start, end)) = best {
                out.push(Found { tag: Tag::Kind(Kind::Card), start: *start, end: *end, key: digits.clone() });
                taken.push((*first, *last));
                next_free = last + 1;
            }
        }
    }
}

/// A card number: 13–19 digits passing the Luhn check; or, right after a card word ("card
/// number", "Mastercard"), one that fails it — a misheard digit in a voice transcript, or a
/// made-up number, is still a card number read out.
fn card(digits: &str, ctx: &Context) -> bool {
    (13..=19).contains(&digits.len())
        && issued(digits)
        && !digits.bytes().all(|b| b == digits.as_bytes()[0])
        && (luhn::valid(digits) || ctx.card.is_some_and(|d| d <= 6))
        && ctx.card_ok()
}

/// Whether a card network issues numbers that start like `digits` at its length (Visa 4 at
/// 13, 16 or 19 digits, Mastercard 51–55 and 2221–2720 at 16, Amex 34/37 at 15, …): most
/// random digit strings that pass Luhn are not shaped like any card.
fn issued(digits: &str) -> bool {
    let len = digits.len();
    let prefix = |n: usize| digits[..n].parse::<u32>().unwrap_or(0);
    match digits.as_bytes()[0] {
        b'4' => matches!(len, 13 | 16 | 19),
        b'5' => {
            (51..=55).contains(&prefix(2)) && len == 16 || (56..=59).contains(&prefix(2)) || prefix(2) == 50
        }
        b'2' => (2221..=2720).contains(&prefix(4)) && len == 16,
        b'3' => match prefix(2) {
            34 | 37 => len == 15,
            35 => (16..=19).contains(&len),
            36 | 38 | 39 | 30 => (14..=19).contains(&len),
            _ => false,
        },
        b'6' => (16..=19).contains(&len) || (12..=19).contains(&len) && prefix(2) >= 60,
        b'1' => len == 15 && prefix(1) == 1, // UATP
        _ => false,
    }
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
    // Written 3-2-4 ("123-45-6789", "748 77 7670", "763.04.9468") is an SSN's own shape;
    // phones are 3-3-4.
    let grouped = window.len() == 3
        && window.iter().map(|p| p.digits.len()).eq([3, 2, 4])
        && window[1..].iter().all(|p| matches!(p.gap.as_str(), "-" | " " | "." | " - "));
    // A nearer "order number" beats a social-security word (or one asked turns before).
    grouped || Context::nearer(ctx.ssn, ctx.not)
}

/// IPv4 addresses read out: four groups of digits with "dot" or "point" between them ("one
/// nine two dot one sixty eight dot one dot one"), within a stretch of the run that no comma
/// interrupts.
fn spoken_ips(run: &Run, out: &mut Vec<Found>) {
    let mut groups: Vec<(usize, usize, String)> = Vec::new(); // (first piece, last piece, digits)
    let flush = |groups: &mut Vec<(usize, usize, String)>, out: &mut Vec<Found>| {
        for w in groups.windows(4) {
            let octets: Vec<&str> = w.iter().map(|g| g.2.as_str()).collect();
            let dotted = octets.join(".");
            if octets.iter().all(|o| o.len() <= 3) && dotted.parse::<std::net::Ipv4Addr>().is_ok() {
                let (start, end) = (run.pieces[w[0].0].start, run.pieces[w[3].1].end);
                out.push(Found { tag: Tag::Kind(Kind::Ip), start, end, key: dotted });
            }
        }
        groups.clear();
    };
    for (i, piece) in run.pieces.iter().enumerate() {
        if piece.gap.contains(',') {
            flush(&mut groups, out);
        }
        match groups.last_mut() {
            Some(last) if !piece.gap.contains('.') => {
                last.1 = i;
                last.2.push_str(&piece.digits);
            }
            _ => groups.push((i, i, piece.digits.clone())),
        }
    }
    flush(&mut groups, out);
}
