//! Clock-style times shared by every importer: `[mm:ss]` prefixes in text logs, WebVTT/SRT cue
//! times, CSV time columns and duration strings in JSON exports.
//!
//! One lenient parser lives here so that a time written `75`, `01:15`, `00:01:15.250` or
//! `00:01:15,250` (SRT's comma) means the same number of seconds whichever format it came from.

/// Largest value accepted as "seconds from the start". Sources also put absolute epoch times in
/// similarly named fields (Vapi's `time` is epoch milliseconds); anything beyond about 115 days
/// cannot be an offset within one conversation, so it is ignored rather than shown as nonsense.
pub(crate) const MAX_OFFSET_S: f64 = 1.0e7;

/// Parse `ss`, `mm:ss` or `hh:mm:ss`, each optionally with a `.` or `,` fraction (a trailing
/// dot without digits is accepted, as some exports write `00:00:19.`). Negative, malformed or
/// out-of-range values give `None`: a wrong time is worse than no time.
pub(crate) fn parse_timecode(raw: &str) -> Option<f64> {
    let s = raw.trim();
    if s.is_empty() || s.starts_with('-') || s.starts_with('+') {
        return None;
    }
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let (whole, last) = parts.split_at(parts.len() - 1);
    let mut seconds = 0.0;
    for (i, part) in whole.iter().enumerate() {
        let value = parse_digits(part)?;
        // Minutes and seconds fields must stay below 60; the leading field may be any size.
        if i > 0 && value >= 60 {
            return None;
        }
        seconds = seconds * 60.0 + value as f64;
    }
    let last = last.first()?.replace(',', ".");
    let last = last.strip_suffix('.').unwrap_or(&last);
    let (int_part, frac_part) = match last.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (last, None),
    };
    let int_value = parse_digits(int_part)?;
    if !whole.is_empty() && int_value >= 60 {
        return None;
    }
    let mut last_value = int_value as f64;
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac_value: f64 = format!("0.{frac}").parse().ok()?;
        last_value += frac_value;
    }
    let total = seconds * 60.0 + last_value;
    (total.is_finite() && total <= MAX_OFFSET_S).then_some(total)
}

/// A subtitle cue time, strictly: `hh:mm:ss.ttt` or `mm:ss.ttt` (WebVTT) or `hh:mm:ss,ttt` (SRT),
/// minutes and seconds as two digits below 60 and one to three fraction digits. Unlike
/// [`parse_timecode`] a malformed time is an error with the reason, because a cue's times are
/// its whole structure: `99:99:99.999` or `00:00:0,300` mean the file is damaged.
pub(crate) fn parse_cue_time(raw: &str) -> Result<f64, String> {
    let s = raw.trim();
    let expected = "expected hh:mm:ss.mmm (WebVTT) or hh:mm:ss,mmm (SRT)";
    let (clock, frac) =
        s.rsplit_once(['.', ',']).ok_or_else(|| format!("`{s}` has no milliseconds; {expected}"))?;
    if frac.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` has malformed milliseconds; {expected}"));
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m, sec] => (parse_digits(h), *m, *sec),
        [m, sec] => (Some(0), *m, *sec),
        _ => return Err(format!("`{s}` is not a time; {expected}")),
    };
    let two = |p: &str| if p.len() == 2 { parse_digits(p) } else { None };
    let (Some(h), Some(m), Some(sec)) = (hours, two(minutes), two(seconds)) else {
        return Err(format!("`{s}` is malformed; {expected}"));
    };
    if m >= 60 || sec >= 60 {
        let (what, value) = if m >= 60 { ("minutes", m) } else { ("seconds", sec) };
        return Err(format!("`{s}`: {what} {value} are out of range (00–59)"));
    }
    let frac_value: f64 =
        format!("0.{frac}").parse().map_err(|_| format!("`{s}` is malformed; {expected}"))?;
    Ok(((h * 60 + m) * 60 + sec) as f64 + frac_value)
}

/// Accept a non-empty run of ASCII digits (at most 9, so the value cannot overflow).
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Accept an offset in seconds only when it is plausible (finite, not negative, not an epoch).
pub(crate) fn plausible_offset(seconds: f64) -> Option<f64> {
    (seconds.is_finite() && (0.0..=MAX_OFFSET_S).contains(&seconds)).then_some(seconds)
}

/// Seconds since the Unix epoch for an RFC 3339 timestamp (`2024-05-01T10:00:00.250Z`,
/// `…+02:00`). Only used to derive a call's duration from its start and end stamps when the
/// export has no duration field (Vapi call objects), so anything unusual gives `None`.
pub(crate) fn rfc3339_seconds(raw: &str) -> Option<f64> {
    let s = raw.trim();
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let mut ymd = date.split('-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let (year, month, day) = (parse_digits(year)? as i64, parse_digits(month)?, parse_digits(day)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Split the clock from the zone: `Z`, or the last `+`/`-`.
    let (clock, offset_s) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        (clock, 0.0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (h, m) = rest.get(at + 1..)?.split_once(':')?;
        let offset = (parse_digits(h)? * 3600 + parse_digits(m)? * 60) as f64;
        (&rest[..at], if rest[at..].starts_with('-') { -offset } else { offset })
    };
    let clock = parse_timecode(clock)?;
    // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + clock - offset_s)
}

/// Format seconds as `mm:ss` for prompts; minutes are not wrapped into hours so the prefix has
/// one fixed shape the model can rely on.
pub(crate) fn format_mm_ss(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 { seconds.floor() as u64 } else { 0 };
    format!("{:02}:{:02}", total / 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_clock_shapes() {
        assert_eq!(parse_timecode("75"), Some(75.0));
        assert_eq!(parse_timecode("01:15"), Some(75.0));
        assert_eq!(parse_timecode("1:02:03"), Some(3723.0));
        assert_eq!(parse_timecode("00:00:01.500"), Some(1.5));
        assert_eq!(parse_timecode("00:00:01,250"), Some(1.25));
        assert_eq!(parse_timecode("09:58:50.0"), Some(35930.0));
        assert_eq!(parse_timecode(" 12.5 "), Some(12.5));
        assert_eq!(parse_timecode("00:00:19."), Some(19.0));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "-00:00:19.",
            "abc",
            "1:2:3:4",
            "00:75",
            "00:61:00",
            "1.2.3",
            "2024-01-01T10:00:00Z",
            "99999999999",
        ] {
            assert_eq!(parse_timecode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cue_times_are_strict() {
        assert_eq!(parse_cue_time("00:00:01.500"), Ok(1.5));
        assert_eq!(parse_cue_time("01:02.250"), Ok(62.25));
        assert_eq!(parse_cue_time("1:00:00,000"), Ok(3600.0));
        let err = parse_cue_time("99:99:99.999").unwrap_err();
        assert!(err.contains("minutes 99 are out of range (00–59)"), "{err}");
        assert!(parse_cue_time("00:00:99.000").unwrap_err().contains("seconds 99"));
        for bad in ["00:00:0,300", "", "00:00:01", "a:bb:cc.ddd", "00:00:01.", "00:00:01.1234"] {
            assert!(parse_cue_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn offsets_and_formatting() {
        assert_eq!(plausible_offset(3.0), Some(3.0));
        assert_eq!(plausible_offset(-1.0), None);
        assert_eq!(plausible_offset(1_717_000_000_000.0), None);
        assert_eq!(plausible_offset(f64::NAN), None);
        assert_eq!(format_mm_ss(0.0), "00:00");
        assert_eq!(format_mm_ss(65.9), "01:05");
        assert_eq!(format_mm_ss(3725.0), "62:05");
        assert_eq!(format_mm_ss(-3.0), "00:00");
    }

    #[test]
    fn rfc3339_to_epoch_seconds() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_seconds("2024-05-01T10:00:00Z"), Some(1_714_557_600.0));
        assert_eq!(rfc3339_seconds("2024-05-01T12:00:00.5+02:00"), Some(1_714_557_600.5));
        assert_eq!(rfc3339_seconds("2000-03-01 00:00:00-01:00"), Some(951_872_400.0));
        for bad in ["", "2024-05-01", "2024-13-01T00:00:00Z", "1714557600", "2024-05-01T10:00:00"] {
            assert_eq!(rfc3339_seconds(bad), None, "{bad}");
        }
    }
}
