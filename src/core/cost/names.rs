//! Model names as users and providers write them, reduced to the name the price table uses.
//!
//! Providers answer with dated snapshot names (`gpt-4o-mini-2024-07-18`) and Gemini with resource
//! names (`models/gemini-2.5-flash`), while list prices are per base model. Only these two
//! decorations are removed: anything looser (prefix matching) would price `gpt-4o-mini` as
//! `gpt-4o`, about 16 times too high.

/// `models/name-YYYY-MM-DD` or `name-YYYYMMDD` → `name`; other names come back trimmed but
/// otherwise unchanged.
pub(super) fn base_model_name(model: &str) -> &str {
    let name = model.trim();
    let name = name.strip_prefix("models/").unwrap_or(name);
    strip_date_suffix(name)
}

/// `name-YYYY-MM-DD` or `name-YYYYMMDD` → `name`; anything else unchanged.
fn strip_date_suffix(name: &str) -> &str {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // -YYYY-MM-DD
    if let Some((rest, day)) = name.rsplit_once('-')
        && let Some((rest, month)) = rest.rsplit_once('-')
        && let Some((base, year)) = rest.rsplit_once('-')
        && year.len() == 4
        && month.len() == 2
        && day.len() == 2
        && all_digits(year)
        && all_digits(month)
        && all_digits(day)
        && !base.is_empty()
    {
        return base;
    }
    // -YYYYMMDD
    if let Some((base, date)) = name.rsplit_once('-')
        && date.len() == 8
        && all_digits(date)
        && !base.is_empty()
    {
        return base;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_suffixes() {
        assert_eq!(strip_date_suffix("a-2024-07-18"), "a");
        assert_eq!(strip_date_suffix("a-20240718"), "a");
        assert_eq!(strip_date_suffix("gpt-4.1"), "gpt-4.1");
        assert_eq!(strip_date_suffix("a-0718"), "a-0718");
        assert_eq!(strip_date_suffix("a-24-07-18"), "a-24-07-18");
    }

    #[test]
    fn base_names() {
        assert_eq!(base_model_name("models/gemini-2.5-pro"), "gemini-2.5-pro");
        assert_eq!(base_model_name(" gpt-4o-2024-08-06 "), "gpt-4o");
        assert_eq!(base_model_name("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
        assert_eq!(base_model_name("gpt-4o-mini"), "gpt-4o-mini");
        assert_eq!(base_model_name("-2024-07-18"), "-2024-07-18");
    }
}
