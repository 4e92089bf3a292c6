//! Phone numbers: which windows of a number run are one, and the costly check behind it.
//!
//! The North American plan is checked by its shape alone (so the fictional 555 numbers of test
//! data count); everything else goes through the `phonenumber` crate, memoised per
//! conversation, because its validation is by far the slowest step of redaction.

use super::numbers::Context;
use super::words::{Piece, Run};

/// What `phonenumber` said about a string: E.164 and validity; `None` when it did not parse.
type Checked = Option<(String, bool)>;

/// How a candidate phone number was said: after "+"/"plus", in several groups, from the
/// start of its run.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    pub plus: bool,
    pub grouped: bool,
    pub first: bool,
}

/// Dots make a phone number only as "415.555.0123" or "02.08.76.57.23": groups of two or
/// more digits from the start of the run. Elsewhere they are versions ("10.0.19045.3803") and
/// dates ("8.09.2023").
pub(super) fn phone_shaped(run: &Run, i: usize, window: &[Piece]) -> bool {
    let dotted = window.iter().skip(1).any(|p| p.gap.contains('.')) || run.pieces[i].gap.contains('.');
    !dotted || (i == 0 && window.iter().all(|p| p.digits.len() >= 2) && window.len() == run.pieces.len())
}

/// The North American plan's shape: area code and exchange start with 2–9.
fn nanp(d: &str) -> bool {
    let b = d.as_bytes();
    d.len() == 10 && (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3])
}

/// The phone number these digits are, in E.164, or None.
pub(super) fn phone(
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
