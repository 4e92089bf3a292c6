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
fn money(text: &str, words: &[Word<'_>], run: &Run, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    let after = text[end..].trim_start();
    before.ends_with(['$', '€', '£']) || after.starts_with('%') || {
        words.get(run.end_word).is_some_and(|w| MONEY_AFTER.contains(&&*w.lower))
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
            joined
                && w.text.chars().any(|c| c.is_ascii_alphabetic())
                && w.text.chars().any(|c| c.is_ascii_digit())
        };
        // "@115712": a handle, not a number; "35 396218 566120 8": an IMEI as phones show it.
        let imei_run = run.pieces.iter().map(|p| p.digits.len()).eq([2, 6, 6, 1]);
        if after_code || imei_run || text[..run.pieces[0].start].ends_with('@') {
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
        for i in 0..n {
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
                if money(text, words, run, start, end) {
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

/// What `phonenumber` said about a string: E.164 and validity; `None` when it did not parse.
type Checked = Option<(String, bool)>;

/// How a candidate phone number was said: after "+"/"plus", in several groups, from the
/// start of its run.
#[derive(Clone, Copy)]
struct Shape {
    plus: bool,
    grouped: bool,
    first: bool,
}

/// Dots make a phone number only as "415.555.0123" or "02.08.76.57.23": groups of two or
/// more digits from the start of the run. Elsewhere they are versions ("10.0.19045.3803") and
/// dates ("8.09.2023").
fn phone_shaped(run: &Run, i: usize, window: &[super::words::Piece]) -> bool {
    let dotted = window.iter().skip(1).any(|p| p.gap.contains('.')) || run.pieces[i].gap.contains('.');
    !dotted || (i == 0 && window.iter().all(|p| p.digits.len() >= 2) && window.len() == run.pieces.len())
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

/// The North American plan's shape: area code and exchange start with 2–9.
fn nanp(d: &str) -> bool {
    let b = d.as_bytes();
    d.len() == 10 && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
}

/// The phone number these digits are, in E.164, or None.
fn phone(
    digits: &str,
    Shape { plus, grouped, first }: Shape,
    ctx: &Context,
    region: phonenumber::country::Id,
    memo: &mut Memo,
) -> Option<String> {
    if !(7..=15).contains(&digits.len()) {
        return None;
    }
    let international = if plus {
        Some(digits)
    } else if !first {
        None
    } else if let Some(rest) = digits.strip_prefix("00").or_else(|| digits.strip_prefix("011")) {
        Some(rest).filter(|r| r.len() >= 8)
    } else {
        None
    };
    if let Some(rest) = international {
        if let Some(national) = rest.strip_prefix('1').filter(|n| nanp(n)) {
            return Some(format!("+1{national}"));
        }
        // "+44 (0)7700 900 668": the national trunk 0 written after the country code.
        let without_trunk = (1..=3).filter(|cc| rest.as_bytes().get(*cc) == Some(&b'0')).map(|cc| {
            let mut d = rest.to_string();
            d.remove(cc);
            d
        });
        let candidates = std::iter::once(rest.to_string()).chain(without_trunk);
        let parsed: Vec<(String, bool)> =
            candidates.filter_map(|d| memo.parse(None, &format!("+{d}"))).collect();
        if let Some((n, _)) = parsed.iter().find(|(_, valid)| *valid) {
            return Some(n.clone());
        }
        return parsed.first().filter(|_| ctx.phone()).map(|(n, _)| n.clone());
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
    let mut valid_in =
        |r: phonenumber::country::Id| memo.parse(Some(r), digits).filter(|(_, valid)| *valid).map(|(n, _)| n);
    // The North American plan was checked by shape above; parsing (the costly part of all
    // this) is left for the other regions' numbers.
    let north_american = matches!(region, phonenumber::country::Id::US | phonenumber::country::Id::CA);
    if !north_american
        && (strong || digits.len() >= 10)
        && let Some(n) = valid_in(region)
    {
        return Some(n);
    }
    // A national number with its trunk 0 ("020 7946 0082", "04-84-68-51-33") from another
    // country than the region: taken when it is grouped as a phone number or a phone word is
    // near, and valid in one of the countries callers most often come from.
    let national =
        first && digits.starts_with('0') && (9..=11).contains(&digits.len()) && (grouped || strong);
    if national {
        use phonenumber::country::Id;
        return [
            Id::GB,
            Id::FR,
            Id::DE,
            Id::IT,
            Id::ES,
            Id::NL,
            Id::BE,
            Id::IE,
            Id::AU,
            Id::IN,
            Id::CH,
            Id::AT,
        ]
        .into_iter()
        .find_map(valid_in);
    }
    None
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

/// What `phonenumber` said about each string this conversation asked it about: E.164 and
/// validity, or `None` when it does not parse. Its validation is by far the costliest step
/// (its regex cache holds 100 patterns, so trying a number against a dozen countries compiles
/// them again), and a call repeats its numbers.
#[derive(Default)]
pub struct Memo(std::collections::HashMap<(Option<phonenumber::country::Id>, String), Checked>);

impl Memo {
    fn parse(&mut self, region: Option<phonenumber::country::Id>, s: &str) -> Checked {
        self.0
            .entry((region, s.to_string()))
            .or_insert_with(|| {
                let n = phonenumber::parse(region, s).ok()?;
                let e164 = phonenumber::format(&n).mode(phonenumber::Mode::E164).to_string();
                Some((e164, phonenumber::is_valid(&n)))
            })
            .clone()
    }
}
